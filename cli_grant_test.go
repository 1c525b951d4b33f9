package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"linli/app/apptest"
)

// served is a `linli serve` started by the test in this process, like an operator's.
type served struct {
	base string
	stop func()
}

// serve starts `linli serve` with env on a free local port and waits until it is ready.
func serve(t *testing.T, env []string) *served {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	var logs bytes.Buffer
	go func() {
		done <- run(ctx, []string{"serve"}, append(env, "LINLI_HTTP_ADDR="+addr), &logs, &logs)
	}()
	s := &served{base: "http://" + addr, stop: func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	}}
	t.Cleanup(func() {
		if s.stop != nil {
			s.stop()
		}
	})
	apptest.Eventually(t, "the server to be ready", func() bool {
		select {
		case err := <-done:
			t.Fatalf("serve stopped: %v\n%s", err, logs.String())
		default:
		}
		resp, err := http.Get(s.base + "/readyz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == 200
	})
	return s
}

// call sends a JSON request to the served server and decodes the envelope's data into out.
func (s *served) call(t *testing.T, method, path, token string, body, out any) int {
	t.Helper()
	var rd bytes.Buffer
	if body != nil {
		_ = json.NewEncoder(&rd).Encode(body)
	}
	req, _ := http.NewRequest(method, s.base+path, &rd)
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if out != nil {
		_ = json.Unmarshal(raw, &struct {
			Data any `json:"data"`
		}{out})
	}
	return resp.StatusCode
}

// TestCLIChangesAreHonouredByTheRunningServerAtOnce: a grant or a revocation made with the
// command line while the server runs takes effect with the server's next answers — not when
// its cached identity expires a minute later — on the embedded default (the command attaches
// to the server's announced in-process Redis) and on real Redis alike.
func TestCLIChangesAreHonouredByTheRunningServerAtOnce(t *testing.T) {
	cfg := apptest.Config(t)
	env := cliEnviron(cfg)
	s := serve(t, env)
	id, err := admin(env, "create-community", "--name", "东亭社区")
	if err != nil {
		t.Fatal(err)
	}
	var login struct {
		Token string `json:"token"`
	}
	s.call(t, "POST", "/api/v1/auth/dev-login", "", map[string]string{"openid": "wang-min"}, &login)
	estates := "/api/v1/communities/" + id + "/estates"
	// The identity is read, cached in Redis and kept in the server's memory.
	for range 3 {
		// Not staff: the community's management is hidden (404, "内容不存在或无权查看").
		if st := s.call(t, "POST", estates, login.Token, map[string]string{"name": "未授权"}, nil); st != 404 {
			t.Fatalf("before the grant: %d, want 404", st)
		}
	}
	// The old path took 60 s (the identity's TTL); 10 s fails it and passes any loaded machine.
	within := func(what string, cond func() bool) time.Duration {
		t.Helper()
		start := time.Now()
		for !cond() {
			if time.Since(start) > 10*time.Second {
				t.Fatalf("%s not honoured within 10 s", what)
			}
			time.Sleep(5 * time.Millisecond)
		}
		return time.Since(start)
	}
	if out, err := admin(env, "grant", "--openid", "wang-min", "--role", "staff", "--community", id); err != nil {
		t.Fatalf("grant: %q %v", out, err)
	}
	n := 0
	granted := within("the grant", func() bool {
		n++
		return s.call(t, "POST", estates, login.Token, map[string]string{"name": "东亭花园" + strings.Repeat("I", n)}, nil) == 201
	})
	out, err := admin(env, "revoke", "--openid", "wang-min", "--role", "staff", "--community", id)
	if err != nil || !strings.Contains(out, "revoked staff") {
		t.Fatalf("revoke: %q %v", out, err)
	}
	revoked := within("the revocation", func() bool {
		return s.call(t, "POST", estates, login.Token, map[string]string{"name": "撤销后"}, nil) == 404
	})
	t.Logf("%s: grant honoured %v after the command returned, revocation %v", apptest.Backend(), granted, revoked)
	if out, err := admin(env, "list-buildings", "--community", id); err != nil || !strings.Contains(out, "东亭社区") {
		t.Fatalf("list-buildings: %q %v", out, err)
	}
}
