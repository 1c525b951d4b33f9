package api_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"linli/app/apptest"
)

// scrape reads /metrics the way a scraper on the metrics listener does.
func scrape(t *testing.T, e *apptest.Env) string {
	t.Helper()
	rec := httptest.NewRecorder()
	e.App.MetricsHandler.ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("GET /metrics on the metrics handler: %d %s", rec.Code, rec.Body)
	}
	return rec.Body.String()
}

// TestMetricsMadeUpMethodsStaySmall is issue #15: every request with a method of its own
// ("M00000001 /x") used to add a counter and a histogram to /metrics, kept for the life of the
// process. Now they all count under method="other", and the access log says "other" too.
func TestMetricsMadeUpMethodsStaySmall(t *testing.T) {
	t.Parallel()
	e := apptest.New(t)
	// Warm up the series the attack shares with ordinary traffic.
	e.Do("GET", "/x", nil).Want(t, http.StatusNotFound)
	e.Do("GET", "/healthz", nil).Want(t, http.StatusOK)
	before := len(scrape(t, e))

	const n = 20_000
	paths := []string{"/x", "/healthz", "/api/v1/me"} // unmatched, and two routes of another method
	for i := range n {
		e.Do(fmt.Sprintf("M%08d", i+1), paths[i%len(paths)], nil)
	}
	body := scrape(t, e)
	t.Logf("/metrics: %d bytes before, %d bytes after %d made-up methods", before, len(body), n)
	if strings.Contains(body, `method="M`) {
		t.Fatal("/metrics has a made-up method label")
	}
	for _, want := range []string{
		`linli_http_requests_total{method="other",route="unmatched",status="404"} 6667`,
		`linli_http_requests_total{method="other",route="unmatched",status="405"} 13333`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	// Two new label sets (404 and 405 under "other"): a counter and a histogram each, some
	// 4 KB. Before the fix the attack added some 35 MB.
	if grown := len(body) - before; grown > 8<<10 {
		t.Errorf("/metrics grew by %d bytes, want at most 8 KB", grown)
	}
	logs := e.Logs()
	if strings.Contains(logs, `"M0000`) {
		t.Error("the access log has a made-up method")
	}
	if !strings.Contains(logs, `"method":"other"`) {
		t.Error(`the access log does not say "method":"other"`)
	}
}

// TestMetricsNotOnThePublicHandler: /metrics is not a route of the public listener, whatever
// the request carries; it is served by the metrics handler (http.metrics_addr), which serves
// nothing else. /healthz and /readyz stay public.
func TestMetricsNotOnThePublicHandler(t *testing.T) {
	t.Parallel()
	e := apptest.New(t)
	e.Do("GET", "/healthz", nil).Want(t, http.StatusOK)
	e.Do("GET", "/readyz", nil).Want(t, http.StatusOK)
	for _, opts := range [][]apptest.Req{nil, {apptest.Token("anything")}, {apptest.Header("X-Forwarded-For", "127.0.0.1")}} {
		r := e.Do("GET", "/metrics", nil, opts...)
		if r.Status != http.StatusNotFound || strings.Contains(string(r.Body), "linli_http_requests_total") {
			t.Fatalf("public GET /metrics: %d %.200s", r.Status, r.Body)
		}
	}
	if doc := e.Do("GET", "/api/docs/openapi.json", nil).Want(t, http.StatusOK); strings.Contains(string(doc.Body), `"/metrics"`) {
		t.Error("the public API document lists /metrics")
	}

	body := scrape(t, e)
	for _, want := range []string{`linli_http_requests_total{method="GET",route="/healthz",status="200"} 1`,
		"go_goroutines", "go_sql_max_open_connections"} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	for _, path := range []string{"/healthz", "/api/v1/me", "/metrics/x"} {
		rec := httptest.NewRecorder()
		e.App.MetricsHandler.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
		if rec.Code != http.StatusNotFound {
			t.Errorf("metrics handler GET %s: %d, want 404", path, rec.Code)
		}
	}
}
