package api_test

import (
	"strings"
	"testing"
	"time"

	"linli/app/apptest"
	"linli/config"
)

type activityData struct {
	ID            string `json:"id"`
	Title         string `json:"title"`
	Status        string `json:"status"`
	Capacity      int    `json:"capacity"`
	Confirmed     int    `json:"confirmed"`
	Remaining     int    `json:"remaining"`
	Waitlisted    int    `json:"waitlisted"`
	Held          bool   `json:"held"`
	PointsPerHour string `json:"points_per_hour"`
	CanManage     bool   `json:"can_manage"`
	Mine          *struct {
		Status   string `json:"status"`
		Position int    `json:"position"`
	} `json:"mine"`
}

type signupData struct {
	ID         string `json:"id"`
	Status     string `json:"status"`
	Position   int    `json:"position"`
	Attendance string `json:"attendance"`
	Minutes    int    `json:"minutes"`
	Settled    bool   `json:"settled"`
}

// activityWorld is a community with staff, a captain, residents of two buildings, a team
// leader and a plain user, and another community with its own staff and resident.
type activityWorld struct {
	t                        *testing.T
	e                        *apptest.Env
	c, other                 apptest.Community
	staff, captain, leader   apptest.Session
	r1, r2, r3, user         apptest.Session
	foreignStaff, foreignRes apptest.Session
	typeID                   string
	// base is the real time the clock of the activities service is moved from.
	base time.Time
}

func newActivityWorld(t *testing.T, prefix string, opts ...apptest.Option) *activityWorld {
	t.Helper()
	opts = append([]apptest.Option{func(c *config.Config) { c.Limits.LoginPerIP, c.Limits.LoginPerUser = 0, 0 }}, opts...)
	e := apptest.New(t, opts...)
	w := &activityWorld{t: t, e: e, c: e.MakeCommunity("东亭社区", 1, 3), other: e.MakeCommunity("东环路社区", 1, 1),
		base: e.Clock.Now().UTC().Truncate(time.Second)}
	b := w.c.BuildingIDs
	w.staff = e.MakeStaff(w.c.ID, prefix+"staff")
	w.captain = e.MakeCaptain(w.c.ID, prefix+"captain", b[0])
	w.leader = e.MakeResident(prefix+"leader", b[2], "301")
	w.r1 = e.MakeResident(prefix+"r1", b[0], "101")
	w.r2 = e.MakeResident(prefix+"r2", b[0], "102")
	w.r3 = e.MakeResident(prefix+"r3", b[1], "201")
	w.user = e.DevLogin(prefix + "user")
	w.foreignStaff = e.MakeStaff(w.other.ID, prefix+"foreign-staff")
	w.foreignRes = e.MakeResident(prefix+"foreign-res", w.other.BuildingIDs[0], "101")
	var types []struct {
		ID, Name      string
		PointsPerHour string `json:"points_per_hour"`
	}
	onePage(t, e.Do("GET", "/api/v1/communities/"+w.c.ID+"/activity-types", nil, apptest.Token(w.r1.Token)).Want(t, 200), &types)
	if len(types) != 6 || types[0].Name != "巡逻" || types[0].PointsPerHour != "1.00" {
		t.Fatalf("default types: %+v", types)
	}
	w.typeID = types[0].ID
	return w
}

// at moves the activities' clock to base + d.
func (w *activityWorld) at(d time.Duration) {
	w.e.App.Services.Activities.SetClock(func() time.Time { return w.base.Add(d) })
}

func (w *activityWorld) ts(d time.Duration) string { return w.base.Add(d).Format(time.RFC3339) }

// body is a valid creation request for an activity from +2h to +4h; extra fields override.
func (w *activityWorld) body(extra map[string]any) map[string]any {
	b := map[string]any{"community_id": w.c.ID, "type_id": w.typeID, "title": "周末平安巡逻", "place": "东门岗亭",
		"description": "沿小区主干道巡逻", "start_at": w.ts(2 * time.Hour), "end_at": w.ts(4 * time.Hour), "capacity": 2,
		"cancel_cutoff_at": w.ts(time.Hour)}
	for k, v := range extra {
		b[k] = v
	}
	return b
}

// published creates and publishes an activity as staff.
func (w *activityWorld) published(extra map[string]any) string {
	w.t.Helper()
	var a activityData
	w.e.Do("POST", "/api/v1/activities", w.body(extra), apptest.Token(w.staff.Token)).Want(w.t, 201).Data(w.t, &a)
	w.e.Do("POST", "/api/v1/activities/"+a.ID+"/publish", nil, apptest.Token(w.staff.Token)).Want(w.t, 200)
	return a.ID
}

func (w *activityWorld) signUp(id string, s apptest.Session, want int) signupData {
	w.t.Helper()
	var out signupData
	res := w.e.Do("POST", "/api/v1/activities/"+id+"/signups", nil, apptest.Token(s.Token)).Want(w.t, want)
	if want == 201 {
		res.Data(w.t, &out)
	}
	return out
}

func (w *activityWorld) get(id string, s apptest.Session) activityData {
	w.t.Helper()
	var a activityData
	w.e.Do("GET", "/api/v1/activities/"+id, nil, apptest.Token(s.Token)).Want(w.t, 200).Data(w.t, &a)
	return a
}

func (w *activityWorld) list(s apptest.Session, status string) []activityData {
	w.t.Helper()
	var page struct{ Items []activityData }
	w.e.Do("GET", "/api/v1/communities/"+w.c.ID+"/activities?status="+status, nil, apptest.Token(s.Token)).
		Want(w.t, 200).Data(w.t, &page)
	return page.Items
}

// inbox returns the kinds of the user's notifications, newest first.
func (w *activityWorld) inbox(s apptest.Session) []string {
	w.t.Helper()
	var page struct{ Items []struct{ Kind, Body string } }
	w.e.Do("GET", "/api/v1/me/notifications", nil, apptest.Token(s.Token)).Want(w.t, 200).Data(w.t, &page)
	var out []string
	for _, n := range page.Items {
		out = append(out, n.Kind)
	}
	return out
}

func TestActivityLifecycle(t *testing.T) {
	t.Parallel()
	w := newActivityWorld(t, "")
	e := w.e
	var draft activityData
	e.Do("POST", "/api/v1/activities", w.body(nil), apptest.Token(w.staff.Token)).Want(t, 201).Data(t, &draft)
	if draft.Status != "draft" || draft.PointsPerHour != "1.00" || !draft.CanManage || draft.Remaining != 2 {
		t.Fatalf("draft %+v", draft)
	}
	e.Do("GET", "/api/v1/activities/"+draft.ID, nil, apptest.Token(w.r1.Token)).Want(t, 404)
	if items := w.list(w.r1, "upcoming"); len(items) != 0 {
		t.Fatalf("a draft is listed: %+v", items)
	}
	if items := w.list(w.staff, "draft"); len(items) != 1 || items[0].ID != draft.ID {
		t.Fatalf("staff drafts: %+v", items)
	}
	e.Do("POST", "/api/v1/activities/"+draft.ID+"/publish", nil, apptest.Token(w.captain.Token)).Want(t, 404)
	e.Do("POST", "/api/v1/activities/"+draft.ID+"/publish", nil, apptest.Token(w.staff.Token)).Want(t, 200)
	e.Do("POST", "/api/v1/activities/"+draft.ID+"/publish", nil, apptest.Token(w.staff.Token)).Want(t, 409)
	id := draft.ID

	// The list is public by design, cached, and shows places, waitlist and my status.
	if items := w.list(w.foreignRes, "upcoming"); len(items) != 1 || items[0].Remaining != 2 || items[0].Mine != nil {
		t.Fatalf("upcoming for an outsider: %+v", items)
	}
	if su := w.signUp(id, w.r1, 201); su.Status != "confirmed" || su.Position != 0 {
		t.Fatalf("first sign-up %+v", su)
	}
	w.signUp(id, w.r1, 409)
	w.signUp(id, w.r3, 201)
	if su := w.signUp(id, w.r2, 201); su.Status != "waitlisted" || su.Position != 1 {
		t.Fatalf("third sign-up %+v", su)
	}
	if msg := e.Do("POST", "/api/v1/activities/"+id+"/signups", nil, apptest.Token(w.r2.Token)).Want(t, 409).Err(t).Message; !strings.Contains(msg, "候补第 1 位") {
		t.Fatalf("double sign-up says %q", msg)
	}
	items := w.list(w.r2, "upcoming")
	if len(items) != 1 || items[0].Remaining != 0 || items[0].Waitlisted != 1 || items[0].Mine == nil ||
		items[0].Mine.Status != "waitlisted" || items[0].Mine.Position != 1 {
		t.Fatalf("after the sign-ups (the cache must have been invalidated): %+v", items)
	}
	w.signUp(id, w.foreignRes, 404)
	w.signUp(id, w.user, 404)
	w.signUp(id, w.captain, 403)
	e.Do("POST", "/api/v1/activities/"+id+"/signups", nil).Want(t, 401)

	// Cancelling a confirmed place promotes the waitlist and tells the promoted person.
	var cancelled signupData
	e.Do("DELETE", "/api/v1/activities/"+id+"/signups/me", nil, apptest.Token(w.r1.Token)).Want(t, 200).Data(t, &cancelled)
	if cancelled.Status != "cancelled" {
		t.Fatalf("cancelled %+v", cancelled)
	}
	e.Do("DELETE", "/api/v1/activities/"+id+"/signups/me", nil, apptest.Token(w.r1.Token)).Want(t, 404)
	if a := w.get(id, w.r2); a.Mine == nil || a.Mine.Status != "confirmed" || a.Remaining != 0 || a.Waitlisted != 0 {
		t.Fatalf("r2 after the promotion: %+v", a)
	}
	if kinds := w.inbox(w.r2); len(kinds) == 0 || kinds[0] != "activity_promoted" {
		t.Fatalf("r2's inbox: %v", kinds)
	}
	// Signing up again after cancelling is allowed (the old sign-up stays as history).
	if su := w.signUp(id, w.r1, 201); su.Status != "waitlisted" || su.Position != 1 {
		t.Fatalf("sign-up after cancelling %+v", su)
	}
	// After the cut-off a confirmed place cannot be given up; leaving the waitlist still works.
	w.at(90 * time.Minute)
	defer w.at(0)
	msg := e.Do("DELETE", "/api/v1/activities/"+id+"/signups/me", nil, apptest.Token(w.r3.Token)).Want(t, 409).Err(t).Message
	if !strings.Contains(msg, "取消截止时间") {
		t.Fatalf("after the cut-off: %q", msg)
	}
	e.Do("DELETE", "/api/v1/activities/"+id+"/signups/me", nil, apptest.Token(w.r1.Token)).Want(t, 200)

	// The roster: staff see full phone numbers, others of the community may not read it.
	var roster struct {
		Items []struct {
			Status string
			Phone  string
			User   struct{ Nickname string }
		}
		NextCursor string `json:"next_cursor"`
	}
	e.Do("GET", "/api/v1/activities/"+id+"/signups", nil, apptest.Token(w.staff.Token)).Want(t, 200).Data(t, &roster)
	if len(roster.Items) != 2 || roster.Items[0].Status != "confirmed" || roster.NextCursor != "" {
		t.Fatalf("roster %+v", roster)
	}
	e.Do("GET", "/api/v1/activities/"+id+"/signups", nil, apptest.Token(w.r3.Token)).Want(t, 403)
	e.Do("GET", "/api/v1/activities/"+id+"/signups", nil, apptest.Token(w.foreignStaff.Token)).Want(t, 404)

	// Cancelling the activity tells everyone signed up.
	e.Do("POST", "/api/v1/activities/"+id+"/cancel", map[string]string{"reason": "暴雨预警"}, apptest.Token(w.r3.Token)).Want(t, 403)
	var gone activityData
	e.Do("POST", "/api/v1/activities/"+id+"/cancel", map[string]string{"reason": "暴雨预警"}, apptest.Token(w.staff.Token)).
		Want(t, 200).Data(t, &gone)
	if gone.Status != "cancelled" {
		t.Fatalf("cancelled activity %+v", gone)
	}
	for _, s := range []apptest.Session{w.r2, w.r3} {
		if kinds := w.inbox(s); len(kinds) == 0 || kinds[0] != "activity_cancelled" {
			t.Fatalf("inbox after the cancellation: %v", kinds)
		}
	}
	w.signUp(id, w.r1, 409)
	if items := w.list(w.r1, "past"); len(items) != 1 || items[0].Status != "cancelled" {
		t.Fatalf("past: %+v", items)
	}
}

func TestActivityValidationAndRoles(t *testing.T) {
	t.Parallel()
	w := newActivityWorld(t, "")
	e := w.e
	for _, tc := range []struct {
		name  string
		extra map[string]any
		field string
	}{
		{"missing title", map[string]any{"title": ""}, "title"},
		{"time without zone", map[string]any{"start_at": "2030-01-01 09:00"}, "start_at"},
		{"end before start", map[string]any{"end_at": w.ts(time.Hour)}, "end_at"},
		{"no places", map[string]any{"capacity": 0}, "capacity"},
		{"too many places", map[string]any{"capacity": 10001}, "capacity"},
		{"unknown audience", map[string]any{"audience": "street"}, "audience"},
		{"building of another community", map[string]any{"audience": "building", "audience_id": w.other.BuildingIDs[0]}, "audience_id"},
		{"bad points", map[string]any{"points_per_hour": "1.234"}, "points_per_hour"},
		{"unknown type", map[string]any{"type_id": "999999"}, "type_id"},
		{"cut-off after the start", map[string]any{"cancel_cutoff_at": w.ts(3 * time.Hour)}, "cancel_cutoff_at"},
		{"cut-off already past", map[string]any{"cancel_cutoff_at": w.ts(-time.Minute)}, "cancel_cutoff_at"},
		{"shorter than a minute", map[string]any{"end_at": w.ts(2*time.Hour + 30*time.Second)}, "end_at"},
	} {
		body := e.Do("POST", "/api/v1/activities", w.body(tc.extra), apptest.Token(w.staff.Token)).Want(t, 400).Err(t)
		if !body.HasField(tc.field) {
			t.Errorf("%s: 400 does not name %s: %+v", tc.name, tc.field, body)
		}
	}
	e.Do("POST", "/api/v1/activities", w.body(nil)).Want(t, 401)
	e.Do("POST", "/api/v1/activities", w.body(nil), apptest.Token(w.user.Token)).Want(t, 404)
	e.Do("POST", "/api/v1/activities", w.body(nil), apptest.Token(w.foreignStaff.Token)).Want(t, 404)
	e.Do("POST", "/api/v1/activities", w.body(nil), apptest.Token(w.r1.Token)).Want(t, 403)
	// A captain organises for the buildings they captain only.
	e.Do("POST", "/api/v1/activities", w.body(nil), apptest.Token(w.captain.Token)).Want(t, 403)
	e.Do("POST", "/api/v1/activities", w.body(map[string]any{"audience": "building", "audience_id": w.c.BuildingIDs[1]}),
		apptest.Token(w.captain.Token)).Want(t, 403)
	var mine activityData
	e.Do("POST", "/api/v1/activities", w.body(map[string]any{"audience": "building", "audience_id": w.c.BuildingIDs[0]}),
		apptest.Token(w.captain.Token)).Want(t, 201).Data(t, &mine)
	// Only staff change the points rule.
	e.Do("POST", "/api/v1/activities", w.body(map[string]any{"audience": "building", "audience_id": w.c.BuildingIDs[0],
		"points_per_hour": "5"}), apptest.Token(w.captain.Token)).Want(t, 403)
	var rich activityData
	e.Do("POST", "/api/v1/activities", w.body(map[string]any{"points_per_hour": "1.5"}), apptest.Token(w.staff.Token)).
		Want(t, 201).Data(t, &rich)
	if rich.PointsPerHour != "1.50" {
		t.Fatalf("points %q", rich.PointsPerHour)
	}
	// Content safety: risky is refused, review is held until staff publish it.
	e.Do("POST", "/api/v1/activities", w.body(map[string]any{"description": "代开发票"}), apptest.Token(w.staff.Token)).Want(t, 422)
	var held activityData
	e.Do("POST", "/api/v1/activities", w.body(map[string]any{"audience": "building", "audience_id": w.c.BuildingIDs[0],
		"description": "投诉到市长"}), apptest.Token(w.captain.Token)).Want(t, 201).Data(t, &held)
	if !held.Held {
		t.Fatalf("review text not held: %+v", held)
	}
	e.Do("POST", "/api/v1/activities/"+held.ID+"/publish", nil, apptest.Token(w.captain.Token)).Want(t, 409)
	var released activityData
	e.Do("POST", "/api/v1/activities/"+held.ID+"/publish", nil, apptest.Token(w.staff.Token)).Want(t, 200).Data(t, &released)
	if released.Held || released.Status != "published" {
		t.Fatalf("released %+v", released)
	}
	// The captain manages their own activity; the audience decides who signs up.
	e.Do("POST", "/api/v1/activities/"+mine.ID+"/publish", nil, apptest.Token(w.captain.Token)).Want(t, 200)
	w.signUp(mine.ID, w.r3, 403)
	// Capacity: never below the confirmed count; raising it promotes at once.
	cap2 := w.published(map[string]any{"title": "敬老院探访", "start_at": w.ts(12 * time.Hour), "end_at": w.ts(13 * time.Hour)})
	w.signUp(cap2, w.r1, 201)
	w.signUp(cap2, w.r2, 201)
	w.signUp(cap2, w.r3, 201)
	patch := func(s apptest.Session, body map[string]any, want int) activityData {
		var a activityData
		res := e.Do("PATCH", "/api/v1/activities/"+cap2, body, apptest.Token(s.Token)).Want(t, want)
		if want == 200 {
			res.Data(t, &a)
		}
		return a
	}
	patch(w.staff, map[string]any{"capacity": 1}, 409)
	patch(w.r1, map[string]any{"capacity": 5}, 403)
	patch(w.captain, map[string]any{"capacity": 5}, 403)
	patch(w.foreignStaff, map[string]any{"capacity": 5}, 404)
	patch(w.staff, map[string]any{"capacity": 0}, 400)
	patch(w.staff, map[string]any{"end_at": w.ts(time.Hour)}, 400)
	if a := patch(w.staff, map[string]any{"capacity": 3, "title": "敬老院探访（加人）"}, 200); a.Confirmed != 3 || a.Waitlisted != 0 || a.Title != "敬老院探访（加人）" {
		t.Fatalf("after raising the capacity: %+v", a)
	}
	if a := w.get(cap2, w.r3); a.Mine == nil || a.Mine.Status != "confirmed" {
		t.Fatalf("r3 was not promoted: %+v", a)
	}
	w.signUp(mine.ID, w.r1, 201)
	// Window: outside it → 409 naming the window; overlap with a confirmed activity → 409 naming it.
	later := w.published(map[string]any{"title": "周日助老", "signup_opens_at": w.ts(time.Hour), "start_at": w.ts(5 * time.Hour),
		"end_at": w.ts(6 * time.Hour), "cancel_cutoff_at": w.ts(5 * time.Hour)})
	if msg := e.Do("POST", "/api/v1/activities/"+later+"/signups", nil, apptest.Token(w.r1.Token)).Want(t, 409).Err(t).Message; !strings.Contains(msg, "报名时间为") {
		t.Fatalf("outside the window: %q", msg)
	}
	overlapping := w.published(map[string]any{"title": "楼道清扫", "start_at": w.ts(3 * time.Hour), "end_at": w.ts(5 * time.Hour)})
	if msg := e.Do("POST", "/api/v1/activities/"+overlapping+"/signups", nil, apptest.Token(w.r1.Token)).Want(t, 409).Err(t).Message; !strings.Contains(msg, "周末平安巡逻") {
		t.Fatalf("overlap: %q", msg)
	}
	w.signUp(overlapping, w.r3, 201)
}
