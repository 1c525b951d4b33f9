package api_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"linli/app/apptest"
)

// announceFixture is a community of two estates of two buildings, its staff, the captain of
// the first building, four households of residents in that building (rooms 101–104; member
// lives with resident 0), a resident of the first estate's second building, a resident of the
// second estate, and staff of another community.
type announceFixture struct {
	e          *apptest.Env
	c          apptest.Community
	staff      apptest.Session
	captain    apptest.Session
	residents  []apptest.Session
	member     apptest.Session // lives in resident 0's room: the same household
	neighbour  apptest.Session // the first estate's second building
	elsewhere  apptest.Session // the second estate
	otherStaff apptest.Session
}

func newAnnounceFixture(t *testing.T, opts ...apptest.Option) *announceFixture {
	t.Helper()
	e := apptest.New(t, opts...)
	f := &announceFixture{e: e, c: e.MakeCommunity("公告社区", 2, 2)}
	b := f.c.BuildingIDs[0]
	f.staff = e.MakeStaff(f.c.ID, "ann-staff")
	f.captain = e.MakeCaptain(f.c.ID, "ann-captain", b)
	for i := 0; i < 4; i++ {
		f.residents = append(f.residents, e.MakeResident(fmt.Sprintf("ann-r%d", i), b, fmt.Sprintf("%d", 101+i)))
	}
	f.member = e.MakeResident("ann-member", b, "101")
	f.neighbour = e.MakeResident("ann-neighbour", f.c.Buildings[f.c.EstateIDs[0]][1], "201")
	f.elsewhere = e.MakeResident("ann-elsewhere", f.c.Buildings[f.c.EstateIDs[1]][0], "301")
	other := e.MakeCommunity("别的社区", 1, 1)
	f.otherStaff = e.MakeStaff(other.ID, "ann-other-staff")
	return f
}

type announcementData struct {
	ID           string  `json:"id"`
	Audience     string  `json:"audience"`
	AudienceName string  `json:"audience_name"`
	Title        string  `json:"title"`
	Pinned       bool    `json:"pinned"`
	Status       string  `json:"status"`
	Read         bool    `json:"read"`
	Mine         bool    `json:"mine"`
	PublishedAt  *string `json:"published_at"`
	Author       *struct {
		ID string `json:"id"`
	} `json:"author"`
	MayReceipts bool `json:"may_receipts"`
}

type receiptsData struct {
	Households   int  `json:"households"`
	Reached      int  `json:"reached"`
	ReachPercent int  `json:"reach_percent"`
	Recipients   int  `json:"recipients"`
	Delivering   bool `json:"delivering"`
	Unreached    struct {
		Items []struct {
			HouseholdID  string `json:"household_id"`
			BuildingName string `json:"building_name"`
			Room         string `json:"room"`
			Members      int    `json:"members"`
			PhoneBound   bool   `json:"phone_bound"`
		} `json:"items"`
		NextCursor string `json:"next_cursor"`
	} `json:"unreached"`
}

func (f *announceFixture) publish(s apptest.Session, body map[string]any) *apptest.Response {
	return f.e.Do("POST", "/api/v1/communities/"+f.c.ID+"/announcements", body, apptest.Token(s.Token))
}

func (f *announceFixture) published(t *testing.T, s apptest.Session, body map[string]any) announcementData {
	t.Helper()
	var a announcementData
	f.publish(s, body).Want(t, 201).Data(t, &a)
	return a
}

// list returns the titles of the announcements s sees, following every page of limit.
func (f *announceFixture) list(t *testing.T, s apptest.Session, limit int) []announcementData {
	t.Helper()
	var out []announcementData
	cursor := ""
	for i := 0; ; i++ {
		if i > 50 {
			t.Fatal("the list does not end")
		}
		var page struct {
			Items      []announcementData `json:"items"`
			NextCursor string             `json:"next_cursor"`
		}
		f.e.Do("GET", fmt.Sprintf("/api/v1/communities/%s/announcements?limit=%d&cursor=%s", f.c.ID, limit, cursor), nil,
			apptest.Token(s.Token)).Want(t, 200).Data(t, &page)
		out = append(out, page.Items...)
		if page.NextCursor == "" {
			return out
		}
		cursor = page.NextCursor
	}
}

func annTitles(as []announcementData) []string {
	out := make([]string, len(as))
	for i, a := range as {
		out[i] = a.Title
	}
	return out
}

func (f *announceFixture) deliver(t *testing.T) int {
	t.Helper()
	n, err := f.e.App.Services.Announcements.DeliverDue(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// inbox counts s's inbox notices of announcements, and the unread ones.
func (f *announceFixture) inbox(t *testing.T, s apptest.Session) (all, unread int) {
	t.Helper()
	var page struct {
		Items []struct {
			Kind string `json:"kind"`
			Read bool   `json:"read"`
		} `json:"items"`
	}
	f.e.Do("GET", "/api/v1/me/notifications?limit=100", nil, apptest.Token(s.Token)).Want(t, 200).Data(t, &page)
	for _, n := range page.Items {
		if n.Kind == "announcement" {
			all++
			if !n.Read {
				unread++
			}
		}
	}
	return all, unread
}

func (f *announceFixture) receipts(t *testing.T, s apptest.Session, id string) receiptsData {
	t.Helper()
	var r receiptsData
	f.e.Do("GET", "/api/v1/announcements/"+id+"/receipts", nil, apptest.Token(s.Token)).Want(t, 200).Data(t, &r)
	return r
}

func TestAnnouncementsAudiencesOrderAndReceipts(t *testing.T) {
	f := newAnnounceFixture(t)
	b0, b1 := f.c.BuildingIDs[0], f.c.Buildings[f.c.EstateIDs[0]][1]
	// A captain publishes to the buildings they captain, nowhere else.
	f.publish(f.captain, map[string]any{"title": "停水", "body": "明天停水", "audience": "estate", "audience_id": f.c.EstateIDs[0]}).Want(t, 403)
	f.publish(f.captain, map[string]any{"title": "停水", "body": "明天停水", "audience": "building", "audience_id": b1}).Want(t, 403)
	f.publish(f.residents[0], map[string]any{"title": "停水", "body": "明天停水", "audience": "building", "audience_id": b0}).Want(t, 403)
	f.publish(f.otherStaff, map[string]any{"title": "停水", "body": "明天停水", "audience": "community"}).Want(t, 404)
	water := f.published(t, f.captain, map[string]any{"title": "1栋明天上午停水", "body": "明天 9:00–12:00 1 栋停水，请提前储水。",
		"audience": "building", "audience_id": b0})
	if water.Status != "published" || water.AudienceName != "1号院 1栋" || !water.Mine || !water.MayReceipts {
		t.Fatalf("published: %+v", water)
	}
	f.e.Clock.Add(time.Minute)
	estate := f.published(t, f.staff, map[string]any{"title": "1号院电梯年检", "body": "周五电梯年检。", "audience": "estate",
		"audience_id": f.c.EstateIDs[0]})
	f.e.Clock.Add(time.Minute)
	pinned := f.published(t, f.staff, map[string]any{"title": "社区议事会通知", "body": "周六议事会。", "audience": "community",
		"pinned": true, "expires_at": f.e.Clock.Now().Add(24 * time.Hour).Format(time.RFC3339)})
	f.e.Clock.Add(time.Minute)
	later := f.published(t, f.staff, map[string]any{"title": "垃圾分类宣传", "body": "下周宣传。", "audience": "community"})

	// Delivery tells each resident once per announcement addressed to them.
	// The building: 4 rooms' residents and the member; the estate: those and the neighbour;
	// the community, twice: everyone but staff and the captain (who lives nowhere).
	if n := f.deliver(t); n != 5+6+7+7 {
		t.Fatalf("delivery told %d people", n)
	}
	for _, c := range []struct {
		who  apptest.Session
		want int
	}{{f.residents[0], 4}, {f.member, 4}, {f.neighbour, 3}, {f.elsewhere, 2}, {f.staff, 0}} {
		if all, unread := f.inbox(t, c.who); all != c.want || unread != c.want {
			t.Errorf("%s: %d notices (%d unread), want %d", c.who.UserID, all, unread, c.want)
		}
	}
	if f.deliver(t) != 0 {
		t.Fatal("a second delivery told someone again")
	}

	// Pinned first, then newest; each sees what is addressed to them, on any page size.
	want := []string{pinned.Title, later.Title, estate.Title, water.Title}
	for _, limit := range []int{1, 2, 20} {
		if got := annTitles(f.list(t, f.residents[0], limit)); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("resident, limit %d: %v, want %v", limit, got, want)
		}
	}
	if got := annTitles(f.list(t, f.neighbour, 20)); fmt.Sprint(got) != fmt.Sprint([]string{pinned.Title, later.Title, estate.Title}) {
		t.Fatalf("neighbour: %v", got)
	}
	if got := annTitles(f.list(t, f.elsewhere, 20)); fmt.Sprint(got) != fmt.Sprint([]string{pinned.Title, later.Title}) {
		t.Fatalf("elsewhere: %v", got)
	}
	if got := annTitles(f.list(t, f.staff, 20)); len(got) != 4 {
		t.Fatalf("staff: %v", got)
	}
	f.e.Do("GET", "/api/v1/communities/"+f.c.ID+"/announcements", nil, apptest.Token(f.otherStaff.Token)).Want(t, 404)
	f.e.Do("GET", "/api/v1/announcements/"+water.ID, nil, apptest.Token(f.elsewhere.Token)).Want(t, 404)
	f.e.Do("GET", "/api/v1/announcements/"+water.ID, nil, apptest.Token(f.otherStaff.Token)).Want(t, 404)

	// Receipts count households: two readers of one household count once.
	r := f.receipts(t, f.captain, water.ID)
	if r.Households != 4 || r.Reached != 0 || r.Recipients != 5 || r.Delivering || len(r.Unreached.Items) != 4 {
		t.Fatalf("receipts before reading: %+v", r)
	}
	var d announcementData
	f.e.Do("GET", "/api/v1/announcements/"+water.ID, nil, apptest.Token(f.residents[0].Token)).Want(t, 200).Data(t, &d)
	if !d.Read || d.MayReceipts {
		t.Fatalf("detail as resident 0 read it: %+v", d)
	}
	for _, a := range f.list(t, f.residents[0], 20) { // the list (kept in memory) knows at once
		if a.Read != (a.ID == water.ID) {
			t.Fatalf("list after reading %s: %+v", water.ID, a)
		}
	}
	if _, unread := f.inbox(t, f.residents[0]); unread != 3 {
		t.Fatalf("opening the announcement left its notice unread: %d unread", unread)
	}
	f.e.Do("GET", "/api/v1/announcements/"+water.ID, nil, apptest.Token(f.member.Token)).Want(t, 200)
	f.e.Do("GET", "/api/v1/announcements/"+water.ID, nil, apptest.Token(f.residents[1].Token)).Want(t, 200)
	f.e.Do("GET", "/api/v1/announcements/"+water.ID, nil, apptest.Token(f.residents[1].Token)).Want(t, 200)
	f.e.Do("GET", "/api/v1/announcements/"+water.ID, nil, apptest.Token(f.staff.Token)).Want(t, 200)
	if _, err := f.e.App.Services.Users.BindPhone(context.Background(), f.e.ParseID(f.residents[2].UserID), "13900001111", "192.0.2.1"); err != nil {
		t.Fatal(err)
	}
	r = f.receipts(t, f.staff, water.ID)
	if r.Households != 4 || r.Reached != 2 || r.ReachPercent != 50 || len(r.Unreached.Items) != 2 {
		t.Fatalf("receipts after three readers of two households: %+v", r)
	}
	u := r.Unreached.Items
	if u[0].Room != "103" || !u[0].PhoneBound || u[0].Members != 1 || u[1].Room != "104" || u[1].PhoneBound ||
		u[0].BuildingName != "1号院 1栋" {
		t.Fatalf("unreached: %+v", u)
	}
	// Paged: one household a page.
	var p1 receiptsData
	f.e.Do("GET", "/api/v1/announcements/"+water.ID+"/receipts?limit=1", nil, apptest.Token(f.captain.Token)).Want(t, 200).Data(t, &p1)
	if len(p1.Unreached.Items) != 1 || p1.Unreached.NextCursor == "" {
		t.Fatalf("first page: %+v", p1)
	}
	var p2 receiptsData
	f.e.Do("GET", "/api/v1/announcements/"+water.ID+"/receipts?limit=1&cursor="+p1.Unreached.NextCursor, nil,
		apptest.Token(f.captain.Token)).Want(t, 200).Data(t, &p2)
	if len(p2.Unreached.Items) != 1 || p2.Unreached.Items[0].Room != "104" || p2.Unreached.NextCursor != "" {
		t.Fatalf("second page: %+v", p2)
	}
	// Only the author and staff see receipts.
	f.e.Do("GET", "/api/v1/announcements/"+water.ID+"/receipts", nil, apptest.Token(f.residents[0].Token)).Want(t, 403)
	f.e.Do("GET", "/api/v1/announcements/"+estate.ID+"/receipts", nil, apptest.Token(f.captain.Token)).Want(t, 403)
	f.e.Do("GET", "/api/v1/announcements/"+water.ID+"/receipts", nil, apptest.Token(f.otherStaff.Token)).Want(t, 404)
	f.e.Do("GET", "/api/v1/announcements/"+water.ID+"/receipts", nil, apptest.Token(f.elsewhere.Token)).Want(t, 404)

	// The dashboard: four published, reach within 24 hours averaged over them (½, 0, 0, 0).
	var dash struct {
		Announcements struct {
			Published int64    `json:"published"`
			Reach24h  *float64 `json:"reach_24h"`
		} `json:"announcements"`
	}
	f.e.Do("GET", "/api/v1/communities/"+f.c.ID+"/dashboard", nil, apptest.Token(f.staff.Token)).Want(t, 200).Data(t, &dash)
	if a := dash.Announcements; a.Published != 4 || a.Reach24h == nil || *a.Reach24h != 0.125 {
		t.Fatalf("dashboard: %+v", a)
	}

	// Expiry: the pinned one leaves the lists after a day (its link still opens).
	f.e.Clock.Add(25 * time.Hour)
	if got := annTitles(f.list(t, f.residents[0], 20)); fmt.Sprint(got) != fmt.Sprint([]string{later.Title, estate.Title, water.Title}) {
		t.Fatalf("after the pinned one expired: %v", got)
	}
	f.e.Do("GET", "/api/v1/announcements/"+pinned.ID, nil, apptest.Token(f.residents[0].Token)).Want(t, 200)

	// Withdrawing: its author (or staff) only, once; then it is gone for residents.
	f.e.Do("POST", "/api/v1/announcements/"+water.ID+"/withdraw", nil, apptest.Token(f.residents[0].Token)).Want(t, 403)
	f.e.Do("POST", "/api/v1/announcements/"+estate.ID+"/withdraw", nil, apptest.Token(f.captain.Token)).Want(t, 403)
	f.e.Do("POST", "/api/v1/announcements/"+water.ID+"/withdraw", nil, apptest.Token(f.captain.Token)).Want(t, 200)
	f.e.Do("POST", "/api/v1/announcements/"+water.ID+"/withdraw", nil, apptest.Token(f.staff.Token)).Want(t, 409)
	f.e.Do("GET", "/api/v1/announcements/"+water.ID, nil, apptest.Token(f.residents[1].Token)).Want(t, 404)
	if got := annTitles(f.list(t, f.residents[0], 20)); fmt.Sprint(got) != fmt.Sprint([]string{later.Title, estate.Title}) {
		t.Fatalf("after withdrawing: %v", got)
	}
}

// Bad input is refused in Chinese and writes nothing; risky text is a 422; a captain's text
// the check cannot clear waits for staff, who release it; staff's own stands.
func TestAnnouncementsBadInputAndHeldText(t *testing.T) {
	f := newAnnounceFixture(t)
	other := f.e.MakeCommunity("隔壁社区", 1, 1)
	b0 := f.c.BuildingIDs[0]
	now := f.e.Clock.Now()
	for name, body := range map[string]map[string]any{
		"empty title":      {"title": " ", "body": "内容", "audience": "community"},
		"no body":          {"title": "标题", "audience": "community"},
		"title too long":   {"title": "一二三四五六七八九十一二三四五六七八九十一二三四五六七八九十一二三四五六七八九十一", "body": "内容", "audience": "community"},
		"unknown audience": {"title": "标题", "body": "内容", "audience": "city"},
		"expiry in the past": {"title": "标题", "body": "内容", "audience": "community",
			"expires_at": now.Add(-time.Minute).Format(time.RFC3339)},
		"expiry past a year": {"title": "标题", "body": "内容", "audience": "community",
			"expires_at": now.Add(400 * 24 * time.Hour).Format(time.RFC3339)},
		"foreign building":  {"title": "标题", "body": "内容", "audience": "building", "audience_id": other.BuildingIDs[0]},
		"foreign estate":    {"title": "标题", "body": "内容", "audience": "estate", "audience_id": other.EstateIDs[0]},
		"community with id": {"title": "标题", "body": "内容", "audience": "community", "audience_id": other.ID},
		"too many photos": {"title": "标题", "body": "内容", "audience": "community",
			"photos": []string{"1", "2", "3", "4", "5", "6", "7", "8", "9", "10"}},
		"someone else's photo": {"title": "标题", "body": "内容", "audience": "community", "photos": []string{"999999"}},
	} {
		res := f.publish(f.staff, body)
		if res.Status != 400 {
			t.Errorf("%s: %d %s", name, res.Status, res.Body)
		}
	}
	if got := f.list(t, f.staff, 20); len(got) != 0 {
		t.Fatalf("refused announcements were kept: %v", annTitles(got))
	}
	// Risky text is refused whoever writes it.
	risky := f.e.Config.Safety.DevRiskyWords[0]
	f.publish(f.staff, map[string]any{"title": "通知", "body": "出售" + risky, "audience": "community"}).Want(t, 422)
	f.publish(f.captain, map[string]any{"title": risky, "body": "内容", "audience": "building", "audience_id": b0}).Want(t, 422)
	if got := f.list(t, f.staff, 20); len(got) != 0 {
		t.Fatalf("risky announcements were kept: %v", annTitles(got))
	}
	// A captain's uncertain text is held: nobody is told, residents do not see it.
	review := f.e.Config.Safety.DevReviewWords[0]
	held := f.published(t, f.captain, map[string]any{"title": "关于物业", "body": "有意见可以" + review, "audience": "building",
		"audience_id": b0})
	if held.Status != "pending_review" || held.PublishedAt != nil {
		t.Fatalf("held: %+v", held)
	}
	if n := f.deliver(t); n != 0 {
		t.Fatalf("a held announcement told %d people", n)
	}
	f.e.Do("GET", "/api/v1/announcements/"+held.ID, nil, apptest.Token(f.residents[0].Token)).Want(t, 404)
	if got := f.list(t, f.residents[0], 20); len(got) != 0 {
		t.Fatalf("a resident sees a held announcement: %v", annTitles(got))
	}
	if got := f.list(t, f.captain, 20); len(got) != 1 || got[0].Status != "pending_review" {
		t.Fatalf("its author does not see it: %+v", got)
	}
	f.e.Do("POST", "/api/v1/announcements/"+held.ID+"/release", nil, apptest.Token(f.captain.Token)).Want(t, 403)
	var rel announcementData
	f.e.Do("POST", "/api/v1/announcements/"+held.ID+"/release", nil, apptest.Token(f.staff.Token)).Want(t, 200).Data(t, &rel)
	if rel.Status != "published" || rel.PublishedAt == nil {
		t.Fatalf("released: %+v", rel)
	}
	f.e.Do("POST", "/api/v1/announcements/"+held.ID+"/release", nil, apptest.Token(f.staff.Token)).Want(t, 409)
	if n := f.deliver(t); n != 5 {
		t.Fatalf("the released announcement told %d people, want 5", n)
	}
	f.e.Do("GET", "/api/v1/announcements/"+held.ID, nil, apptest.Token(f.residents[0].Token)).Want(t, 200)
	// Staff review what they write themselves: theirs is published.
	mine := f.published(t, f.staff, map[string]any{"title": "社区通知", "body": "欢迎" + review, "audience": "community"})
	if mine.Status != "published" {
		t.Fatalf("staff's announcement: %+v", mine)
	}
}

// A closed council vote's result is published (公示) to the topic's scope, pinned, for the
// configured time, by the system.
func TestCouncilResultIsPublishedAsAnnouncement(t *testing.T) {
	f := newCouncilFixture(t)
	id := f.buildingTopic(t)
	f.onAgenda(t, id)
	v := f.openVote(t, id, nil)
	for i := 0; i < 4; i++ {
		f.ballot(f.residents[i], v.ID, 0).Want(t, 201)
	}
	f.closeVotes(t)
	if _, err := f.e.App.Services.Announcements.DeliverDue(context.Background()); err != nil {
		t.Fatal(err)
	}
	var page struct {
		Items []announcementData `json:"items"`
	}
	f.e.Do("GET", "/api/v1/communities/"+f.c.ID+"/announcements", nil, apptest.Token(f.member.Token)).Want(t, 200).Data(t, &page)
	if len(page.Items) != 1 || !page.Items[0].Pinned || page.Items[0].Author != nil || page.Items[0].Audience != "building" ||
		page.Items[0].Title != "表决结果公示：楼道加装声控灯" {
		t.Fatalf("published result: %+v", page.Items)
	}
	f.e.Do("GET", "/api/v1/communities/"+f.c.ID+"/announcements", nil, apptest.Token(f.elsewhere.Token)).Want(t, 200).Data(t, &page)
	if len(page.Items) != 0 {
		t.Fatalf("another estate sees a building's result: %+v", page.Items)
	}
	// 公示 lasts council.publish_for (7 days).
	f.e.Clock.Add(7*24*time.Hour + time.Minute)
	f.e.Do("GET", "/api/v1/communities/"+f.c.ID+"/announcements", nil, apptest.Token(f.member.Token)).Want(t, 200).Data(t, &page)
	if len(page.Items) != 0 {
		t.Fatalf("the result is still up after its week: %+v", page.Items)
	}
}
