package service_test

import (
	"context"
	"errors"
	"testing"

	"linli/app/apptest"
	"linli/service"
)

// TestLimiterCountsAndGivesBack: a burst up to the limit passes and the next is a 429 with a
// wait; a request given back (Refund) may be made again, even at a limit of one; giving back
// what was never counted does not raise the allowance above the limit. Counts only: the
// limiter runs on Redis's clock, and a limit of a few a minute does not refill during the test.
func TestLimiterCountsAndGivesBack(t *testing.T) {
	t.Parallel()
	e := apptest.New(t)
	l := e.App.Services.Limiter
	ctx := context.Background()
	allowed := func(limit int, who string) bool {
		t.Helper()
		err := l.Allow(ctx, limit, "test", who)
		var se *service.Error
		switch {
		case err == nil:
			return true
		case errors.As(err, &se) && se.Kind == service.KindTooManyRequests && se.RetryAfterSeconds >= 1:
			return false
		}
		t.Fatalf("Allow: %v", err)
		return false
	}
	for i := range 3 {
		if !allowed(3, "a") {
			t.Fatalf("request %d of 3 refused", i+1)
		}
	}
	if allowed(3, "a") {
		t.Fatal("a 4th request within the minute passed a limit of 3")
	}
	l.Refund(ctx, 3, "test", "a")
	if !allowed(3, "a") {
		t.Fatal("a request given back could not be made again")
	}
	if allowed(3, "a") {
		t.Fatal("one give-back bought two requests")
	}
	// A limit of one: refused requests given back never hold the person back.
	for range 5 {
		if !allowed(1, "b") {
			t.Fatal("a limit of one refused a request after a give-back")
		}
		l.Refund(ctx, 1, "test", "b")
	}
	// Giving back what was never taken does not add to a full allowance.
	for range 5 {
		l.Refund(ctx, 2, "test", "c")
	}
	if !allowed(2, "c") || !allowed(2, "c") || allowed(2, "c") {
		t.Fatal("give-backs of nothing changed a limit of 2")
	}
	if !allowed(0, "d") {
		t.Fatal("limit 0 is off")
	}
}
