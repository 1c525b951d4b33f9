// Package loadrun is what the bench and load scripts share to run: the command's main, the
// loops that drive a load over many connections, and the percentiles of what they measured.
package loadrun

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

// Main runs run with a context that Ctrl-C or SIGTERM cancels; on an error it prints
// "name: error" on stderr and exits 1.
func Main(name string, run func(context.Context) error) {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, name+":", err)
		os.Exit(1)
	}
}

// EnvOr is the environment variable name, or def when it is empty.
func EnvOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}
