package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/go-sql-driver/mysql"

	"linli/cache"
	"linli/config"
	"linli/model"
	"linli/scripts/seedscale/district"
	"linli/service"
)

// benchEnv is a loaded district and a running server.
type benchEnv struct {
	base      string // http://127.0.0.1:port
	server    *exec.Cmd
	dir       string
	schema    string
	ownSchema bool
	adminDSN  string
	dsn       string
	redisAddr string
	district  []district.Community
	// residents are logged in, spread over every community and building; captains and staff
	// (one per community) too; rushers are the rush's residents, all of the first community.
	residents, captains, staff, rushers []user
	client                              *http.Client
}

// user is a logged-in person.
type user struct {
	district.Person
	community uint64
	token     string
}

func (e *benchEnv) close(o options) {
	if e.server != nil && e.server.Process != nil {
		_ = e.server.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { _ = e.server.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(25 * time.Second):
			_ = e.server.Process.Kill()
		}
	}
	if e.ownSchema && !o.keep {
		if db, err := sql.Open("mysql", e.adminDSN); err == nil {
			_, _ = db.Exec("DROP DATABASE IF EXISTS `" + e.schema + "`")
			db.Close()
		}
		if err := deleteRedisKeys(context.Background(), o.redisAddr, e.schema+":"); err != nil {
			logf("delete the run's Redis keys (%s*): %v", e.schema+":", err)
		}
	} else if e.schema != "" {
		logf("schema %s kept (rerun with -schema %s)", e.schema, e.schema)
	}
	if e.dir != "" {
		os.RemoveAll(e.dir)
	}
}

func prepare(ctx context.Context, o options) (*benchEnv, error) {
	e := &benchEnv{client: &http.Client{Timeout: time.Minute, Transport: &http.Transport{
		MaxIdleConnsPerHost: o.conns + 10, MaxConnsPerHost: o.conns + 10, DisableCompression: true}}}
	var err error
	if e.dir, err = os.MkdirTemp("", "linli-bench-"); err != nil {
		return e, err
	}
	c, err := mysql.ParseDSN(o.mysqlDSN)
	if err != nil {
		return e, fmt.Errorf("LINLI_BENCH_MYSQL_DSN: %w", err)
	}
	c.DBName = ""
	e.adminDSN = c.FormatDSN()
	e.schema, e.redisAddr = o.schema, o.redisAddr
	if e.schema == "" {
		e.schema, e.ownSchema = fmt.Sprintf("linli_bench_%d", time.Now().Unix()), true
		admin, err := sql.Open("mysql", e.adminDSN)
		if err != nil {
			return e, err
		}
		_, err = admin.ExecContext(ctx, "CREATE DATABASE `"+e.schema+"` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
		admin.Close()
		if err != nil {
			return e, fmt.Errorf("create schema (is MariaDB running?): %w", err)
		}
	}
	c.DBName = e.schema
	e.dsn = c.FormatDSN()
	if err := e.load(ctx, o); err != nil {
		return e, err
	}
	logf("building and starting the server")
	if err := e.start(ctx, o); err != nil {
		return e, err
	}
	return e, e.logins(ctx, o)
}

func (e *benchEnv) config(o options) config.Config {
	cfg := config.Default()
	cfg.DataDir = e.dir
	cfg.DB.Driver, cfg.DB.DSN = "mysql", e.dsn
	cfg.DB.MaxOpenConns, cfg.DB.MaxIdleConns = 32, 32
	cfg.Redis.Addr, cfg.Redis.Prefix = o.redisAddr, e.schema+":"
	cfg.SecretKey = "bench-secret-key-0123456789abcdef-0123"
	return cfg
}

// load migrates the schema, loads the district into a fresh one, and finds its people.
func (e *benchEnv) load(ctx context.Context, o options) error {
	cfg := e.config(o)
	store, err := model.Open(ctx, cfg.DB, cfg.DataDir)
	if err != nil {
		return err
	}
	defer store.Close()
	if err := store.Migrate(ctx); err != nil {
		return err
	}
	if e.ownSchema {
		r, err := cache.Open(cfg.Redis, cfg.RedisAddrs())
		if err != nil {
			return err
		}
		defer r.Close()
		s, err := service.NewServices(cfg, store, r, slog.New(slog.NewTextHandler(io.Discard, nil)), nil)
		if err != nil {
			return err
		}
		shape := district.Dongting.Scaled(o.fraction)
		logf("loading %d communities of %d residents, %d households, %d days of history into %s",
			o.communities, shape.Residents, shape.Households, shape.Days, e.schema)
		start := time.Now()
		if err := district.Seed(ctx, s, store, district.Options{Communities: o.communities, Shape: shape, Seed: 1,
			Logf: func(f string, a ...any) {
				if !strings.HasPrefix(f, " ") {
					logf(f, a...)
				}
			}}); err != nil {
			return err
		}
		logf("district loaded in %s", time.Since(start).Round(time.Second))
	}
	sample := o.perCommunity + o.rush
	if e.district, err = district.Discover(ctx, store.SQL(), sample); err != nil {
		return err
	}
	for i, c := range e.district {
		step := max(1, len(c.Residents)/max(1, o.perCommunity))
		used := map[int]bool{}
		for k := 0; k < len(c.Residents) && k/step < o.perCommunity; k += step {
			e.residents = append(e.residents, user{Person: c.Residents[k], community: c.ID})
			used[k] = true
		}
		for _, p := range c.Captains {
			e.captains = append(e.captains, user{Person: p, community: c.ID})
		}
		if len(c.Staff) > 0 {
			e.staff = append(e.staff, user{Person: c.Staff[0], community: c.ID})
		}
		if i == 0 {
			for k, p := range c.Residents {
				if !used[k] && len(e.rushers) < o.rush {
					e.rushers = append(e.rushers, user{Person: p, community: c.ID})
				}
			}
		}
	}
	return nil
}

// start builds the binary and runs it as its own process on a free loopback port, with every
// abuse limit off: all the load comes from one address and a few hundred people.
func (e *benchEnv) start(ctx context.Context, o options) error {
	bin := filepath.Join(e.dir, "linli")
	build := exec.CommandContext(ctx, "go", "build", "-o", bin, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		return fmt.Errorf("build: %w", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	addr := ln.Addr().String()
	ln.Close()
	cfg := e.config(o)
	env := append(os.Environ(),
		"LINLI_HTTP_ADDR="+addr, "LINLI_DATA_DIR="+cfg.DataDir, "LINLI_DB_DRIVER=mysql", "LINLI_DB_DSN="+e.dsn,
		"LINLI_DB_MAX_OPEN_CONNS=32", "LINLI_DB_MAX_IDLE_CONNS=32",
		"LINLI_REDIS_ADDR="+o.redisAddr, "LINLI_REDIS_PREFIX="+cfg.Redis.Prefix, "LINLI_SECRET_KEY="+cfg.SecretKey,
		"LINLI_LOG_LEVEL=warn", "LINLI_HTTP_PPROF="+strconv.FormatBool(o.pprof),
		// Not the fixed default port, which another server on this machine may hold.
		"LINLI_HTTP_METRICS_ADDR=127.0.0.1:0")
	for _, k := range config.Keys() {
		if strings.HasPrefix(k, "limits.") && strings.Contains(k, "_per_") {
			env = append(env, config.EnvName(k)+"=0")
		}
	}
	e.server = exec.Command(bin)
	e.server.Env = env
	e.server.Stderr = os.Stderr
	if err := e.server.Start(); err != nil {
		return err
	}
	e.base = "http://" + addr
	for range 100 {
		if resp, err := e.client.Get(e.base + "/healthz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				if o.pprof {
					logf("profiler: go tool pprof '%s/debug/pprof/profile?seconds=15'", e.base)
				}
				return nil
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("server did not answer /healthz")
}

// logins logs everyone in through dev login, 16 at a time.
func (e *benchEnv) logins(ctx context.Context, o options) error {
	lists := [][]user{e.residents, e.captains, e.staff, e.rushers}
	logf("logging in %d residents, %d captains, %d staff and %d rush residents",
		len(e.residents), len(e.captains), len(e.staff), len(e.rushers))
	type job struct{ list, i int }
	jobs := make(chan job)
	errs := make(chan error, 16)
	var wg sync.WaitGroup
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				tok, err := e.login(ctx, lists[j.list][j.i].OpenID)
				if err != nil {
					select {
					case errs <- err:
					default:
					}
					continue
				}
				lists[j.list][j.i].token = tok
			}
		}()
	}
	for l, list := range lists {
		for i := range list {
			jobs <- job{l, i}
		}
	}
	close(jobs)
	wg.Wait()
	select {
	case err := <-errs:
		return err
	default:
	}
	if len(e.residents) == 0 || len(e.captains) == 0 || len(e.staff) == 0 {
		return fmt.Errorf("the district has no residents, captains or staff to log in")
	}
	return nil
}

func (e *benchEnv) login(ctx context.Context, openid string) (string, error) {
	body, _ := json.Marshal(map[string]string{"openid": openid})
	req, _ := http.NewRequestWithContext(ctx, "POST", e.base+"/api/v1/auth/dev-login", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	resp, err := e.client.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	var out struct {
		Data struct {
			Token string `json:"token"`
		} `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || out.Data.Token == "" {
		return "", fmt.Errorf("dev login %s: status %d", openid, resp.StatusCode)
	}
	return out.Data.Token, nil
}

// peakRSS is the server's peak resident set (VmHWM) in MiB.
func (e *benchEnv) peakRSS() float64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", e.server.Process.Pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmHWM:" {
			kb, _ := strconv.ParseFloat(f[1], 64)
			return kb / 1024
		}
	}
	return 0
}
