package api_test

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"linli/app/apptest"
	"linli/config"
)

// skillWorld is 锦山源社区 (two estates of three buildings each) with a captain of the first
// building, a captain of the fourth, staff, and another community with its own captain and staff.
type skillWorld struct {
	e                            *apptest.Env
	c, other                     apptest.Community
	captain, farCaptain, staff   apptest.Session
	foreignCaptain, foreignStaff apptest.Session
	skills                       map[string]string // name → id
}

func skOptions(c *config.Config) {
	c.Limits.LoginPerIP, c.Limits.LoginPerUser, c.Limits.PhonePerIP, c.Limits.PhonePerUser = 0, 0, 0, 0
}

func newSkillWorld(t *testing.T, opts ...apptest.Option) *skillWorld {
	t.Helper()
	e := apptest.New(t, append([]apptest.Option{skOptions}, opts...)...)
	w := &skillWorld{e: e, c: e.MakeCommunity("锦山源社区", 2, 3), other: e.MakeCommunity("雨湖社区", 1, 1)}
	b := w.c.BuildingIDs
	w.captain = e.MakeCaptain(w.c.ID, "captain-wang", b[0])
	w.farCaptain = e.MakeCaptain(w.c.ID, "captain-far", b[3])
	w.staff = e.MakeStaff(w.c.ID, "staff-jin")
	w.foreignCaptain = e.MakeCaptain(w.other.ID, "captain-yuhu", w.other.BuildingIDs[0])
	w.foreignStaff = e.MakeStaff(w.other.ID, "staff-yuhu")
	var list []struct{ ID, Name string }
	onePage(t, e.Do("GET", "/api/v1/communities/"+w.c.ID+"/skills", nil, apptest.Token(w.captain.Token)).Want(t, 200), &list)
	w.skills = map[string]string{}
	for _, s := range list {
		w.skills[s.Name] = s.ID
	}
	return w
}

// saturday is the weekend window everyone in these tests offers unless told otherwise.
var saturday = []map[string]any{{"weekday": 6, "start": "08:00", "end": "18:00"}}

// person makes an approved resident of the building with a bound phone ("" for none).
func (w *skillWorld) person(t *testing.T, openid, building, phone string) apptest.Session {
	t.Helper()
	s := w.e.MakeResident(openid, building, "R-"+openid)
	if phone != "" {
		w.e.Do("POST", "/api/v1/me/phone", map[string]string{"code": phone}, apptest.Token(s.Token)).Want(t, 200)
	}
	return s
}

// list puts the person's listing with the given fields over sensible defaults.
func (w *skillWorld) list(t *testing.T, who apptest.Session, fields map[string]any) *apptest.Response {
	t.Helper()
	body := map[string]any{"skill_ids": []string{w.skills["电工"]}, "intro": "退休电工，修灯修插座",
		"windows": saturday, "reach": "community"}
	for k, v := range fields {
		body[k] = v
	}
	return w.e.Do("PUT", "/api/v1/me/skill-profile", body, apptest.Token(who.Token))
}

// electrician makes a listed electrician with the reach and windows.
func (w *skillWorld) electrician(t *testing.T, openid, building, phone, reach string, windows []map[string]any) apptest.Session {
	t.Helper()
	s := w.person(t, openid, building, phone)
	w.list(t, s, map[string]any{"reach": reach, "windows": windows}).Want(t, 200)
	return s
}

type dirItem struct {
	VolunteerID    string `json:"volunteer_id"`
	Nickname       string `json:"nickname"`
	Phone          string `json:"phone"`
	BuildingName   string `json:"building_name"`
	Distance       string `json:"distance"`
	Verified       bool   `json:"verified"`
	OpenDispatches *int   `json:"open_dispatches"`
	Rating         float64
	RatingCount    int `json:"rating_count"`
}

type dirPage struct {
	Items      []dirItem `json:"items"`
	NextCursor string    `json:"next_cursor"`
	Full       bool      `json:"full"`
}

// search asks the directory for electricians near the building.
func (w *skillWorld) search(t *testing.T, who apptest.Session, building, extra string) (dirPage, *apptest.Response) {
	t.Helper()
	res := w.e.Do("GET", "/api/v1/communities/"+w.c.ID+"/skill-directory?skill="+url.QueryEscape("电工")+
		"&building_id="+building+extra, nil, apptest.Token(who.Token))
	var page dirPage
	if res.Status == 200 {
		res.Data(t, &page)
	}
	return page, res
}

func nicknames(items []dirItem) string {
	var out []string
	for _, it := range items {
		out = append(out, it.Nickname)
	}
	return strings.Join(out, ",")
}

func TestSkillListDefaultsAndStaffAdds(t *testing.T) {
	t.Parallel()
	w := newSkillWorld(t)
	e := w.e
	if len(w.skills) != 12 || w.skills["电工"] == "" || w.skills["缝补"] == "" {
		t.Fatalf("default skills: %v", w.skills)
	}
	path := "/api/v1/communities/" + w.c.ID + "/skills"
	resident := w.person(t, "resident", w.c.BuildingIDs[0], "")
	e.Do("POST", path, map[string]string{"name": "修自行车"}, apptest.Token(resident.Token)).Want(t, 403)
	e.Do("POST", path, map[string]string{"name": "修自行车"}, apptest.Token(w.captain.Token)).Want(t, 403)
	e.Do("POST", path, map[string]string{"name": "修自行车"}, apptest.Token(w.foreignStaff.Token)).Want(t, 404)
	e.Do("POST", path, map[string]string{"name": "修自行车"}).Want(t, 401)
	if er := e.Do("POST", path, map[string]string{"name": ""}, apptest.Token(w.staff.Token)).Want(t, 400).Err(t); !er.HasField("name") {
		t.Fatalf("empty name: %+v", er)
	}
	e.Do("POST", path, map[string]string{"name": "修自行车"}, apptest.Token(w.staff.Token)).Want(t, 201)
	e.Do("POST", path, map[string]string{"name": "修自行车"}, apptest.Token(w.staff.Token)).Want(t, 409)
	var list []struct{ Name string }
	onePage(t, e.Do("GET", path, nil, apptest.Token(resident.Token)).Want(t, 200), &list)
	if len(list) != 13 || list[12].Name != "修自行车" {
		t.Fatalf("after adding: %+v", list)
	}
	e.Do("GET", path, nil, apptest.Token(w.foreignCaptain.Token)).Want(t, 404)
}

func TestSkillProfileValidation(t *testing.T) {
	t.Parallel()
	w := newSkillWorld(t)
	e := w.e
	liu := w.person(t, "liu", w.c.BuildingIDs[1], "")
	for _, c := range []struct {
		name   string
		fields map[string]any
		field  string
	}{
		{"no skills", map[string]any{"skill_ids": []string{}}, "skill_ids"},
		{"eleven skills", map[string]any{"skill_ids": strings.Split(strings.Repeat("1,", 11)[:21], ",")}, "skill_ids"},
		{"a skill of another community", map[string]any{"skill_ids": []string{"999999"}}, "skill_ids"},
		{"the same skill twice", map[string]any{"skill_ids": []string{w.skills["电工"], w.skills["电工"]}}, "skill_ids"},
		{"unknown reach", map[string]any{"reach": "city"}, "reach"},
		{"no windows", map[string]any{"windows": []map[string]any{}}, "windows"},
		{"weekday 8", map[string]any{"windows": []map[string]any{{"weekday": 8, "start": "08:00", "end": "09:00"}}}, "windows[0].weekday"},
		{"end before start", map[string]any{"windows": []map[string]any{{"weekday": 1, "start": "10:00", "end": "09:00"}}}, "windows[0].end"},
		{"bad clock", map[string]any{"windows": []map[string]any{{"weekday": 1, "start": "9h00m", "end": "10:00"}}}, "windows[0].start"},
		{"overlap", map[string]any{"windows": []map[string]any{{"weekday": 2, "start": "08:00", "end": "12:00"},
			{"weekday": 2, "start": "11:00", "end": "13:00"}}}, "windows[1]"},
		{"intro too long", map[string]any{"intro": strings.Repeat("好", 301)}, "intro"},
		{"a building not lived in", map[string]any{"building_id": w.c.BuildingIDs[0]}, ""},
	} {
		res := w.list(t, liu, c.fields)
		if c.field == "" {
			res.Want(t, 403)
			continue
		}
		if er := res.Want(t, 400).Err(t); !er.HasField(c.field) {
			t.Errorf("%s: want a 400 naming %s, got %s", c.name, c.field, res.Body)
		}
	}
	// Touching windows are fine; 24:00 ends a day.
	w.list(t, liu, map[string]any{"windows": []map[string]any{{"weekday": 2, "start": "08:00", "end": "12:00"},
		{"weekday": 2, "start": "12:00", "end": "24:00"}}}).Want(t, 200)
	stranger := e.DevLogin("stranger")
	w.list(t, stranger, nil).Want(t, 403)
	e.Do("PUT", "/api/v1/me/skill-profile", map[string]any{}).Want(t, 401)
	e.Do("GET", "/api/v1/me/skill-profile", nil, apptest.Token(stranger.Token)).Want(t, 404)
}

// TestListingSafetyVisibilityAndDeletion: a risky intro is refused, one held for review keeps
// the person out of the directory until staff release it; hiding, deleting the listing and
// deleting the account each remove the person from search at once.
func TestListingSafetyVisibilityAndDeletion(t *testing.T) {
	t.Parallel()
	w := newSkillWorld(t)
	e := w.e
	b := w.c.BuildingIDs
	liu := w.electrician(t, "liu", b[0], "13800001111", "community", saturday)
	found := func(want string) {
		t.Helper()
		page, res := w.search(t, w.captain, b[0], "")
		res.Want(t, 200)
		if got := nicknames(page.Items); got != want {
			t.Fatalf("directory: %q, want %q", got, want)
		}
	}
	found("liu")
	w.list(t, liu, map[string]any{"intro": "代开发票找我"}).Want(t, 422)
	found("liu") // the refused edit changed nothing
	var prof struct {
		IntroHeld bool `json:"intro_held"`
		Listed    bool `json:"listed"`
	}
	w.list(t, liu, map[string]any{"intro": "有事投诉到市长"}).Want(t, 200).Data(t, &prof)
	if !prof.IntroHeld || prof.Listed {
		t.Fatalf("held intro: %+v", prof)
	}
	found("")
	var held struct {
		Items []struct {
			UserID string `json:"user_id"`
			Phone  string `json:"phone"`
		} `json:"items"`
	}
	heldPath := "/api/v1/communities/" + w.c.ID + "/skill-profiles?held=true"
	e.Do("GET", heldPath, nil, apptest.Token(w.captain.Token)).Want(t, 403)
	e.Do("GET", heldPath, nil, apptest.Token(w.staff.Token)).Want(t, 200).Data(t, &held)
	if len(held.Items) != 1 || held.Items[0].UserID != liu.UserID || held.Items[0].Phone != "13800001111" {
		t.Fatalf("held listings: %+v", held)
	}
	release := "/api/v1/communities/" + w.c.ID + "/skill-profiles/" + liu.UserID + "/release"
	e.Do("POST", release, nil, apptest.Token(w.captain.Token)).Want(t, 403)
	e.Do("POST", release, nil, apptest.Token(w.foreignStaff.Token)).Want(t, 404)
	e.Do("POST", release, nil, apptest.Token(w.staff.Token)).Want(t, 200)
	e.Do("POST", release, nil, apptest.Token(w.staff.Token)).Want(t, 409)
	found("liu")
	// Staff verify the skill; the directory says so.
	verify := "/api/v1/communities/" + w.c.ID + "/skill-profiles/" + liu.UserID + "/verify"
	if er := e.Do("POST", verify, map[string]any{"verified": true}, apptest.Token(w.staff.Token)).Want(t, 400).Err(t); !er.HasField("skill_id") {
		t.Fatalf("verify without a skill: %+v", er)
	}
	e.Do("POST", verify, map[string]any{"skill_id": w.skills["理发"], "verified": true}, apptest.Token(w.staff.Token)).Want(t, 404)
	e.Do("POST", verify, map[string]any{"skill_id": w.skills["电工"], "verified": true}, apptest.Token(w.captain.Token)).Want(t, 403)
	e.Do("POST", verify, map[string]any{"skill_id": w.skills["电工"], "verified": true}, apptest.Token(w.staff.Token)).Want(t, 200)
	if page, _ := w.search(t, w.captain, b[0], ""); len(page.Items) != 1 || !page.Items[0].Verified {
		t.Fatalf("verified skill: %+v", page.Items)
	}
	// Hidden, shown again, deleted, listed again, account deleted.
	w.list(t, liu, map[string]any{"visible": false}).Want(t, 200)
	found("")
	w.list(t, liu, nil).Want(t, 200)
	found("liu")
	e.Do("DELETE", "/api/v1/me/skill-profile", nil, apptest.Token(liu.Token)).Want(t, 204)
	e.Do("DELETE", "/api/v1/me/skill-profile", nil, apptest.Token(liu.Token)).Want(t, 404)
	e.Do("GET", "/api/v1/me/skill-profile", nil, apptest.Token(liu.Token)).Want(t, 404)
	found("")
	w.list(t, liu, nil).Want(t, 200)
	found("liu")
	e.Do("DELETE", "/api/v1/me", nil, apptest.Token(liu.Token)).Want(t, 204)
	found("")
}

// TestDirectoryOrderScopeAndTime: nearest first (building, estate, community), then fewest
// open dispatches, then best rating; reach and availability filter; cursors walk the order.
func TestDirectoryOrderScopeAndTime(t *testing.T) {
	t.Parallel()
	w := newSkillWorld(t)
	b := w.c.BuildingIDs // b[0..2] in 1号院, b[3..5] in 2号院
	weekday := []map[string]any{{"weekday": 1, "start": "08:00", "end": "18:00"}}
	w.electrician(t, "same-building", b[0], "", "building", saturday)
	w.electrician(t, "same-estate", b[1], "", "estate", saturday)
	w.electrician(t, "estate-only-far", b[3], "", "estate", saturday) // other estate, reach estate: out
	w.electrician(t, "building-only", b[1], "", "building", saturday) // same estate, reach building: out
	w.electrician(t, "far-a", b[4], "", "community", saturday)
	w.electrician(t, "far-b", b[5], "", "community", saturday)
	w.electrician(t, "weekdays", b[2], "", "community", weekday)
	barber := w.person(t, "barber", b[0], "")
	w.list(t, barber, map[string]any{"skill_ids": []string{w.skills["理发"]}}).Want(t, 200)

	page, res := w.search(t, w.captain, b[0], "")
	res.Want(t, 200)
	if got := nicknames(page.Items); got != "same-building,same-estate,weekdays,far-a,far-b" {
		t.Fatalf("order: %s", got)
	}
	if d := page.Items[0].Distance + page.Items[1].Distance + page.Items[3].Distance; d != "buildingestatecommunity" {
		t.Fatalf("distances: %+v", page.Items)
	}
	sat := "&available_at=" + url.QueryEscape("2025-06-07T10:00:00+08:00")
	page, _ = w.search(t, w.captain, b[0], sat)
	if got := nicknames(page.Items); got != "same-building,same-estate,far-a,far-b" {
		t.Fatalf("available on Saturday 10:00: %s", got)
	}
	page, _ = w.search(t, w.captain, b[0], "&available_at="+url.QueryEscape("2025-06-07T19:00:00+08:00"))
	if len(page.Items) != 0 {
		t.Fatalf("Saturday 19:00: %s", nicknames(page.Items))
	}
	// Monday 09:00 in China is Monday 01:00 UTC: the zone of the query does not matter.
	page, _ = w.search(t, w.captain, b[0], "&available_at="+url.QueryEscape("2025-06-09T01:00:00Z"))
	if got := nicknames(page.Items); got != "weekdays" {
		t.Fatalf("Monday 09:00 CST: %s", got)
	}
	// Walk the list one by one with the cursor.
	var walked []string
	cursor := ""
	for range 10 {
		p, res := w.search(t, w.captain, b[0], "&limit=1&cursor="+url.QueryEscape(cursor))
		res.Want(t, 200)
		walked = append(walked, nicknames(p.Items))
		if cursor = p.NextCursor; cursor == "" {
			break
		}
	}
	if got := strings.Join(walked, ","); got != "same-building,same-estate,weekdays,far-a,far-b" {
		t.Fatalf("walked: %s", got)
	}
	for _, bad := range []struct{ query, field string }{
		{"&cursor=x.y", "cursor"}, {"&available_at=tomorrow", "available_at"}, {"&limit=500", "limit"},
	} {
		_, res := w.search(t, w.captain, b[0], bad.query)
		if er := res.Want(t, 400).Err(t); !er.HasField(bad.field) {
			t.Errorf("%s: %s", bad.query, res.Body)
		}
	}
	res = w.e.Do("GET", "/api/v1/communities/"+w.c.ID+"/skill-directory?skill=%E9%A3%9E%E8%A1%8C&building_id="+b[0], nil, apptest.Token(w.captain.Token))
	if er := res.Want(t, 400).Err(t); !er.HasField("skill") {
		t.Fatalf("unknown skill: %s", res.Body)
	}
	_, res = w.search(t, w.captain, w.other.BuildingIDs[0], "")
	if er := res.Want(t, 400).Err(t); !er.HasField("building_id") {
		t.Fatalf("a building of another community: %s", res.Body)
	}
	// By skill id, from the far side of the community: far-a is in that building, far-b and
	// estate-only-far in its estate (in the order they listed), weekdays across the community.
	res = w.e.Do("GET", fmt.Sprintf("/api/v1/communities/%s/skill-directory?skill=%s&building_id=%s", w.c.ID, w.skills["电工"], b[4]),
		nil, apptest.Token(w.farCaptain.Token))
	res.Want(t, 200).Data(t, &page)
	if got := nicknames(page.Items); got != "far-a,estate-only-far,far-b,weekdays" {
		t.Fatalf("from building 5: %s", got)
	}
}

// TestDirectoryMasksPhones: the searched building's captain and the community's staff see
// names, phones and load; residents, captains of other buildings and admins see a masked
// listing without a phone; another community's captain and staff see nothing (404).
func TestDirectoryMasksPhones(t *testing.T) {
	t.Parallel()
	w := newSkillWorld(t)
	e := w.e
	b := w.c.BuildingIDs
	w.electrician(t, "liu", b[1], "13800001111", "community", saturday)
	w.electrician(t, "zhang", b[4], "13800002222", "community", saturday)
	resident := w.person(t, "neighbour", b[0], "13800003333")
	admin := e.MakeAdmin("admin")
	for _, c := range []struct {
		who  apptest.Session
		full bool
	}{{w.captain, true}, {w.staff, true}, {resident, false}, {w.farCaptain, false}, {admin, false}} {
		page, res := w.search(t, c.who, b[0], "")
		res.Want(t, 200)
		if page.Full != c.full || len(page.Items) != 2 {
			t.Fatalf("full %v: %s", c.full, res.Body)
		}
		leaks := strings.Contains(string(res.Body), "13800001111") || strings.Contains(string(res.Body), "13800002222")
		if leaks != c.full || (page.Items[0].VolunteerID != "") != c.full || (page.Items[0].OpenDispatches != nil) != c.full {
			t.Fatalf("full %v but: %s", c.full, res.Body)
		}
		if strings.Contains(string(res.Body), "138****") && !c.full {
			t.Fatalf("masked listing carries a masked phone: %s", res.Body)
		}
	}
	for _, who := range []apptest.Session{w.foreignCaptain, w.foreignStaff, e.DevLogin("nobody")} {
		_, res := w.search(t, who, b[0], "")
		res.Want(t, 404)
	}
	_, res := w.search(t, apptest.Session{}, b[0], "")
	res.Want(t, 401)
	ctx := context.Background()
	if n, err := e.App.Store.Count(ctx, "skill_listings", ""); err != nil || n != 2 {
		t.Fatalf("listings: %d %v", n, err)
	}
}

// TestDirectoryPagesKeptUntilAChange: a directory page is kept in memory (a change made
// behind the service's back, which publishes nothing, is not seen), and every change through
// the service — here a withdrawal, then a new listing — shows in the very next search.
func TestDirectoryPagesKeptUntilAChange(t *testing.T) {
	t.Parallel()
	w := newSkillWorld(t)
	b := w.c.BuildingIDs
	liu := w.electrician(t, "liu", b[0], "", "community", saturday)
	db := w.e.App.Store.SQL()
	rename := func(name string) {
		t.Helper()
		if _, err := db.Exec("UPDATE users SET nickname = ? WHERE id = ?", name, liu.UserID); err != nil {
			t.Fatal(err)
		}
	}
	// Once the instance hears the invalidation channel, a page read is kept.
	deadline := time.Now().Add(5 * time.Second)
	for i := 0; ; i++ {
		rename(fmt.Sprintf("liu%d", i))
		first, _ := w.search(t, w.captain, b[0], "")
		rename("behind-the-back")
		if again, _ := w.search(t, w.captain, b[0], ""); nicknames(again.Items) == nicknames(first.Items) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("directory pages are never kept")
		}
		time.Sleep(20 * time.Millisecond)
	}
	w.e.Do("DELETE", "/api/v1/me/skill-profile", nil, apptest.Token(liu.Token)).Want(t, 204)
	if page, _ := w.search(t, w.captain, b[0], ""); len(page.Items) != 0 {
		t.Fatalf("withdrawn listing still found: %s", nicknames(page.Items))
	}
	w.list(t, liu, nil).Want(t, 200)
	if page, _ := w.search(t, w.captain, b[0], ""); nicknames(page.Items) != "behind-the-back" {
		t.Fatalf("after listing again: %q", nicknames(page.Items))
	}
}
