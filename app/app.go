// Package app wires Linli together from a configuration: database, Redis, services, HTTP.
// main uses it to serve; tests use it to build a complete server of their own.
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"linli/api"
	"linli/cache"
	"linli/clock"
	"linli/config"
	"linli/model"
	"linli/service"
)

// App is one fully wired server.
type App struct {
	Config config.Config
	Log    *slog.Logger
	Store  *model.Store
	Redis  *cache.Redis
	API    *api.API
	// Services are the business layer, for CLI commands and tests.
	Services *service.Services
	// Handler serves the public listener; it is API.Handler() unless a test wraps it.
	Handler http.Handler
	// MetricsHandler serves the metrics listener (http.metrics_addr): API.MetricsHandler().
	MetricsHandler http.Handler
	// Jobs run in the background while the server serves (see jobs.go); add one with a line
	// in New.
	Jobs *Jobs
	// Clock is where the server reads the time: the wall clock, or a test's fake.
	Clock clock.Clock
	// redisOpts say how the embedded Redis is shared (AnnounceEmbeddedRedis, AttachEmbeddedRedis).
	redisOpts []cache.OpenOption
	// storeOpts are added to the store's options (WithStoreOptions).
	storeOpts []model.Option
}

// Option adjusts how New builds the server.
type Option func(*App)

// WithClock makes the whole server (store, services, jobs) read the time from c.
func WithClock(c clock.Clock) Option { return func(a *App) { a.Clock = clock.Or(c) } }

// WithStoreOptions adds options to the store's (e.g. a test's model.WithStatementHook).
func WithStoreOptions(opts ...model.Option) Option {
	return func(a *App) { a.storeOpts = append(a.storeOpts, opts...) }
}

// AnnounceEmbeddedRedis is for the serving process: in the embedded default its in-process
// Redis is announced in the data directory, so that commands run beside it reach the same one.
func AnnounceEmbeddedRedis() Option {
	return func(a *App) {
		a.redisOpts = append(a.redisOpts, cache.Announce(cache.EmbeddedPath(a.Config.DataDir)))
	}
}

// AttachEmbeddedRedis is for a command run beside a server (admin, seed, …): in the embedded
// default it uses the server's in-process Redis when one is announced and answers, so that
// what the command changes is honoured by the server at once (its caches are dropped and the
// invalidations published, as between two servers on a real Redis).
func AttachEmbeddedRedis() Option {
	return func(a *App) {
		a.redisOpts = append(a.redisOpts, cache.Attach(cache.EmbeddedPath(a.Config.DataDir)))
	}
}

// New connects to the database and Redis, migrates when configured to, and builds the router.
// On error everything opened so far is closed again.
func New(ctx context.Context, cfg config.Config, log *slog.Logger, opts ...Option) (_ *App, err error) {
	a := &App{Config: cfg, Log: log, Clock: clock.Wall{}}
	for _, o := range opts {
		o(a)
	}
	defer func() {
		if err != nil {
			a.Close()
		}
	}()
	if a.Store, err = model.Open(ctx, cfg.DB, cfg.DataDir,
		append([]model.Option{model.WithClock(a.Clock)}, a.storeOpts...)...); err != nil {
		return nil, err
	}
	if cfg.DB.AutoMigrate {
		if err = a.Store.Migrate(ctx); err != nil {
			return nil, err
		}
	}
	if a.Redis, err = cache.Open(cfg.Redis, cfg.RedisAddrs(), a.redisOpts...); err != nil {
		return nil, err
	}
	if a.Config.SecretKey == "" {
		if a.Config.SecretKey, err = devSecretKey(cfg.DataDir); err != nil {
			return nil, err
		}
	}
	a.Services, err = service.NewServices(a.Config, a.Store, a.Redis, log, a.Clock)
	if err != nil {
		return nil, err
	}
	s := a.Services
	a.Jobs = NewJobs(log)
	a.Jobs.Add("uploads.cleanup", 15*time.Minute, func(ctx context.Context) error {
		_, err := s.Uploads.Cleanup(ctx, cfg.Uploads.CleanupAfter)
		return err
	})
	a.Jobs.Add("notify.deliver", cfg.Notify.PollInterval, s.Notifier.DeliverBacklog)
	a.Jobs.Add("idempotency.purge", time.Hour, s.Idempotency.Purge)
	a.Jobs.Add("notify.purge", time.Hour, func(ctx context.Context) error {
		_, err := s.Notifier.PurgeOutbox(ctx)
		return err
	})
	a.Jobs.Add("issues.autoclose", 10*time.Minute, func(ctx context.Context) error {
		_, err := s.Issues.AutoClose(ctx)
		return err
	})
	a.Jobs.Add("dispatch.expire", time.Minute, func(ctx context.Context) error {
		_, err := s.Dispatches.ExpireDue(ctx)
		return err
	})
	a.Jobs.Add("activities.remind", time.Minute, func(ctx context.Context) error {
		_, err := s.Activities.SendReminders(ctx)
		return err
	})
	// Credits confirmed service exactly once (on any number of instances) and catches up on
	// owed leaderboard updates.
	a.Jobs.Add("timebank.credit", cfg.TimeBank.CreditInterval, func(ctx context.Context) error {
		_, err := s.TimeBank.CreditPending(ctx)
		return err
	})
	// Rolls up the dashboard's settled months (a cold dashboard read then finds its trend there).
	a.Jobs.Add("council.close", time.Minute, func(ctx context.Context) error {
		_, err := s.Council.CloseDue(ctx)
		return err
	})
	a.Jobs.Add("council.remind", 10*time.Minute, func(ctx context.Context) error {
		_, err := s.Council.RemindOverdue(ctx)
		return err
	})
	a.Jobs.Add("announcements.deliver", cfg.Announcements.DeliverEvery, func(ctx context.Context) error {
		_, err := s.Announcements.DeliverDue(ctx)
		return err
	})
	a.Jobs.Add("dashboard.rollup", time.Hour, func(ctx context.Context) error {
		_, err := s.Dashboard.RollupSettled(ctx)
		return err
	})
	a.API, err = api.New(api.Deps{
		Config:   a.Config,
		Log:      log,
		SQL:      a.Store.SQL(),
		Health:   service.NewHealth(a.Store, a.Redis),
		Services: s,
	})
	if err != nil {
		return nil, err
	}
	a.Handler = a.API.Handler()
	a.MetricsHandler = a.API.MetricsHandler()
	return a, nil
}

// Close releases the database and Redis. It is safe on a partly built App.
func (a *App) Close() {
	if a.Redis != nil {
		_ = a.Redis.Close()
	}
	if a.Store != nil {
		_ = a.Store.Close()
	}
}

// Serve listens on http.addr and, unless it is empty, http.metrics_addr until ctx is done,
// then stops accepting, lets in-flight requests finish within the grace period, and returns
// nil on a clean stop.
func (a *App) Serve(ctx context.Context) error {
	ln, err := net.Listen("tcp", a.Config.HTTP.Addr)
	if err != nil {
		return fmt.Errorf("listen %s (http.addr): %w", a.Config.HTTP.Addr, err)
	}
	var metrics net.Listener
	if addr := a.Config.HTTP.MetricsAddr; addr != "" {
		if metrics, err = net.Listen("tcp", addr); err != nil {
			_ = ln.Close()
			return fmt.Errorf("listen %s (http.metrics_addr, %s): %w", addr, config.EnvName("http.metrics_addr"), err)
		}
	}
	return a.ServeListeners(ctx, ln, metrics)
}

// ServeListener is Serve on an existing listener, without a metrics listener (tests listen
// on 127.0.0.1:0).
func (a *App) ServeListener(ctx context.Context, ln net.Listener) error {
	return a.ServeListeners(ctx, ln, nil)
}

// ServeListeners serves Handler on public and MetricsHandler on metrics (nil: /metrics is
// served nowhere), runs the jobs meanwhile, and stops both listeners together.
func (a *App) ServeListeners(ctx context.Context, public, metrics net.Listener) error {
	h := a.Config.HTTP
	newServer := func(handler http.Handler) *http.Server {
		return &http.Server{
			Handler:           handler,
			ReadTimeout:       h.ReadTimeout,
			ReadHeaderTimeout: min(h.ReadTimeout, 10*time.Second),
			WriteTimeout:      h.WriteTimeout,
			IdleTimeout:       h.IdleTimeout,
			MaxHeaderBytes:    64 << 10,
			BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
		}
	}
	type served struct {
		srv *http.Server
		ln  net.Listener
	}
	servers := []served{{newServer(a.Handler), public}}
	if metrics != nil {
		servers = append(servers, served{newServer(a.MetricsHandler), metrics})
	}
	errc := make(chan error, len(servers))
	for _, s := range servers {
		go func() { errc <- s.srv.Serve(s.ln) }()
	}
	jobsCtx, stopJobs := context.WithCancel(ctx)
	waitJobs := a.Jobs.Start(jobsCtx)
	defer func() { stopJobs(); waitJobs() }()
	metricsAddr := ""
	if metrics != nil {
		metricsAddr = metrics.Addr().String()
	}
	a.logStart(public.Addr().String(), metricsAddr)
	var failed error
	select {
	case err := <-errc: // a listener failed: stop the other too
		failed = fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
		a.Log.Info("shutting down", "grace", h.ShutdownGrace.String())
	}
	sctx, cancel := context.WithTimeout(context.Background(), h.ShutdownGrace)
	defer cancel()
	var shutdown error
	for _, s := range servers {
		if err := s.srv.Shutdown(sctx); err != nil {
			_ = s.srv.Close()
			shutdown = fmt.Errorf("shutdown: in-flight requests did not finish within %s: %w", h.ShutdownGrace, err)
		}
	}
	if failed != nil {
		return failed
	}
	if shutdown != nil {
		return shutdown
	}
	for range servers {
		if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
			return err
		}
	}
	a.Log.Info("stopped")
	return nil
}

func (a *App) logStart(addr, metricsAddr string) {
	login := "dev login enabled (no WeChat AppID configured): POST /api/v1/auth/dev-login"
	if !a.Config.DevMode() {
		login = "WeChat login (AppID configured); dev login disabled"
	}
	redis := "in-process (miniredis)"
	if !a.Redis.Embedded {
		redis = a.Config.Redis.Addr
	}
	db := a.Store.Driver()
	if db == "sqlite" {
		db = "sqlite " + model.SQLitePath(a.Config.DataDir)
	}
	metrics := "not served (http.metrics_addr is empty)"
	if metricsAddr != "" {
		metrics = "http://" + metricsAddr + "/metrics"
	}
	a.Log.Info("linli serving", "addr", addr, "login", login, "database", db, "redis", redis,
		"docs", "/api/docs", "metrics", metrics)
}
