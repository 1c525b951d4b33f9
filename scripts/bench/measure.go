package main

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"linli/scripts/internal/loadrun"
	"linli/scripts/seedscale/district"
)

// scenario is one kind of request driven at full concurrency.
type scenario struct {
	name   string
	write  bool    // compared with the INSERT+COMMIT ceiling instead of /healthz
	target float64 // the ratio the issue asks for (0: a ceiling)
	// request makes the i-th request of connection c.
	request func(e *benchEnv, c, i int) (method, path string, body any, token string)
}

// result is what one scenario measured.
type result struct {
	scenario
	requests, errors int
	rps              float64
	p50, p99         time.Duration
	firstError       string
	// ceiling and ceilingP99 are the ceiling measured just before this scenario (GET /healthz,
	// or INSERT+COMMIT for a write): on a shared machine the load of other work drifts, and the
	// ratio is taken to the ceiling of the same moment.
	ceiling    float64
	ceilingP99 time.Duration
	// unavailable: the server has no such route (yet).
	unavailable bool
	// The sign-up rush's outcome.
	rush                  bool
	confirmed, waitlisted int
}

const healthzName = "GET /healthz (ceiling)"

func scenarios() []scenario {
	pick := func(list []user, c, i int) user { return list[(c*7919+i*31)%len(list)] }
	return []scenario{
		{name: healthzName, request: func(e *benchEnv, c, i int) (string, string, any, string) {
			return "GET", "/healthz", nil, ""
		}},
		{name: "GET /me (session check)", target: 0.5, request: func(e *benchEnv, c, i int) (string, string, any, string) {
			return "GET", "/api/v1/me", nil, pick(e.residents, c, i).token
		}},
		{name: "leaderboard top 50 + my rank", target: 0.4, request: func(e *benchEnv, c, i int) (string, string, any, string) {
			u := pick(e.residents, c, i)
			return "GET", fmt.Sprintf("/api/v1/communities/%d/leaderboard?limit=50", u.community), nil, u.token
		}},
		{name: "upcoming activities of a community", target: 0.4, request: func(e *benchEnv, c, i int) (string, string, any, string) {
			u := pick(e.residents, c, i)
			return "GET", fmt.Sprintf("/api/v1/communities/%d/activities", u.community), nil, u.token
		}},
		{name: "dashboard, current month, warm", target: 0.5, request: func(e *benchEnv, c, i int) (string, string, any, string) {
			u := pick(e.staff, c, i)
			return "GET", fmt.Sprintf("/api/v1/communities/%d/dashboard", u.community), nil, u.token
		}},
		{name: "skill-directory search", target: 0.1, request: func(e *benchEnv, c, i int) (string, string, any, string) {
			u := pick(e.residents, c, i)
			skills := e.community(u.community).Skills
			skill := skills[(c+i)%min(len(skills), 6)] // the common skills
			return "GET", fmt.Sprintf("/api/v1/communities/%d/skill-directory?skill=%s&building_id=%d", u.community,
				url.QueryEscape(skill), u.Building), nil, u.token
		}},
		{name: "issue queue of a captain (first page)", target: 0.1, request: func(e *benchEnv, c, i int) (string, string, any, string) {
			return "GET", "/api/v1/issues?scope=building", nil, pick(e.captains, c, i).token
		}},
		{name: "report an issue (no photo)", write: true, target: 0.5, request: func(e *benchEnv, c, i int) (string, string, any, string) {
			u := pick(e.residents, c, i)
			cats := e.community(u.community).Categories
			return "POST", "/api/v1/issues", map[string]any{"building_id": fmt.Sprint(u.Building),
				"category_id": fmt.Sprint(cats[(c+i)%len(cats)]), "description": fmt.Sprintf("压测报事 %d-%d", c, i)}, u.token
		}},
	}
}

// measure runs the ceilings, every scenario (those -only names) each after a short ceiling of
// its own, then the sign-up rush.
func measure(ctx context.Context, o options, e *benchEnv) ([]result, error) {
	all := scenarios()
	healthz := all[0]
	logf("ceiling %s: %d connections for %s", healthz.name, o.conns, o.duration)
	e.drive(ctx, healthz, o.conns, o.warmup)
	out := []result{e.drive(ctx, healthz, o.conns, o.duration)}
	short := max(o.duration/4, 3*time.Second)
	for _, s := range all[1:] {
		if o.only != "" && !strings.Contains(s.name, o.only) {
			continue
		}
		if ctx.Err() != nil {
			break
		}
		method, path, body, token := s.request(e, 0, 0)
		if status, msg := e.do(ctx, method, path, body, token); status == http.StatusNotFound && strings.Contains(msg, "请求的接口不存在") {
			logf("scenario %s: the server has no %s %s: not available", s.name, method, strings.SplitN(path, "?", 2)[0])
			out = append(out, result{scenario: s, unavailable: true})
			continue
		}
		logf("scenario %s: warm-up %s, ceiling %s, then %d connections for %s", s.name, o.warmup, short, o.conns, o.duration)
		e.drive(ctx, s, o.conns, o.warmup)
		var ceiling float64
		var ceilingP99 time.Duration
		if s.write {
			c, err := e.insertCeiling(ctx, o.conns, short)
			if err != nil {
				return out, fmt.Errorf("insert ceiling: %w", err)
			}
			ceiling = c
		} else {
			h := e.drive(ctx, healthz, o.conns, short)
			ceiling, ceilingP99 = h.rps, h.p99
		}
		r := e.drive(ctx, s, o.conns, o.duration)
		r.ceiling, r.ceilingP99 = ceiling, ceilingP99
		out = append(out, r)
	}
	if o.only == "" || strings.Contains("sign-up rush", o.only) {
		h := e.drive(ctx, healthz, o.conns, short)
		r := e.rushScenario(ctx, o)
		r.ceiling, r.ceilingP99 = h.rps, h.p99
		out = append(out, r)
	}
	return out, nil
}

// drive runs conns loops of requests for d and collects latencies and errors.
func (e *benchEnv) drive(ctx context.Context, s scenario, conns int, d time.Duration) result {
	r := loadrun.Drive(ctx, conns, d, func(ctx context.Context, c, i int) error {
		method, path, body, token := s.request(e, c, i)
		if status, msg := e.do(ctx, method, path, body, token); status < 200 || status >= 300 {
			return fmt.Errorf("%d %s", status, msg)
		}
		return nil
	})
	return result{scenario: s, requests: len(r.Latencies), errors: r.Errors, rps: r.RPS(), firstError: r.FirstError,
		p50: loadrun.Floor(r.Latencies, 50), p99: loadrun.Floor(r.Latencies, 99)}
}

// do sends one request and returns its status, and the body's start when it failed.
func (e *benchEnv) do(ctx context.Context, method, path string, body any, token string) (int, string) {
	resp, err := e.api.Send(ctx, method, path, token, body)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 300 {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 200))
		return resp.StatusCode, string(b)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode, ""
}

// community returns the loaded community with this id.
func (e *benchEnv) community(id uint64) *district.Community {
	for i := range e.district {
		if e.district[i].ID == id {
			return &e.district[i]
		}
	}
	return &e.district[0]
}

// insertCeiling is the database's own limit for a durable write at this concurrency: one
// single-row INSERT + COMMIT per operation from a plain Go loop (32 connections, as the server).
func (e *benchEnv) insertCeiling(ctx context.Context, conns int, d time.Duration) (float64, error) {
	logf("INSERT+COMMIT ceiling: %d loops for %s", conns, d)
	db, err := sql.Open("mysql", e.dsn)
	if err != nil {
		return 0, err
	}
	defer db.Close()
	db.SetMaxOpenConns(32)
	db.SetMaxIdleConns(32)
	if _, err := db.ExecContext(ctx, "CREATE TABLE IF NOT EXISTS bench_ceiling (id BIGINT UNSIGNED AUTO_INCREMENT PRIMARY KEY, body VARCHAR(200) NOT NULL)"); err != nil {
		return 0, err
	}
	defer db.ExecContext(context.Background(), "DROP TABLE IF EXISTS bench_ceiling") //nolint:errcheck
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	var n atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				tx, err := db.BeginTx(ctx, nil)
				if err != nil {
					continue
				}
				if _, err := tx.ExecContext(ctx, "INSERT INTO bench_ceiling (body) VALUES (?)", fmt.Sprint(rand.Int())); err != nil {
					_ = tx.Rollback()
					continue
				}
				if tx.Commit() == nil {
					n.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	return float64(n.Load()) / time.Since(start).Seconds(), nil
}
