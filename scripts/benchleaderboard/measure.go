package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/redis/go-redis/v9/maintnotifications"
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
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	lat := make([][]time.Duration, conns)
	var errs atomic.Int64
	var firstErr atomic.Value
	var wg sync.WaitGroup
	start := time.Now()
	for c := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ctx.Err() == nil; i++ {
				path, token := s.path(c, i)
				t0 := time.Now()
				status, body := e.get(ctx, path, token)
				if ctx.Err() != nil {
					return // cut off by the end of the run
				}
				lat[c] = append(lat[c], time.Since(t0))
				if status != 200 {
					errs.Add(1)
					firstErr.CompareAndSwap(nil, fmt.Sprintf("%d %.200s", status, body))
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
	r := result{name: s.name, requests: len(all), errors: int(errs.Load()), rps: float64(len(all)) / elapsed.Seconds()}
	if len(all) > 0 {
		r.p50, r.p90, r.p99 = all[len(all)/2], all[len(all)*9/10], all[len(all)*99/100]
	}
	if v := firstErr.Load(); v != nil {
		r.firstError = v.(string)
	}
	return r
}

func (e *benchEnv) get(ctx context.Context, path, token string) (int, string) {
	req, err := http.NewRequestWithContext(ctx, "GET", e.base+path, nil)
	if err != nil {
		return 0, err.Error()
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
	return resp.StatusCode, string(b)
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

// redisClient connects to the bench's Redis with the options the server uses.
func redisClient(addr string) *redis.Client {
	return redis.NewClient(&redis.Options{Addr: addr, DisableIdentity: true,
		MaintNotificationsConfig: &maintnotifications.Config{Mode: maintnotifications.ModeDisabled}})
}
