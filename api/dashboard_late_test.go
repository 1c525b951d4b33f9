package api_test

import (
	"testing"
	"time"

	"linli/app/apptest"
	"linli/clock"
	"linli/service"
)

// Ten working days are counted Monday to Friday in China time.
func TestWorkingDaysBefore(t *testing.T) {
	for _, c := range []struct{ at, want string }{
		{"2026-12-14T10:00:00+08:00", "2026-11-30T10:00:00+08:00"}, // Monday: two weeks back
		{"2026-12-12T10:00:00+08:00", "2026-11-30T10:00:00+08:00"}, // Saturday: Fri … Mon of the week before last
		{"2026-12-03T00:30:00+08:00", "2026-11-19T00:30:00+08:00"}, // Thursday just after midnight
	} {
		at, _ := time.Parse(time.RFC3339, c.at)
		want, _ := time.Parse(time.RFC3339, c.want)
		if got := service.WorkingDaysBefore(at, 10); !got.Equal(want) {
			t.Errorf("10 working days before %s: %s, want %s", c.at, got.In(clock.China).Format(time.RFC3339), c.want)
		}
	}
}

// The dashboard counts activities that ended more than 10 working days ago and are still not
// settled (民政部令第67号 art. 11).
func TestDashboardCountsActivitiesUnsettledPastTenWorkingDays(t *testing.T) {
	w := newActivityWorld(t, "late-")
	w.published(nil) // ends at +4h
	w.published(map[string]any{"start_at": w.ts(7*24*time.Hour + 2*time.Hour), "end_at": w.ts(7*24*time.Hour + 4*time.Hour),
		"cancel_cutoff_at": w.ts(7 * 24 * time.Hour)})
	w.e.Clock.Set(w.base.Add(16 * 24 * time.Hour))
	var d struct {
		Volunteer struct {
			UnsettledLate int64 `json:"unsettled_late"`
		} `json:"volunteering"`
	}
	w.e.Do("GET", "/api/v1/communities/"+w.c.ID+"/dashboard", nil, apptest.Token(w.staff.Token)).Want(t, 200).Data(t, &d)
	if d.Volunteer.UnsettledLate != 1 {
		t.Fatalf("unsettled past 10 working days: %d, want 1 (the first; the second ended 9 days ago)", d.Volunteer.UnsettledLate)
	}
}
