package service_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"linli/app/apptest"
	"linli/config"
	"linli/service"
)

// wantRefused checks err is a service error of kind with a Retry-After.
func wantRefused(t *testing.T, err error, kind service.Kind) {
	t.Helper()
	var se *service.Error
	if !errors.As(err, &se) || se.Kind != kind || se.RetryAfterSeconds < 1 || se.Message == "" {
		t.Fatalf("want kind %d with Retry-After, got %#v", kind, err)
	}
}

// TestAdmitBoundsUploadsPerUserAndPerProcess: a user's third upload in flight is refused at
// once (429); with the process full and no queue a fourth upload is refused (503); a released
// turn lets the next in, and releasing twice gives back only one.
func TestAdmitBoundsUploadsPerUserAndPerProcess(t *testing.T) {
	t.Parallel()
	e := apptest.New(t, func(c *config.Config) {
		c.Uploads.MaxInFlight, c.Uploads.MaxInFlightPerUser, c.Uploads.QueueWait = 3, 2, 0
	})
	u := e.App.Services.Uploads
	ctx := context.Background()
	admit := func(owner uint64) func() {
		t.Helper()
		release, err := u.Admit(ctx, owner)
		if err != nil {
			t.Fatalf("user %d: %v", owner, err)
		}
		return release
	}
	a1, a2 := admit(1), admit(1)
	_, err := u.Admit(ctx, 1)
	wantRefused(t, err, service.KindTooManyRequests)
	b1 := admit(2)
	if running, _ := u.InFlight(); running != 3 {
		t.Fatalf("%d in flight", running)
	}
	_, err = u.Admit(ctx, 3)
	wantRefused(t, err, service.KindUnavailable)
	// A refused user holds nothing: user 3 gets in as soon as a turn is free.
	a1()
	a1()
	c1 := admit(3)
	_, err = u.Admit(ctx, 2)
	wantRefused(t, err, service.KindUnavailable)
	a2()
	b2 := admit(2)
	_, err = u.Admit(ctx, 2)
	wantRefused(t, err, service.KindTooManyRequests)
	for _, r := range []func(){b1, b2, c1} {
		r()
	}
	if running, waiting := u.InFlight(); running != 0 || waiting != 0 {
		t.Fatalf("%d in flight, %d waiting after every release", running, waiting)
	}
}

// TestAdmitQueuesForATurn: with the process full an upload waits for a turn rather than fail;
// it gets the turn released by another, and gives up when its request ends.
func TestAdmitQueuesForATurn(t *testing.T) {
	t.Parallel()
	e := apptest.New(t, func(c *config.Config) {
		c.Uploads.MaxInFlight, c.Uploads.MaxInFlightPerUser, c.Uploads.QueueWait = 1, 1, 10*time.Second
	})
	u := e.App.Services.Uploads
	ctx := context.Background()
	first, err := u.Admit(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan error, 1)
	go func() {
		release, err := u.Admit(ctx, 2)
		if err == nil {
			release()
		}
		got <- err
	}()
	apptest.Eventually(t, "the second upload to wait", func() bool { _, w := u.InFlight(); return w == 1 })
	first()
	if err := <-got; err != nil {
		t.Fatalf("queued upload: %v", err)
	}
	// A waiter whose request is cancelled leaves the queue.
	first, err = u.Admit(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer first()
	cctx, cancel := context.WithCancel(ctx)
	go func() { _, err := u.Admit(cctx, 3); got <- err }()
	apptest.Eventually(t, "the third upload to wait", func() bool { _, w := u.InFlight(); return w == 1 })
	cancel()
	if err := <-got; service.KindOf(err) != service.KindUnavailable {
		t.Fatalf("cancelled wait: %v", err)
	}
	if _, w := u.InFlight(); w != 0 {
		t.Fatalf("%d still waiting", w)
	}
}
