package api_test

// The rest of the dispatch cycle: declines, cancels and expiry; how load and rating order the
// directory; who may ask for help.

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"linli/app/apptest"
)

// TestDeclineCancelAndExpiry: a decline (with a reason) and a cancel free the volunteer's slot
// and reopen the help request for someone else; an unanswered offer expires (once, even with two
// instances expiring at the same moment), cannot be accepted any more, and the dispatcher is told.
func TestDeclineCancelAndExpiry(t *testing.T) {
	t.Parallel()
	w := newSkillWorld(t)
	e := w.e
	b := w.c.BuildingIDs
	liu := w.electrician(t, "liu", b[1], "", "community", saturday)
	zhang := w.electrician(t, "zhang", b[3], "", "community", saturday)
	hid := w.askHelp(t, w.person(t, "asker", b[0], ""), b[0], nil)
	d := w.dispatch(t, w.captain, hid, liu.UserID)
	if er := w.step(liu, d.ID, "decline", map[string]any{}).Want(t, 400).Err(t); !er.HasField("reason") {
		t.Fatalf("decline without a reason: %+v", er)
	}
	w.step(liu, d.ID, "decline", map[string]any{"reason": "这周不在家"}).Want(t, 200)
	if k := w.inboxKinds(t, w.captain); k[0] != "dispatch_declined" {
		t.Fatalf("captain's inbox: %v", k)
	}
	d2 := w.dispatch(t, w.captain, hid, zhang.UserID)
	w.step(zhang, d2.ID, "accept", nil).Want(t, 200)
	w.step(w.staff, d2.ID, "cancel", map[string]any{"reason": "居民已自行修好"}).Want(t, 200)
	if k := w.inboxKinds(t, zhang); k[0] != "dispatch_cancelled" {
		t.Fatalf("zhang's inbox: %v", k)
	}
	w.step(zhang, d2.ID, "complete", map[string]any{"minutes": 10}).Want(t, 409)
	d3 := w.dispatch(t, w.captain, hid, liu.UserID)
	// A day passes without an answer; two instances run the expiry at once.
	svc := e.App.Services.Dispatches
	svc.SetClock(func() time.Time { return e.Clock.Now().UTC().Add(25 * time.Hour) })
	if er := w.step(liu, d3.ID, "accept", nil).Want(t, 409).Err(t); !strings.Contains(er.Message, "时限") {
		t.Fatalf("accepting an expired offer: %+v", er)
	}
	var wg sync.WaitGroup
	counts := make([]int, 2)
	for i := range counts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			n, err := svc.ExpireDue(context.Background())
			if err != nil {
				t.Error(err)
			}
			counts[i] = n
		}()
	}
	wg.Wait()
	if counts[0]+counts[1] != 1 {
		t.Fatalf("expired %v, want one in all", counts)
	}
	var seen dispatchData
	e.Do("GET", "/api/v1/dispatches/"+d3.ID, nil, apptest.Token(w.captain.Token)).Want(t, 200).Data(t, &seen)
	if seen.Status != "expired" {
		t.Fatalf("after expiry: %+v", seen)
	}
	if k := w.inboxKinds(t, w.captain); k[0] != "dispatch_expired" {
		t.Fatalf("captain's inbox: %v", k)
	}
	for _, who := range []apptest.Session{liu, zhang} {
		var prof struct {
			OpenDispatches int `json:"open_dispatches"`
		}
		e.Do("GET", "/api/v1/me/skill-profile", nil, apptest.Token(who.Token)).Want(t, 200).Data(t, &prof)
		if prof.OpenDispatches != 0 {
			t.Fatalf("%s holds %d open dispatches", who.UserID, prof.OpenDispatches)
		}
	}
	var h helpData
	e.Do("GET", "/api/v1/help-requests/"+hid, nil, apptest.Token(w.captain.Token)).Want(t, 200).Data(t, &h)
	if h.Status != "open" || len(h.Dispatches) != 3 {
		t.Fatalf("help request: %+v", h)
	}
}

// TestDirectoryPrefersTheLessBusyAndBetterRated: at the same distance, fewer open dispatches
// first, then the better rating.
func TestDirectoryPrefersTheLessBusyAndBetterRated(t *testing.T) {
	t.Parallel()
	w := newSkillWorld(t)
	b := w.c.BuildingIDs
	a := w.electrician(t, "a", b[3], "", "community", saturday)
	c := w.electrician(t, "c", b[4], "", "community", saturday)
	asker := w.person(t, "asker", b[0], "")
	order := func(want string) {
		t.Helper()
		if page, _ := w.search(t, w.captain, b[0], ""); nicknames(page.Items) != want {
			t.Fatalf("order %s, want %s", nicknames(page.Items), want)
		}
	}
	order("a,c")
	d := w.dispatch(t, w.captain, w.askHelp(t, asker, b[0], nil), a.UserID)
	order("c,a")
	w.step(a, d.ID, "decline", map[string]any{"reason": "出差"}).Want(t, 200)
	order("a,c")
	d = w.dispatch(t, w.captain, w.askHelp(t, asker, b[0], nil), c.UserID)
	w.step(c, d.ID, "accept", nil).Want(t, 200)
	w.step(c, d.ID, "complete", map[string]any{"minutes": 15}).Want(t, 200)
	w.step(asker, d.ID, "confirm", map[string]any{"score": 5}).Want(t, 200)
	order("c,a")
}

// TestHelpRequestsWhoMayAsk: residents ask for themselves in their building; a captain asks on
// someone's behalf with a name and a room, visible to captain, staff and the requester only.
func TestHelpRequestsWhoMayAsk(t *testing.T) {
	t.Parallel()
	w := newSkillWorld(t)
	e := w.e
	b := w.c.BuildingIDs
	resident := w.person(t, "resident", b[0], "13800006666")
	neighbour := w.person(t, "neighbour", b[0], "")
	ask := func(who apptest.Session, fields map[string]any) *apptest.Response {
		body := map[string]any{"building_id": b[0], "skill_id": w.skills["水暖"], "description": "水龙头漏水"}
		for k, v := range fields {
			body[k] = v
		}
		return e.Do("POST", "/api/v1/help-requests", body, apptest.Token(who.Token))
	}
	ask(resident, map[string]any{"building_id": b[1]}).Want(t, 403)
	ask(resident, map[string]any{"beneficiary_name": "李大爷", "beneficiary_room": "502"}).Want(t, 403)
	ask(w.foreignCaptain, nil).Want(t, 404)
	ask(apptest.Session{}, nil).Want(t, 401)
	for _, c := range []struct {
		who    apptest.Session
		fields map[string]any
		field  string
	}{
		{w.captain, nil, "beneficiary_name"},
		{w.captain, map[string]any{"beneficiary_name": "李大爷"}, "beneficiary_room"},
		{resident, map[string]any{"description": ""}, "description"},
		{resident, map[string]any{"skill_id": "999999"}, "skill_id"},
		{resident, map[string]any{"preferred_at": "明天上午"}, "preferred_at"},
	} {
		if er := ask(c.who, c.fields).Want(t, 400).Err(t); !er.HasField(c.field) {
			t.Errorf("%v: want a 400 naming %s, got %+v", c.fields, c.field, er)
		}
	}
	ask(resident, map[string]any{"description": "赌博设备坏了"}).Want(t, 422)
	var own, behalf helpData
	ask(resident, nil).Want(t, 201).Data(t, &own)
	ask(w.captain, map[string]any{"beneficiary_name": "李大爷", "beneficiary_room": "3单元502"}).Want(t, 201).Data(t, &behalf)
	if k := w.inboxKinds(t, w.captain); !slices.Contains(k, "help_request_new") {
		t.Fatalf("captain's inbox: %v", k)
	}
	for _, c := range []struct {
		who    apptest.Session
		id     string
		status int
		name   bool
	}{{w.captain, behalf.ID, 200, true}, {w.staff, behalf.ID, 200, true}, {neighbour, behalf.ID, 403, false},
		{w.farCaptain, behalf.ID, 403, false}, {w.foreignStaff, behalf.ID, 404, false}, {resident, own.ID, 200, false},
		{neighbour, own.ID, 403, false}} {
		res := e.Do("GET", "/api/v1/help-requests/"+c.id, nil, apptest.Token(c.who.Token)).Want(t, c.status)
		if strings.Contains(string(res.Body), "李大爷") != c.name {
			t.Errorf("as %s: %s", c.who.UserID, res.Body)
		}
	}
	var page struct{ Items []helpData }
	res := e.Do("GET", "/api/v1/help-requests?scope=managed", nil, apptest.Token(w.captain.Token)).Want(t, 200)
	if res.Data(t, &page); len(page.Items) != 2 || strings.Contains(string(res.Body), "13800006666") {
		t.Fatalf("captain's list (phones only in the detail): %s", res.Body)
	}
	if res := e.Do("GET", "/api/v1/help-requests/"+own.ID, nil, apptest.Token(w.captain.Token)).Want(t, 200); !strings.Contains(string(res.Body), "13800006666") {
		t.Fatalf("the captain cannot call the resident: %s", res.Body)
	}
	e.Do("GET", "/api/v1/help-requests?scope=mine", nil, apptest.Token(resident.Token)).Want(t, 200).Data(t, &page)
	if len(page.Items) != 1 || page.Items[0].ID != own.ID {
		t.Fatalf("resident's own: %+v", page)
	}
	page.Items = nil // without a scope: the resident's own too (the document's default)
	if e.Do("GET", "/api/v1/help-requests", nil, apptest.Token(resident.Token)).Want(t, 200).Data(t, &page); len(page.Items) != 1 || page.Items[0].ID != own.ID {
		t.Fatalf("no scope: %+v", page)
	}
	e.Do("GET", "/api/v1/help-requests?scope=managed", nil, apptest.Token(resident.Token)).Want(t, 403)
}
