package main

import (
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"time"
)

// rssTarget is the most the server may hold (VmHWM), in MiB.
const rssTarget = 300

// report prints the Markdown table: each scenario's throughput, latency, errors and ratio to
// the ceiling measured just before it, against its target.
func report(w io.Writer, o options, e *benchEnv, results []result, ceiling float64, took time.Duration) {
	fmt.Fprintf(w, "Run %s on %s (%d cores, %s/%s): %d connections, %s per scenario after a %s warm-up; "+
		"district of %d communities (schema %s), MariaDB + Redis; whole run %s; load average at the end %s.\n\n",
		time.Now().Format("2006-01-02 15:04 MST"), cpuModel(), runtime.NumCPU(), runtime.GOOS, runtime.GOARCH,
		o.conns, o.duration, o.warmup, len(e.district), e.schema, took.Round(time.Second), loadAverage())
	fmt.Fprintln(w, "| scenario | req/s | p50 | p99 | requests | errors | ceiling just before | ratio | target | met |")
	fmt.Fprintln(w, "|---|---:|---:|---:|---:|---:|---:|---:|---|:---:|")
	fmt.Fprintf(w, "| INSERT+COMMIT ceiling (plain Go loop, %d loops) | %.0f | | | | | | | | |\n", o.conns, ceiling)
	for _, r := range results {
		switch {
		case r.unavailable:
			fmt.Fprintf(w, "| %s | | | | | | | | ≥ %.1f × healthz | not available |\n", r.name, r.target)
		case r.rush:
			ratio := 0.0
			if r.ceilingP99 > 0 {
				ratio = float64(r.p99) / float64(r.ceilingP99)
			}
			met := yes(r.confirmed == o.capacity && r.errors == 0 && r.ceilingP99 > 0 && ratio <= 20)
			fmt.Fprintf(w, "| %s | %.0f | %s | %s | %d | %d | healthz p99 %s | %d confirmed, %d waitlisted; p99 %.1f × healthz p99 | "+
				"exactly %d confirmed, 0 errors, p99 ≤ 20 × healthz p99 | %s |\n", r.name, r.rps, ms(r.p50), ms(r.p99), r.requests,
				r.errors, ms(r.ceilingP99), r.confirmed, r.waitlisted, ratio, o.capacity, met)
		case r.target == 0:
			fmt.Fprintf(w, "| %s | %.0f | %s | %s | %d | %d | | | | |\n", r.name, r.rps, ms(r.p50), ms(r.p99), r.requests, r.errors)
		default:
			basis := "healthz"
			if r.write {
				basis = "INSERT"
			}
			ratio := 0.0
			if r.ceiling > 0 {
				ratio = r.rps / r.ceiling
			}
			fmt.Fprintf(w, "| %s | %.0f | %s | %s | %d | %d | %.0f | %.2f × %s | ≥ %.1f × %s | %s |\n", r.name, r.rps, ms(r.p50),
				ms(r.p99), r.requests, r.errors, r.ceiling, ratio, basis, r.target, basis, yes(ratio >= r.target && r.errors == 0))
		}
	}
	rss := e.server.PeakRSS()
	fmt.Fprintf(w, "| server peak RSS (VmHWM) | %.0f MiB | | | | | | | < %d MiB | %s |\n", rss, rssTarget, yes(rss > 0 && rss < rssTarget))
	fmt.Fprintln(w)
	for _, r := range results {
		if r.firstError != "" {
			fmt.Fprintf(w, "First error of %s: %s\n", r.name, strings.TrimSpace(r.firstError))
		}
	}
}

func yes(ok bool) string {
	if ok {
		return "yes"
	}
	return "**no**"
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000) }

// cpuModel is the processor's name from /proc/cpuinfo.
func cpuModel() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return "unknown CPU"
	}
	for _, line := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "unknown CPU"
}

// loadAverage is the machine's 1, 5 and 15 minute load averages: a shared machine's other work
// shows here.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	if f := strings.Fields(string(b)); len(f) >= 3 {
		return strings.Join(f[:3], " ")
	}
	return "unknown"
}
