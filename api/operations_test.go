package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/alicebob/miniredis/v2"

	"linli/app/apptest"
	"linli/config"
)

func TestOperationsEndpoints(t *testing.T) {
	t.Parallel()
	e := apptest.New(t)
	e.Do("GET", "/healthz", nil).Want(t, 200)
	var ready struct{ Database, Redis string }
	e.Do("GET", "/readyz", nil).Want(t, 200).Data(t, &ready)
	if ready.Database != "ok" || ready.Redis != "ok" {
		t.Fatalf("readyz: %+v", ready)
	}
	r := e.Do("GET", "/api/docs", nil).Want(t, 200)
	if !strings.Contains(string(r.Body), "swagger") {
		t.Fatalf("docs UI: %.200s", r.Body)
	}
}

// TestOpenAPICoversEveryRoute fails when a route is registered without its OpenAPI entry.
func TestOpenAPICoversEveryRoute(t *testing.T) {
	t.Parallel()
	e := apptest.New(t)
	var spec struct {
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(e.Do("GET", "/api/docs/openapi.json", nil).Want(t, 200).Body, &spec); err != nil {
		t.Fatal(err)
	}
	for _, rt := range e.App.API.Routes() {
		if strings.HasPrefix(rt.Path, "/api/docs") {
			continue
		}
		p := rt.Path
		parts := strings.Split(p, "/")
		for i, s := range parts {
			if strings.HasPrefix(s, ":") {
				parts[i] = "{" + s[1:] + "}"
			}
		}
		p = strings.Join(parts, "/")
		if _, ok := spec.Paths[p][strings.ToLower(rt.Method)]; !ok {
			t.Errorf("%s %s is not in the OpenAPI document", rt.Method, p)
		}
	}
	e.Do("GET", "/api/docs/openapi.yaml", nil).Want(t, 200)
}

// TestReadyzFollowsRedis: stopping Redis turns /readyz into 503 naming Redis; starting it
// again recovers without a restart.
func TestReadyzFollowsRedis(t *testing.T) {
	t.Parallel()
	m := miniredis.NewMiniRedis()
	if err := m.Start(); err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	e := apptest.New(t, func(c *config.Config) { c.Redis.Addr = m.Addr() })
	e.Do("GET", "/readyz", nil).Want(t, 200)

	addr := m.Addr()
	m.Close()
	r := e.Do("GET", "/readyz", nil).Want(t, 503)
	if eb := r.Err(t); !strings.Contains(eb.Message, "redis") || strings.Contains(eb.Message, "database") {
		t.Fatalf("503 should name redis only: %s", r.Body)
	}
	if err := m.StartAddr(addr); err != nil {
		t.Fatal(err)
	}
	e.Do("GET", "/readyz", nil).Want(t, 200)
}

// TestAbandonedRequestIs499: a client that hangs up before the answer is logged as 499 (client
// closed request) at info level, not as a server error.
func TestAbandonedRequestIs499(t *testing.T) {
	t.Parallel()
	e := apptest.New(t)
	s := e.DevLogin("abandoner")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	r := e.Do("GET", "/api/v1/me", nil, apptest.Token(s.Token), func(r *http.Request) { *r = *r.WithContext(ctx) })
	r.Want(t, 499)
	if logs := e.Logs(); strings.Contains(logs, `"level":"ERROR"`) {
		t.Fatalf("an abandoned request was logged as an error:\n%s", logs)
	}
}
