package app

import (
	"runtime/debug"
	"strings"

	"linli/config"
)

// Where the memory limit in force came from (ApplyMemoryLimit).
const (
	MemoryLimitFromEnv    = "GOMEMLIMIT"
	MemoryLimitFromConfig = "memory_limit"
	MemoryLimitGoDefault  = "go default"
)

// ApplyMemoryLimit sets the Go runtime's soft memory limit (runtime/debug.SetMemoryLimit) from
// cfg.MemoryLimit, so that the garbage collector works harder near it rather than let the heap
// double after a burst of large uploads. A GOMEMLIMIT variable in environ wins: the runtime
// applied it at start, and whoever set it meant it. memory_limit 0 or "" leaves Go's default
// (no limit). It returns the limit in force (math.MaxInt64 when there is none) and where it
// came from. The limit is the process's: main calls this once, for the server.
func ApplyMemoryLimit(cfg config.Config, environ []string) (limit int64, source string) {
	for _, kv := range environ {
		if v, ok := strings.CutPrefix(kv, "GOMEMLIMIT="); ok && strings.TrimSpace(v) != "" {
			return debug.SetMemoryLimit(-1), MemoryLimitFromEnv
		}
	}
	n := cfg.MemoryLimitBytes()
	if n <= 0 {
		return debug.SetMemoryLimit(-1), MemoryLimitGoDefault
	}
	debug.SetMemoryLimit(n)
	return n, MemoryLimitFromConfig
}
