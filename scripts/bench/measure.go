package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// scenario is one kind of request driven at full concurrency.
type scenario struct {
	name   string
	write  bool    // compared with the INSERT+COMMIT ceiling instead of /healthz
	target float64 // the ratio the issue asks for
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
}

func scenarios() []scenario {
	return []scenario{
		{name: "GET /healthz (ceiling)", request: func(e *benchEnv, c, i int) (string, string, any, string) {
			return "GET", "/healthz", nil, ""
		}},
		{name: "GET /me (session check)", target: 0.5, request: func(e *benchEnv, c, i int) (string, string, any, string) {
			return "GET", "/api/v1/me", nil, e.residents[(c*7919+i)%len(e.residents)].token
		}},
		{name: "issue queue of a captain (first page)", target: 0.1, request: func(e *benchEnv, c, i int) (string, string, any, string) {
			return "GET", "/api/v1/issues?scope=building", nil, e.captains[(c+i)%len(e.captains)].token
		}},
		{name: "report an issue (no photo)", write: true, target: 0.5, request: func(e *benchEnv, c, i int) (string, string, any, string) {
			u := e.residents[(c*31+i)%len(e.residents)]
			return "POST", "/api/v1/issues", map[string]any{"building_id": fmt.Sprint(u.building),
				"category_id": fmt.Sprint(e.category), "description": fmt.Sprintf("压测报事 %d-%d", c, i)}, u.token
		}},
	}
}

func measure(ctx context.Context, o options, e *benchEnv) ([]result, error) {
	var out []result
	for _, s := range scenarios() {
		if o.only != "" && !strings.Contains(s.name, o.only) && !strings.Contains(s.name, "ceiling") {
			continue
		}
		logf("scenario %s: %d connections, %s", s.name, o.conns, o.duration)
		out = append(out, e.drive(ctx, s, o.conns, o.duration))
	}
	return out, nil
}

// drive runs conns loops of requests for d and collects latencies and errors.
func (e *benchEnv) drive(ctx context.Context, s scenario, conns int, d time.Duration) result {
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	lat := make([][]time.Duration, conns)
	var errs atomic.Int64
	var first atomic.Value
	var wg sync.WaitGroup
	start := time.Now()
	for c := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ctx.Err() == nil; i++ {
				method, path, body, token := s.request(e, c, i)
				t0 := time.Now()
				status, msg := e.do(ctx, method, path, body, token)
				if ctx.Err() != nil {
					return // cut off by the end of the run: not a server error
				}
				lat[c] = append(lat[c], time.Since(t0))
				if status < 200 || status >= 300 {
					errs.Add(1)
					first.CompareAndSwap(nil, fmt.Sprintf("%d %s", status, msg))
				}
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	var all []time.Duration
	for _, l := range lat {
		all = append(all, l...)
	}
	slices.Sort(all)
	r := result{scenario: s, requests: len(all), errors: int(errs.Load()), rps: float64(len(all)) / elapsed.Seconds()}
	if len(all) > 0 {
		r.p50, r.p99 = all[len(all)/2], all[len(all)*99/100]
	}
	if v := first.Load(); v != nil {
		r.firstError = v.(string)
	}
	return r
}

func (e *benchEnv) do(ctx context.Context, method, path string, body any, token string) (int, string) {
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, e.base+path, rd)
	if err != nil {
		return 0, err.Error()
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := e.client.Do(req)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode >= 300 {
		return resp.StatusCode, string(b[:min(len(b), 200)])
	}
	return resp.StatusCode, ""
}

// insertCeiling is the database's own limit for a durable write at this concurrency: one
// single-row INSERT + COMMIT per operation from a plain Go loop.
func (e *benchEnv) insertCeiling(ctx context.Context, conns int, d time.Duration) (float64, error) {
	db, err := sql.Open("mysql", e.dsn)
	if err != nil {
		return 0, err
	}
	defer db.Close()
	db.SetMaxOpenConns(32)
	if _, err := db.ExecContext(ctx, "CREATE TABLE bench_ceiling (id BIGINT UNSIGNED AUTO_INCREMENT PRIMARY KEY, body VARCHAR(200) NOT NULL)"); err != nil {
		return 0, err
	}
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
