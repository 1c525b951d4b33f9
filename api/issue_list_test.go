package api_test

import (
	"testing"

	"linli/app/apptest"
	"linli/model"
)

// TestIssueListsCarryTheirPhotos: lists read photos only for the issues that have some (the
// list query marks them), and those show in every list as in the report's own answer; the
// answer to a report is the issue as its reporter sees it in a list.
func TestIssueListsCarryTheirPhotos(t *testing.T) {
	t.Parallel()
	w := newIssueWorld(t)
	photo := upload(t, w.e, w.reporter.Token, "p.jpg", gpsJPEG(t)).ID
	var with, without issueData
	w.report(t, w.reporter, map[string]any{"photos": []string{photo}}).Want(t, 201).Data(t, &with)
	w.report(t, w.reporter, nil).Want(t, 201).Data(t, &without)
	if len(with.Photos) != 1 || len(without.Photos) != 0 || with.Status != model.IssueSubmitted ||
		with.Reporter == nil || with.Reporter.Nickname == "" {
		t.Fatalf("report answers: %+v / %+v", with, without)
	}
	for _, l := range []struct {
		who  string
		path string
		as   apptest.Session
	}{{"captain", "/api/v1/issues?scope=building", w.captain}, {"reporter", "/api/v1/issues?scope=mine", w.reporter},
		{"neighbour", "/api/v1/issues?scope=building", w.neighbour}, {"staff", "/api/v1/issues?scope=community", w.staff}} {
		var page struct{ Items []issueData }
		w.e.Do("GET", l.path, nil, tok(l.as)).Want(t, 200).Data(t, &page)
		found := 0
		for _, it := range page.Items {
			switch it.ID {
			case with.ID:
				found++
				if len(it.Photos) != 1 || it.Photos[0].ID != with.Photos[0].ID {
					t.Errorf("%s: the issue with a photo lists %+v", l.who, it.Photos)
				}
			case without.ID:
				found++
				if len(it.Photos) != 0 {
					t.Errorf("%s: the issue without photos lists %+v", l.who, it.Photos)
				}
			}
		}
		if found != 2 {
			t.Errorf("%s: %d of the 2 issues listed", l.who, found)
		}
	}
}

// TestQueuePagesKeptUntilAChange: a building queue's page is kept in memory (a change made
// behind the service's back is not seen), and every change through the service — a report, a
// transition, a follow, a comment — shows in the very next read, for the captain and for the
// building's residents.
func TestQueuePagesKeptUntilAChange(t *testing.T) {
	t.Parallel()
	w := newIssueWorld(t)
	var first struct{ ID string }
	w.report(t, w.reporter, nil).Want(t, 201).Data(t, &first)
	db := w.e.App.Store.SQL()
	type row struct {
		ID        string `json:"id"`
		Status    string `json:"status"`
		Followers int    `json:"followers"`
	}
	queue := func(who apptest.Session) []row {
		t.Helper()
		var page struct{ Items []row }
		w.e.Do("GET", "/api/v1/issues?scope=building", nil, tok(who)).Want(t, 200).Data(t, &page)
		return page.Items
	}
	// Once the instance hears the invalidation channel, a page read is kept: a change behind
	// the server's back (no message) is not seen. Until then, and whenever the subscription is
	// renewed (a loaded machine may miss a ping), pages are read afresh: poll for it.
	apptest.Eventually(t, "queue pages to be kept", func() bool {
		queue(w.captain)
		if _, err := db.Exec("UPDATE issues SET status = 'in_progress' WHERE id = ?", first.ID); err != nil {
			t.Fatal(err)
		}
		got := queue(w.captain)
		if _, err := db.Exec("UPDATE issues SET status = 'submitted' WHERE id = ?", first.ID); err != nil {
			t.Fatal(err)
		}
		return len(got) == 1 && got[0].Status == "submitted"
	})
	w.report(t, w.neighbour, map[string]any{"description": "电梯异响"}).Want(t, 201)
	if got := queue(w.captain); len(got) != 2 {
		t.Fatalf("after a report: %+v", got)
	}
	find := func(rows []row) row {
		t.Helper()
		for _, r := range rows {
			if r.ID == first.ID {
				return r
			}
		}
		t.Fatalf("issue %s not in %+v", first.ID, rows)
		return row{}
	}
	w.move(w.captain, first.ID, "acknowledge", nil).Want(t, 200)
	for _, who := range []apptest.Session{w.captain, w.neighbour} {
		if got := find(queue(who)); got.Status != "acknowledged" {
			t.Fatalf("after acknowledging: %+v", got)
		}
	}
	w.e.Do("POST", "/api/v1/issues/"+first.ID+"/follow", nil, tok(w.neighbour)).Want(t, 200)
	if got := find(queue(w.captain)); got.Followers != 1 {
		t.Fatalf("after a follow: %+v", got)
	}
}
