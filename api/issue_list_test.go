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
