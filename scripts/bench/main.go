// Command bench measures Linli at district scale and prints a Markdown table.
//
//	go run ./scripts/bench [-duration 20s] [-conns 200] [-communities 10] [-fraction 1]
//
// It creates a fresh MariaDB schema (on LINLI_BENCH_MYSQL_DSN, default root:@tcp(127.0.0.1:3306)/,
// dropped afterwards unless -keep) and bulk-loads a district into it (scripts/seedscale: by
// default 10 communities shaped like 东亭 — 100 buildings, 4,600 households, 15,000 residents,
// 1,000 skill profiles and two years of history each, about a minute). -schema NAME reuses a
// district loaded before (by seedscale or -keep) and leaves it in place. It builds the server
// and runs it as its own process against that database and Redis (LINLI_BENCH_REDIS_ADDR,
// default 127.0.0.1:6379), logs people in through dev login, and drives each scenario with a
// fixed number of connections for a fixed time after a short warm-up.
//
// Absolute numbers drift on shared machines, so every read is reported as a throughput ratio
// to GET /healthz measured in the same run, and every write as a ratio to the database's own
// ceiling: a plain Go loop doing one single-row INSERT + COMMIT per operation at the same
// concurrency. Both ceilings are measured in full first; then each scenario is preceded by a
// short measurement of its own ceiling (a quarter of -duration, at least 3 s), and its ratio is
// taken to that one, so that other work on a shared machine weighs on both sides alike. The sign-up rush sends 2,000 sign-ups at once to an activity of 100 places and
// checks that exactly 100 were confirmed. The server's peak RSS (VmHWM) closes the table. A
// scenario whose route the server does not have is reported as not available. Traffic goes
// to 127.0.0.1 only; every loop is bounded in time.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"time"

	"linli/scripts/internal/loadrun"
)

func main() { loadrun.Main("bench", run) }

func run(ctx context.Context) error {
	o := options{}
	flag.DurationVar(&o.duration, "duration", 20*time.Second, "how long each scenario runs")
	flag.DurationVar(&o.warmup, "warmup", 2*time.Second, "warm-up before each scenario (not measured)")
	flag.IntVar(&o.conns, "conns", 200, "concurrent connections per scenario")
	flag.IntVar(&o.communities, "communities", 10, "communities of the district to load")
	flag.Float64Var(&o.fraction, "fraction", 1, "scale people and history of each community by this factor (0–1]")
	flag.IntVar(&o.perCommunity, "residents", 40, "residents of each community to log in for the read and write scenarios")
	flag.IntVar(&o.rush, "rush", 2000, "sign-ups of the rush")
	flag.IntVar(&o.capacity, "capacity", 100, "places of the rush's activity")
	flag.StringVar(&o.schema, "schema", "", "use this already loaded schema instead of loading a fresh one (kept afterwards)")
	flag.BoolVar(&o.keep, "keep", false, "keep the fresh schema afterwards (reuse it with -schema)")
	flag.BoolVar(&o.pprof, "pprof", false, "run the server with http.pprof on and print its address")
	flag.StringVar(&o.only, "only", "", "run only scenarios whose name contains this (the ceilings always run)")
	flag.BoolVar(&o.explain, "explain", false, "instead of the load, print every list endpoint's queries with their EXPLAIN (Markdown)")
	flag.Parse()
	o.mysqlDSN = loadrun.EnvOr("LINLI_BENCH_MYSQL_DSN", "root:@tcp(127.0.0.1:3306)/")
	o.redisAddr = loadrun.EnvOr("LINLI_BENCH_REDIS_ADDR", "127.0.0.1:6379")

	start := time.Now()
	env, err := prepare(ctx, o)
	if env != nil {
		defer env.close(o)
	}
	if err != nil {
		return err
	}
	if o.explain {
		return explain(ctx, os.Stdout, env)
	}
	ceiling, err := env.insertCeiling(ctx, o.conns, o.duration)
	if err != nil {
		return fmt.Errorf("insert ceiling: %w", err)
	}
	results, err := measure(ctx, o, env)
	if err != nil {
		return err
	}
	report(os.Stdout, o, env, results, ceiling, time.Since(start))
	return nil
}

type options struct {
	duration, warmup    time.Duration
	conns               int
	communities         int
	fraction            float64
	perCommunity        int
	rush, capacity      int
	schema              string
	keep, pprof         bool
	explain             bool
	only                string
	mysqlDSN, redisAddr string
}

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "bench: "+format+"\n", args...)
}
