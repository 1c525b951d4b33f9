package main

import (
	"context"
	"fmt"
	"net/http/httptest"
	"slices"
	"time"

	"linli/scripts/internal/apiclient"
	"linli/scripts/internal/loadrun"
	"linli/service"
)

// row is one line of the report: the latencies of n runs of something.
type row struct {
	name, target  string
	n             int
	p50, p90, min time.Duration
}

func summarise(name, target string, took []time.Duration) row {
	slices.Sort(took)
	return row{name: name, target: target, n: len(took), p50: loadrun.Rank(took, 50), p90: loadrun.Rank(took, 90), min: took[0]}
}

// timed runs f n times and returns each run's duration; the first error stops it.
func timed(n int, f func() error) ([]time.Duration, error) {
	out := make([]time.Duration, 0, n)
	for range n {
		t0 := time.Now()
		if err := f(); err != nil {
			return nil, err
		}
		out = append(out, time.Since(t0))
	}
	return out, nil
}

// measure serves the seeded database over loopback HTTP and times every scenario.
func (e *benchEnv) measure(ctx context.Context) ([]row, error) {
	srv := httptest.NewServer(e.app.Handler) // the routes without the background jobs
	defer srv.Close()
	api := &apiclient.Client{Base: srv.URL, HTTP: srv.Client()}
	token, err := api.DevLogin(ctx, "bench-staff")
	if err != nil {
		return nil, err
	}
	get := func(path string, auth bool) func() error {
		return func() error {
			session := ""
			if auth {
				session = token
			}
			status, body, err := api.Do(ctx, "GET", path, session, nil)
			if err != nil && status == 0 {
				return err
			}
			if status != 200 {
				return fmt.Errorf("GET %s: %d %s", path, status, body)
			}
			return nil
		}
	}
	d := e.app.Services.Dashboard
	now := time.Now()
	this, past := service.MonthOf(now), service.MonthOf(now.AddDate(0, -2, 0))
	dash := fmt.Sprintf("/api/v1/communities/%d/dashboard", e.community)
	var rows []row
	add := func(name, target string, n int, f func() error) error {
		logf("timing: %s", name)
		took, err := timed(n, f)
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		rows = append(rows, summarise(name, target, took))
		return nil
	}
	steps := []struct {
		name, target string
		n            int
		f            func() error
	}{
		{"rollup job: the settled months of the last year (12), computed once into rollups", "once a month", 1,
			func() error { _, err := d.RollupSettled(ctx); return err }},
		{"GET /healthz (the ceiling of the HTTP stack)", "", 200, get("/healthz", false)},
		{"GET /api/v1/me (session and policy only)", "", 50, get("/api/v1/me", true)},
		{"this month, cold: cache deleted before each read (live + 11 rollups)", "< 300 ms", e.o.reads, func() error {
			if err := d.Forget(ctx, e.community, this); err != nil {
				return err
			}
			return get(dash, true)()
		}},
		{"this month, warm (cached in Redis)", "< 10 ms", 4 * e.o.reads, get(dash, true)},
		{"a past month (" + past + ", from its rollup + 11 rollups)", "< 20 ms", 4 * e.o.reads, get(dash+"?month="+past, true)},
		{"this month, the service computing it (no HTTP, no cache, no trend)", "", e.o.reads, func() error {
			_, err := d.Compute(ctx, e.community, this, time.Now())
			return err
		}},
		{"a past month, the service computing it from scratch (what a rollup costs once)", "", e.o.reads, func() error {
			_, err := d.Compute(ctx, e.community, past, time.Now())
			return err
		}},
		{"export this month (.xlsx, warm)", "", e.o.reads, get(dash+"/export", true)},
		{"naive GROUP BY over the raw tables: the same figures, every month at once", "", 3, func() error {
			return e.naive(ctx)
		}},
		{"GET /healthz again", "", 200, get("/healthz", false)},
	}
	for _, s := range steps {
		if err := add(s.name, s.target, s.n, s.f); err != nil {
			return nil, err
		}
	}
	return rows, nil
}

// naive computes the dashboard's main figures the obvious way: GROUP BY month (Shanghai) over
// whole tables, with no rollups and no use of the month's boundaries in the indexes.
func (e *benchEnv) naive(ctx context.Context) error {
	db := e.app.Store.SQL()
	month := func(col string) string { return "DATE_FORMAT(CONVERT_TZ(" + col + ", '+00:00', '+08:00'), '%Y-%m')" }
	queries := []string{
		"SELECT " + month("created_at") + " AS m, COUNT(*), SUM(status IN ('resolved', 'closed')) FROM issues WHERE community_id = ? GROUP BY m",
		"SELECT " + month("acknowledged_at") + " AS m, COUNT(*), AVG(TIMESTAMPDIFF(SECOND, created_at, acknowledged_at)) FROM issues " +
			"WHERE community_id = ? AND acknowledged_at IS NOT NULL GROUP BY m",
		"SELECT " + month("e.created_at") + " AS m, e.to_status, COUNT(DISTINCT e.issue_id) FROM issue_events e " +
			"JOIN issues i ON i.id = e.issue_id WHERE i.community_id = ? GROUP BY m, e.to_status",
		"SELECT category_id, building_id, COUNT(*) FROM issues WHERE community_id = ? AND status IN ('submitted', 'acknowledged', 'in_progress') GROUP BY category_id, building_id",
		"SELECT " + month("a.start_at") + " AS m, s.status, s.attendance, COUNT(*) FROM signups s JOIN activities a ON a.id = s.activity_id " +
			"WHERE a.community_id = ? GROUP BY m, s.status, s.attendance",
		"SELECT " + month("served_at") + " AS m, SUM(minutes), COUNT(DISTINCT user_id) FROM service_records WHERE community_id = ? GROUP BY m",
		"SELECT " + month("p.created_at") + " AS m, p.kind, SUM(CASE WHEN l.amount > 0 THEN l.amount ELSE 0 END) FROM postings p " +
			"JOIN ledger_entries l ON l.posting_id = p.id WHERE p.community_id = ? GROUP BY m, p.kind",
		"SELECT " + month("l.created_at") + " AS m, SUM(l.amount) FROM ledger_entries l JOIN accounts a ON a.id = l.account_id " +
			"WHERE a.community_id = ? AND a.kind IN ('resident', 'collective') GROUP BY m",
		"SELECT " + month("created_at") + " AS m, reward_id, COUNT(*) FROM redemptions WHERE community_id = ? GROUP BY m, reward_id",
	}
	for _, q := range queries {
		rows, err := db.QueryContext(ctx, q, e.community)
		if err != nil {
			return fmt.Errorf("%s: %w", q, err)
		}
		for rows.Next() {
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
	}
	return nil
}
