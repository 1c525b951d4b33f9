package api_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"testing"

	"linli/api"
	"linli/app/apptest"
)

// TestAnnouncementListEncodingMatches: a resident's list is spliced from items kept encoded
// (without the reader's part) and the reader's part; its bytes are exactly those of encoding
// the whole answer with encoding/json, for a first and a kept rendering, for items read and
// not, and for the database path of a captain whose own announcement is "mine".
func TestAnnouncementListEncodingMatches(t *testing.T) {
	t.Parallel()
	f := newAnnounceFixture(t)
	b := f.c.BuildingIDs[0]
	first := f.published(t, f.staff, map[string]any{"title": "停水通知", "body": "明天 9:00–12:00 停水，请提前储水。<b>\"注意\"</b> & 谢谢", "audience": "community"})
	f.published(t, f.staff, map[string]any{"title": "置顶：电梯检修", "body": "3栋电梯周五检修", "audience": "community", "pinned": true})
	mine := f.published(t, f.captain, map[string]any{"title": "楼栋长通知", "body": "本楼周六大扫除", "audience": "building", "audience_id": b})
	f.e.Do("GET", "/api/v1/announcements/"+first.ID, nil, apptest.Token(f.residents[0].Token)).Want(t, 200)

	path := fmt.Sprintf("/api/v1/communities/%s/announcements", f.c.ID)
	check := func(who string, s apptest.Session, wantRead, wantMine string) {
		t.Helper()
		raw := f.e.Do("GET", path, nil, apptest.Token(s.Token)).Want(t, 200).Body
		var env api.Envelope[api.Page[api.AnnouncementDTO]]
		if err := json.Unmarshal(raw, &env); err != nil {
			t.Fatalf("%s: %v: %s", who, err, raw)
		}
		want, err := json.Marshal(env)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(bytes.TrimSpace(raw), want) {
			t.Fatalf("%s: the spliced list differs from encoding it whole:\ngot  %s\nwant %s", who, raw, want)
		}
		if len(env.Data.Items) != 3 {
			t.Fatalf("%s: %d items, want 3: %s", who, len(env.Data.Items), raw)
		}
		for _, it := range env.Data.Items {
			if id := fmt.Sprint(it.ID); it.Read != (id == wantRead) || it.Mine != (id == wantMine) {
				t.Fatalf("%s: item %s read=%v mine=%v (want read %q, mine %q)", who, id, it.Read, it.Mine, wantRead, wantMine)
			}
		}
	}
	for round := range 2 { // the second is answered from the kept renderings
		check(fmt.Sprintf("resident, round %d", round), f.residents[0], first.ID, "")
		check(fmt.Sprintf("member of another household, round %d", round), f.residents[1], "", "")
	}
	check("captain", f.captain, "", mine.ID)
}
