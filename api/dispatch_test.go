package api_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"linli/app/apptest"
	"linli/model"
)

type person struct {
	ID       string `json:"id"`
	Nickname string `json:"nickname"`
}

type dispatchData struct {
	ID              string  `json:"id"`
	Building        string  `json:"building_name"`
	Status          string  `json:"status"`
	Source          string  `json:"source"`
	HelpRequestID   string  `json:"help_request_id"`
	IssueID         string  `json:"issue_id"`
	Description     string  `json:"description"`
	Volunteer       person  `json:"volunteer"`
	Requester       *person `json:"requester"`
	VolunteerPhone  string  `json:"volunteer_phone"`
	RequesterPhone  string  `json:"requester_phone"`
	DispatcherPhone string  `json:"dispatcher_phone"`
	BeneficiaryName string  `json:"beneficiary_name"`
	BeneficiaryRoom string  `json:"beneficiary_room"`
	CompletionNote  string  `json:"completion_note"`
	Minutes         int     `json:"minutes"`
	Score           *int    `json:"score"`
	Photos          []struct{ ID, URL string }
}

type helpData struct {
	ID              string         `json:"id"`
	Building        string         `json:"building_name"`
	Status          string         `json:"status"`
	OnBehalf        bool           `json:"on_behalf"`
	BeneficiaryName string         `json:"beneficiary_name"`
	Requester       person         `json:"requester"`
	Dispatches      []dispatchData `json:"dispatches"`
}

// askHelp files a help request for an electrician in the building and returns its id.
func (w *skillWorld) askHelp(t *testing.T, who apptest.Session, building string, fields map[string]any) string {
	t.Helper()
	body := map[string]any{"building_id": building, "skill_id": w.skills["电工"], "description": "客厅的灯不亮了"}
	for k, v := range fields {
		body[k] = v
	}
	var h helpData
	w.e.Do("POST", "/api/v1/help-requests", body, apptest.Token(who.Token)).Want(t, 201).Data(t, &h)
	return h.ID
}

// dispatch offers the help request to the volunteer as the captain.
func (w *skillWorld) dispatch(t *testing.T, who apptest.Session, helpID, volunteerID string) dispatchData {
	t.Helper()
	var d dispatchData
	w.e.Do("POST", "/api/v1/dispatches", map[string]any{"help_request_id": helpID, "volunteer_id": volunteerID},
		apptest.Token(who.Token)).Want(t, 201).Data(t, &d)
	return d
}

// step posts a dispatch action (accept, decline, cancel, complete, confirm).
func (w *skillWorld) step(who apptest.Session, id, action string, body any) *apptest.Response {
	return w.e.Do("POST", "/api/v1/dispatches/"+id+"/"+action, body, apptest.Token(who.Token))
}

// inboxKinds lists the kinds of the person's notifications, newest first.
func (w *skillWorld) inboxKinds(t *testing.T, who apptest.Session) []string {
	t.Helper()
	var page struct {
		Items []struct{ Kind string } `json:"items"`
	}
	w.e.Do("GET", "/api/v1/me/notifications?limit=100", nil, apptest.Token(who.Token)).Want(t, 200).Data(t, &page)
	var out []string
	for _, it := range page.Items {
		out = append(out, it.Kind)
	}
	return out
}

func (w *skillWorld) photo(t *testing.T, who apptest.Session) string {
	t.Helper()
	var up struct{ ID string }
	w.e.Do("POST", "/api/v1/uploads", uploadForm(t), apptest.Token(who.Token)).Want(t, 201).Data(t, &up)
	return up.ID
}

// TestJinshanyuanStory is the story of the issue: 李大爷 has no phone and needs a light fixed;
// his captain asks for help on his behalf, finds 刘老师 near his building, dispatches; 刘老师
// accepts, completes with 40 minutes and a photo; the captain confirms with a rating; 刘老师's
// record shows one confirmed service of 40 minutes.
func TestJinshanyuanStory(t *testing.T) {
	t.Parallel()
	w := newSkillWorld(t)
	e := w.e
	b := w.c.BuildingIDs
	ctx := context.Background()
	e.Do("POST", "/api/v1/me/phone", map[string]string{"code": "13900009999"}, apptest.Token(w.captain.Token)).Want(t, 200)
	liu := w.electrician(t, "liu", b[1], "13800001111", "estate", saturday)
	e.Do("PATCH", "/api/v1/me", map[string]string{"nickname": "刘老师"}, apptest.Token(liu.Token)).Want(t, 200)
	zhang := w.electrician(t, "zhang", b[3], "13800002222", "community", saturday)

	// The captain asks on behalf of 李大爷, who lives alone without a phone.
	var h helpData
	e.Do("POST", "/api/v1/help-requests", map[string]any{"building_id": b[0], "skill_id": w.skills["电工"],
		"description": "李大爷家客厅的灯不亮了", "preferred_at": "2025-06-07T10:00:00+08:00",
		"beneficiary_name": "李大爷", "beneficiary_room": "3单元502"}, apptest.Token(w.captain.Token)).Want(t, 201).Data(t, &h)
	if !h.OnBehalf || h.BeneficiaryName != "李大爷" || h.Requester.ID != w.captain.UserID || h.Status != "open" ||
		h.Building != "1号院 1栋" {
		t.Fatalf("help request: %+v", h)
	}
	// Electricians near his building, free on Saturday morning: 刘老师 of the same estate first.
	page, res := w.search(t, w.captain, b[0], "&available_at=2025-06-07T10%3A00%3A00%2B08%3A00")
	res.Want(t, 200)
	if nicknames(page.Items) != "刘老师,zhang" || page.Items[0].Phone != "13800001111" || page.Items[0].Distance != "estate" {
		t.Fatalf("directory: %s", res.Body)
	}
	d := w.dispatch(t, w.captain, h.ID, page.Items[0].VolunteerID)
	if d.Status != "offered" || d.Volunteer.ID != liu.UserID || d.VolunteerPhone != "13800001111" || d.Building != "1号院 1栋" {
		t.Fatalf("dispatch: %+v", d)
	}
	if k := w.inboxKinds(t, liu); len(k) == 0 || k[0] != "dispatch_offer" {
		t.Fatalf("刘老师's inbox: %v", k)
	}
	// Before accepting, 刘老师 reads what and where, not who.
	var seen dispatchData
	e.Do("GET", "/api/v1/dispatches/"+d.ID, nil, apptest.Token(liu.Token)).Want(t, 200).Data(t, &seen)
	if seen.Description == "" || seen.BeneficiaryName != "" || seen.DispatcherPhone != "" {
		t.Fatalf("offer as the volunteer sees it: %+v", seen)
	}
	w.step(liu, d.ID, "accept", nil).Want(t, 200).Data(t, &seen)
	if seen.Status != "accepted" || seen.BeneficiaryName != "李大爷" || seen.BeneficiaryRoom != "3单元502" ||
		seen.DispatcherPhone != "13900009999" || seen.RequesterPhone != "13900009999" {
		t.Fatalf("accepted, as the volunteer sees it: %+v", seen)
	}
	if k := w.inboxKinds(t, w.captain); !slices.Contains(k, "dispatch_accepted") {
		t.Fatalf("captain's inbox: %v", k)
	}
	photo := w.photo(t, liu)
	w.step(liu, d.ID, "complete", map[string]any{"minutes": 40, "note": "更换了灯管，已恢复照明", "photos": []string{photo}}).
		Want(t, 200).Data(t, &seen)
	if seen.Status != "completed" || seen.Minutes != 40 || len(seen.Photos) != 1 {
		t.Fatalf("completed: %+v", seen)
	}
	if k := w.inboxKinds(t, w.captain); k[0] != "dispatch_completed" {
		t.Fatalf("captain's inbox: %v", k)
	}
	w.step(w.captain, d.ID, "confirm", map[string]any{"score": 5, "comment": "刘老师很负责"}).Want(t, 200).Data(t, &seen)
	if seen.Status != "confirmed" || seen.Score == nil || *seen.Score != 5 {
		t.Fatalf("confirmed: %+v", seen)
	}
	// 刘老师's record: one confirmed service of 40 minutes, for the time bank to credit.
	recs, err := e.App.Store.ServiceRecordsOf(ctx, e.ParseID(liu.UserID), 0, 10)
	if err != nil || len(recs) != 1 {
		t.Fatalf("service records: %+v %v", recs, err)
	}
	r := recs[0]
	if r.Minutes != 40 || r.SourceKind != model.SourceDispatch || r.SourceID != e.ParseID(d.ID) || r.PointsPerHour != 100 ||
		r.OrganiserID != e.ParseID(w.captain.UserID) || r.ConfirmerID != e.ParseID(w.captain.UserID) ||
		!strings.Contains(r.Content, "电工") || r.Place != "1号院 1栋" {
		t.Fatalf("record: %+v", r)
	}
	var prof struct {
		Rating         float64 `json:"rating"`
		RatingCount    int     `json:"rating_count"`
		OpenDispatches int     `json:"open_dispatches"`
	}
	e.Do("GET", "/api/v1/me/skill-profile", nil, apptest.Token(liu.Token)).Want(t, 200).Data(t, &prof)
	if prof.Rating != 5 || prof.RatingCount != 1 || prof.OpenDispatches != 0 {
		t.Fatalf("刘老师's listing: %+v", prof)
	}
	e.Do("GET", "/api/v1/help-requests/"+h.ID, nil, apptest.Token(w.captain.Token)).Want(t, 200).Data(t, &h)
	if h.Status != "done" || len(h.Dispatches) != 1 || h.Dispatches[0].Volunteer.Nickname != "刘老师" {
		t.Fatalf("help request after: %+v", h)
	}
	if k := w.inboxKinds(t, liu); k[0] != "dispatch_confirmed" {
		t.Fatalf("刘老师's inbox: %v", k)
	}
	// Neither 李大爷's name nor anyone's phone reaches zhang, who was never dispatched.
	e.Do("GET", "/api/v1/dispatches/"+d.ID, nil, apptest.Token(zhang.Token)).Want(t, 403)
	e.Do("GET", "/api/v1/help-requests/"+h.ID, nil, apptest.Token(zhang.Token)).Want(t, 403)
}

// TestDispatchRefusals: who may dispatch, accept, complete and confirm, and the order of the
// cycle: a dispatch cannot be accepted twice (409), completed before it is accepted (409), or
// confirmed by anyone but the requester or a captain/staff in scope (403; 404 outside).
func TestDispatchRefusals(t *testing.T) {
	t.Parallel()
	w := newSkillWorld(t)
	e := w.e
	b := w.c.BuildingIDs
	ctx := context.Background()
	liu := w.electrician(t, "liu", b[1], "", "community", saturday)
	asker := w.person(t, "asker", b[0], "")
	neighbour := w.person(t, "neighbour", b[0], "")
	unlisted := w.person(t, "unlisted", b[0], "")
	hid := w.askHelp(t, asker, b[0], nil)
	offer := func(who apptest.Session, body map[string]any) *apptest.Response {
		return e.Do("POST", "/api/v1/dispatches", body, apptest.Token(who.Token))
	}
	good := map[string]any{"help_request_id": hid, "volunteer_id": liu.UserID}
	offer(asker, good).Want(t, 403)
	offer(w.farCaptain, good).Want(t, 403)
	offer(w.foreignStaff, good).Want(t, 404)
	offer(apptest.Session{}, good).Want(t, 401)
	for _, c := range []struct {
		body  map[string]any
		field string
	}{
		{map[string]any{"volunteer_id": liu.UserID}, "issue_id"},
		{map[string]any{"help_request_id": hid, "issue_id": "1", "volunteer_id": liu.UserID}, "issue_id"},
		{map[string]any{"help_request_id": hid}, "volunteer_id"},
		{map[string]any{"help_request_id": hid, "volunteer_id": unlisted.UserID}, "volunteer_id"},
		{map[string]any{"help_request_id": hid, "volunteer_id": asker.UserID}, "volunteer_id"},
		{map[string]any{"help_request_id": hid, "volunteer_id": liu.UserID, "note": strings.Repeat("长", 201)}, "note"},
	} {
		if er := offer(w.captain, c.body).Want(t, 400).Err(t); !er.HasField(c.field) {
			t.Errorf("%v: want a 400 naming %s, got %+v", c.body, c.field, er)
		}
	}
	d := w.dispatch(t, w.captain, hid, liu.UserID)
	offer(w.staff, good).Want(t, 409) // one live dispatch per help request
	w.step(liu, d.ID, "complete", map[string]any{"minutes": 30}).Want(t, 409)
	w.step(w.captain, d.ID, "accept", nil).Want(t, 403)
	w.step(asker, d.ID, "accept", nil).Want(t, 403)
	w.step(w.foreignCaptain, d.ID, "accept", nil).Want(t, 404)
	w.step(liu, d.ID, "accept", nil).Want(t, 200)
	if er := w.step(liu, d.ID, "accept", nil).Want(t, 409).Err(t); !strings.Contains(er.Message, "已接单") {
		t.Fatalf("second accept: %+v", er)
	}
	w.step(asker, d.ID, "confirm", map[string]any{"score": 5}).Want(t, 409) // not completed yet
	for _, m := range []int{0, 601} {
		if er := w.step(liu, d.ID, "complete", map[string]any{"minutes": m}).Want(t, 400).Err(t); !er.HasField("minutes") {
			t.Fatalf("%d minutes: %+v", m, er)
		}
	}
	w.step(asker, d.ID, "complete", map[string]any{"minutes": 30}).Want(t, 403)
	w.step(liu, d.ID, "complete", map[string]any{"minutes": 30}).Want(t, 200)
	w.step(liu, d.ID, "complete", map[string]any{"minutes": 30}).Want(t, 409)
	w.step(liu, d.ID, "cancel", nil).Want(t, 403)
	w.step(w.captain, d.ID, "cancel", nil).Want(t, 409)                         // completed: too late
	w.step(liu, d.ID, "confirm", map[string]any{"score": 5}).Want(t, 403)       // not one's own service
	w.step(neighbour, d.ID, "confirm", map[string]any{"score": 5}).Want(t, 403) // an outsider of the community
	w.step(w.farCaptain, d.ID, "confirm", map[string]any{"score": 5}).Want(t, 403)
	w.step(w.foreignStaff, d.ID, "confirm", map[string]any{"score": 5}).Want(t, 404)
	w.step(apptest.Session{}, d.ID, "confirm", map[string]any{"score": 5}).Want(t, 401)
	if er := w.step(asker, d.ID, "confirm", map[string]any{"score": 6}).Want(t, 400).Err(t); !er.HasField("score") {
		t.Fatalf("score 6: %+v", er)
	}
	w.step(asker, d.ID, "confirm", map[string]any{"score": 4, "comment": "及时"}).Want(t, 200)
	w.step(w.captain, d.ID, "confirm", map[string]any{"score": 5}).Want(t, 409)
	if n, err := e.App.Store.Count(ctx, "service_records", "source_kind = ? AND source_id = ?", model.SourceDispatch, e.ParseID(d.ID)); err != nil || n != 1 {
		t.Fatalf("service records: %d %v", n, err)
	}
	e.Do("GET", "/api/v1/dispatches/abc", nil, apptest.Token(liu.Token)).Want(t, 400)
	e.Do("GET", "/api/v1/dispatches/999999", nil, apptest.Token(liu.Token)).Want(t, 404)
	// Lists: mine for the volunteer, requested for the asker, managed for the captain.
	for _, c := range []struct {
		who   apptest.Session
		query string
		want  int
	}{{liu, "mine", 1}, {asker, "requested", 1}, {w.captain, "managed", 1}, {w.farCaptain, "managed", 0},
		{w.staff, "managed", 1}, {w.foreignStaff, "managed", 0}, {asker, "mine", 0}} {
		var page struct{ Items []dispatchData }
		e.Do("GET", "/api/v1/dispatches?scope="+c.query, nil, apptest.Token(c.who.Token)).Want(t, 200).Data(t, &page)
		if len(page.Items) != c.want {
			t.Errorf("%s as %s: %d items, want %d", c.query, c.who.UserID, len(page.Items), c.want)
		}
	}
	e.Do("GET", "/api/v1/dispatches?scope=managed", nil, apptest.Token(asker.Token)).Want(t, 403)
	e.Do("GET", "/api/v1/dispatches?scope=everything", nil, apptest.Token(asker.Token)).Want(t, 400)
}

// TestDispatchOfAnIssue: accepting moves the issue to in_progress; confirming resolves it
// with the volunteer's note and photo on its timeline; an anonymous reporter stays hidden
// from the volunteer.
func TestDispatchOfAnIssue(t *testing.T) {
	t.Parallel()
	w := newSkillWorld(t)
	e := w.e
	b := w.c.BuildingIDs
	liu := w.electrician(t, "liu", b[1], "", "community", saturday)
	reporter := w.person(t, "reporter", b[0], "13800005555")
	var cats []struct{ ID string }
	onePage(t, e.Do("GET", "/api/v1/communities/"+w.c.ID+"/issue-categories", nil, apptest.Token(reporter.Token)).Want(t, 200), &cats)
	var is struct{ ID, Status string }
	e.Do("POST", "/api/v1/issues", map[string]any{"building_id": b[0], "category_id": cats[0].ID, "description": "楼道灯不亮",
		"anonymous": true}, apptest.Token(reporter.Token)).Want(t, 201).Data(t, &is)
	var d dispatchData
	e.Do("POST", "/api/v1/dispatches", map[string]any{"issue_id": is.ID, "volunteer_id": liu.UserID},
		apptest.Token(w.captain.Token)).Want(t, 201).Data(t, &d)
	if d.Source != "issue" || d.IssueID != is.ID || d.Requester == nil || d.Requester.ID != reporter.UserID {
		t.Fatalf("dispatch of an issue: %+v", d)
	}
	// The offer names the building with its estate: a community of several estates has a 1栋 in each.
	var offers struct{ Items []struct{ Kind, Body string } }
	e.Do("GET", "/api/v1/me/notifications", nil, apptest.Token(liu.Token)).Want(t, 200).Data(t, &offers)
	if len(offers.Items) == 0 || offers.Items[0].Kind != "dispatch_offer" || !strings.Contains(offers.Items[0].Body, "号院 ") {
		t.Fatalf("the offer does not name the estate: %+v", offers.Items)
	}
	var seen dispatchData
	w.step(liu, d.ID, "accept", nil).Want(t, 200).Data(t, &seen)
	if seen.Requester != nil || seen.RequesterPhone != "" {
		t.Fatalf("the anonymous reporter shows to the volunteer: %+v", seen)
	}
	issue := func() issueData { return (&issueWorld{e: e}).get(t, reporter, is.ID) }
	if got := issue(); got.Status != "in_progress" {
		t.Fatalf("issue after accept: %+v", got)
	}
	w.step(liu, d.ID, "complete", map[string]any{"minutes": 25, "note": "换了灯泡", "photos": []string{w.photo(t, liu)}}).Want(t, 200)
	w.step(reporter, d.ID, "confirm", map[string]any{"score": 5, "comment": "很及时"}).Want(t, 200)
	got := issue()
	last := got.Timeline[len(got.Timeline)-1]
	if got.Status != "resolved" || last.A != "dispatch_resolve" || last.Actor == nil || last.Actor.ID != liu.UserID {
		t.Fatalf("issue after confirm: %+v", got)
	}
	// One rating per service: the reporter's confirmation rated the issue too.
	var rated struct {
		Rating *int `json:"rating"`
	}
	e.Do("GET", "/api/v1/issues/"+is.ID, nil, apptest.Token(reporter.Token)).Want(t, 200).Data(t, &rated)
	if rated.Rating == nil || *rated.Rating != 5 {
		t.Fatalf("the issue's rating after the reporter confirmed with 5: %v", rated.Rating)
	}
	e.Do("POST", "/api/v1/issues/"+is.ID+"/rating", map[string]any{"score": 4}, apptest.Token(reporter.Token)).Want(t, 409)
	var inbox struct{ Items []struct{ Kind, Body string } }
	e.Do("GET", "/api/v1/me/notifications", nil, apptest.Token(reporter.Token)).Want(t, 200).Data(t, &inbox)
	told := 0
	for _, n := range inbox.Items {
		if n.Kind == "dispatch_accepted" {
			told++
			if !strings.Contains(n.Body, "」报事") {
				t.Errorf("the reporter is told of an accepted dispatch of their 报事 as: %q", n.Body)
			}
		}
	}
	if told != 1 {
		t.Errorf("the reporter got %d notices of the accepted dispatch, want 1: %+v", told, inbox.Items)
	}
	var full struct {
		Timeline []struct {
			Note   string
			Photos []struct{ ID string }
		}
	}
	e.Do("GET", "/api/v1/issues/"+is.ID, nil, apptest.Token(reporter.Token)).Want(t, 200).Data(t, &full)
	ev := full.Timeline[len(full.Timeline)-1]
	if ev.Note != "换了灯泡" || len(ev.Photos) != 1 {
		t.Fatalf("timeline entry: %+v", ev)
	}
	// A resolved issue takes no further dispatch.
	e.Do("POST", "/api/v1/dispatches", map[string]any{"issue_id": is.ID, "volunteer_id": liu.UserID},
		apptest.Token(w.captain.Token)).Want(t, 409)
}
