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
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/go-sql-driver/mysql"

	"linli/config"
	"linli/scripts/internal/benchenv"
	"linli/scripts/internal/dbenv"
	"linli/scripts/internal/loadrun"
	"linli/scripts/seedscale/district"
)

func main() { loadrun.Main("seedscale", run) }

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
	cfg.SecretKey = cmp.Or(cfg.SecretKey, "seedscale-secret-key-0123456789abcdef")
	s, store, closeAll, err := benchenv.Services(ctx, cfg)
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
	return dbenv.Exec(ctx, dsn, "CREATE DATABASE IF NOT EXISTS `"+name+"` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
}
