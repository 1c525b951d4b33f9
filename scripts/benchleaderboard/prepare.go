package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/go-sql-driver/mysql"

	"linli/cache"
	"linli/config"
	"linli/model"
	"linli/service"
)

// benchEnv is a seeded database, a running server and the readers' sessions.
type benchEnv struct {
	o         options
	dir       string
	schema    string
	adminDSN  string
	dsn       string
	prefix    string
	base      string
	server    *exec.Cmd
	client    *http.Client
	community uint64
	buildings []uint64
	readers   []reader
	postings  int64
}

type reader struct {
	openid, token string
	building      uint64
}

func (e *benchEnv) config() config.Config {
	cfg := config.Default()
	cfg.DataDir = e.dir
	cfg.DB.Driver, cfg.DB.DSN = "mysql", e.dsn
	cfg.DB.MaxOpenConns, cfg.DB.MaxIdleConns = 32, 32
	cfg.Redis.Addr, cfg.Redis.Prefix = e.o.redisAddr, e.prefix
	cfg.SecretKey = "bench-secret-key-0123456789abcdef-0123"
	cfg.TimeBank.BalanceCap = 0
	return cfg
}

func prepare(ctx context.Context, o options) (*benchEnv, error) {
	e := &benchEnv{o: o, client: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: o.conns + 10,
		MaxConnsPerHost: o.conns + 10}}}
	var err error
	if e.dir, err = os.MkdirTemp("", "linli-benchlb-"); err != nil {
		return e, err
	}
	c, err := mysql.ParseDSN(o.mysqlDSN)
	if err != nil {
		return e, fmt.Errorf("LINLI_BENCH_MYSQL_DSN: %w", err)
	}
	c.DBName = ""
	e.adminDSN = c.FormatDSN()
	e.schema = fmt.Sprintf("linli_benchlb_%d", time.Now().Unix())
	e.prefix = e.schema + ":"
	admin, err := sql.Open("mysql", e.adminDSN)
	if err != nil {
		return e, err
	}
	defer admin.Close()
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE `"+e.schema+"` CHARACTER SET utf8mb4"); err != nil {
		e.schema = ""
		return e, fmt.Errorf("create schema (is MariaDB running?): %w", err)
	}
	c.DBName = e.schema
	e.dsn = c.FormatDSN()
	start := time.Now()
	if err := e.seed(ctx); err != nil {
		return e, err
	}
	logf("seeded in %s", time.Since(start).Round(time.Second))
	if err := e.start(ctx); err != nil {
		return e, err
	}
	logf("logging in %d readers", len(e.readers))
	for i := range e.readers {
		if e.readers[i].token, err = e.login(ctx, e.readers[i].openid); err != nil {
			return e, err
		}
	}
	return e, nil
}

// seed creates the community, the volunteers and their credited service through the services.
func (e *benchEnv) seed(ctx context.Context) error {
	cfg := e.config()
	store, err := model.Open(ctx, cfg.DB, cfg.DataDir)
	if err != nil {
		return err
	}
	defer store.Close()
	if err := store.Migrate(ctx); err != nil {
		return err
	}
	r, err := cache.Open(cfg.Redis, cfg.RedisAddrs())
	if err != nil {
		return err
	}
	defer r.Close()
	s, err := service.NewServices(cfg, store, r, slog.New(slog.NewTextHandler(io.Discard, nil)), nil)
	if err != nil {
		return err
	}
	com, err := s.Places.CreateCommunity(ctx, "东亭社区", "锡山区东亭街道")
	if err != nil {
		return err
	}
	e.community = com.ID
	for i := range 10 {
		est, err := s.Places.CreateEstate(ctx, com.ID, fmt.Sprintf("%d号院", i+1))
		if err != nil {
			return err
		}
		for j := range 10 {
			b, err := s.Places.CreateBuilding(ctx, com.ID, est.ID, fmt.Sprintf("%d栋", j+1))
			if err != nil {
				return err
			}
			e.buildings = append(e.buildings, b.ID)
		}
	}
	logf("seeding %d volunteers with their service", e.o.volunteers)
	var records []uint64
	var mu sync.Mutex
	rng := rand.New(rand.NewPCG(7, 11))
	plans := make([][]int, e.o.volunteers) // minutes of each service
	for i := range plans {
		for range 1 + rng.IntN(4) {
			plans[i] = append(plans[i], 15*(1+rng.IntN(24)))
		}
	}
	e.readers = make([]reader, e.o.readers)
	err = parallel(ctx, 16, e.o.volunteers, func(i int) error {
		openid := fmt.Sprintf("bench-volunteer-%d", i)
		u, err := s.Auth.EnsureUser(ctx, openid)
		if err != nil {
			return err
		}
		building := e.buildings[i%len(e.buildings)]
		if i < e.o.readers {
			v, err := s.Residencies.Claim(ctx, u.ID, building, fmt.Sprint(1000+i))
			if err != nil {
				return err
			}
			if _, err := s.Residencies.Approve(ctx, 0, v.ID); err != nil {
				return err
			}
			e.readers[i] = reader{openid: openid, building: building}
		}
		for k, minutes := range plans[i] {
			rec := &model.ServiceRecord{CommunityID: com.ID, UserID: u.ID, SourceKind: model.SourceActivity,
				SourceID: uint64(i*10 + k + 1), Content: "巡逻", Place: "小区", Minutes: minutes, PointsPerHour: 100 + 50*(k%3),
				ServedAt: time.Now().AddDate(0, -k%3, 0), OrganiserID: u.ID, ConfirmerID: u.ID}
			if _, err := store.AddServiceRecord(ctx, rec); err != nil {
				return err
			}
			mu.Lock()
			records = append(records, rec.ID)
			mu.Unlock()
		}
		return nil
	})
	if err != nil {
		return err
	}
	logf("crediting %d service records through the time bank", len(records))
	var credited atomic.Int64
	err = parallel(ctx, 8, len(records), func(i int) error {
		ok, err := s.TimeBank.Credit(ctx, records[i])
		if ok {
			credited.Add(1)
		}
		return err
	})
	e.postings = credited.Load()
	return err
}

// parallel runs f(0..n-1) on workers goroutines and returns the first error.
func parallel(ctx context.Context, workers, n int, f func(i int) error) error {
	var next atomic.Int64
	var first atomic.Value
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil && first.Load() == nil {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				if err := f(i); err != nil {
					first.CompareAndSwap(nil, err)
				}
			}
		}()
	}
	wg.Wait()
	if err, _ := first.Load().(error); err != nil {
		return err
	}
	return ctx.Err()
}

// start builds the binary and runs it as its own process on a free loopback port.
func (e *benchEnv) start(ctx context.Context) error {
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
	cfg := e.config()
	e.server = exec.Command(bin)
	e.server.Env = append(os.Environ(),
		"LINLI_HTTP_ADDR="+addr, "LINLI_DATA_DIR="+cfg.DataDir, "LINLI_DB_DRIVER=mysql", "LINLI_DB_DSN="+e.dsn,
		"LINLI_DB_MAX_OPEN_CONNS=32", "LINLI_DB_MAX_IDLE_CONNS=32", "LINLI_REDIS_ADDR="+e.o.redisAddr,
		"LINLI_REDIS_PREFIX="+e.prefix, "LINLI_SECRET_KEY="+cfg.SecretKey, "LINLI_LIMITS_LOGIN_PER_IP=0",
		"LINLI_LIMITS_LOGIN_PER_USER=0", "LINLI_LOG_LEVEL=warn",
		// Not the fixed default port, which another server on this machine may hold.
		"LINLI_HTTP_METRICS_ADDR=127.0.0.1:0")
	e.server.Stderr = os.Stderr
	if err := e.server.Start(); err != nil {
		return err
	}
	e.base = "http://" + addr
	for range 100 {
		if resp, err := e.client.Get(e.base + "/healthz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return nil
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("server did not answer /healthz")
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

// flush deletes the run's Redis keys (what losing Redis does to the leaderboards).
func (e *benchEnv) flush(ctx context.Context) error {
	c := redisClient(e.o.redisAddr)
	defer c.Close()
	iter := c.Scan(ctx, 0, e.prefix+"lb:*", 1000).Iterator()
	for iter.Next(ctx) {
		if err := c.Del(ctx, iter.Val()).Err(); err != nil {
			return err
		}
	}
	return iter.Err()
}

func (e *benchEnv) close() {
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
	if e.prefix != "" {
		c := redisClient(e.o.redisAddr)
		ctx := context.Background()
		iter := c.Scan(ctx, 0, e.prefix+"*", 1000).Iterator()
		for iter.Next(ctx) {
			c.Del(ctx, iter.Val())
		}
		c.Close()
	}
	if e.schema != "" {
		if db, err := sql.Open("mysql", e.adminDSN); err == nil {
			_, _ = db.Exec("DROP DATABASE IF EXISTS `" + e.schema + "`")
			db.Close()
		}
	}
	if e.dir != "" {
		os.RemoveAll(e.dir)
	}
}
