package loadenv

import (
	"context"
	"log/slog"
	"net"
	"os"

	"linli/app"
	"linli/config"
)

// Env is the back end of a load (see Configure) and the complete server built on it.
type Env struct {
	App    *app.App
	Config config.Config
	// Backend names the database and Redis in use.
	Backend string
	cleanup func()
}

// Open configures the back end as Configure does and builds the complete server on it
// (migrating its database), logging errors only; Close ends both.
func Open(ctx context.Context) (*Env, error) {
	cfg, cleanup, backend, err := Configure()
	e := &Env{Config: cfg, Backend: backend, cleanup: cleanup}
	if err == nil {
		e.App, err = app.New(ctx, cfg, slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError})))
	}
	if err != nil {
		e.Close()
		return nil, err
	}
	return e, nil
}

// Close closes the server and removes what Configure made.
func (e *Env) Close() {
	if e.App != nil {
		e.App.Close()
	}
	if e.cleanup != nil {
		e.cleanup()
	}
}

// Serve serves a, with its jobs, on a free loopback port until stop is called, and returns its
// base URL (http://127.0.0.1:port); stop waits for the server to end.
func Serve(ctx context.Context, a *app.App) (base string, stop func(), err error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	srvCtx, cancel := context.WithCancel(ctx)
	served := make(chan error, 1)
	go func() { served <- a.ServeListener(srvCtx, ln) }()
	return "http://" + ln.Addr().String(), func() { cancel(); <-served }, nil
}
