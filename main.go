// Command linli is the backend of the Linli (邻里) community mini-program.
//
//	linli [serve]  [-c config.yaml]   serve HTTP (the default)
//	linli migrate  [-c config.yaml]   apply pending database migrations and exit
//	linli admin create-community --name N [--district D]
//	linli admin grant --openid O --role staff|captain|admin [--community ID] [--building ID ...]
//	linli seed --demo [-c config.yaml] create the demo community (dev mode; a second run changes nothing)
//	linli healthcheck [-c config.yaml] GET /healthz of the local server; exit 0 when it answers 200
//	linli check-ledger [-c config.yaml] reconcile the time bank's ledger; exit non-zero naming each problem
//	linli openapi [--yaml] [-c config.yaml] print the OpenAPI document
//	linli rebuild-leaderboards [--community ID] [-c config.yaml] rebuild the leaderboards in Redis from the ledger
//
// Configuration comes from the file named by -c or LINLI_CONFIG, overridden by LINLI_*
// environment variables; with neither, the embedded default runs (SQLite in ./data,
// in-process Redis, dev login).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"linli/config"
	"linli/model"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := realMain(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "linli:", err)
		os.Exit(1)
	}
}

func realMain(ctx context.Context) error {
	return run(ctx, os.Args[1:], os.Environ(), os.Stdout, os.Stderr)
}

// errUsage has already been explained to the user by the flag package.
var errUsage = errors.New("usage")

// run dispatches a subcommand; it is main without the process around it.
func run(ctx context.Context, args, environ []string, stdout, stderr io.Writer) error {
	cmd := "serve"
	if len(args) > 0 && args[0] != "" && args[0][0] != '-' {
		cmd, args = args[0], args[1:]
	}
	fs := flag.NewFlagSet("linli "+cmd, flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfgPath := fs.String("c", lookup(environ, "LINLI_CONFIG"), "configuration file (YAML); also LINLI_CONFIG")
	switch cmd {
	case "serve", "migrate", "healthcheck":
	case "admin":
		return runAdmin(ctx, args, environ, stdout, stderr)
	case "seed":
		return runSeed(ctx, args, environ, stdout, stderr)
	case "check-ledger", "rebuild-leaderboards":
		return runLedger(ctx, cmd, args, environ, stdout, stderr)
	case "openapi":
		return runOpenAPI(ctx, args, environ, stdout, stderr)
	default:
		return fmt.Errorf("unknown command %q (commands: serve, migrate, healthcheck, admin, seed, check-ledger, rebuild-leaderboards, openapi)", cmd)
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return errUsage
	}
	if cmd == "serve" {
		a, err := boot(ctx, cmd, *cfgPath, environ, stderr)
		if err != nil {
			return err
		}
		defer a.Close()
		return a.Serve(ctx)
	}
	cfg, err := config.Load(*cfgPath, environ)
	if err != nil {
		return err
	}
	switch cmd {
	case "migrate":
		return migrate(ctx, cfg, stdout)
	default:
		return healthcheck(ctx, cfg.HTTP.Addr)
	}
}

func migrate(ctx context.Context, cfg config.Config, stdout io.Writer) error {
	store, err := model.Open(ctx, cfg.DB, cfg.DataDir)
	if err != nil {
		return err
	}
	defer store.Close()
	pending, err := store.PendingMigrations(ctx)
	if err != nil {
		return err
	}
	if err := store.Migrate(ctx); err != nil {
		return err
	}
	if len(pending) == 0 {
		fmt.Fprintln(stdout, "migrate: the database is up to date")
		return nil
	}
	for _, id := range pending {
		fmt.Fprintln(stdout, "migrate: applied", id)
	}
	return nil
}

func newLogger(cfg config.Log, w io.Writer) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.Level))
	opts := &slog.HandlerOptions{Level: level}
	if cfg.Format == "text" {
		return slog.New(slog.NewTextHandler(w, opts))
	}
	return slog.New(slog.NewJSONHandler(w, opts))
}

func lookup(environ []string, name string) string {
	for _, kv := range environ {
		if len(kv) > len(name) && kv[:len(name)] == name && kv[len(name)] == '=' {
			return kv[len(name)+1:]
		}
	}
	return ""
}

// healthcheck is the container HEALTHCHECK: the image has no curl.
func healthcheck(ctx context.Context, addr string) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return err
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+net.JoinHostPort(host, port)+"/healthz", nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("healthcheck: %w", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("healthcheck: status %d", resp.StatusCode)
	}
	return nil
}
