package service_test

import (
	"testing"
	"time"
)

func TestDbgSignupCost(t *testing.T) {
	w := newRushWorld(t, 200)
	a := w.activity(t, 50)
	s := w.e.App.Services.Activities
	t0 := time.Now()
	for _, p := range w.people {
		if _, err := s.SignUp(w.ctx, p, a.ID); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("serial SignUp: %s each", time.Since(t0)/200)
	t0 = time.Now()
	for _, p := range w.people[:100] {
		w.e.App.Services.Principals.Load(w.ctx, p.UserID)
	}
	t.Logf("principal load: %s each", time.Since(t0)/100)
}
