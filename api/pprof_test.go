package api_test

import (
	"strings"
	"testing"

	"linli/app/apptest"
	"linli/config"
)

// TestPProfOffByDefault: without http.pprof the profiler is not reachable at all.
func TestPProfOffByDefault(t *testing.T) {
	t.Parallel()
	e := apptest.New(t)
	for _, p := range []string{"/debug/pprof/", "/debug/pprof/heap", "/debug/pprof/cmdline"} {
		e.Do("GET", p, nil).Want(t, 404)
	}
}

// TestPProfWhenEnabled: http.pprof mounts the index and the named profiles.
func TestPProfWhenEnabled(t *testing.T) {
	t.Parallel()
	e := apptest.New(t, func(c *config.Config) { c.HTTP.PProf = true })
	idx := e.Do("GET", "/debug/pprof/", nil).Want(t, 200)
	for _, want := range []string{"heap", "goroutine", "profile"} {
		if !strings.Contains(string(idx.Body), want) {
			t.Errorf("pprof index lacks %s", want)
		}
	}
	heap := e.Do("GET", "/debug/pprof/heap?debug=1", nil).Want(t, 200)
	if !strings.Contains(string(heap.Body), "heap profile") {
		t.Errorf("heap profile: %.200s", heap.Body)
	}
	e.Do("GET", "/debug/pprof/goroutine?debug=1", nil).Want(t, 200)
	e.Do("GET", "/debug/pprof/cmdline", nil).Want(t, 200)
	e.Do("GET", "/debug/pprof/nosuchprofile", nil).Want(t, 404)
}
