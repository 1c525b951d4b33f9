package benchenv

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"linli/config"
)

// Build compiles the server (the module in root, "" for the working directory) without cgo
// into dir/linli and returns the binary's path; go build's output goes to stderr.
func Build(ctx context.Context, root, dir string) (string, error) {
	bin := filepath.Join(dir, "linli")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, ".")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("go build: %w", err)
	}
	return bin, nil
}

// FreeAddr is a loopback host:port nothing listens on (now).
func FreeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// Environ is the environment that runs the server at addr on cfg's data directory, MariaDB
// and Redis, logging warnings, its metrics on a port of its own (not the fixed default, which
// another server on this machine may hold); more is added after.
func Environ(cfg config.Config, addr string, more ...string) []string {
	return append(append(os.Environ(),
		"LINLI_HTTP_ADDR="+addr, "LINLI_DATA_DIR="+cfg.DataDir, "LINLI_DB_DRIVER="+cfg.DB.Driver, "LINLI_DB_DSN="+cfg.DB.DSN,
		"LINLI_DB_MAX_OPEN_CONNS="+strconv.Itoa(cfg.DB.MaxOpenConns), "LINLI_DB_MAX_IDLE_CONNS="+strconv.Itoa(cfg.DB.MaxIdleConns),
		"LINLI_REDIS_ADDR="+cfg.Redis.Addr, "LINLI_REDIS_PREFIX="+cfg.Redis.Prefix, "LINLI_SECRET_KEY="+cfg.SecretKey,
		"LINLI_LOG_LEVEL=warn", "LINLI_HTTP_METRICS_ADDR=127.0.0.1:0"), more...)
}

// Launch builds the server into dir and runs it on a free loopback port with cfg's environment
// (and more), as Start does.
func Launch(ctx context.Context, client *http.Client, dir string, cfg config.Config, more ...string) (*Server, error) {
	bin, err := Build(ctx, "", dir)
	if err != nil {
		return nil, err
	}
	addr, err := FreeAddr()
	if err != nil {
		return nil, err
	}
	return Start(client, bin, addr, Environ(cfg, addr, more...))
}

// Server is the server running as a process of its own.
type Server struct {
	// Base is http://addr.
	Base string
	cmd  *exec.Cmd
}

// Start runs bin with environ (listening at addr), its stderr on ours, and waits up to 10 s
// for GET /healthz to answer 200. The server returned, when not nil, is to be stopped even
// with an error.
func Start(client *http.Client, bin, addr string, environ []string) (*Server, error) {
	cmd := exec.Command(bin)
	cmd.Env = environ
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	s := &Server{Base: "http://" + addr, cmd: cmd}
	for range 100 {
		if resp, err := client.Get(s.Base + "/healthz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return s, nil
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	return s, fmt.Errorf("server did not answer /healthz")
}

// Stop ends the server with SIGTERM, or SIGKILL when it has not exited 25 s later.
func (s *Server) Stop() {
	if s == nil || s.cmd.Process == nil {
		return
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { _ = s.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(25 * time.Second):
		_ = s.cmd.Process.Kill()
	}
}

// PeakRSS is the server's peak resident set (VmHWM) in MiB, 0 when unknown.
func (s *Server) PeakRSS() float64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", s.cmd.Process.Pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmHWM:" {
			kb, _ := strconv.ParseFloat(f[1], 64)
			return kb / 1024
		}
	}
	return 0
}
