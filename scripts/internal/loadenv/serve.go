package loadenv

import (
	"context"
	"log/slog"
	"net"
	"os"

	"linli/app"
	"linli/config"
)

// App builds the complete server on cfg (migrating its database), logging errors only.
func App(ctx context.Context, cfg config.Config) (*app.App, error) {
	return app.New(ctx, cfg, slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError})))
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
