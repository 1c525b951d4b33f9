package api_test

import (
	"fmt"
	"net/url"
	"testing"

	"linli/app/apptest"
	"linli/config"
)

// rosterEntry is what the roster test reads of an entry.
type rosterEntry struct {
	ID       string `json:"id"`
	Status   string `json:"status"`
	Position int    `json:"position"`
	User     struct {
		ID string `json:"id"`
	} `json:"user"`
}

// TestRosterPages reads a roster of 25 confirmed and 5 waitlisted volunteers 7 at a time: every
// sign-up comes exactly once, confirmed first in sign-up order, then the waitlist by position,
// across the page that holds both; a cursor that is not one of the roster's → 400.
func TestRosterPages(t *testing.T) {
	t.Parallel()
	w := newActivityWorld(t, "", func(c *config.Config) { c.Limits.SignupPerUser, c.Limits.SignupPerIP = 0, 0 })
	e := w.e
	id := w.published(map[string]any{"capacity": 25})
	var want []string // sign-up ids in the documented order: here, the order of signing up
	for i := range 30 {
		s := e.MakeResident(fmt.Sprintf("roster-%02d", i), w.c.BuildingIDs[i%3], fmt.Sprintf("%d", 1101+i))
		su := w.signUp(id, s, 201)
		if wantStatus := map[bool]string{true: "confirmed", false: "waitlisted"}[i < 25]; su.Status != wantStatus {
			t.Fatalf("sign-up %d: %+v, want %s", i, su, wantStatus)
		}
		want = append(want, su.ID)
	}

	path := "/api/v1/activities/" + id + "/signups"
	var got []rosterEntry
	cursor, pages := "", 0
	for {
		var page struct {
			Items      []rosterEntry `json:"items"`
			NextCursor string        `json:"next_cursor"`
		}
		q := url.Values{"limit": {"7"}}
		if cursor != "" {
			q.Set("cursor", cursor)
		}
		e.Do("GET", path+"?"+q.Encode(), nil, apptest.Token(w.staff.Token)).Want(t, 200).Data(t, &page)
		pages++
		if len(page.Items) > 7 || pages > 5 {
			t.Fatalf("page %d holds %d items (limit 7), or too many pages", pages, len(page.Items))
		}
		got = append(got, page.Items...)
		if page.NextCursor == "" {
			break
		}
		cursor = page.NextCursor
	}
	if pages != 5 || len(got) != len(want) {
		t.Fatalf("%d pages, %d entries; want 5 pages, %d entries", pages, len(got), len(want))
	}
	for i, r := range got {
		wantStatus, wantPos := "confirmed", 0
		if i >= 25 {
			wantStatus, wantPos = "waitlisted", i-24
		}
		if r.ID != want[i] || r.Status != wantStatus || r.Position != wantPos {
			t.Fatalf("entry %d: %+v, want sign-up %s %s at position %d", i, r, want[i], wantStatus, wantPos)
		}
	}

	// The default page is 20; limit is bounded; cursors are the roster's own.
	var first struct {
		Items      []rosterEntry `json:"items"`
		NextCursor string        `json:"next_cursor"`
	}
	e.Do("GET", path, nil, apptest.Token(w.staff.Token)).Want(t, 200).Data(t, &first)
	if len(first.Items) != 20 || first.NextCursor == "" {
		t.Fatalf("default page: %d items, next %q", len(first.Items), first.NextCursor)
	}
	for _, bad := range []string{"abc", "12", "c.", "c.x", "c.0", "w.1", "w.0.5", "w.x.5", "w.1.5.6", "x.1", "c.-1"} {
		if er := e.Do("GET", path+"?cursor="+url.QueryEscape(bad), nil, apptest.Token(w.staff.Token)).Want(t, 400).Err(t); !er.HasField("cursor") {
			t.Fatalf("cursor %q: %+v", bad, er)
		}
	}
	e.Do("GET", path+"?limit=101", nil, apptest.Token(w.staff.Token)).Want(t, 400)
	e.Do("GET", path+"?limit=7", nil, apptest.Token(w.r1.Token)).Want(t, 403)
}
