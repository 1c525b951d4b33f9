package api_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"linli/app/apptest"
)

// TestExportAndCompleteDeletion: the export shows what we hold (profile with the full phone,
// the person's rows); after deletion no table holds the phone number or the openid anywhere.
func TestExportAndCompleteDeletion(t *testing.T) {
	t.Parallel()
	w := newIssueWorld(t)
	e := w.e
	const phone = "13712345678"
	e.Do("POST", "/api/v1/me/phone", map[string]string{"code": phone}, tok(w.reporter)).Want(t, 200)
	var d issueData
	w.report(t, w.reporter, nil).Want(t, 201).Data(t, &d)
	w.move(w.captain, d.ID, "acknowledge", nil).Want(t, 200)
	e.Do("POST", "/api/v1/issues/"+d.ID+"/comments", map[string]any{"body": "谢谢"}, tok(w.reporter)).Want(t, 201)

	var x struct {
		Phone  string
		Tables map[string][]map[string]any
	}
	r := e.Do("GET", "/api/v1/me/export", nil, tok(w.reporter)).Want(t, 200)
	r.Data(t, &x)
	if x.Phone != phone {
		t.Fatalf("export phone %q", x.Phone)
	}
	for _, table := range []string{"users", "residencies", "issues", "issue_comments", "notifications", "sessions"} {
		if len(x.Tables[table]) == 0 {
			t.Errorf("export lacks %s", table)
		}
	}
	for _, secret := range []string{"token_hash", "phone_cipher", w.reporter.Token} {
		if strings.Contains(string(r.Body), secret) {
			t.Errorf("export shows %q", secret)
		}
	}

	e.Do("DELETE", "/api/v1/me", nil, tok(w.reporter)).Want(t, 204)
	ctx := context.Background()
	tables, err := e.App.Store.Tables()
	if err != nil {
		t.Fatal(err)
	}
	for _, table := range tables {
		texts, err := e.App.Store.AllText(ctx, table)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range texts {
			if strings.Contains(s, phone) || strings.Contains(s, "dev:reporter") {
				t.Errorf("after deletion %s still holds %q", table, s)
			}
		}
	}
}

// TestExportHidesAnonymousReporter: a volunteer's export holds the dispatches they served and
// their service records, but the reporter of an anonymous issue is nowhere in it (not as the
// requester, not as the confirmer), as the API hides them; the reporter of a named issue
// stays, and the anonymous reporter's own export still names them.
func TestExportHidesAnonymousReporter(t *testing.T) {
	t.Parallel()
	w := newSkillWorld(t)
	e := w.e
	b := w.c.BuildingIDs
	liu := w.electrician(t, "liu", b[1], "", "community", saturday)
	hidden := w.person(t, "hidden-reporter", b[0], "13800005555")
	named := w.person(t, "named-reporter", b[0], "")
	e.Do("PATCH", "/api/v1/me", map[string]string{"nickname": "匿名的王阿姨"}, apptest.Token(hidden.Token)).Want(t, 200)
	var cats []struct{ ID string }
	onePage(t, e.Do("GET", "/api/v1/communities/"+w.c.ID+"/issue-categories", nil, apptest.Token(hidden.Token)).Want(t, 200), &cats)
	serve := func(reporter apptest.Session, anonymous bool) {
		t.Helper()
		var is struct{ ID string }
		e.Do("POST", "/api/v1/issues", map[string]any{"building_id": b[0], "category_id": cats[0].ID, "description": "楼道灯不亮",
			"anonymous": anonymous}, apptest.Token(reporter.Token)).Want(t, 201).Data(t, &is)
		var d dispatchData
		e.Do("POST", "/api/v1/dispatches", map[string]any{"issue_id": is.ID, "volunteer_id": liu.UserID},
			apptest.Token(w.captain.Token)).Want(t, 201).Data(t, &d)
		w.step(liu, d.ID, "accept", nil).Want(t, 200)
		w.step(liu, d.ID, "complete", map[string]any{"minutes": 25, "note": "换了灯泡"}).Want(t, 200)
		w.step(reporter, d.ID, "confirm", map[string]any{"score": 5, "comment": "谢谢"}).Want(t, 200)
	}
	serve(hidden, true)
	serve(named, false)

	type export struct{ Tables map[string][]map[string]any }
	exportOf := func(who apptest.Session) (export, string) {
		var x export
		r := e.Do("GET", "/api/v1/me/export", nil, apptest.Token(who.Token)).Want(t, 200)
		r.Data(t, &x)
		return x, string(r.Body)
	}
	x, body := exportOf(liu)
	if len(x.Tables["dispatches"]) != 2 || len(x.Tables["service_records"]) != 2 {
		t.Fatalf("volunteer's export: %d dispatches, %d service records", len(x.Tables["dispatches"]), len(x.Tables["service_records"]))
	}
	for _, secret := range []string{"匿名的王阿姨", "13800005555", "dev:hidden-reporter"} {
		if strings.Contains(body, secret) {
			t.Errorf("the volunteer's export shows %q", secret)
		}
	}
	names := func(v any, id string) bool { return fmt.Sprint(v) == id }
	namedSeen := false
	for table, rows := range x.Tables {
		for _, row := range rows {
			for col, v := range row {
				if col != "id" && (strings.HasSuffix(col, "_id") || strings.HasSuffix(col, "_by")) && names(v, hidden.UserID) &&
					!slices.Contains([]string{"community_id", "building_id", "estate_id", "source_id", "issue_id", "account_id",
						"posting_id", "skill_id", "profile_id", "category_id", "attached_id", "target_id"}, col) {
					t.Errorf("the volunteer's export names the anonymous reporter: %s.%s in %v", table, col, row)
				}
				if table == "dispatches" && col == "requester_id" && names(v, named.UserID) {
					namedSeen = true
				}
			}
		}
	}
	if !namedSeen {
		t.Errorf("the reporter of a named issue is hidden too: %v", x.Tables["dispatches"])
	}
	// The volunteer's own service records (the certificate's data) hide the confirmer too.
	var records struct {
		Items []struct {
			Confirmer person `json:"confirmer"`
		} `json:"items"`
	}
	e.Do("GET", "/api/v1/me/service-records", nil, apptest.Token(liu.Token)).Want(t, 200).Data(t, &records)
	confirmers := map[string]string{}
	for _, r := range records.Items {
		confirmers[r.Confirmer.ID] = r.Confirmer.Nickname
	}
	if len(confirmers) != 2 || confirmers["0"] != "匿名" || confirmers[named.UserID] != "named-reporter" {
		t.Errorf("the volunteer's service records show the confirmers %v", confirmers)
	}
	own, _ := exportOf(hidden)
	if len(own.Tables["issues"]) != 1 || !names(own.Tables["issues"][0]["reporter_id"], hidden.UserID) {
		t.Errorf("the reporter's own export: %v", own.Tables["issues"])
	}
}
