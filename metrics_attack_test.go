package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"linli/app/apptest"
)

// childServer, set in a child's environment, makes the test binary run main: the server.
const childServer = "LINLI_TEST_CHILD_SERVER"

// TestMain lets TestMetricsMadeUpMethodsChildRSS run this very binary as a server process of
// its own, whose memory it can then read from /proc.
func TestMain(m *testing.M) {
	if os.Getenv(childServer) == "1" {
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// TestMetricsMadeUpMethodsChildRSS is the probe of issue #15 against a real server process:
// 30,000 requests with made-up methods ("M00000001 /x") through a listening server. Before
// the fix they raised its peak resident memory (VmHWM) by some 130 MB, one scrape included,
// and /metrics to 50 MB, never freed; now /metrics stays under 64 KB with no made-up method
// in it, and the peak stays within 32 MB of what the server held before the attack.
func TestMetricsMadeUpMethodsChildRSS(t *testing.T) {
	if testing.Short() {
		t.Skip("sends 30,000 requests to a server process")
	}
	if _, err := os.Stat("/proc/self/status"); err != nil {
		t.Skip("needs /proc to read a process's memory")
	}
	const (
		attack    = 30_000
		maxGrowth = 32 << 20 // bytes of VmHWM over VmRSS before the attack
		maxScrape = 64 << 10 // bytes of /metrics
	)
	cfg := apptest.Config(t) // a fresh database and Redis prefix when real servers are configured
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(self, "serve")
	cmd.Env = []string{childServer + "=1", "LINLI_DATA_DIR=" + cfg.DataDir,
		"LINLI_HTTP_ADDR=127.0.0.1:0", "LINLI_HTTP_METRICS_ADDR=127.0.0.1:0",
		"LINLI_DB_DRIVER=" + cfg.DB.Driver, "LINLI_DB_DSN=" + cfg.DB.DSN,
		"LINLI_REDIS_ADDR=" + cfg.Redis.Addr, "LINLI_REDIS_PREFIX=" + cfg.Redis.Prefix}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	started := make(chan [2]string, 1)
	go func() {
		// The start line names both listeners (port 0: the kernel chose them); the access log
		// after it is read and dropped so that the server never blocks writing it.
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			var line struct{ Msg, Addr, Metrics string }
			if json.Unmarshal(sc.Bytes(), &line) == nil && line.Msg == "linli serving" {
				started <- [2]string{line.Addr, line.Metrics}
				break
			}
		}
		_, _ = io.Copy(io.Discard, stderr)
		exited <- cmd.Wait()
	}()
	defer func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(30 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
	}()
	var base, metricsURL string
	select {
	case addrs := <-started:
		base, metricsURL = "http://"+addrs[0], addrs[1]
	case err := <-exited:
		t.Fatalf("server exited before serving: %v", err)
	case <-time.After(60 * time.Second):
		t.Fatal("server did not start within 60s")
	}
	if !strings.HasPrefix(metricsURL, "http://") {
		t.Fatalf("server serves no metrics listener: %q", metricsURL)
	}

	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 8}, Timeout: 30 * time.Second}
	send := func(method, url string) (int, []byte) {
		req, err := http.NewRequest(method, url, nil)
		if err != nil {
			t.Error(err)
			return 0, nil
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Error(err)
			return 0, nil
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, b
	}
	// Ordinary traffic first, so that what the attack adds is measured against a warm server.
	for i := range 500 {
		send("GET", base+[]string{"/healthz", "/x", "/api/v1/me"}[i%3])
	}
	if code, _ := send("GET", metricsURL); code != http.StatusOK {
		t.Fatalf("GET %s: %d", metricsURL, code)
	}
	before := procKB(t, cmd.Process.Pid, "VmRSS")

	work := make(chan int)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for i := range work {
				send(fmt.Sprintf("M%08d", i), base+[]string{"/x", "/api/v1/me"}[i%2])
			}
		})
	}
	for i := 1; i <= attack; i++ {
		work <- i
	}
	close(work)
	wg.Wait()

	code, body := send("GET", metricsURL)
	if code != http.StatusOK {
		t.Fatalf("GET %s: %d", metricsURL, code)
	}
	if code, _ := send("GET", base+"/metrics"); code != http.StatusNotFound {
		t.Errorf("GET /metrics on the public listener: %d, want 404", code)
	}
	after, peak := procKB(t, cmd.Process.Pid, "VmRSS"), procKB(t, cmd.Process.Pid, "VmHWM")
	t.Logf("%d made-up methods: VmRSS %d MB before, %d MB after, peak (VmHWM) %d MB; /metrics %d bytes",
		attack, before>>10, after>>10, peak>>10, len(body))
	if strings.Contains(string(body), `method="M`) {
		t.Error("/metrics has a made-up method label")
	}
	if len(body) > maxScrape {
		t.Errorf("/metrics is %d bytes, want at most %d", len(body), maxScrape)
	}
	if grown := (peak - before) << 10; grown > maxGrowth {
		t.Errorf("peak resident memory %d MB is %d MB over the %d MB before the attack, want at most %d MB",
			peak>>10, grown>>20, before>>10, maxGrowth>>20)
	}
}

// procKB reads a kB figure (VmRSS, VmHWM) of process pid from /proc.
func procKB(t *testing.T, pid int, field string) int64 {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			n, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			if err != nil {
				t.Fatalf("%s: %q", field, line)
			}
			return n
		}
	}
	t.Fatalf("no %s in /proc/%d/status", field, pid)
	return 0
}
