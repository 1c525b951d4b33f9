package api_test

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"strings"
	"sync"
	"testing"
	"time"

	"linli/app/apptest"
	"linli/config"
)

type issueData struct {
	ID         string `json:"id"`
	Status     string `json:"status"`
	Anonymous  bool   `json:"anonymous"`
	Followers  int    `json:"followers"`
	Following  bool   `json:"following"`
	Reporter   *struct{ ID, Nickname string }
	Phone      string `json:"reporter_phone"`
	Rating     *int   `json:"rating"`
	CategoryID string `json:"category_id"`
	Building   string `json:"building_name"`
	Photos     []struct{ ID, URL string }
	Timeline   []struct {
		Action, FromStatus, ToStatus string `json:"-"`
		A                            string `json:"action"`
		From                         string `json:"from_status"`
		To                           string `json:"to_status"`
		Actor                        *struct{ ID string }
	} `json:"timeline"`
	Comments []struct {
		Body string
		Held bool
	} `json:"comments"`
}

// issueWorld is a community with a resident, a neighbour, a resident of another building, a
// captain of the building and staff, and a second community with its own people.
type issueWorld struct {
	e                                *apptest.Env
	c, other                         apptest.Community
	reporter, neighbour, farResident apptest.Session
	captain, otherCaptain, staff     apptest.Session
	foreignStaff, foreignResident    apptest.Session
	category                         string
}

func newIssueWorld(t *testing.T, opts ...apptest.Option) *issueWorld {
	t.Helper()
	return newIssueWorldNamed(t, "", opts...)
}

// newIssueWorldNamed prefixes every openid: tests against the shared fake WeChat server keep
// their people apart that way.
func newIssueWorldNamed(t *testing.T, prefix string, opts ...apptest.Option) *issueWorld {
	t.Helper()
	opts = append([]apptest.Option{func(c *config.Config) { c.Limits.LoginPerIP, c.Limits.LoginPerUser = 0, 0 }}, opts...)
	e := apptest.New(t, opts...)
	w := &issueWorld{e: e, c: e.MakeCommunity("东亭社区", 1, 3), other: e.MakeCommunity("东环路社区", 1, 1)}
	b := w.c.BuildingIDs
	w.reporter = e.MakeResident(prefix+"reporter", b[0], "101")
	w.neighbour = e.MakeResident(prefix+"neighbour", b[0], "202")
	w.farResident = e.MakeResident(prefix+"far", b[1], "303")
	w.captain = e.MakeCaptain(w.c.ID, prefix+"captain", b[0])
	w.otherCaptain = e.MakeCaptain(w.c.ID, prefix+"other-captain", b[1])
	w.staff = e.MakeStaff(w.c.ID, "staff")
	w.foreignStaff = e.MakeStaff(w.other.ID, "foreign-staff")
	w.foreignResident = e.MakeResident(prefix+"foreign-resident", w.other.BuildingIDs[0], "101")
	var cats []struct{ ID, Name string }
	onePage(t, e.Do("GET", "/api/v1/communities/"+w.c.ID+"/issue-categories", nil, apptest.Token(w.reporter.Token)).Want(t, 200), &cats)
	if len(cats) != 9 || cats[0].Name != "照明" {
		t.Fatalf("default categories: %+v", cats)
	}
	w.category = cats[0].ID
	return w
}

func tok(s apptest.Session) apptest.Req { return apptest.Token(s.Token) }

func (w *issueWorld) report(t *testing.T, who apptest.Session, body map[string]any) *apptest.Response {
	t.Helper()
	req := map[string]any{"building_id": w.c.BuildingIDs[0], "category_id": w.category, "description": "3单元楼道灯不亮", "location": "3单元2楼"}
	for k, v := range body {
		req[k] = v
	}
	return w.e.Do("POST", "/api/v1/issues", req, tok(who))
}

func (w *issueWorld) get(t *testing.T, who apptest.Session, id string) issueData {
	t.Helper()
	var d issueData
	w.e.Do("GET", "/api/v1/issues/"+id, nil, tok(who)).Want(t, 200).Data(t, &d)
	return d
}

func (w *issueWorld) move(who apptest.Session, id, action string, extra map[string]any) *apptest.Response {
	body := map[string]any{"action": action}
	for k, v := range extra {
		body[k] = v
	}
	return w.e.Do("POST", "/api/v1/issues/"+id+"/transitions", body, tok(who))
}

// gpsJPEG is a small JPEG with an APP1 Exif segment carrying a GPS marker.
func gpsJPEG(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 8, 8))
	img.Set(1, 1, color.RGBA{R: 200, A: 255})
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, nil); err != nil {
		t.Fatal(err)
	}
	b := buf.Bytes()
	payload := append([]byte("Exif\x00\x00MM\x00\x2a\x00\x00\x00\x08"), []byte("GPSLatitude 30.5N GPSLongitude 114.3E")...)
	seg := []byte{0xFF, 0xE1, byte((len(payload) + 2) >> 8), byte(len(payload) + 2)}
	seg = append(seg, payload...)
	return append(append(append([]byte{}, b[:2]...), seg...), b[2:]...)
}

func TestIssueFullCycle(t *testing.T) {
	t.Parallel()
	w := newIssueWorld(t)
	e := w.e
	photo := upload(t, e, w.reporter.Token, "p.jpg", gpsJPEG(t)).ID
	var created issueData
	w.report(t, w.reporter, map[string]any{"photos": []string{photo}, "urgency": "urgent"}).Want(t, 201).Data(t, &created)
	// The building is named with its estate: a community of several estates has a 1栋 in each.
	if created.Status != "submitted" || len(created.Photos) != 1 || created.Building != "1号院 1栋" {
		t.Fatalf("created: %+v", created)
	}
	id := created.ID
	// The neighbour follows (我也遇到了).
	w.e.Do("POST", "/api/v1/issues/"+id+"/follow", nil, tok(w.neighbour)).Want(t, 200)
	w.e.Do("POST", "/api/v1/issues/"+id+"/follow", nil, tok(w.neighbour)).Want(t, 200) // twice: no change
	if d := w.get(t, w.neighbour, id); !d.Following || d.Followers != 1 {
		t.Fatalf("follow: %+v", d)
	}
	w.move(w.captain, id, "acknowledge", nil).Want(t, 200)
	w.move(w.captain, id, "acknowledge", nil).Want(t, 409)
	w.move(w.captain, id, "start", nil).Want(t, 200)
	w.move(w.captain, id, "resolve", map[string]any{"note": "已更换灯泡"}).Want(t, 200)
	w.e.Do("POST", "/api/v1/issues/"+id+"/rating", map[string]any{"score": 6}, tok(w.reporter)).Want(t, 400)
	w.move(w.reporter, id, "reopen", map[string]any{"note": "又不亮了"}).Want(t, 200)
	w.move(w.captain, id, "resolve", map[string]any{"note": "更换了开关"}).Want(t, 200)
	w.e.Do("POST", "/api/v1/issues/"+id+"/rating", map[string]any{"score": 5, "comment": "很快"}, tok(w.reporter)).Want(t, 200)
	w.e.Do("POST", "/api/v1/issues/"+id+"/rating", map[string]any{"score": 4}, tok(w.reporter)).Want(t, 409)
	w.move(w.reporter, id, "close", nil).Want(t, 200)
	w.move(w.reporter, id, "reopen", nil).Want(t, 409)

	d := w.get(t, w.reporter, id)
	var actions []string
	for _, ev := range d.Timeline {
		actions = append(actions, ev.A+":"+ev.To)
	}
	want := "report:submitted acknowledge:acknowledged start:in_progress resolve:resolved reopen:in_progress resolve:resolved close:closed"
	if strings.Join(actions, " ") != want || d.Status != "closed" || d.Rating == nil || *d.Rating != 5 {
		t.Fatalf("timeline %v, status %s", actions, d.Status)
	}
	// Inbox: the captain heard of the new issue once; the reporter of each change made by someone
	// else (4: not their own reopen and close), the follower of all six.
	ctx := context.Background()
	rid, nid, cid := e.ParseID(w.reporter.UserID), e.ParseID(w.neighbour.UserID), e.ParseID(w.captain.UserID)
	for _, c := range []struct {
		user uint64
		kind string
		want int64
	}{{cid, "issue_new", 1}, {rid, "issue_status", 4}, {nid, "issue_status", 6}} {
		n, err := e.App.Store.Count(ctx, "notifications", "user_id = ? AND kind = ?", c.user, c.kind)
		if err != nil || n != c.want {
			t.Errorf("user %d %s: %d notifications, want %d (%v)", c.user, c.kind, n, c.want, err)
		}
	}
}

func TestConcurrentTransitionsHaveOneWinner(t *testing.T) {
	t.Parallel()
	w := newIssueWorld(t)
	actors := []apptest.Session{w.captain, w.staff, w.captain, w.staff, w.captain, w.staff}
	// race makes every actor try one of two actions that exclude each other at once.
	race := func(id string, actions [2]string) []int {
		codes := make([]int, len(actors))
		var wg sync.WaitGroup
		for i, a := range actors {
			wg.Add(1)
			go func() {
				defer wg.Done()
				codes[i] = w.move(a, id, actions[i%2], map[string]any{"note": "不属于物业范围"}).Status
			}()
		}
		wg.Wait()
		return codes
	}
	for _, round := range []struct {
		before  []string
		actions [2]string
	}{
		{nil, [2]string{"acknowledge", "acknowledge"}},
		{[]string{"acknowledge"}, [2]string{"start", "reject"}},
	} {
		var d issueData
		w.report(t, w.reporter, nil).Want(t, 201).Data(t, &d)
		for _, a := range round.before {
			w.move(w.captain, d.ID, a, nil).Want(t, 200)
		}
		codes := race(d.ID, round.actions)
		wins := 0
		for _, c := range codes {
			switch c {
			case 200:
				wins++
			case 409:
			default:
				t.Fatalf("%v: unexpected status %d (%v)", round.actions, c, codes)
			}
		}
		if wins != 1 {
			t.Fatalf("%v: %d winners: %v", round.actions, wins, codes)
		}
		got := w.get(t, w.staff, d.ID)
		if len(got.Timeline) != 2+len(round.before) {
			t.Fatalf("%v: timeline has %d entries, want report + %d transitions", round.actions, len(got.Timeline), 1+len(round.before))
		}
	}
}

func TestIssueVisibilityAndRoles(t *testing.T) {
	t.Parallel()
	w := newIssueWorld(t)
	var d issueData
	w.report(t, w.reporter, map[string]any{"anonymous": true}).Want(t, 201).Data(t, &d)
	// Neighbour sees it without the reporter; captain and staff see the reporter.
	if n := w.get(t, w.neighbour, d.ID); n.Reporter != nil {
		t.Fatalf("anonymous reporter shown to a neighbour: %+v", n.Reporter)
	}
	if c := w.get(t, w.captain, d.ID); c.Reporter == nil || c.Reporter.ID != w.reporter.UserID {
		t.Fatal("captain cannot see the reporter")
	}
	for _, who := range []apptest.Session{w.farResident, w.otherCaptain, w.foreignStaff, w.foreignResident} {
		w.e.Do("GET", "/api/v1/issues/"+d.ID, nil, tok(who)).Want(t, 404)
		w.move(who, d.ID, "acknowledge", nil).Want(t, 404)
		w.e.Do("POST", "/api/v1/issues/"+d.ID+"/comments", map[string]any{"body": "hi"}, tok(who)).Want(t, 404)
	}
	w.e.Do("GET", "/api/v1/issues/"+d.ID, nil).Want(t, 401)
	// Wrong role inside the issue's audience.
	w.move(w.neighbour, d.ID, "acknowledge", nil).Want(t, 403)
	w.move(w.reporter, d.ID, "acknowledge", nil).Want(t, 403)
	w.move(w.captain, d.ID, "reject", nil).Want(t, 400) // reason required
	// Only approved residents of the building report.
	w.report(t, w.farResident, nil).Want(t, 403)
	w.report(t, w.foreignStaff, nil).Want(t, 403)
	// Bad input names the field.
	if eb := w.report(t, w.reporter, map[string]any{"description": ""}).Want(t, 400).Err(t); !eb.HasField("description") {
		t.Fatalf("%+v", eb)
	}
	if eb := w.report(t, w.reporter, map[string]any{"urgency": "asap"}).Want(t, 400).Err(t); !eb.HasField("urgency") {
		t.Fatalf("%+v", eb)
	}
	if eb := w.report(t, w.reporter, map[string]any{"category_id": "999999"}).Want(t, 400).Err(t); !eb.HasField("category_id") {
		t.Fatalf("%+v", eb)
	}
	// Someone else's upload cannot be attached; nothing is written.
	ph := upload(t, w.e, w.neighbour.Token, "p.jpg", gpsJPEG(t)).ID
	before, _ := w.e.App.Store.Count(context.Background(), "issues", "")
	if eb := w.report(t, w.reporter, map[string]any{"photos": []string{ph}}).Want(t, 400).Err(t); !eb.HasField("photos") {
		t.Fatalf("%+v", eb)
	}
	after, _ := w.e.App.Store.Count(context.Background(), "issues", "")
	if after != before {
		t.Fatalf("a refused report left a row (%d → %d)", before, after)
	}
	// Queues: the captain sees their building; the other captain does not.
	var page struct{ Items []issueData }
	w.e.Do("GET", "/api/v1/issues?scope=building", nil, tok(w.captain)).Want(t, 200).Data(t, &page)
	if len(page.Items) != 1 {
		t.Fatalf("captain queue: %d", len(page.Items))
	}
	w.e.Do("GET", "/api/v1/issues?scope=building", nil, tok(w.otherCaptain)).Want(t, 200).Data(t, &page)
	if len(page.Items) != 0 {
		t.Fatalf("other captain sees %d", len(page.Items))
	}
	w.e.Do("GET", "/api/v1/issues?scope=community&community_id="+w.c.ID, nil, tok(w.foreignStaff)).Want(t, 404)
	w.e.Do("GET", "/api/v1/issues?scope=community&community_id="+w.c.ID, nil, tok(w.captain)).Want(t, 403)
	w.e.Do("GET", "/api/v1/issues?scope=everything", nil, tok(w.captain)).Want(t, 400)
}

func TestRiskyTextRefusedAndUnreachableHeld(t *testing.T) {
	// The fake WeChat server's word lists and outage are process-wide: not parallel.
	wx := apptest.WeChat()
	w := newIssueWorld(t, apptest.WithWeChat())
	wx.SetRiskyWords("代开发票")
	defer wx.SetRiskyWords()
	before, _ := w.e.App.Store.Count(context.Background(), "issues", "")
	w.report(t, w.reporter, map[string]any{"description": "楼下有人代开发票"}).Want(t, 422)
	after, _ := w.e.App.Store.Count(context.Background(), "issues", "")
	if after != before {
		t.Fatal("risky report stored")
	}
	wx.SetDown(1) // busy
	var held issueData
	w.report(t, w.reporter, nil).Want(t, 201).Data(t, &held)
	wx.SetDown(0)
	if held.Status != "pending_review" {
		t.Fatalf("status %s", held.Status)
	}
	w.e.Do("GET", "/api/v1/issues/"+held.ID, nil, tok(w.neighbour)).Want(t, 404)
	w.e.Do("GET", "/api/v1/issues/"+held.ID, nil, tok(w.captain)).Want(t, 404)
	w.get(t, w.reporter, held.ID)
	w.get(t, w.staff, held.ID)
	w.move(w.staff, held.ID, "release", nil).Want(t, 200)
	if d := w.get(t, w.neighbour, held.ID); d.Status != "submitted" {
		t.Fatalf("released: %s", d.Status)
	}
	_ = fmt.Sprint
}

// TestIssueCycleSendsEachSubscriptionOnce: with templates configured and one-time grants
// given, the outbox sends exactly one WeChat message per notice, however often it runs.
func TestIssueCycleSendsEachSubscriptionOnce(t *testing.T) {
	t.Parallel()
	prefix := uniq(t, "w")
	w := newIssueWorldNamed(t, prefix, apptest.WithWeChat(), func(c *config.Config) {
		c.Notify.Templates = map[string]string{"issue_status": "tpl-status", "issue_new": "tpl-new"}
	})
	e := w.e
	for range 5 { // one grant per requestSubscribeMessage tap
		e.Do("POST", "/api/v1/me/subscriptions", map[string]any{"template_ids": []string{"tpl-status"}}, tok(w.reporter)).Want(t, 201)
	}
	for range 2 {
		e.Do("POST", "/api/v1/me/subscriptions", map[string]any{"template_ids": []string{"tpl-new"}}, tok(w.captain)).Want(t, 201)
	}
	var d issueData
	w.report(t, w.reporter, nil).Want(t, 201).Data(t, &d)
	for _, step := range []struct {
		who    apptest.Session
		action string
	}{{w.captain, "acknowledge"}, {w.captain, "start"}, {w.captain, "resolve"}, {w.reporter, "close"}} {
		w.move(step.who, d.ID, step.action, nil).Want(t, 200)
	}
	ctx := context.Background()
	for range 3 {
		if err := e.App.Services.Notifier.DeliverBacklog(ctx); err != nil {
			t.Fatal(err)
		}
	}
	wx := apptest.WeChat()
	if got := len(wx.SentTo(prefix + "reporter")); got != 3 { // acknowledge, start, resolve; not their own close
		t.Fatalf("reporter got %d messages, want 3", got)
	}
	if got := len(wx.SentTo(prefix + "captain")); got != 1 {
		t.Fatalf("captain got %d messages, want 1 (the new issue)", got)
	}
}

// TestDeletedReporterIssuesStillLoad: after 注销 the person's issues stay, attributed to
// "已注销用户"; their inbox is gone.
func TestDeletedReporterIssuesStillLoad(t *testing.T) {
	t.Parallel()
	w := newIssueWorld(t)
	var d issueData
	w.report(t, w.reporter, nil).Want(t, 201).Data(t, &d)
	w.move(w.captain, d.ID, "acknowledge", nil).Want(t, 200) // puts a notice in the reporter's inbox
	w.e.Do("DELETE", "/api/v1/me", nil, tok(w.reporter)).Want(t, 204)
	w.e.Do("GET", "/api/v1/issues/"+d.ID, nil, tok(w.reporter)).Want(t, 401)
	got := w.get(t, w.staff, d.ID)
	if got.Reporter == nil || got.Reporter.Nickname != "已注销用户" || got.Phone != "" {
		t.Fatalf("deleted reporter shown as %+v, phone %q", got.Reporter, got.Phone)
	}
	n, err := w.e.App.Store.Count(context.Background(), "notifications", "user_id = ?", w.e.ParseID(w.reporter.UserID))
	if err != nil || n != 0 {
		t.Fatalf("%d notifications left for the deleted user (%v)", n, err)
	}
}

func TestQueueOrderAndPages(t *testing.T) {
	t.Parallel()
	w := newIssueWorld(t)
	var ids []string
	for i, urgency := range []string{"normal", "urgent", "normal", "urgent", "normal"} {
		var d issueData
		w.report(t, w.reporter, map[string]any{"urgency": urgency, "description": fmt.Sprintf("问题 %d", i)}).Want(t, 201).Data(t, &d)
		ids = append(ids, d.ID)
	}
	want := []string{ids[1], ids[3], ids[0], ids[2], ids[4]} // urgent first, then oldest
	var got []string
	cursor := ""
	for page := 0; page < 5; page++ {
		var p struct {
			Items      []issueData
			NextCursor string `json:"next_cursor"`
		}
		w.e.Do("GET", "/api/v1/issues?scope=building&limit=2&cursor="+cursor, nil, tok(w.captain)).Want(t, 200).Data(t, &p)
		for _, it := range p.Items {
			got = append(got, it.ID)
		}
		if cursor = p.NextCursor; cursor == "" {
			break
		}
	}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("queue order %v, want %v", got, want)
	}
	w.e.Do("GET", "/api/v1/issues?scope=building&cursor=x.y", nil, tok(w.captain)).Want(t, 400)
	var mine struct{ Items []issueData }
	w.e.Do("GET", "/api/v1/issues?scope=mine", nil, tok(w.reporter)).Want(t, 200).Data(t, &mine)
	if len(mine.Items) != 5 || mine.Items[0].ID != ids[4] {
		t.Fatalf("mine should be newest first: %+v", mine.Items)
	}
	// Without a scope the list is mine (the document's default).
	var implicit struct{ Items []issueData }
	w.e.Do("GET", "/api/v1/issues", nil, tok(w.reporter)).Want(t, 200).Data(t, &implicit)
	if len(implicit.Items) != 5 || implicit.Items[0].ID != ids[4] {
		t.Fatalf("no scope: %+v", implicit.Items)
	}
}

func TestResolvedIssueClosesItself(t *testing.T) {
	t.Parallel()
	w := newIssueWorld(t, func(c *config.Config) { c.Issues.AutoCloseAfter = time.Millisecond })
	var d issueData
	w.report(t, w.reporter, nil).Want(t, 201).Data(t, &d)
	w.move(w.captain, d.ID, "acknowledge", nil).Want(t, 200)
	w.move(w.captain, d.ID, "resolve", nil).Want(t, 200)
	time.Sleep(20 * time.Millisecond)
	n, err := w.e.App.Services.Issues.AutoClose(context.Background())
	if err != nil || n != 1 {
		t.Fatalf("auto-closed %d (%v)", n, err)
	}
	if n, _ := w.e.App.Services.Issues.AutoClose(context.Background()); n != 0 {
		t.Fatalf("closed again: %d", n)
	}
	got := w.get(t, w.reporter, d.ID)
	if got.Status != "closed" || got.Timeline[len(got.Timeline)-1].A != "auto_close" || got.Timeline[len(got.Timeline)-1].Actor != nil {
		t.Fatalf("after auto-close: %s %+v", got.Status, got.Timeline)
	}
}

func TestReportRateLimit(t *testing.T) {
	t.Parallel()
	w := newIssueWorld(t, func(c *config.Config) { c.Limits.ReportPerUser = 2 })
	w.report(t, w.reporter, nil).Want(t, 201)
	w.report(t, w.reporter, nil).Want(t, 201)
	r := w.report(t, w.reporter, nil).Want(t, 429)
	if r.Header.Get("Retry-After") == "" {
		t.Fatal("429 without Retry-After")
	}
	w.report(t, w.neighbour, nil).Want(t, 201) // per user, not global
}
