package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"linli/config"
	"linli/scripts/internal/apiclient"
	"linli/scripts/internal/benchenv"
	"linli/scripts/internal/dbenv"
	"linli/scripts/internal/loadrun"
	"linli/scripts/seedscale/district"
)

// benchEnv is a loaded district and a running server.
type benchEnv struct {
	server    *benchenv.Server
	api       *apiclient.Client // the server's API, over the load's connections
	dir       string
	schema    string
	ownSchema bool
	dsn       string
	redisAddr string
	district  []district.Community
	// residents are logged in, spread over every community and building; captains and staff
	// (one per community) too; rushers are the rush's residents, all of the first community.
	residents, captains, staff, rushers []user
}

// user is a logged-in person.
type user struct {
	district.Person
	community uint64
	token     string
}

func (e *benchEnv) close(o options) {
	e.server.Stop()
	if e.ownSchema && !o.keep {
		dbenv.DropSchema(o.mysqlDSN, e.schema)
		if err := dbenv.DeleteKeys(context.Background(), o.redisAddr, e.schema+":"); err != nil {
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
	e := &benchEnv{api: &apiclient.Client{HTTP: &http.Client{Timeout: time.Minute, Transport: &http.Transport{
		MaxIdleConnsPerHost: o.conns + 10, MaxConnsPerHost: o.conns + 10, DisableCompression: true}}}}
	var err error
	if e.dir, err = os.MkdirTemp("", "linli-bench-"); err != nil {
		return e, err
	}
	if _, err := dbenv.ServerDSN(o.mysqlDSN); err != nil {
		return e, fmt.Errorf("LINLI_BENCH_MYSQL_DSN: %w", err)
	}
	e.schema, e.redisAddr, e.dsn = o.schema, o.redisAddr, dbenv.DSN(o.mysqlDSN, o.schema)
	if e.schema == "" {
		e.schema = fmt.Sprintf("linli_bench_%d", time.Now().Unix())
		if e.dsn, _, err = dbenv.CreateSchema(ctx, o.mysqlDSN, e.schema); err != nil {
			return e, err
		}
		e.ownSchema = true
	}
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
	return benchenv.Config(e.dir, e.dsn, o.redisAddr, e.schema+":", 32)
}

// load migrates the schema, loads the district into a fresh one, and finds its people.
func (e *benchEnv) load(ctx context.Context, o options) error {
	s, store, closeAll, err := benchenv.Services(ctx, e.config(o))
	if err != nil {
		return err
	}
	defer closeAll()
	if e.ownSchema {
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
	more := []string{"LINLI_HTTP_PPROF=" + strconv.FormatBool(o.pprof)}
	for _, k := range config.Keys() {
		if strings.HasPrefix(k, "limits.") && strings.Contains(k, "_per_") {
			more = append(more, config.EnvName(k)+"=0")
		}
	}
	var err error
	e.server, err = benchenv.Launch(ctx, e.api.HTTP, e.dir, e.config(o), more...)
	if e.server != nil {
		e.api.Base = e.server.Base
	}
	if err == nil && o.pprof {
		logf("profiler: go tool pprof '%s/debug/pprof/profile?seconds=15'", e.api.Base)
	}
	return err
}

// logins logs everyone in through dev login, 16 at a time.
func (e *benchEnv) logins(ctx context.Context, o options) error {
	lists := [][]user{e.residents, e.captains, e.staff, e.rushers}
	logf("logging in %d residents, %d captains, %d staff and %d rush residents",
		len(e.residents), len(e.captains), len(e.staff), len(e.rushers))
	type job struct{ list, i int }
	var jobs []job
	for l, list := range lists {
		for i := range list {
			jobs = append(jobs, job{l, i})
		}
	}
	err := loadrun.Parallel(ctx, 16, len(jobs), func(k int) (err error) {
		j := jobs[k]
		lists[j.list][j.i].token, err = e.api.DevLogin(ctx, lists[j.list][j.i].OpenID)
		return err
	})
	if err != nil {
		return err
	}
	if len(e.residents) == 0 || len(e.captains) == 0 || len(e.staff) == 0 {
		return fmt.Errorf("the district has no residents, captains or staff to log in")
	}
	return nil
}
