package app_test

import (
	"math"
	"runtime/debug"
	"testing"

	"linli/app"
	"linli/config"
)

// TestMemoryLimitFromConfigUnlessGOMEMLIMIT changes the process's memory limit: not parallel,
// and the limit is put back.
func TestMemoryLimitFromConfigUnlessGOMEMLIMIT(t *testing.T) {
	prev := debug.SetMemoryLimit(-1)
	t.Cleanup(func() { debug.SetMemoryLimit(prev) })
	debug.SetMemoryLimit(math.MaxInt64)

	cfg := config.Default()
	if limit, from := app.ApplyMemoryLimit(cfg, nil); limit != 768<<20 || from != app.MemoryLimitFromConfig ||
		debug.SetMemoryLimit(-1) != 768<<20 {
		t.Fatalf("default: %d from %s", limit, from)
	}
	// An explicit GOMEMLIMIT was applied by the runtime at start; it is left alone.
	debug.SetMemoryLimit(300 << 20)
	cfg.MemoryLimit = "1GiB"
	if limit, from := app.ApplyMemoryLimit(cfg, []string{"GOMEMLIMIT=300MiB"}); limit != 300<<20 || from != app.MemoryLimitFromEnv ||
		debug.SetMemoryLimit(-1) != 300<<20 {
		t.Fatalf("with GOMEMLIMIT: %d from %s", limit, from)
	}
	// 0 leaves Go's default.
	debug.SetMemoryLimit(math.MaxInt64)
	cfg.MemoryLimit = "0"
	if limit, from := app.ApplyMemoryLimit(cfg, []string{"GOMEMLIMIT="}); limit != math.MaxInt64 || from != app.MemoryLimitGoDefault {
		t.Fatalf("0: %d from %s", limit, from)
	}
}
