// Command benchleaderboard measures leaderboard reads for a community of many ranked
// volunteers against real MariaDB and Redis, next to the GET /healthz ceiling of the same run.
//
//	go run ./scripts/benchleaderboard [-volunteers 10000] [-readers 200] [-conns 64] [-duration 15s]
//
// It seeds a fresh MariaDB schema (LINLI_BENCH_MYSQL_DSN, default root:@tcp(127.0.0.1:3306)/,
// dropped afterwards) through the services: one community of 100 buildings, the volunteers,
// one to four confirmed services each over the last three months, credited through the time
// bank exactly as the background job does. It then builds and starts the server as its own
// process against that database and Redis (LINLI_BENCH_REDIS_ADDR, default 127.0.0.1:6379,
// under a fresh key prefix that is deleted afterwards), logs the readers in (approved
// residents, themselves ranked), and reports:
//
//   - the cold read: the first read of each leaderboard rebuilds it from the ledger;
//   - throughput and latency of GET /communities/:id/leaderboard (top 50 + my rank) for points
//     and hours, all time and this month, and one building's, at a fixed concurrency;
//   - GET /healthz at the same concurrency: the ceiling of the HTTP stack on this machine.
//
// Traffic goes to 127.0.0.1 only and every loop is bounded in time.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"runtime"
	"time"

	"linli/scripts/internal/loadrun"
)

func main() { loadrun.Main("benchleaderboard", run) }

type options struct {
	volunteers, readers, conns int
	duration                   time.Duration
	mysqlDSN, redisAddr        string
}

func run(ctx context.Context) error {
	var o options
	flag.IntVar(&o.volunteers, "volunteers", 10000, "ranked volunteers in the community")
	flag.IntVar(&o.readers, "readers", 200, "volunteers who log in and read (approved residents)")
	flag.IntVar(&o.conns, "conns", 64, "concurrent connections per scenario")
	flag.DurationVar(&o.duration, "duration", 15*time.Second, "how long each scenario runs")
	flag.Parse()
	o.mysqlDSN = loadrun.EnvOr("LINLI_BENCH_MYSQL_DSN", "root:@tcp(127.0.0.1:3306)/")
	o.redisAddr = loadrun.EnvOr("LINLI_BENCH_REDIS_ADDR", "127.0.0.1:6379")
	if o.readers > o.volunteers {
		return fmt.Errorf("-readers must not exceed -volunteers")
	}
	env, err := prepare(ctx, o)
	defer env.close()
	if err != nil {
		return err
	}
	cold, err := env.coldReads(ctx)
	if err != nil {
		return err
	}
	var results []result
	for _, s := range env.scenarios() {
		logf("scenario %s: %d connections, %s", s.name, o.conns, o.duration)
		results = append(results, env.drive(ctx, s, o.conns, o.duration))
		if ctx.Err() != nil {
			return ctx.Err()
		}
	}
	// Unloaded latency: one connection at a time.
	var single []result
	for _, s := range env.scenarios() {
		if s.name == "GET /healthz (ceiling, again)" {
			continue
		}
		single = append(single, env.drive(ctx, s, 1, o.duration/3))
	}
	fmt.Printf("Run %s on %d cores (%s/%s): %d ranked volunteers (%d postings), %d readers, %d connections, %s per scenario, MariaDB + Redis.\n\n",
		time.Now().Format("2006-01-02 15:04"), runtime.NumCPU(), runtime.GOOS, runtime.GOARCH, o.volunteers, env.postings,
		o.readers, o.conns, o.duration)
	fmt.Println("| cold read (rebuild from the ledger, then answer) | time |")
	fmt.Println("|---|---:|")
	for _, c := range cold {
		fmt.Printf("| %s | %s |\n", c.name, ms(c.took))
	}
	fmt.Println()
	report(results)
	fmt.Printf("\nOne connection (unloaded latency), %s per scenario:\n\n", o.duration/3)
	report(single)
	return nil
}

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "benchleaderboard: "+format+"\n", args...)
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d.Microseconds())/1000) }
