package api_test

import (
	"strings"
	"testing"

	"linli/app/apptest"
)

func TestConsoleServedWithCSP(t *testing.T) {
	t.Parallel()
	e := apptest.New(t)
	for _, path := range []string{"/console/", "/console/assets/app.js", "/console/some/page"} {
		res := e.Do("GET", path, nil).Want(t, 200)
		csp := res.Header.Get("Content-Security-Policy")
		if !strings.Contains(csp, "script-src 'self';") || strings.Contains(csp, "unsafe-eval") ||
			!strings.Contains(csp, "frame-ancestors 'none'") || res.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s: headers %v", path, res.Header)
		}
	}
	if body := string(e.Do("GET", "/console/", nil).Body); !strings.Contains(body, `src="/console/assets/app.js"`) ||
		strings.Contains(body, "<script>") {
		t.Errorf("index.html: %s", body)
	}
	if ct := e.Do("GET", "/console/assets/app.js", nil).Header.Get("Content-Type"); !strings.Contains(ct, "javascript") {
		t.Errorf("app.js served as %q", ct)
	}
	e.Do("GET", "/console", nil).Want(t, 301)
	e.Do("POST", "/console/", nil).Want(t, 405)
	e.Do("GET", "/api/v1/nothing", nil).Want(t, 404)
}
