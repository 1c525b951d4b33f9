package main

import (
	"context"
	"io"
	"math"

	"github.com/redis/go-redis/v9"

	"linli/app"
	"linli/cache"
	"linli/config"
)

// boot is what every command that needs the whole server does first: load the configuration
// (file and LINLI_* variables), log to stderr, and build the app. Commands other than serve
// attach to the embedded Redis of a server running on the same data directory, so that what
// they change is honoured by that server at once.
func boot(ctx context.Context, cmd, cfgPath string, environ []string, stderr io.Writer) (*app.App, error) {
	cfg, err := config.Load(cfgPath, environ)
	if err != nil {
		return nil, err
	}
	log := newLogger(cfg.Log, stderr)
	redis.SetLogger(cache.SlogLogger{Log: log}) // go-redis keeps its logger in a global
	opt := app.AttachEmbeddedRedis()
	if cmd == "serve" {
		opt = app.AnnounceEmbeddedRedis()
		if limit, from := app.ApplyMemoryLimit(cfg, environ); limit < math.MaxInt64 {
			log.Info("memory limit", "bytes", limit, "from", from)
		}
	}
	return app.New(ctx, cfg, log, opt)
}
