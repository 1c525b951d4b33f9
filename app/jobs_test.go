package app_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"linli/app"
	"linli/app/apptest"
)

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// waitFor polls cond for up to 30 s (a loaded CI machine is slow; a passing test is not).
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestJobsRunRepeatedlySurviveFailuresAndStop: each job runs at once and then on its interval;
// an error or a panic is logged and the job keeps running; cancelling the context stops them
// all, and wait returns only when they have.
func TestJobsRunRepeatedlySurviveFailuresAndStop(t *testing.T) {
	t.Parallel()
	var logs lockedBuffer
	jobs := app.NewJobs(slog.New(slog.NewTextHandler(&logs, nil)))
	var ok, failing, panicking atomic.Int64
	jobs.Add("ok", 10*time.Millisecond, func(context.Context) error { ok.Add(1); return nil })
	jobs.Add("failing", 10*time.Millisecond, func(context.Context) error { failing.Add(1); return errors.New("boom") })
	jobs.Add("panicking", 10*time.Millisecond, func(context.Context) error { panicking.Add(1); panic("kaboom") })
	var running atomic.Bool
	jobs.Add("slow", time.Hour, func(ctx context.Context) error {
		running.Store(true)
		<-ctx.Done() // a run in progress sees the stop
		running.Store(false)
		return ctx.Err()
	})
	ctx, cancel := context.WithCancel(context.Background())
	wait := jobs.Start(ctx)
	waitFor(t, "three runs of each", func() bool {
		return ok.Load() >= 3 && failing.Load() >= 3 && panicking.Load() >= 3 && running.Load()
	})
	cancel()
	wait()
	if running.Load() {
		t.Fatal("wait returned while a job was still running")
	}
	// wait returned, so every loop has returned: nothing can run any more.
	if n := jobs.Runs("ok"); n != ok.Load() || n < 3 {
		t.Fatalf("runs counted %d, ran %d", n, ok.Load())
	}
	l := logs.String()
	if !strings.Contains(l, "job=failing") || !strings.Contains(l, "boom") || !strings.Contains(l, "kaboom") {
		t.Fatalf("failures not logged:\n%s", l)
	}
	if strings.Contains(l, "job=slow") {
		t.Fatal("a job stopped by shutdown was logged as failed")
	}
}

// TestServeRunsTheJobs: ServeListener starts the registered jobs (the upload cleanup among
// them) and stops them when it returns.
func TestServeRunsTheJobs(t *testing.T) {
	t.Parallel()
	e := apptest.New(t)
	names := map[string]bool{}
	for _, j := range e.App.Jobs.List() {
		names[j.Name] = true
	}
	if !names["uploads.cleanup"] {
		t.Fatalf("jobs: %v", names)
	}
	var runs atomic.Int64
	var live atomic.Bool
	e.App.Jobs.Add("probe", time.Hour, func(ctx context.Context) error {
		runs.Add(1)
		live.Store(true)
		<-ctx.Done()
		live.Store(false)
		return nil
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- e.App.ServeListener(ctx, ln) }()
	waitFor(t, "the probe job", func() bool { return live.Load() })
	cancel()
	if err := <-served; err != nil {
		t.Fatal(err)
	}
	if live.Load() || runs.Load() != 1 {
		t.Fatalf("after serve: live %v runs %d", live.Load(), runs.Load())
	}
}
