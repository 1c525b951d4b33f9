package main

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/go-sql-driver/mysql"

	"linli/app"
	"linli/config"
	"linli/model"
	"linli/scripts/internal/benchenv"
	"linli/scripts/internal/dbenv"
	"linli/scripts/internal/loadenv"
)

// benchEnv is the seeded schema and what the measurements need of it.
type benchEnv struct {
	o          options
	dir        string
	schema     string
	dropSchema func()
	dsn        string
	prefix     string
	app        *app.App
	counts     string
	seeded     time.Duration

	community uint64
	staff     uint64
}

func (e *benchEnv) config() config.Config {
	cfg := benchenv.Config(e.dir, e.dsn, e.o.redisAddr, e.prefix, 16)
	cfg.Limits.LoginPerIP, cfg.Limits.LoginPerUser = 0, 0
	return cfg
}

// prepare creates and seeds the schema and builds the server on it.
func prepare(ctx context.Context, o options) (*benchEnv, error) {
	e := &benchEnv{o: o}
	var err error
	if e.dir, err = os.MkdirTemp("", "linli-benchdash-"); err != nil {
		return e, err
	}
	if _, err := dbenv.ServerDSN(o.mysqlDSN); err != nil {
		return e, fmt.Errorf("LINLI_BENCH_MYSQL_DSN: %w", err)
	}
	e.schema = fmt.Sprintf("linli_benchdash_%d", time.Now().Unix())
	if o.reuse != "" {
		e.schema = o.reuse
	}
	e.prefix = e.schema + ":"
	if o.reuse != "" {
		e.dsn = dbenv.DSN(o.mysqlDSN, e.schema)
		return e, e.reopen(ctx)
	}
	if e.dsn, e.dropSchema, err = dbenv.CreateSchema(ctx, o.mysqlDSN, e.schema); err != nil {
		return e, err
	}
	start := time.Now()
	if err := e.seed(ctx); err != nil {
		return e, err
	}
	e.seeded = time.Since(start)
	logf("seeded in %s: %s", e.seeded.Round(time.Second), e.counts)
	e.app, err = app.New(ctx, e.config(), slog.New(slog.NewTextHandler(io.Discard, nil)))
	return e, err
}

// reopen builds the server on a schema seeded by an earlier run (-reuse).
func (e *benchEnv) reopen(ctx context.Context) error {
	var err error
	if e.app, err = app.New(ctx, e.config(), slog.New(slog.NewTextHandler(io.Discard, nil))); err != nil {
		return err
	}
	var ids []uint64
	if ids, err = e.app.Store.CommunityIDs(ctx, 0, 1); err != nil || len(ids) == 0 {
		return fmt.Errorf("schema %s has no community: %v", e.schema, err)
	}
	e.community, e.counts = ids[0], "schema "+e.schema+" (seeded by an earlier run)"
	return nil
}

// seed migrates the schema, makes the community and its staff through the services, and
// bulk-loads its two years.
func (e *benchEnv) seed(ctx context.Context) error {
	a, err := app.New(ctx, e.config(), slog.New(slog.NewTextHandler(io.Discard, nil))) // migrates
	if err != nil {
		return err
	}
	defer a.Close()
	s, store := a.Services, a.Store
	com, err := s.Places.CreateCommunity(ctx, "东亭社区", "锡山区东亭街道")
	if err != nil {
		return err
	}
	e.community = com.ID
	l := &loader{o: e.o, community: com.ID, now: time.Now().UTC().Truncate(time.Second)}
	if l.buildings, _, err = loadenv.Buildings(ctx, s, com.ID, 10, 10); err != nil {
		return err
	}
	staff, err := loadenv.Staff(ctx, s, "bench-staff", com.ID)
	if err != nil {
		return err
	}
	e.staff, l.staff = staff.UserID, staff.UserID
	cats, err := s.IssueCategories.List(ctx, com.ID, true)
	if err != nil {
		return err
	}
	for _, c := range cats {
		l.categories = append(l.categories, c.ID)
	}
	types, err := s.Activities.Types(ctx, com.ID, true)
	if err != nil {
		return err
	}
	for _, t := range types {
		l.types = append(l.types, t.ID)
	}
	if _, err := s.Skills.List(ctx, com.ID); err != nil {
		return err
	}
	for i, name := range []string{"红帽子巡逻队", "红管家助老队", "馨帮手环境队", "银龄互助队"} {
		t := &model.Team{CommunityID: com.ID, Name: name, CreatedBy: staff.UserID, CreatedAt: l.now}
		if err := store.CreateTeam(ctx, t); err != nil {
			return err
		}
		l.teams = append(l.teams, t.ID)
		w := &model.Reward{CommunityID: com.ID, Name: fmt.Sprintf("奖励%d", i+1), Kind: model.RewardMerchant, Price: int64(100 * (i + 1)),
			Stock: 1_000_000, Active: true, CreatedBy: staff.UserID, CreatedAt: l.now, UpdatedAt: l.now}
		if err := store.CreateReward(ctx, w); err != nil {
			return err
		}
		l.rewards = append(l.rewards, w.ID)
	}
	for _, k := range []string{model.AccountIssuing, model.AccountSpending} {
		acct, err := store.EnsureAccount(ctx, &model.Account{CommunityID: com.ID, OwnerKey: k, Kind: k, Name: k})
		if err != nil {
			return err
		}
		if k == model.AccountIssuing {
			l.issuing = acct.ID
		} else {
			l.spending = acct.ID
		}
	}
	bc, err := mysql.ParseDSN(e.dsn)
	if err != nil {
		return err
	}
	bc.InterpolateParams, bc.ParseTime, bc.Loc = true, true, time.UTC // one round trip per multi-row INSERT
	bulk, err := sql.Open("mysql", bc.FormatDSN())
	if err != nil {
		return err
	}
	defer bulk.Close()
	bulk.SetMaxOpenConns(4)
	l.db = bulk
	if err := l.load(ctx); err != nil {
		return err
	}
	e.counts = l.counts()
	return nil
}

func (e *benchEnv) close() {
	if e.app != nil {
		e.app.Close()
	}
	if e.prefix != "" {
		_ = dbenv.DeleteKeys(context.Background(), e.o.redisAddr, e.prefix)
	}
	if e.o.keep != "" || e.o.reuse != "" {
		logf("schema %s kept: measure it again with -reuse %s; drop it with DROP DATABASE", e.schema, e.schema)
	} else if e.dropSchema != nil {
		e.dropSchema()
	}
	if e.dir != "" {
		os.RemoveAll(e.dir)
	}
}
