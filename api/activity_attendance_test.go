package api_test

import (
	"strings"
	"testing"
	"time"

	"linli/app/apptest"
	"linli/config"
	"linli/wechat/wechattest"
)

// TestCheckinAttendanceSettlement walks an activity from check-in to settlement in dev mode.
func TestCheckinAttendanceSettlement(t *testing.T) {
	t.Parallel()
	w := newActivityWorld(t, "")
	e := w.e
	id := w.published(nil)
	other := w.published(map[string]any{"title": "另一场巡逻", "start_at": w.ts(10 * time.Hour), "end_at": w.ts(11 * time.Hour)})
	w.signUp(id, w.r1, 201)
	w.signUp(id, w.r2, 201)
	w.signUp(id, w.r3, 201) // waitlisted
	code := func(id string) string {
		var c struct{ Token, Page string }
		e.Do("GET", "/api/v1/activities/"+id+"/checkin-code", nil, apptest.Token(w.staff.Token)).Want(t, 200).Data(t, &c)
		if len(c.Token) > 32 || c.Page != "pages/activity/checkin" {
			t.Fatalf("check-in code %+v", c)
		}
		return c.Token
	}
	token, foreign := code(id), code(other)
	e.Do("GET", "/api/v1/activities/"+id+"/checkin-code", nil, apptest.Token(w.r1.Token)).Want(t, 403)
	checkin := func(s apptest.Session, path, tok string, want int) signupData {
		var su signupData
		res := e.Do("POST", "/api/v1/activities/"+id+"/"+path, map[string]string{"token": tok}, apptest.Token(s.Token)).Want(t, want)
		if want == 200 {
			res.Data(t, &su)
		}
		return su
	}
	checkin(w.r1, "checkin", token, 409) // two hours early
	w.at(110 * time.Minute)
	defer w.at(0)
	checkin(w.r1, "checkin", foreign, 403)
	tampered := []byte(token)
	tampered[len(tampered)-1] ^= 1 // another base64url character
	checkin(w.r1, "checkin", string(tampered), 403)
	checkin(w.r1, "checkin", "12.34", 403)
	checkin(w.r3, "checkin", token, 403) // waitlisted
	checkin(w.r1, "checkin", "", 400)
	checkin(w.r1, "checkout", token, 409) // not checked in
	checkin(w.r1, "checkin", token, 200)
	w.at(3*time.Hour + 30*time.Minute)
	if su := checkin(w.r1, "checkout", token, 200); su.Attendance != "attended" || su.Minutes != 90 {
		t.Fatalf("check-out %+v (check-in before the start counts from the start)", su)
	}
	// The organiser marks the other volunteer.
	mark := func(s apptest.Session, body map[string]any, want int) {
		e.Do("POST", "/api/v1/activities/"+id+"/attendance", body, apptest.Token(s.Token)).Want(t, want)
	}
	mark(w.staff, map[string]any{"user_id": w.r2.UserID, "status": "attended", "minutes": 500}, 400)
	mark(w.staff, map[string]any{"user_id": w.r2.UserID, "status": "late"}, 400)
	mark(w.staff, map[string]any{"user_id": w.r3.UserID, "status": "attended", "minutes": 30}, 409)
	mark(w.r1, map[string]any{"user_id": w.r2.UserID, "status": "attended", "minutes": 30}, 403)
	mark(w.staff, map[string]any{"user_id": w.r2.UserID, "status": "attended", "minutes": 45}, 200)
	e.Do("POST", "/api/v1/activities/"+id+"/settle", nil, apptest.Token(w.staff.Token)).Want(t, 409) // not ended
	// After the end and the grace the code has expired.
	w.at(7 * time.Hour)
	checkin(w.r1, "checkout", token, 403)
	var st struct {
		Created int   `json:"created"`
		Records int64 `json:"records"`
	}
	e.Do("POST", "/api/v1/activities/"+id+"/settle", nil, apptest.Token(w.r1.Token)).Want(t, 403)
	e.Do("POST", "/api/v1/activities/"+id+"/settle", nil, apptest.Token(w.staff.Token)).Want(t, 200).Data(t, &st)
	if st.Created != 2 || st.Records != 2 {
		t.Fatalf("settlement %+v", st)
	}
	e.Do("POST", "/api/v1/activities/"+id+"/settle", nil, apptest.Token(w.staff.Token)).Want(t, 200).Data(t, &st)
	if st.Created != 0 || st.Records != 2 {
		t.Fatalf("second settlement %+v", st)
	}
	mark(w.staff, map[string]any{"user_id": w.r2.UserID, "status": "no_show"}, 409)
	if a := w.get(id, w.r1); a.Status != "finished" || a.Mine == nil {
		t.Fatalf("settled activity %+v", a)
	}
	n, err := e.App.Store.Count(t.Context(), "service_records", "user_id = ? AND minutes = ?", e.ParseID(w.r2.UserID), 45)
	if err != nil || n != 1 {
		t.Fatalf("r2's record: %d (%v)", n, err)
	}
}

// TestCheckinCodeFromWeChat: with WeChat the organiser gets a mini-program code whose scene is
// the signed token (≤ 32 characters), and that token checks in.
func TestCheckinCodeFromWeChat(t *testing.T) {
	t.Parallel()
	w := newActivityWorld(t, "wxact-", apptest.WithWeChat())
	id := w.published(nil)
	w.signUp(id, w.r1, 201)
	res := w.e.Do("GET", "/api/v1/activities/"+id+"/checkin-code", nil, apptest.Token(w.staff.Token)).Want(t, 200)
	if ct := res.Header.Get("Content-Type"); ct != "image/jpeg" {
		t.Fatalf("content type %q", ct)
	}
	scene, page, ok := wechattest.QRCodeInfo(res.Body)
	if !ok || len(scene) > 32 || page != "pages/activity/checkin" {
		t.Fatalf("code: scene %q page %q ok %v", scene, page, ok)
	}
	var payload struct{ Token string }
	w.e.Do("GET", "/api/v1/activities/"+id+"/checkin-code?format=json", nil, apptest.Token(w.staff.Token)).Want(t, 200).Data(t, &payload)
	if payload.Token != scene {
		t.Fatalf("json token %q, scene %q", payload.Token, scene)
	}
	w.at(110 * time.Minute)
	defer w.at(0)
	w.e.Do("POST", "/api/v1/activities/"+id+"/checkin", map[string]string{"token": scene}, apptest.Token(w.r1.Token)).Want(t, 200)
}

// TestRemindersAndNoShows: the reminder reaches confirmed volunteers once; a no-show counted
// at settlement blocks the next sign-up when the community's limit is one.
func TestRemindersAndNoShows(t *testing.T) {
	t.Parallel()
	w := newActivityWorld(t, "", func(c *config.Config) {
		c.Activities.NoShowLimit = 1
		c.Notify.Templates = map[string]string{"activity_reminder": "tmpl-activity-reminder"}
	})
	e := w.e
	id := w.published(nil)
	w.signUp(id, w.r1, 201)
	w.signUp(id, w.r2, 201)
	w.signUp(id, w.r3, 201) // waitlisted: no reminder
	acts := e.App.Services.Activities
	for range 2 {
		if _, err := acts.SendReminders(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
	n, err := e.App.Store.Count(t.Context(), "notifications", "kind = ?", "activity_reminder")
	if err != nil || n != 2 {
		t.Fatalf("%d reminders (%v), want one to each confirmed volunteer", n, err)
	}
	if n, err := e.App.Store.Count(t.Context(), "outbox", "template_id = ?", "tmpl-activity-reminder"); err != nil || n != 2 {
		t.Fatalf("%d reminders in the outbox (%v), want 2", n, err)
	}
	w.at(5 * time.Hour)
	defer w.at(0)
	e.Do("POST", "/api/v1/activities/"+id+"/attendance", map[string]any{"user_id": w.r2.UserID, "status": "attended", "minutes": 60},
		apptest.Token(w.staff.Token)).Want(t, 200)
	var st struct {
		NoShows int `json:"no_shows"`
	}
	e.Do("POST", "/api/v1/activities/"+id+"/settle", nil, apptest.Token(w.staff.Token)).Want(t, 200).Data(t, &st)
	if st.NoShows != 1 {
		t.Fatalf("no-shows %d", st.NoShows)
	}
	w.at(0)
	next := w.published(map[string]any{"start_at": w.ts(20 * time.Hour), "end_at": w.ts(21 * time.Hour), "cancel_cutoff_at": w.ts(19 * time.Hour)})
	if msg := e.Do("POST", "/api/v1/activities/"+next+"/signups", nil, apptest.Token(w.r1.Token)).Want(t, 409).Err(t).Message; !strings.Contains(msg, "未到场") {
		t.Fatalf("no-show rule: %q", msg)
	}
	w.signUp(next, w.r2, 201)
}
