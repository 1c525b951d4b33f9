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
	"syscall"
	"time"

	"github.com/go-sql-driver/mysql"

	"linli/cache"
	"linli/config"
	"linli/model"
	"linli/service"
)

// benchEnv is a seeded database and a running server.
type benchEnv struct {
	base      string // http://127.0.0.1:port
	server    *exec.Cmd
	dir       string
	schema    string
	adminDSN  string
	dsn       string
	community uint64
	buildings []uint64
	category  uint64
	residents []user // logged in, each an approved resident of building residents[i].building
	captains  []user
	client    *http.Client
}

type user struct {
	openid   string
	token    string
	building uint64
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

func prepare(ctx context.Context, o options) (*benchEnv, error) {
	e := &benchEnv{client: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: o.conns + 10, MaxConnsPerHost: o.conns + 10}}}
	var err error
	if e.dir, err = os.MkdirTemp("", "linli-bench-"); err != nil {
		return nil, err
	}
	c, err := mysql.ParseDSN(o.mysqlDSN)
	if err != nil {
		return e, fmt.Errorf("LINLI_BENCH_MYSQL_DSN: %w", err)
	}
	c.DBName = ""
	e.adminDSN = c.FormatDSN()
	e.schema = fmt.Sprintf("linli_bench_%d", time.Now().Unix())
	admin, err := sql.Open("mysql", e.adminDSN)
	if err != nil {
		return e, err
	}
	defer admin.Close()
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE `"+e.schema+"` CHARACTER SET utf8mb4"); err != nil {
		return e, fmt.Errorf("create schema (is MariaDB running?): %w", err)
	}
	c.DBName = e.schema
	e.dsn = c.FormatDSN()

	logf("seeding %s", e.schema)
	if err := e.seed(ctx, o); err != nil {
		return e, err
	}
	logf("building and starting the server")
	if err := e.start(ctx, o); err != nil {
		return e, err
	}
	logf("logging in %d residents and %d captains", len(e.residents), len(e.captains))
	for _, list := range [][]user{e.residents, e.captains} {
		for i := range list {
			tok, err := e.login(ctx, list[i].openid)
			if err != nil {
				return e, err
			}
			list[i].token = tok
		}
	}
	return e, nil
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

// seed creates the community through the services, as the API would.
func (e *benchEnv) seed(ctx context.Context, o options) error {
	cfg := e.config(o)
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
	s, err := service.NewServices(cfg, store, r, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		return err
	}
	com, err := s.Places.CreateCommunity(ctx, "东亭社区", "武昌区")
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
	for i := range 10 { // ten captains of ten buildings each
		u, err := s.Auth.EnsureUser(ctx, fmt.Sprintf("bench-captain-%d", i))
		if err != nil {
			return err
		}
		if _, _, err := s.Roles.Grant(ctx, service.Grant{UserID: u.ID, Role: model.RoleCaptain, CommunityID: com.ID,
			BuildingIDs: e.buildings[i*10 : i*10+10]}); err != nil {
			return err
		}
		e.captains = append(e.captains, user{openid: fmt.Sprintf("bench-captain-%d", i), building: e.buildings[i*10]})
	}
	cats, err := s.IssueCategories.List(ctx, com.ID, true)
	if err != nil {
		return err
	}
	e.category = cats[0].ID
	var principals []*service.Principal
	for i := range o.users {
		openid := fmt.Sprintf("bench-resident-%d", i)
		u, err := s.Auth.EnsureUser(ctx, openid)
		if err != nil {
			return err
		}
		b := e.buildings[i%len(e.buildings)]
		v, err := s.Residencies.Claim(ctx, u.ID, b, strconv.Itoa(100+i))
		if err != nil {
			return err
		}
		if _, err := s.Residencies.Approve(ctx, 0, v.ID); err != nil {
			return err
		}
		p, err := s.Principals.Load(ctx, u.ID)
		if err != nil {
			return err
		}
		principals = append(principals, p)
		e.residents = append(e.residents, user{openid: openid, building: b})
	}
	for i := range o.issues {
		u := e.residents[i%len(e.residents)]
		if _, err := s.Issues.Report(ctx, principals[i%len(principals)], service.Report{BuildingID: u.building,
			CategoryID: e.category, Description: fmt.Sprintf("楼道灯不亮 #%d", i), Urgent: i%7 == 0}); err != nil {
			return err
		}
	}
	return nil
}

// start builds the binary and runs it as its own process on a free loopback port.
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
	e.server = exec.Command(bin)
	e.server.Env = append(os.Environ(),
		"LINLI_HTTP_ADDR="+addr, "LINLI_DATA_DIR="+cfg.DataDir, "LINLI_DB_DRIVER=mysql", "LINLI_DB_DSN="+e.dsn,
		"LINLI_DB_MAX_OPEN_CONNS=32", "LINLI_DB_MAX_IDLE_CONNS=32",
		"LINLI_REDIS_ADDR="+o.redisAddr, "LINLI_REDIS_PREFIX="+cfg.Redis.Prefix, "LINLI_SECRET_KEY="+cfg.SecretKey,
		"LINLI_LIMITS_LOGIN_PER_IP=0", "LINLI_LIMITS_LOGIN_PER_USER=0", "LINLI_LOG_LEVEL=warn")
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

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "bench: "+format+"\n", args...)
}
