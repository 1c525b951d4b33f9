package api_test

import (
	"testing"
	"time"

	"linli/app/apptest"
)

// TestActivityDefaultCancelCutoff: an activity created without a cut-off may be cancelled until
// the usual notice before its start; one announced at shorter notice than that may be cancelled
// until it starts — never a cut-off that has already passed when the activity is created.
func TestActivityDefaultCancelCutoff(t *testing.T) {
	w := newActivityWorld(t, "cutoff-")
	var cut struct {
		ID             string    `json:"id"`
		StartAt        time.Time `json:"start_at"`
		CancelCutoffAt time.Time `json:"cancel_cutoff_at"`
	}
	for _, tc := range []struct {
		name       string
		start, end time.Duration
		want       time.Duration // the cut-off, from base
	}{
		{"a day ahead: the usual 2 h notice", 24 * time.Hour, 26 * time.Hour, 22 * time.Hour},
		{"in one hour: until it starts", time.Hour, 3 * time.Hour, time.Hour},
		{"exactly 2 h ahead: until it starts", 2 * time.Hour, 3 * time.Hour, 2 * time.Hour},
	} {
		body := w.body(map[string]any{"start_at": w.ts(tc.start), "end_at": w.ts(tc.end)})
		delete(body, "cancel_cutoff_at")
		w.e.Do("POST", "/api/v1/activities", body, apptest.Token(w.staff.Token)).Want(t, 201).Data(t, &cut)
		if got := cut.CancelCutoffAt.Sub(w.base); got != tc.want {
			t.Errorf("%s: cut-off at base%+v, want base%+v", tc.name, got, tc.want)
		}
		if !cut.CancelCutoffAt.After(w.e.Clock.Now()) {
			t.Errorf("%s: cut-off %s is not after the creation time %s", tc.name, cut.CancelCutoffAt, w.e.Clock.Now())
		}
	}

	// The short-notice one: a volunteer who signed up can still cancel half an hour before it starts.
	w.e.Do("POST", "/api/v1/activities/"+cut.ID+"/publish", nil, apptest.Token(w.staff.Token)).Want(t, 200)
	w.signUp(cut.ID, w.r1, 201)
	w.at(90 * time.Minute)
	w.e.Do("DELETE", "/api/v1/activities/"+cut.ID+"/signups/me", nil, apptest.Token(w.r1.Token)).Want(t, 200)
}
