// Command benchdirectory measures the skill-directory search (能人库) on a community shaped
// like 东亭: 10 estates of 10 buildings, 15,000 residents, 1,000 listed people.
//
//	go run ./scripts/benchdirectory [-residents 15000] [-profiles 1000] [-searches 400]
//
// It seeds a fresh SQLite database (in a temporary directory) and, when LINLI_TEST_MYSQL_DSN
// or LINLI_BENCH_MYSQL_DSN is set (e.g. root:@tcp(127.0.0.1:3306)/), a fresh MariaDB/MySQL
// schema (dropped afterwards), with bulk inserts through the store. It then runs the same
// varied searches (skills, buildings, with and without a time) against each, through the
// service and through the HTTP handler as a staff member (the full listing, phones decrypted),
// and prints latency percentiles and the database's plan of the search query. A benchmark,
// not a test: it asserts nothing about the numbers.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"
	"time"

	"linli/app"
	"linli/config"
	"linli/model"
	"linli/scripts/internal/dbenv"
)

type options struct {
	residents, profiles, searches int
	seed                          int64
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var o options
	flag.IntVar(&o.residents, "residents", 15000, "residents to seed")
	flag.IntVar(&o.profiles, "profiles", 1000, "listed people among them")
	flag.IntVar(&o.searches, "searches", 400, "searches to time per back end and path (at least 200)")
	flag.Int64Var(&o.seed, "seed", 1, "random seed of the data and the queries")
	flag.Parse()
	if o.searches < 200 || o.profiles > o.residents {
		fmt.Fprintln(os.Stderr, "benchdirectory: -searches must be at least 200 and -profiles at most -residents")
		os.Exit(2)
	}
	backends := []string{"sqlite"}
	dsn := os.Getenv("LINLI_BENCH_MYSQL_DSN")
	if dsn == "" {
		dsn = os.Getenv("LINLI_TEST_MYSQL_DSN")
	}
	if dsn != "" {
		backends = append(backends, "mysql")
	}
	fmt.Printf("# Skill directory search: %d residents, %d listed people, 100 buildings, %d searches per row\n\n",
		o.residents, o.profiles, o.searches)
	var plans []string
	for _, b := range backends {
		rows, plan, err := run(ctx, o, b, dsn)
		if err != nil {
			fmt.Fprintf(os.Stderr, "benchdirectory (%s): %v\n", b, err)
			os.Exit(1)
		}
		if b == backends[0] {
			fmt.Println("| back end | path | searches | p50 | p90 | p99 | max | mean | people per page |")
			fmt.Println("|---|---|---|---|---|---|---|---|---|")
		}
		for _, r := range rows {
			fmt.Println(r)
		}
		plans = append(plans, plan)
	}
	fmt.Println()
	for _, p := range plans {
		fmt.Println(p)
	}
}

// run seeds one back end and measures it; it returns the table rows and the plan.
func run(ctx context.Context, o options, backend, dsn string) ([]string, string, error) {
	dir, err := os.MkdirTemp("", "linli-benchdir-")
	if err != nil {
		return nil, "", err
	}
	defer os.RemoveAll(dir)
	cfg := config.Default()
	cfg.DataDir = dir
	cfg.DB.MaxOpenConns, cfg.DB.MaxIdleConns = 8, 8
	if backend == "mysql" {
		schema, drop, err := dbenv.CreateSchema(ctx, dsn, fmt.Sprintf("linli_benchdir_%d", time.Now().UnixNano()))
		if err != nil {
			return nil, "", err
		}
		defer drop()
		cfg.DB.Driver, cfg.DB.DSN = "mysql", schema
	}
	a, err := app.New(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		return nil, "", err
	}
	defer a.Close()
	start := time.Now()
	w, err := seed(ctx, a, o)
	if err != nil {
		return nil, "", fmt.Errorf("seed: %w", err)
	}
	fmt.Fprintf(os.Stderr, "%s: seeded in %s\n", backend, time.Since(start).Round(time.Millisecond))
	queries := w.queries(o.searches)
	var rows []string
	for _, path := range []string{"service", "http"} {
		for i := range 20 { // warm-up: pools, caches, prepared plans
			if _, err := w.search(ctx, a, path, queries[i%len(queries)]); err != nil {
				return nil, "", err
			}
		}
		lat := make([]time.Duration, 0, len(queries))
		people := 0
		for _, q := range queries {
			t0 := time.Now()
			n, err := w.search(ctx, a, path, q)
			if err != nil {
				return nil, "", err
			}
			lat = append(lat, time.Since(t0))
			people += n
		}
		rows = append(rows, row(backend, path, lat, float64(people)/float64(len(queries))))
	}
	plan, err := a.Store.ExplainDirectory(ctx, model.DirectoryQuery{SkillID: w.skills[0], BuildingID: w.buildings[0],
		EstateID: w.estateOf[w.buildings[0]], Weekday: 6, Minute: 600, Limit: 21})
	if err != nil {
		return nil, "", err
	}
	title := "SQLite: EXPLAIN QUERY PLAN"
	if backend == "mysql" {
		var version string
		_ = a.Store.SQL().QueryRowContext(ctx, "SELECT VERSION()").Scan(&version)
		title = "MariaDB/MySQL " + version + ": EXPLAIN"
	}
	return rows, fmt.Sprintf("## %s of the search (skill 电工, building 1号院 1栋, Saturday 10:00)\n\n```\n%s```\n", title, plan), nil
}

// query is one search.
type query struct {
	skill, building uint64
	at              string // RFC 3339 or ""
}

func (w *world) queries(n int) []query {
	out := make([]query, n)
	for i := range out {
		q := query{skill: w.skills[w.rnd.IntN(len(w.skills))], building: w.buildings[w.rnd.IntN(len(w.buildings))]}
		if i%2 == 1 { // half of them ask for a time: a day of the week of 2025-06 and an hour
			day := 2 + w.rnd.IntN(7)
			q.at = fmt.Sprintf("2025-06-%02dT%02d:%02d:00+08:00", day, 7+w.rnd.IntN(14), 30*w.rnd.IntN(2))
		}
		out[i] = q
	}
	return out
}

// search runs one query through the service or the HTTP handler and returns how many people
// the page lists.
func (w *world) search(ctx context.Context, a *app.App, path string, q query) (int, error) {
	if path == "service" {
		var at *time.Time
		if q.at != "" {
			t, _ := time.Parse(time.RFC3339, q.at)
			at = &t
		}
		page, err := a.Services.Skills.Search(ctx, w.staff, searchQuery(w.community, q, at))
		if err != nil {
			return 0, err
		}
		return len(page.Items), nil
	}
	u := fmt.Sprintf("/api/v1/communities/%d/skill-directory?skill=%d&building_id=%d", w.community, q.skill, q.building)
	if q.at != "" {
		u += "&available_at=" + url.QueryEscape(q.at)
	}
	req := httptest.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	req.Header.Set("Authorization", "Bearer "+w.token)
	rec := httptest.NewRecorder()
	a.Handler.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		return 0, fmt.Errorf("GET %s: %d %s", u, rec.Code, rec.Body.String())
	}
	return strings.Count(rec.Body.String(), `"nickname"`), nil
}

func row(backend, path string, lat []time.Duration, people float64) string {
	slices.Sort(lat)
	pct := func(p float64) time.Duration { return lat[min(len(lat)-1, int(p*float64(len(lat))))] }
	var sum time.Duration
	for _, d := range lat {
		sum += d
	}
	ms := func(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d.Microseconds())/1000) }
	name := map[string]string{"sqlite": "SQLite", "mysql": "MariaDB"}[backend]
	return fmt.Sprintf("| %s | %s | %d | %s | %s | %s | %s | %s | %.1f |", name, path, len(lat), ms(pct(0.50)), ms(pct(0.90)),
		ms(pct(0.99)), ms(lat[len(lat)-1]), ms(sum/time.Duration(len(lat))), people)
}
