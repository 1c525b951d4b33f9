package api_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"

	"linli/app"
	"linli/app/apptest"
	"linli/storage/storagetest"
)

// memoryServerEnv makes TestUploadChildServer run: the server the memory tests measure, in a
// process of its own so that its peak resident memory (VmHWM) is the server's alone.
const memoryServerEnv = "LINLI_TEST_UPLOAD_MEMORY_SERVER"

// TestUploadChildServer is not a test: run by the memory tests in a child process, it serves a
// full server with the content check on (the fake WeChat), under the memory limit main would
// set, prints its address and eight users' tokens, and serves until its stdin closes.
func TestUploadChildServer(t *testing.T) {
	if os.Getenv(memoryServerEnv) == "" {
		t.Skip("the server of the upload memory tests, run in a child process")
	}
	e := apptest.New(t, apptest.WithWeChat())
	app.ApplyMemoryLimit(e.Config, os.Environ())
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: e.App.Handler}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()
	ready := memoryServerReady{Addr: ln.Addr().String()}
	for i := range 8 {
		ready.Tokens = append(ready.Tokens, e.DevLogin(fmt.Sprintf("o-memory-%d-%d", os.Getpid(), i)).Token)
	}
	b, _ := json.Marshal(ready)
	fmt.Printf("%s %s\n", memoryServerEnv, b)
	_, _ = io.Copy(io.Discard, os.Stdin)
}

// memoryServerReady is what the child prints once it serves.
type memoryServerReady struct {
	Addr   string
	Tokens []string
}

// memoryServer is a running child server.
type memoryServer struct {
	memoryServerReady
	cmd    *exec.Cmd
	stderr bytes.Buffer
}

// startMemoryServer runs TestUploadChildServer in a child process and waits until it serves.
func startMemoryServer(t *testing.T) *memoryServer {
	t.Helper()
	s := &memoryServer{cmd: exec.Command(os.Args[0], "-test.run=^TestUploadChildServer$", "-test.count=1")}
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "GOMEMLIMIT=") { // the child takes memory_limit, as main does
			s.cmd.Env = append(s.cmd.Env, kv)
		}
	}
	s.cmd.Env = append(s.cmd.Env, memoryServerEnv+"=1")
	s.cmd.Stderr = &s.stderr
	stdin, err := s.cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := s.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = stdin.Close()
		if err := s.cmd.Wait(); err != nil {
			t.Errorf("memory server: %v\n%s", err, s.stderr.String())
		}
	})
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), memoryServerEnv+" "); ok {
			if err := json.Unmarshal([]byte(rest), &s.memoryServerReady); err != nil {
				t.Fatal(err)
			}
			go func() { _, _ = io.Copy(io.Discard, stdout) }()
			return s
		}
	}
	t.Fatalf("memory server did not start: %v\n%s", sc.Err(), s.stderr.String())
	return nil
}

// status reads a size field (VmRSS, VmHWM) of the child's /proc status, in bytes.
func (s *memoryServer) status(t *testing.T, field string) int64 {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", s.cmd.Process.Pid))
	if err != nil {
		t.Skipf("no /proc status to measure memory: %v", err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, field+":"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			if err != nil {
				t.Fatalf("%s: %q", field, line)
			}
			return kb << 10
		}
	}
	t.Fatalf("no %s in /proc status", field)
	return 0
}

// uploadAll sends img as n uploads at once, two per user, and returns the statuses.
func (s *memoryServer) uploadAll(t *testing.T, n int, img []byte) []int {
	t.Helper()
	statuses := make([]int, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var body bytes.Buffer
			mw := multipart.NewWriter(&body)
			part, _ := mw.CreateFormFile("file", "photo.png")
			_, _ = part.Write(img)
			_ = mw.Close()
			req, _ := http.NewRequest("POST", "http://"+s.Addr+"/api/v1/uploads", &body)
			req.Header.Set("Content-Type", mw.FormDataContentType())
			req.Header.Set("Authorization", "Bearer "+s.Tokens[i/2%len(s.Tokens)])
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			_, _ = io.Copy(io.Discard, res.Body)
			_ = res.Body.Close()
			statuses[i] = res.StatusCode
		}()
	}
	wg.Wait()
	return statuses
}

// measure runs n uploads of img at once against a fresh child server and returns its resident
// memory before and its peak after, checking every answer is want.
func measure(t *testing.T, n int, img []byte, want int) (before, peak int64) {
	t.Helper()
	s := startMemoryServer(t)
	before = s.status(t, "VmHWM")
	statuses := s.uploadAll(t, n, img)
	peak = s.status(t, "VmHWM")
	for i, st := range statuses {
		if st != want {
			t.Errorf("upload %d: status %d, want %d", i, st, want)
		}
	}
	t.Logf("%d uploads of %d KB at once: server VmHWM %d MiB before, %d MiB peak (+%d MiB)",
		n, len(img)>>10, before>>20, peak>>20, (peak-before)>>20)
	return before, peak
}

// TestUploadBombsKeepServerRSSBounded is issue #15's attack: eight uploads at once of the
// 1.6 MB PNG that decodes into 392 MB, with the content check on. The server used to decode
// each (one: 76 → 555 MiB; eight: 79 → 4050 MiB). Now each is refused from its header, and the
// server's peak stays within 100 MiB of where it started: eight bodies and their cleaned
// copies, no picture.
func TestUploadBombsKeepServerRSSBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a 392 MB picture's PNG and a server process")
	}
	before, peak := measure(t, 8, attackPNG(), 400)
	if peak-before > 100<<20 {
		t.Fatalf("server grew by %d MiB refusing 8 bombs", (peak-before)>>20)
	}
}

// TestLargeUploadsDecodeWithinTheBudget: eight uploads at once of images just within
// uploads.max_decode_bytes (5600×5600 RGBA, 125 MB decoded each), which the content check does
// decode to shrink: two at a time (uploads.decode_concurrency), each collected once shrunk, so
// the server grows by at most the two turns' 2 × 128 MiB plus 256 MiB for the bodies, their
// copies and the collector's slack — where eight decodes at once need a gigabyte (before the
// limits: 75 → 1465 MiB; with the turns but without the collection after each: 715 MiB).
func TestLargeUploadsDecodeWithinTheBudget(t *testing.T) {
	if testing.Short() {
		t.Skip("builds large PNGs and a server process")
	}
	img := storagetest.HeavyPNG(5600, 5600, 8, storagetest.PNGRGBA, 200)
	if len(img) < 1<<20+1<<18 {
		t.Fatalf("image only %d bytes: it might not be decoded", len(img))
	}
	before, peak := measure(t, 8, img, 201)
	if peak-before > (2*128+256)<<20 {
		t.Fatalf("server grew by %d MiB decoding 8 images", (peak-before)>>20)
	}
}
