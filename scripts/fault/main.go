// Command fault drives load against a built Linli server on MariaDB + Redis while it breaks
// what the server depends on, and checks that nothing acknowledged is lost:
//
//	go run ./scripts/fault [-scenarios redis,mariadb,kill] [-workers 6] [-before 4s] [-down 4s] [-after 6s]
//
// It builds the server (go build, into a temporary directory), creates a fresh MariaDB schema
// and a Redis key prefix of its own (removed at the end), starts a fake WeChat server in this
// process (logins and subscription messages go through it), prepares a community through the
// services, starts the server as a separate process and sends reports, transfers, sign-ups,
// session reads and leaderboard reads from several workers. Then, one after the other:
//
//   - redis: Redis is stopped (redis-cli shutdown nosave) and started again. Writes must keep
//     working or answer 503, never 500; sessions keep working from the database; the
//     leaderboard answers again, the same as before; no acknowledged write is lost.
//   - mariadb: MariaDB is shut down (mysqladmin shutdown) and started again (start-stop-daemon,
//     as this machine starts it). Requests answer 503 during the outage and succeed after, with
//     the same server process; linli check-ledger is clean.
//   - cluster (with -redis naming a Redis Cluster's nodes, comma-separated): the master of
//     the invalidation channel's slot is shut down and started again on its cluster files
//     (cluster.go); the same checks as redis.
//   - kill: the server is killed with SIGKILL mid-load and started again. Every acknowledged
//     write is in the database, and the notification outbox drains.
//
// Each scenario prints what it did and when, the requests sent, succeeded and failed by status
// (by phase and operation), and its data checks. The servers are started again whatever
// happens (also on failure or Ctrl-C). Other work may share the servers: outages last a few
// seconds. The exit status is non-zero when a check failed. Flags -mysql and -redis name the
// servers (default: LINLI_TEST_MYSQL_DSN and LINLI_TEST_REDIS_ADDR, else root@127.0.0.1:3306
// and 127.0.0.1:6379).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"linli/app"
	"linli/config"
	"linli/scripts/internal/loadrun"
	"linli/wechat/wechattest"
)

// options are the flags.
type options struct {
	scenarios            string
	workers              int
	before, down, after  time.Duration
	mysqlDSN, redisAddr  string
	residents, scheduled int
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	failed, err := run(ctx)
	if err != nil {
		fmt.Fprintln(os.Stderr, "fault:", err)
		os.Exit(2)
	}
	if failed > 0 {
		fmt.Printf("\nFAILED: %d check(s) did not hold\n", failed)
		os.Exit(1)
	}
	fmt.Println("\nall checks held")
}

func run(ctx context.Context) (int, error) {
	var o options
	flag.StringVar(&o.scenarios, "scenarios", "redis,mariadb,kill", "comma-separated: redis, mariadb, kill, cluster")
	flag.IntVar(&o.workers, "workers", 6, "concurrent clients")
	flag.DurationVar(&o.before, "before", 4*time.Second, "load before each fault")
	flag.DurationVar(&o.down, "down", 4*time.Second, "how long Redis stays down (MariaDB: plus its restart)")
	flag.DurationVar(&o.after, "after", 6*time.Second, "load after each recovery")
	flag.StringVar(&o.mysqlDSN, "mysql", loadrun.EnvOr("LINLI_TEST_MYSQL_DSN", "root:@tcp(127.0.0.1:3306)/"), "MySQL DSN of the server (root)")
	flag.StringVar(&o.redisAddr, "redis", loadrun.EnvOr("LINLI_TEST_REDIS_ADDR", "127.0.0.1:6379"), "Redis host:port, or a cluster's nodes comma-separated")
	flag.IntVar(&o.residents, "residents", 40, "residents of the load")
	flag.IntVar(&o.scheduled, "activities", 60, "activities to sign up for")
	flag.Parse()
	root, err := moduleRoot()
	if err != nil {
		return 0, err
	}
	maria := mariaAddr(o.mysqlDSN)
	if !redisUp(o.redisAddr) || !mariaUp(maria) {
		return 0, fmt.Errorf("MariaDB (%s) and Redis (%s) must be running", maria, o.redisAddr)
	}
	e, err := newEnv(o.mysqlDSN, o.redisAddr)
	if err != nil {
		return 0, err
	}
	defer e.close()
	defer restoreServers(o.redisAddr, maria) // runs before close: dropping the schema needs MariaDB
	dsn, err := e.createSchema(ctx)
	if err != nil {
		return 0, err
	}
	wx := wechattest.New()
	defer wx.Close()
	const template = "faultTemplate-0001"
	if err := e.writeConfig(dsn, wx.URL, wx.AppID(), wx.AppSecret(), template); err != nil {
		return 0, err
	}
	stamp("building the server")
	if err := e.build(ctx, root); err != nil {
		return 0, err
	}
	cfg, err := config.Load(e.cfgPath, e.environ)
	if err != nil {
		return 0, err
	}
	a, err := app.New(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		return 0, err
	}
	defer a.Close()
	stamp(fmt.Sprintf("schema %s, Redis prefix %s; preparing %d residents and %d activities", e.schema, e.prefix, o.residents, o.scheduled))
	w, err := setUp(ctx, a, wx, template, o.residents, o.scheduled)
	if err != nil {
		return 0, fmt.Errorf("set-up: %w", err)
	}
	if err := e.startServer(ctx); err != nil {
		return 0, err
	}
	stamp("server started on " + e.addr + " (log: " + filepath.Join(e.dir, "server.log") + ")")
	r := &runner{ctx: ctx, o: o, e: e, a: a, w: w, wx: wx, load: newLoad(e.base, w), maria: maria}
	failed := 0
	for _, name := range strings.Split(o.scenarios, ",") {
		var checks []check
		switch strings.TrimSpace(name) {
		case "redis":
			checks, err = r.redisOutage()
		case "mariadb":
			checks, err = r.mariaRestart()
		case "kill":
			checks, err = r.kill()
		case "cluster":
			checks, err = r.clusterRestart()
		default:
			return failed, fmt.Errorf("unknown scenario %q", name)
		}
		if err != nil {
			return failed, fmt.Errorf("%s: %w", name, err)
		}
		failed += report(checks)
	}
	fmt.Println("\n== the whole run")
	failed += report([]check{e.ledger(ctx), outboxDrained(ctx, a.Store, func() int { return len(wx.Sent()) }, 60*time.Second)})
	return failed, nil
}

// runner runs the scenarios on one prepared server.
type runner struct {
	ctx   context.Context
	o     options
	e     *env
	a     *app.App
	w     *world
	wx    *wechattest.Server
	load  *load
	maria string
}

// phases runs the load before a fault, through it and after it: fault breaks something and
// returns once it is mended again (after the down time); the first 2 s after it are
// "recovering", the rest "after".
func (r *runner) phases(outage string, fault func() error) error {
	r.load.tally, r.load.acks = newTally(), &acks{}
	ctx, stop := context.WithCancel(r.ctx)
	r.load.setPhase("before")
	stamp(fmt.Sprintf("load started (%d workers)", r.o.workers))
	wg := r.load.run(ctx, r.o.workers)
	defer func() { stop(); wg.Wait() }()
	sleep(r.ctx, r.o.before)
	r.load.setPhase(outage)
	if err := fault(); err != nil {
		return err
	}
	r.load.setPhase("recovering")
	sleep(r.ctx, 2*time.Second)
	r.load.setPhase("after")
	sleep(r.ctx, r.o.after)
	stop()
	wg.Wait()
	stamp("load stopped")
	return r.ctx.Err()
}

func (r *runner) redisOutage() ([]check, error) {
	fmt.Println("\n== Redis stopped and started again")
	want, n, err := board(r.ctx, r.e.base, r.w)
	if err != nil {
		return nil, err
	}
	stamp(fmt.Sprintf("leaderboard before: %d volunteers ranked", n))
	var down time.Duration
	err = r.phases("redis down", func() error {
		start := time.Now()
		stamp("redis-cli shutdown nosave")
		if err := stopRedis(r.o.redisAddr); err != nil {
			return err
		}
		probe := time.Now()
		r.probeSessions(5) // the random load reads few sessions while every request waits on Redis
		sleep(r.ctx, r.o.down-time.Since(probe))
		if err := startRedis(r.o.redisAddr); err != nil {
			return err
		}
		down = time.Since(start)
		stamp(fmt.Sprintf("redis-server started again (down %s)", down.Round(time.Millisecond)))
		return nil
	})
	if err != nil {
		return nil, err
	}
	checks := r.common("redis down")
	t := r.load.tally
	sessions := t.sum(func(op string, s int) bool { return op == opSession }, "redis down")
	good := t.sum(func(op string, s int) bool { return op == opSession && s == 200 }, "redis down")
	checks = append(checks, check{what: fmt.Sprintf("sessions while Redis was down: %d of %d GET /me answered 200", good, sessions),
		ok: sessions > 0 && good == sessions},
		boardBack(r.ctx, r.e.base, r.w, want, 10*time.Second))
	return checks, nil
}

// probeSessions reads GET /me as n residents at once (tallied as sessions of the current phase).
func (r *runner) probeSessions(n int) {
	var wg sync.WaitGroup
	for _, p := range r.w.residents[:min(n, len(r.w.residents))] {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r.load.read(r.ctx, opSession, p.token, "/api/v1/me")
		}()
	}
	wg.Wait()
}

func (r *runner) mariaRestart() ([]check, error) {
	fmt.Println("\n== MariaDB restarted")
	pid := r.e.server.Process.Pid
	err := r.phases("mariadb down", func() error {
		start := time.Now()
		stamp("mysqladmin shutdown")
		if err := stopMaria(r.maria); err != nil {
			return err
		}
		sleep(r.ctx, r.o.down)
		stamp("start-stop-daemon --start --exec /usr/sbin/mariadbd")
		if err := startMaria(r.maria); err != nil {
			return err
		}
		stamp(fmt.Sprintf("MariaDB answers again (down %s)", time.Since(start).Round(time.Millisecond)))
		return nil
	})
	if err != nil {
		return nil, err
	}
	checks := r.common("mariadb down")
	checks = append(checks, check{what: fmt.Sprintf("the same server process served throughout (pid %d)", pid),
		ok: r.e.server != nil && r.e.server.Process.Pid == pid}, r.e.ledger(r.ctx))
	return checks, nil
}

func (r *runner) kill() ([]check, error) {
	fmt.Println("\n== server killed (SIGKILL) mid-load and restarted")
	err := r.phases("server down", func() error {
		start := time.Now()
		stamp(fmt.Sprintf("kill -9 %d", r.e.server.Process.Pid))
		if err := r.e.killServer(); err != nil {
			return err
		}
		if err := r.e.startServer(r.ctx); err != nil {
			return err
		}
		stamp(fmt.Sprintf("server started again, pid %d (down %s)", r.e.server.Process.Pid, time.Since(start).Round(time.Millisecond)))
		return nil
	})
	if err != nil {
		return nil, err
	}
	checks := r.common("server down")
	checks = append(checks, outboxDrained(r.ctx, r.a.Store, func() int { return len(r.wx.Sent()) }, 60*time.Second))
	return checks, nil
}

// common prints the counts and checks what every scenario must hold: no 5xx but 503, and that
// only during the outage; writes succeed again after it; every acknowledged write is stored.
func (r *runner) common(outage string) []check {
	t := r.load.tally
	fmt.Println("  requests (phase: sent, succeeded, failed by status; then by operation):")
	t.print(os.Stdout)
	five := t.sum(func(op string, s int) bool { return s >= 500 && s != 503 })
	outside := t.sum(func(op string, s int) bool { return s == 503 || s == noAnswer }, "before", "after")
	writesAfter := t.sum(func(op string, s int) bool { return op != opSession && op != opBoard }, "after")
	okAfter := t.sum(func(op string, s int) bool { return op != opSession && op != opBoard && s >= 200 && s < 300 }, "after")
	if five > 0 {
		r.e.printFailures(5)
	}
	checks := []check{
		{what: fmt.Sprintf("answers 500 (or any 5xx but 503): %d", five), ok: five == 0},
		{what: fmt.Sprintf("503s or unanswered requests outside the outage and the 2 s of recovery: %d", outside), ok: outside == 0},
		{what: fmt.Sprintf("writes after recovery: %d of %d succeeded", okAfter, writesAfter), ok: writesAfter > 0 && okAfter == writesAfter},
	}
	return append(checks, present(r.ctx, r.a.Store, r.load.acks)...)
}

// report prints the checks and returns how many failed.
func report(checks []check) int {
	fmt.Println("  checks:")
	failed := 0
	for _, c := range checks {
		mark := "ok  "
		if !c.ok {
			mark, failed = "FAIL", failed+1
		}
		fmt.Printf("    [%s] %s\n", mark, c.what)
	}
	return failed
}

func stamp(what string) { fmt.Printf("  %s %s\n", time.Now().Format("15:04:05.000"), what) }

func sleep(ctx context.Context, d time.Duration) {
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}

// moduleRoot finds the directory of go.mod from the working directory up.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("run it inside the module (no go.mod found)")
		}
		dir = parent
	}
}
