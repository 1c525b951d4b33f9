package config

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// MinMemoryLimit is the smallest memory_limit accepted: below it the garbage collector would
// run nearly all the time just to serve the caches.
const MinMemoryLimit = 64 << 20

// ParseMemoryLimit reads a memory limit the way GOMEMLIMIT is written: a whole number of
// bytes, optionally followed by B, KiB, MiB, GiB or TiB ("768MiB", "536870912"). "" and "0"
// are 0 (no limit); anything else must be at least MinMemoryLimit. Decimal units (MB, GB) are
// refused rather than guessed at.
func ParseMemoryLimit(s string) (int64, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, nil
	}
	num, unit := s, int64(1)
	for _, u := range []struct {
		suffix string
		size   int64
	}{{"TiB", 1 << 40}, {"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}, {"B", 1}} {
		if n, ok := strings.CutSuffix(s, u.suffix); ok {
			num, unit = strings.TrimSpace(n), u.size
			break
		}
	}
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil || n < 0 || n > math.MaxInt64/unit {
		return 0, fmt.Errorf("must be a number of bytes, optionally with B, KiB, MiB, GiB or TiB (e.g. 768MiB), got %q", s)
	}
	n *= unit
	if n != 0 && n < MinMemoryLimit {
		return 0, fmt.Errorf("must be 0 (no limit) or at least 64MiB, got %q", s)
	}
	return n, nil
}

// MemoryLimitBytes is MemoryLimit in bytes; 0 means no limit of ours. The configuration has
// been validated, so it parses.
func (c *Config) MemoryLimitBytes() int64 {
	n, _ := ParseMemoryLimit(c.MemoryLimit)
	return n
}
