// Package apptest builds complete Linli servers for tests. Each Env owns its data: a fresh
// SQLite file and in-process Redis by default, or, when LINLI_TEST_MYSQL_DSN and
// LINLI_TEST_REDIS_ADDR are set, a new MariaDB/MySQL schema (dropped at cleanup) and a unique
// key prefix on the real Redis (deleted at cleanup). Tests may therefore run in parallel.
package apptest

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"log/slog"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"

	"linli/app"
	"linli/clock"
	"linli/config"
	"linli/model"
)

// Environment variables that point the tests at real servers.
const (
	EnvMySQLDSN  = "LINLI_TEST_MYSQL_DSN"  // e.g. root:@tcp(127.0.0.1:3306)/
	EnvRedisAddr = "LINLI_TEST_REDIS_ADDR" // e.g. 127.0.0.1:6379
	// EnvRedisCluster points the tests at a Redis Cluster instead (its nodes, comma-separated,
	// e.g. 127.0.0.1:17001,127.0.0.1:17002,127.0.0.1:17003); it wins over EnvRedisAddr.
	EnvRedisCluster = "LINLI_TEST_REDIS_CLUSTER"
	// EnvClock starts every test server's clock at this instant (RFC 3339, e.g.
	// 2026-12-01T00:30:00+08:00) instead of today, to run the suite as if on that day.
	EnvClock = "LINLI_TEST_CLOCK"
)

// started is when this test process started: every Env's clock runs from it, so that all
// servers of one process read the same time until a test moves its own.
var started = time.Now()

// SuiteClock returns a new clock at the suite's time: today, or the instant EnvClock names.
func SuiteClock(t testing.TB) *clock.Fake {
	t.Helper()
	at := started
	if v := os.Getenv(EnvClock); v != "" {
		var err error
		if at, err = time.Parse(time.RFC3339, v); err != nil {
			t.Fatalf("%s=%q: want an RFC 3339 instant: %v", EnvClock, v, err)
		}
	}
	return clock.NewFakeSince(at, started)
}

// Env is one test's server and everything it owns.
type Env struct {
	T   testing.TB
	App *app.App
	// Config is the configuration the App was built with.
	Config config.Config
	// Clock is the server's clock: tests read the time from it, and move it (Set, Add) to
	// try a day, a deadline or an expiry for the whole server at once.
	Clock *clock.Fake
	logs  *syncBuffer
	// sql is what the store ran, checked at cleanup (sqlcheck.go).
	sql *sqlCheck
	// contract is the server's OpenAPI document, loaded by the first answer Do checks.
	contract *contract
}

// Option adjusts the configuration before the App is built.
type Option func(*config.Config)

// Backend names the back end the tests run on: "sqlite+miniredis" or "mysql+redis".
func Backend() string {
	if os.Getenv(EnvMySQLDSN) != "" {
		return "mysql+redis"
	}
	return "sqlite+miniredis"
}

// RedisAddr returns the real Redis the tests use: the cluster's nodes when EnvRedisCluster is
// set (cluster true), else EnvRedisAddr; "" means in-process Redis.
func RedisAddr() (addr string, cluster bool) {
	if v := os.Getenv(EnvRedisCluster); v != "" {
		return v, true
	}
	return os.Getenv(EnvRedisAddr), false
}

// Config returns a configuration with a fresh database and Redis namespace of its own; the
// cleanup drops them when the test ends.
func Config(t testing.TB, opts ...Option) config.Config {
	t.Helper()
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	cfg.HTTP.Addr = "127.0.0.1:0"
	// Not the fixed default port: tests run in parallel, beside whatever else runs here.
	cfg.HTTP.MetricsAddr = "127.0.0.1:0"
	cfg.DB.MaxOpenConns = 8
	cfg.DB.MaxIdleConns = 8
	suffix := randomSuffix()
	if dsn := os.Getenv(EnvMySQLDSN); dsn != "" {
		cfg.DB.Driver = "mysql"
		cfg.DB.DSN = freshSchema(t, dsn, "linli_t_"+suffix)
	}
	if addr, cluster := RedisAddr(); addr != "" {
		cfg.Redis.Addr = addr
		cfg.Redis.Cluster = cluster
		cfg.Redis.Prefix = "linlitest:" + suffix + ":"
		t.Cleanup(func() { deleteKeys(addr, cluster, cfg.Redis.Prefix) })
	}
	for _, o := range opts {
		o(&cfg)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatalf("test config: %v", err)
	}
	return cfg
}

// New builds a migrated server for the test.
func New(t testing.TB, opts ...Option) *Env {
	t.Helper()
	return FromConfig(t, Config(t, opts...))
}

// FromConfig builds a server from a configuration made by Config; two servers built from
// the same configuration share database and Redis, like two instances behind a balancer.
func FromConfig(t testing.TB, cfg config.Config) *Env {
	t.Helper()
	return FromConfigClock(t, cfg, SuiteClock(t))
}

// FromConfigClock is FromConfig with the clock the server reads (several instances of one
// test may share one).
func FromConfigClock(t testing.TB, cfg config.Config, c *clock.Fake) *Env {
	t.Helper()
	return FromConfigWith(t, cfg, c)
}

// FromConfigWith is FromConfigClock with options for app.New (e.g. app.AnnounceEmbeddedRedis
// on one instance and app.AttachEmbeddedRedis on the others, so that instances of the embedded
// back end share its in-process Redis as they would share a real one).
func FromConfigWith(t testing.TB, cfg config.Config, c *clock.Fake, opts ...app.Option) *Env {
	t.Helper()
	logs := &syncBuffer{}
	log := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	check := &sqlCheck{}
	opts = append([]app.Option{app.WithClock(c), app.WithStoreOptions(model.WithStatementHook(check.see))}, opts...)
	a, err := app.New(context.Background(), cfg, log, opts...)
	if err != nil {
		t.Fatalf("build app: %v", err)
	}
	t.Cleanup(a.Close)
	// Before the schema is dropped (its cleanup was registered by Config, earlier).
	t.Cleanup(func() { check.verify(t, cfg.DB.Driver, cfg.DB.DSN) })
	// Redis errors are mostly logged, not returned (Redis only caches): a command whose keys
	// span slots would pass unseen on one node and fail on every call on a cluster.
	t.Cleanup(func() {
		if strings.Contains(logs.String(), "CROSSSLOT") {
			t.Errorf("a Redis command named keys of different hash slots (CROSSSLOT in the log):\n%s", crossSlotLines(logs.String()))
		}
	})
	return &Env{T: t, App: a, Config: a.Config, Clock: c, logs: logs, sql: check}
}

// Logs returns everything the server logged so far.
func (e *Env) Logs() string { return e.logs.String() }

// crossSlotLines returns the log lines that mention CROSSSLOT (at most five).
func crossSlotLines(log string) string {
	var out []string
	for _, l := range strings.Split(log, "\n") {
		if strings.Contains(l, "CROSSSLOT") && len(out) < 5 {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

func randomSuffix() string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// freshSchema creates a database on the server of dsn and returns a DSN that uses it; the
// database is dropped when the test ends.
func freshSchema(t testing.TB, dsn, name string) string {
	t.Helper()
	c, err := mysql.ParseDSN(dsn)
	if err != nil {
		t.Fatalf("%s: %v", EnvMySQLDSN, err)
	}
	c.DBName = ""
	db, err := sql.Open("mysql", c.FormatDSN())
	if err != nil {
		t.Fatalf("mysql: %v", err)
	}
	defer db.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := db.ExecContext(ctx, "CREATE DATABASE `"+name+"` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"); err != nil {
		t.Fatalf("create test schema: %v", err)
	}
	t.Cleanup(func() {
		db, err := sql.Open("mysql", c.FormatDSN())
		if err != nil {
			return
		}
		defer db.Close()
		_, _ = db.Exec("DROP DATABASE IF EXISTS `" + name + "`")
	})
	out, err := model.MySQLWithDatabase(dsn, name)
	if err != nil {
		t.Fatalf("%s: %v", EnvMySQLDSN, err)
	}
	return out
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
