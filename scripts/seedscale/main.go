// Command seedscale bulk-loads a district for load tests: N communities (default 10) shaped
// like 东亭社区 — 100 buildings, 4,600 households, 15,000 residents, 1,000 skill profiles and two
// years of issues, volunteer activities, sign-ups, service records and time-bank postings each.
//
//	LINLI_DB_DRIVER=mysql LINLI_DB_DSN='root:@tcp(127.0.0.1:3306)/linli_district' \
//	  go run ./scripts/seedscale [-communities 10] [-fraction 1] [-seed 1]
//
// It reads the usual LINLI_* configuration (the database must be MySQL/MariaDB and dev mode on:
// the seeded people log in by dev login, e.g. {"openid":"c1-r42"}), applies the migrations,
// and adds the communities next to whatever the database holds. -create makes the schema named
// in the DSN first. -fraction shrinks people and history (not places) for a quick run. It takes
// minutes, not hours: multi-row INSERTs of 1,000 rows.
package main

import (
	"context"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/go-sql-driver/mysql"

	"linli/cache"
	"linli/config"
	"linli/model"
	"linli/scripts/seedscale/district"
	"linli/service"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "seedscale:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context) error {
	n := flag.Int("communities", 10, "communities to load")
	fraction := flag.Float64("fraction", 1, "scale people and history by this factor (0–1]")
	seed := flag.Uint64("seed", 1, "random seed of the history")
	create := flag.Bool("create", false, "create the database named in LINLI_DB_DSN first")
	flag.Parse()
	cfg, err := config.Load(os.Getenv("LINLI_CONFIG"), os.Environ())
	if err != nil {
		return err
	}
	if cfg.DB.Driver != "mysql" {
		return errors.New("set LINLI_DB_DRIVER=mysql and LINLI_DB_DSN: the bulk load is for MySQL/MariaDB")
	}
	if !cfg.DevMode() {
		return errors.New("the seeded people log in by dev login: unset LINLI_WECHAT_APP_ID")
	}
	if *create {
		if err := createDatabase(ctx, cfg.DB.DSN); err != nil {
			return err
		}
	}
	start := time.Now()
	s, store, closeAll, err := open(ctx, cfg)
	if err != nil {
		return err
	}
	defer closeAll()
	shape := district.Dongting.Scaled(*fraction)
	logf := func(format string, args ...any) { fmt.Fprintf(os.Stderr, "seedscale: "+format+"\n", args...) }
	logf("%d communities of %d households, %d residents, %d skill profiles, %d days of history",
		*n, shape.Households, shape.Residents, shape.Profiles, shape.Days)
	if err := district.Seed(ctx, s, store, district.Options{Communities: *n, Shape: shape, Seed: *seed, Logf: logf}); err != nil {
		return err
	}
	fmt.Printf("seedscale: loaded %d communities in %s\n", *n, time.Since(start).Round(time.Second))
	return nil
}

// open connects to the database (migrating it) and Redis and builds the services.
func open(ctx context.Context, cfg config.Config) (*service.Services, *model.Store, func(), error) {
	store, err := model.Open(ctx, cfg.DB, cfg.DataDir)
	if err != nil {
		return nil, nil, nil, err
	}
	if err := store.Migrate(ctx); err != nil {
		store.Close()
		return nil, nil, nil, err
	}
	r, err := cache.Open(cfg.Redis, cfg.RedisAddrs())
	if err != nil {
		store.Close()
		return nil, nil, nil, err
	}
	closeAll := func() { r.Close(); store.Close() }
	cfg.SecretKey = orDefault(cfg.SecretKey, "seedscale-secret-key-0123456789abcdef")
	s, err := service.NewServices(cfg, store, r, slog.New(slog.NewTextHandler(io.Discard, nil)), nil)
	if err != nil {
		closeAll()
		return nil, nil, nil, err
	}
	return s, store, closeAll, nil
}

func orDefault(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

// createDatabase makes the database the DSN names.
func createDatabase(ctx context.Context, dsn string) error {
	c, err := mysql.ParseDSN(dsn)
	if err != nil {
		return err
	}
	name := c.DBName
	if name == "" {
		return errors.New("LINLI_DB_DSN names no database")
	}
	c.DBName = ""
	db, err := sql.Open("mysql", c.FormatDSN())
	if err != nil {
		return err
	}
	defer db.Close()
	_, err = db.ExecContext(ctx, "CREATE DATABASE IF NOT EXISTS `"+name+"` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
	return err
}
