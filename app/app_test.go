package app_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"testing"
	"time"

	"linli/app/apptest"
)

// TestShutdownFinishesInFlightRequests: a stop during a slow request lets it complete, and
// Serve returns nil.
func TestShutdownFinishesInFlightRequests(t *testing.T) {
	t.Parallel()
	e := apptest.New(t)
	inner := e.App.Handler
	started := make(chan struct{})
	e.App.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/healthz" && r.URL.Query().Get("slow") == "1" {
			close(started)
			time.Sleep(700 * time.Millisecond)
		}
		inner.ServeHTTP(w, r)
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- e.App.ServeListener(ctx, ln) }()

	type result struct {
		status int
		body   string
		err    error
	}
	got := make(chan result, 1)
	go func() {
		resp, err := http.Get("http://" + ln.Addr().String() + "/healthz?slow=1")
		if err != nil {
			got <- result{err: err}
			return
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		got <- result{status: resp.StatusCode, body: string(b)}
	}()
	<-started
	cancel() // as SIGTERM does through signal.NotifyContext
	r := <-got
	if r.err != nil || r.status != 200 {
		t.Fatalf("in-flight request: status %d err %v", r.status, r.err)
	}
	select {
	case err := <-served:
		if err != nil {
			t.Fatalf("serve returned %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("serve did not return after the request finished")
	}
	if _, err := http.Get("http://" + ln.Addr().String() + "/healthz"); err == nil {
		t.Fatal("server still accepts connections after shutdown")
	}
}
