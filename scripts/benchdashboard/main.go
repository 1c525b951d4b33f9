// Command benchdashboard measures the monthly dashboard (工作台) of a large community against
// real MariaDB and Redis, next to a naive GROUP BY over the raw tables and the GET /healthz
// ceiling, all in the same run.
//
//	go run ./scripts/benchdashboard [-issues 100000] [-signups 200000] [-entries 1000000] [-reads 15]
//
// It creates a fresh MariaDB schema (LINLI_BENCH_MYSQL_DSN, default root:@tcp(127.0.0.1:3306)/,
// dropped afterwards), migrates it, makes one community of 100 buildings through the services,
// then bulk-loads two years of its history with multi-row INSERTs: the issues with their
// timelines, volunteer activities with their sign-ups and service records, dispatches, and the
// time bank's postings and ledger entries (credits, redemptions, refunds, transfers,
// reversals). It builds the server in-process (app.New, the production wiring) on a loopback
// listener, with Redis at LINLI_BENCH_REDIS_ADDR (default 127.0.0.1:6379) under a fresh key
// prefix deleted afterwards, logs a staff member in and reports, over HTTP:
//
//   - the rollup job (the settled months of the last year computed once into rollups);
//   - this month cold (its cached answer deleted before every read) and warm (cached);
//   - a past month (from its rollup);
//   - the same figures computed by the service without HTTP or cache (this month, a past month);
//   - a naive GROUP BY over the raw tables for the same figures, every month at once;
//   - GET /api/v1/me (session and policy only) and GET /healthz, the ceiling of the stack.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"runtime"
	"strings"
	"time"

	"linli/scripts/internal/loadrun"
)

func main() { loadrun.Main("benchdashboard", run) }

type options struct {
	issues, signups, entries, reads int
	mysqlDSN, redisAddr             string
	keep, reuse                     string
}

func run(ctx context.Context) error {
	var o options
	flag.IntVar(&o.issues, "issues", 100_000, "issues over the two years")
	flag.IntVar(&o.signups, "signups", 200_000, "activity sign-ups over the two years (20 per activity)")
	flag.IntVar(&o.entries, "entries", 1_000_000, "ledger entries over the two years (two per posting)")
	flag.IntVar(&o.reads, "reads", 15, "timed reads per scenario")
	flag.StringVar(&o.keep, "keep", "", "keep the seeded schema (and read it again with -reuse) instead of dropping it: \"yes\"")
	flag.StringVar(&o.reuse, "reuse", "", "measure an existing schema seeded by an earlier -keep run (no seeding, not dropped)")
	flag.Parse()
	o.mysqlDSN = loadrun.EnvOr("LINLI_BENCH_MYSQL_DSN", "root:@tcp(127.0.0.1:3306)/")
	o.redisAddr = loadrun.EnvOr("LINLI_BENCH_REDIS_ADDR", "127.0.0.1:6379")
	env, err := prepare(ctx, o)
	defer env.close()
	if err != nil {
		return err
	}
	before := loadAverage()
	rows, err := env.measure(ctx)
	if err != nil {
		return err
	}
	fmt.Printf("Run %s on %d cores (%s/%s), MariaDB + Redis, server in-process over loopback HTTP; "+
		"load average %s before the timings, %s after (the machine's other work competes for the same cores).\n",
		time.Now().Format("2006-01-02 15:04"), runtime.NumCPU(), runtime.GOOS, runtime.GOARCH, before, loadAverage())
	fmt.Printf("One community, two years: %s.\nSeeded in %s.\n\n", env.counts, env.seeded.Round(time.Second))
	fmt.Println("| what | reads | p50 | p90 | min | target |")
	fmt.Println("|---|---:|---:|---:|---:|---|")
	for _, r := range rows {
		fmt.Printf("| %s | %d | %s | %s | %s | %s |\n", r.name, r.n, ms(r.p50), ms(r.p90), ms(r.min), r.target)
	}
	return nil
}

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "benchdashboard: "+format+"\n", args...)
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d.Microseconds())/1000) }

// loadAverage is the one-minute load average ("?" where /proc is not there).
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if f := strings.Fields(string(b)); err == nil && len(f) > 0 {
		return f[0]
	}
	return "?"
}
