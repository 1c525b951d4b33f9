// Package benchenv is the set-up of the benchmarks that run the server against MariaDB and
// Redis: their configuration, the services on the same database for seeding, and the server
// built and run as a process of its own.
package benchenv

import (
	"context"
	"io"
	"log/slog"

	"linli/cache"
	"linli/config"
	"linli/model"
	"linli/service"
)

// SecretKey is the secret key of every bench run: the data is thrown away.
const SecretKey = "bench-secret-key-0123456789abcdef-0123"

// Config is the configuration of a bench: MariaDB at dsn with conns connections, Redis at
// redisAddr under prefix, local state in dir, the bench's secret key.
func Config(dir, dsn, redisAddr, prefix string, conns int) config.Config {
	cfg := config.Default()
	cfg.DataDir = dir
	cfg.DB.Driver, cfg.DB.DSN = "mysql", dsn
	cfg.DB.MaxOpenConns, cfg.DB.MaxIdleConns = conns, conns
	cfg.Redis.Addr, cfg.Redis.Prefix = redisAddr, prefix
	cfg.SecretKey = SecretKey
	return cfg
}

// Services opens the database of cfg (migrating it) and Redis, and builds the services on them
// (logging nothing); closeAll closes both.
func Services(ctx context.Context, cfg config.Config) (s *service.Services, store *model.Store, closeAll func(), err error) {
	store, err = model.Open(ctx, cfg.DB, cfg.DataDir)
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
	closeAll = func() { r.Close(); store.Close() }
	if s, err = service.NewServices(cfg, store, r, slog.New(slog.NewTextHandler(io.Discard, nil)), nil); err != nil {
		closeAll()
		return nil, nil, nil, err
	}
	return s, store, closeAll, nil
}
