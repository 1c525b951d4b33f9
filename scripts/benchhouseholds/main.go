// Command benchhouseholds measures the import of a register of households (房屋台账) the size
// of 东亭: 5,000 households in 104 buildings of 8 estates, on MariaDB (and SQLite).
//
//	go run ./scripts/benchhouseholds [-households 5000] [-sqlite]
//
// It builds the workbook as staff would fill the template, opens a fresh MariaDB schema
// (LINLI_BENCH_MYSQL_DSN or LINLI_TEST_MYSQL_DSN, e.g. root:@tcp(127.0.0.1:3306)/; dropped
// afterwards) and imports it through the service the API and the CLI use: the first import
// (everything created), then the same file again (nothing changes). It prints the time of
// each and the growth of the process's peak RSS during the first (VmHWM after resetting it
// through /proc/self/clear_refs, above VmRSS before). A benchmark, not a test: it asserts
// nothing, the targets are < 10 s, < 100 MB and < 5 s for the re-import.
package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"

	"linli/app"
	"linli/config"
	"linli/scripts/internal/dbenv"
	"linli/service"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	n := flag.Int("households", 5000, "households in the workbook")
	withSQLite := flag.Bool("sqlite", false, "also measure on SQLite")
	child := flag.String("child", "", "(internal) import this workbook on -backend and print the figures")
	backend := flag.String("backend", "", "(internal) the child's back end")
	flag.Parse()
	if *child != "" {
		line, err := run(ctx, *backend, os.Getenv("LINLI_BENCH_CHILD_DSN"), *child)
		if err != nil {
			fail(fmt.Errorf("%s: %w", *backend, err))
		}
		fmt.Println(line)
		return
	}
	dsn := os.Getenv("LINLI_BENCH_MYSQL_DSN")
	if dsn == "" {
		dsn = os.Getenv("LINLI_TEST_MYSQL_DSN")
	}
	var backends []string
	if dsn != "" {
		backends = append(backends, "mysql")
	}
	if *withSQLite || dsn == "" {
		backends = append(backends, "sqlite")
	}
	rows := register(*n)
	wb, err := service.RegisterWorkbook(rows)
	if err != nil {
		fail(err)
	}
	fmt.Printf("# Register import: %d households, %d buildings, workbook %.1f MB\n\n", len(rows), buildings(rows), float64(len(wb))/(1<<20))
	fmt.Println("| back end | first import | peak RSS growth | allocated | re-import (no change) | created | unchanged |")
	fmt.Println("|---|---:|---:|---:|---:|---:|---:|")
	file := filepath.Join(os.TempDir(), fmt.Sprintf("linli-benchhh-%d.xlsx", os.Getpid()))
	if err := os.WriteFile(file, wb, 0o600); err != nil {
		fail(err)
	}
	defer os.Remove(file)
	self, err := os.Executable()
	if err != nil {
		fail(err)
	}
	// Each back end in a process of its own, so that its peak RSS is the import's and not the
	// workbook generation's.
	for _, b := range backends {
		cmd := exec.CommandContext(ctx, self, "-child", file, "-backend", b)
		cmd.Env = append(os.Environ(), "LINLI_BENCH_CHILD_DSN="+dsn)
		cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
		if err := cmd.Run(); err != nil {
			fail(fmt.Errorf("%s: %w", b, err))
		}
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "benchhouseholds:", err)
	os.Exit(1)
}

// register is the workbook's rows: 8 estates, 13 buildings each, of 2–3 units, 6–18 floors and
// 2 rooms a floor, filled up to n households; some rows carry a head and a note.
func register(n int) []service.RegisterRow {
	estates := []string{"东亭花园", "东亭新村", "湖光苑", "翠柳苑", "红旗院", "文华院", "东湖路宿舍", "春合苑"}
	var rows []service.RegisterRow
	for round := 0; len(rows) < n; round++ {
		for e := 0; e < len(estates) && len(rows) < n; e++ {
			for b := 1; b <= 13 && len(rows) < n; b++ {
				units, floors := 2+(e+b)%2, 6+(e*5+b)%9
				for u := 1; u <= units; u++ {
					for f := 1; f <= floors; f++ {
						for r := 1; r <= 2 && len(rows) < n; r++ {
							row := service.RegisterRow{Estate: estates[e], Building: fmt.Sprintf("%d栋", b+13*round),
								Unit: strconv.Itoa(u), Room: fmt.Sprintf("%d%02d", f, r)}
							if len(rows)%37 == 0 {
								row.Head, row.Note = "王阿姨", "独居老人，每周探访"
							}
							rows = append(rows, row)
						}
					}
				}
			}
		}
	}
	return rows
}

func buildings(rows []service.RegisterRow) int {
	seen := map[string]bool{}
	for _, r := range rows {
		seen[r.Estate+"/"+r.Building] = true
	}
	return len(seen)
}

func run(ctx context.Context, backend, dsn, file string) (string, error) {
	dir, err := os.MkdirTemp("", "linli-benchhh-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(dir)
	cfg := config.Default()
	cfg.DataDir = dir
	if backend == "mysql" {
		schema, drop, err := dbenv.CreateSchema(ctx, dsn, fmt.Sprintf("linli_benchhh_%d", time.Now().UnixNano()))
		if err != nil {
			return "", err
		}
		defer drop()
		cfg.DB.Driver, cfg.DB.DSN = "mysql", schema
	}
	a, err := app.New(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		return "", err
	}
	defer a.Close()
	c, err := a.Services.Places.CreateCommunity(ctx, "东亭社区", "锡山区东亭街道")
	if err != nil {
		return "", err
	}
	runtime.GC()
	resetPeak()
	before := status("VmRSS")
	sampled := make(chan int64)
	done := make(chan struct{})
	go func() { // VmHWM is kept lazily on recent kernels: sample VmRSS as well
		peak := before
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-done:
				sampled <- peak
				return
			case <-tick.C:
				peak = max(peak, status("VmRSS"))
			}
		}
	}()
	var m0, m1 runtime.MemStats
	runtime.ReadMemStats(&m0)
	t0 := time.Now()
	first, err := importFile(ctx, a, c.ID, file)
	took := time.Since(t0)
	runtime.ReadMemStats(&m1)
	close(done)
	peak := max(<-sampled, status("VmHWM"))
	if err != nil {
		return "", err
	}
	growth := peak - before
	if first.ErrorCount > 0 {
		return "", fmt.Errorf("the workbook has errors: %s", first.Errors[0].Message)
	}
	t1 := time.Now()
	again, err := importFile(ctx, a, c.ID, file)
	if err != nil {
		return "", err
	}
	retook := time.Since(t1)
	return fmt.Sprintf("| %s | %s | %.1f MB (peak %.0f MB) | %.0f MB | %s | %d | %d |", backend, took.Round(time.Millisecond),
		float64(growth)/(1<<20), float64(peak)/(1<<20), float64(m1.TotalAlloc-m0.TotalAlloc)/(1<<20), retook.Round(time.Millisecond), first.HouseholdsCreated, again.Unchanged), nil
}

// importFile imports the workbook as the CLI does, from the file.
func importFile(ctx context.Context, a *app.App, community uint64, file string) (*service.ImportReport, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return a.Services.Households.Import(ctx, 0, community, f, false)
}

// resetPeak resets the process's peak RSS (VmHWM) to its current RSS.
func resetPeak() {
	_ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0)
}

// status reads a size in bytes from /proc/self/status (0 where there is none).
func status(field string) int64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if v, ok := strings.CutPrefix(s.Text(), field+":"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}
