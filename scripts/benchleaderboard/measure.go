package main

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"linli/scripts/internal/loadrun"
)

// scenario is one kind of GET driven at full concurrency.
type scenario struct {
	name string
	// path makes the i-th request of connection c; token "" sends none.
	path func(c, i int) (path, token string)
}

// result is what one scenario measured.
type result struct {
	name             string
	requests, errors int
	rps              float64
	p50, p90, p99    time.Duration
	firstError       string
}

func (e *benchEnv) board(query string) func(c, i int) (string, string) {
	return func(c, i int) (string, string) {
		r := e.readers[(c*7919+i)%len(e.readers)]
		q := query
		if q == "building" {
			q = fmt.Sprintf("metric=hours&period=all&building_id=%d", r.building)
		}
		return fmt.Sprintf("/api/v1/communities/%d/leaderboard?limit=50&%s", e.community, q), r.token
	}
}

func (e *benchEnv) scenarios() []scenario {
	return []scenario{
		{"GET /healthz (ceiling)", func(int, int) (string, string) { return "/healthz", "" }},
		{"GET /communities/:id/rewards (session + policy + one small query: reference)", func(c, i int) (string, string) {
			r := e.readers[(c*7919+i)%len(e.readers)]
			return fmt.Sprintf("/api/v1/communities/%d/rewards", e.community), r.token
		}},
		{"leaderboard points, all time (top 50 + me)", e.board("metric=points&period=all")},
		{"leaderboard hours, this month (top 50 + me)", e.board("metric=hours&period=month")},
		{"leaderboard hours, one building (top 50 + me)", e.board("building")},
		{"GET /healthz (ceiling, again)", func(int, int) (string, string) { return "/healthz", "" }},
	}
}

// cold is the time of a first read.
type cold struct {
	name string
	took time.Duration
}

// coldReads times the first read of each leaderboard (a rebuild from the ledger), then after
// deleting every leaderboard key, and checks the answers are complete and identical.
func (e *benchEnv) coldReads(ctx context.Context) ([]cold, error) {
	var out []cold
	first := map[string]string{}
	for round, label := range []string{"first read", "after losing every Redis key"} {
		if round == 1 {
			if err := e.flush(ctx); err != nil {
				return nil, err
			}
		}
		for _, q := range []string{"metric=points&period=all", "metric=hours&period=month"} {
			path, token := e.board(q)(0, 0)
			t0 := time.Now()
			status, body := e.get(ctx, path, token)
			took := time.Since(t0)
			if status != 200 {
				return nil, fmt.Errorf("%s: %d %s", path, status, body)
			}
			var v struct {
				Data struct {
					Items []json.RawMessage `json:"items"`
					Me    struct {
						Rank *int `json:"rank"`
					} `json:"me"`
				} `json:"data"`
			}
			if err := json.Unmarshal([]byte(body), &v); err != nil || len(v.Data.Items) != 50 || v.Data.Me.Rank == nil {
				return nil, fmt.Errorf("%s: incomplete answer %.200s", path, body)
			}
			if round == 0 {
				first[q] = body
			} else if body != first[q] {
				return nil, fmt.Errorf("%s: the rebuilt leaderboard differs", q)
			}
			out = append(out, cold{fmt.Sprintf("%s, %s", q, label), took})
		}
	}
	logf("cold reads: %v", out)
	return out, nil
}

// drive runs conns loops of requests for d and collects latencies and errors.
func (e *benchEnv) drive(ctx context.Context, s scenario, conns int, d time.Duration) result {
	r := loadrun.Drive(ctx, conns, d, func(ctx context.Context, c, i int) error {
		path, token := s.path(c, i)
		if status, body := e.get(ctx, path, token); status != 200 {
			return fmt.Errorf("%d %.200s", status, body)
		}
		return nil
	})
	return result{name: s.name, requests: len(r.Latencies), errors: r.Errors, rps: r.RPS(), firstError: r.FirstError,
		p50: loadrun.Floor(r.Latencies, 50), p90: loadrun.Floor(r.Latencies, 90), p99: loadrun.Floor(r.Latencies, 99)}
}

// get sends a GET with the session (none when token is "") and returns the status and body, or
// 0 and the error.
func (e *benchEnv) get(ctx context.Context, path, token string) (int, string) {
	status, body, err := e.api.Do(ctx, "GET", path, token, nil)
	if err != nil && status == 0 {
		return 0, err.Error()
	}
	return status, string(body)
}

// report prints the Markdown table; each leaderboard read is set against the healthz ceiling
// (the better of the two healthz runs).
func report(results []result) {
	var ceiling float64
	for _, r := range results {
		if r.name == "GET /healthz (ceiling)" || r.name == "GET /healthz (ceiling, again)" {
			ceiling = max(ceiling, r.rps)
		}
	}
	fmt.Println("| scenario | req/s | p50 | p90 | p99 | requests | errors | × healthz |")
	fmt.Println("|---|---:|---:|---:|---:|---:|---:|---:|")
	for _, r := range results {
		ratio := ""
		if ceiling > 0 {
			ratio = fmt.Sprintf("%.2f", r.rps/ceiling)
		}
		fmt.Printf("| %s | %.0f | %s | %s | %s | %d | %d | %s |\n", r.name, r.rps, ms(r.p50), ms(r.p90), ms(r.p99),
			r.requests, r.errors, ratio)
	}
	for _, r := range results {
		if r.firstError != "" {
			fmt.Printf("\nFirst error of %s: %s\n", r.name, r.firstError)
		}
	}
}
