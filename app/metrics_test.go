package app_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"linli/app/apptest"
)

// TestMetricsServedOnTheirOwnListener: with a metrics listener, /metrics answers there and
// only there; the public listener keeps /healthz and /readyz and answers /metrics with 404.
// Both stop together.
func TestMetricsServedOnTheirOwnListener(t *testing.T) {
	t.Parallel()
	e := apptest.New(t)
	listen := func() net.Listener {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		return ln
	}
	public, metrics := listen(), listen()
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- e.App.ServeListeners(ctx, public, metrics) }()
	defer func() {
		cancel()
		select {
		case err := <-served:
			if err != nil {
				t.Errorf("serve returned %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Error("serve did not return")
		}
		for _, ln := range []net.Listener{public, metrics} {
			if _, err := net.DialTimeout("tcp", ln.Addr().String(), time.Second); err == nil {
				t.Errorf("%s still accepts connections after shutdown", ln.Addr())
			}
		}
	}()

	get := func(ln net.Listener, path string) (int, string) {
		t.Helper()
		resp, err := http.Get("http://" + ln.Addr().String() + path)
		if err != nil {
			t.Fatalf("GET %s on %s: %v", path, ln.Addr(), err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	for _, path := range []string{"/healthz", "/readyz"} {
		if code, body := get(public, path); code != http.StatusOK {
			t.Fatalf("public GET %s: %d %s", path, code, body)
		}
	}
	if code, _ := get(public, "/metrics"); code != http.StatusNotFound {
		t.Fatalf("public GET /metrics: %d, want 404", code)
	}
	code, body := get(metrics, "/metrics")
	if code != http.StatusOK || !strings.Contains(body, `linli_http_requests_total{method="GET",route="/readyz",status="200"} 1`) {
		t.Fatalf("metrics GET /metrics: %d %.300s", code, body)
	}
	if code, _ := get(metrics, "/healthz"); code != http.StatusNotFound {
		t.Fatalf("metrics GET /healthz: %d, want 404 (the metrics listener serves /metrics only)", code)
	}
}
