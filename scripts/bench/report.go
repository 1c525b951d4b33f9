package main

import (
	"context"
	"fmt"
	"io"
	"runtime"
	"time"
)

// report prints the Markdown table: each scenario's throughput, latency, errors and ratio to
// its ceiling, against the target.
func report(w io.Writer, o options, e *benchEnv, results []result) {
	var healthz float64
	for _, r := range results {
		if r.name == "GET /healthz (ceiling)" {
			healthz = r.rps
		}
	}
	ceiling, err := e.insertCeiling(context.Background(), o.conns, o.duration)
	if err != nil {
		logf("insert ceiling: %v", err)
	}
	fmt.Fprintf(w, "Run %s on %d cores (%s/%s), %d connections, %s per scenario, %d residents, %d seeded issues, MariaDB + Redis.\n\n",
		time.Now().Format("2006-01-02 15:04"), runtime.NumCPU(), runtime.GOOS, runtime.GOARCH, o.conns, o.duration, o.users, o.issues)
	fmt.Fprintln(w, "| scenario | req/s | p50 | p99 | requests | errors | ratio | target | met |")
	fmt.Fprintln(w, "|---|---:|---:|---:|---:|---:|---:|---:|:---:|")
	fmt.Fprintf(w, "| INSERT+COMMIT ceiling (plain Go loop) | %.0f | | | | | | | |\n", ceiling)
	for _, r := range results {
		base, basis := healthz, "healthz"
		if r.write {
			base, basis = ceiling, "insert"
		}
		ratio, met := "", ""
		if r.target > 0 && base > 0 {
			ratio = fmt.Sprintf("%.2f × %s", r.rps/base, basis)
			met = "yes"
			if r.rps/base < r.target || r.errors > 0 {
				met = "**no**"
			}
		}
		target := ""
		if r.target > 0 {
			target = fmt.Sprintf("≥ %.1f", r.target)
		}
		fmt.Fprintf(w, "| %s | %.0f | %s | %s | %d | %d | %s | %s | %s |\n", r.name, r.rps, ms(r.p50), ms(r.p99),
			r.requests, r.errors, ratio, target, met)
	}
	fmt.Fprintf(w, "\nServer peak RSS: %.0f MiB (target < 300 MiB).\n", e.peakRSS())
	for _, r := range results {
		if r.firstError != "" {
			fmt.Fprintf(w, "First error of %s: %s\n", r.name, r.firstError)
		}
	}
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000) }
