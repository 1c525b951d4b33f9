package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"linli/config"
	"linli/model"
	"linli/scripts/internal/apiclient"
	"linli/scripts/internal/benchenv"
	"linli/scripts/internal/dbenv"
	"linli/scripts/internal/loadenv"
	"linli/scripts/internal/loadrun"
)

// benchEnv is a seeded database, a running server and the readers' sessions.
type benchEnv struct {
	o          options
	dir        string
	dsn        string
	dropSchema func()
	prefix     string
	server     *benchenv.Server
	api        *apiclient.Client
	community  uint64
	buildings  []uint64
	readers    []reader
	postings   int64
}

type reader struct {
	openid, token string
	building      uint64
}

func (e *benchEnv) config() config.Config {
	cfg := benchenv.Config(e.dir, e.dsn, e.o.redisAddr, e.prefix, 32)
	cfg.TimeBank.BalanceCap = 0
	return cfg
}

func prepare(ctx context.Context, o options) (*benchEnv, error) {
	e := &benchEnv{o: o, api: &apiclient.Client{HTTP: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: o.conns + 10,
		MaxConnsPerHost: o.conns + 10}}}}
	var err error
	if e.dir, err = os.MkdirTemp("", "linli-benchlb-"); err != nil {
		return e, err
	}
	schema := fmt.Sprintf("linli_benchlb_%d", time.Now().Unix())
	e.prefix = schema + ":"
	if e.dsn, e.dropSchema, err = dbenv.CreateSchema(ctx, o.mysqlDSN, schema); err != nil {
		return e, err
	}
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
		if e.readers[i].token, err = e.api.DevLogin(ctx, e.readers[i].openid); err != nil {
			return e, err
		}
	}
	return e, nil
}

// seed creates the community, the volunteers and their credited service through the services.
func (e *benchEnv) seed(ctx context.Context) error {
	s, store, closeAll, err := benchenv.Services(ctx, e.config())
	if err != nil {
		return err
	}
	defer closeAll()
	com, err := s.Places.CreateCommunity(ctx, "东亭社区", "锡山区东亭街道")
	if err != nil {
		return err
	}
	e.community = com.ID
	if e.buildings, _, err = loadenv.Buildings(ctx, s, com.ID, 10, 10); err != nil {
		return err
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
	err = loadrun.Parallel(ctx, 16, e.o.volunteers, func(i int) error {
		openid := fmt.Sprintf("bench-volunteer-%d", i)
		u, err := s.Auth.EnsureUser(ctx, openid)
		if err != nil {
			return err
		}
		building := e.buildings[i%len(e.buildings)]
		if i < e.o.readers {
			if err := loadenv.Approve(ctx, s, u.ID, building, fmt.Sprint(1000+i)); err != nil {
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
	err = loadrun.Parallel(ctx, 8, len(records), func(i int) error {
		ok, err := s.TimeBank.Credit(ctx, records[i])
		if ok {
			credited.Add(1)
		}
		return err
	})
	e.postings = credited.Load()
	return err
}

// start builds the binary and runs it as its own process on a free loopback port.
func (e *benchEnv) start(ctx context.Context) error {
	var err error
	e.server, err = benchenv.Launch(ctx, e.api.HTTP, e.dir, e.config(), "LINLI_LIMITS_LOGIN_PER_IP=0", "LINLI_LIMITS_LOGIN_PER_USER=0")
	if e.server != nil {
		e.api.Base = e.server.Base
	}
	return err
}

// flush deletes the run's leaderboards from Redis (what losing Redis does to them).
func (e *benchEnv) flush(ctx context.Context) error {
	return dbenv.DeleteKeys(ctx, e.o.redisAddr, e.prefix+"lb:")
}

func (e *benchEnv) close() {
	e.server.Stop()
	if e.prefix != "" {
		_ = dbenv.DeleteKeys(context.Background(), e.o.redisAddr, e.prefix)
	}
	if e.dropSchema != nil {
		e.dropSchema()
	}
	if e.dir != "" {
		os.RemoveAll(e.dir)
	}
}
