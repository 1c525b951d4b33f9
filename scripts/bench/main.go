// Command bench measures Linli under load and prints a Markdown table.
//
//	go run ./scripts/bench [-duration 20s] [-conns 200] [-users 400]
//
// It seeds a fresh database (a new MariaDB schema on LINLI_BENCH_MYSQL_DSN, default
// root:@tcp(127.0.0.1:3306)/, dropped afterwards) with a community shaped like 东亭 (10 estates,
// 100 buildings, residents, captains, issues), builds the server and runs it as its own process
// against that database and Redis (LINLI_BENCH_REDIS_ADDR, default 127.0.0.1:6379), logs users in
// through dev login, and drives each scenario with a fixed number of connections for a fixed
// time. Absolute numbers drift on shared machines, so every read is reported as a throughput
// ratio to GET /healthz measured in the same run, and every write as a ratio to the database's
// own ceiling: a plain Go loop doing one single-row INSERT + COMMIT per operation at the same
// concurrency. Traffic goes to 127.0.0.1 only; every loop is bounded in time.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context) error {
	o := options{}
	flag.DurationVar(&o.duration, "duration", 20*time.Second, "how long each scenario runs")
	flag.IntVar(&o.conns, "conns", 200, "concurrent connections per scenario")
	flag.IntVar(&o.users, "users", 400, "residents to log in")
	flag.IntVar(&o.issues, "issues", 5000, "issues to seed")
	flag.StringVar(&o.only, "only", "", "run only scenarios whose name contains this")
	flag.Parse()
	o.mysqlDSN = envOr("LINLI_BENCH_MYSQL_DSN", "root:@tcp(127.0.0.1:3306)/")
	o.redisAddr = envOr("LINLI_BENCH_REDIS_ADDR", "127.0.0.1:6379")

	env, err := prepare(ctx, o)
	if err != nil {
		return err
	}
	defer env.close()
	results, err := measure(ctx, o, env)
	if err != nil {
		return err
	}
	report(os.Stdout, o, env, results)
	return nil
}

type options struct {
	duration             time.Duration
	conns, users, issues int
	only                 string
	mysqlDSN, redisAddr  string
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}
