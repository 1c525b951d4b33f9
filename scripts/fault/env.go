package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/go-sql-driver/mysql"

	"linli/scripts/internal/benchenv"
	"linli/scripts/internal/dbenv"
	"linli/scripts/internal/loadenv"
)

// env is what one run owns: a fresh MariaDB schema, a Redis key prefix, a data directory, a
// configuration file, the built server binary and its running process.
type env struct {
	rootDSN, redisAddr string
	schema, prefix     string
	dir, bin, cfgPath  string
	addr               string // host:port the server listens on
	base               string // http://addr
	environ            []string
	server             *exec.Cmd
	serverDone         chan error
	undo               []func()
}

func newEnv(rootDSN, redisAddr string) (*env, error) {
	suffix := loadenv.RandomHex(6)
	e := &env{rootDSN: rootDSN, redisAddr: redisAddr, schema: "linli_fault_" + suffix, prefix: "linlifault:" + suffix + ":"}
	dir, err := os.MkdirTemp("", "linli-fault-")
	if err != nil {
		return nil, err
	}
	e.dir = dir
	e.undo = append(e.undo, func() { _ = os.RemoveAll(dir) })
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	e.addr = fmt.Sprintf("127.0.0.1:%d", port)
	e.base = "http://" + e.addr
	return e, nil
}

// close stops the server and removes the schema, the keys and the files (the servers must be
// up again: restoreServers runs first).
func (e *env) close() {
	e.stopServer()
	for i := len(e.undo) - 1; i >= 0; i-- {
		e.undo[i]()
	}
}

// createSchema makes the run's database and returns the server DSN for it; close drops it and
// deletes the run's Redis keys.
func (e *env) createSchema(ctx context.Context) (string, error) {
	dsn, drop, err := dbenv.CreateSchema(ctx, e.rootDSN, e.schema)
	if err != nil {
		return "", err
	}
	e.undo = append(e.undo, drop, func() { _ = dbenv.DeleteKeys(context.Background(), e.redisAddr, e.prefix) })
	return dsn, nil
}

// build compiles the server from the module root into the run's directory.
func (e *env) build(ctx context.Context, root string) (err error) {
	e.bin, err = benchenv.Build(ctx, root, e.dir)
	return err
}

// writeConfig writes the server's configuration file (the notify templates are a map, which
// has no environment variable) and sets the environment every command of the run gets.
func (e *env) writeConfig(dsn, wechatURL, appID, appSecret, template string) error {
	e.cfgPath = filepath.Join(e.dir, "config.yaml")
	yaml := fmt.Sprintf(`data_dir: %q
secret_key: "fault-script-secret-key-0123456789-abcdef"
http:
  addr: %q
  # Not the fixed default port, which another server on this machine may hold.
  metrics_addr: "127.0.0.1:0"
db:
  driver: mysql
  dsn: %q
  max_open_conns: 16
  max_idle_conns: 16
redis:
  addr: %q
  prefix: %q
wechat:
  app_id: %q
  app_secret: %q
  api_base: %q
  timeout: 1s
limits:
  login_per_ip: 0
  login_per_user: 0
  # High enough never to refuse the load, low enough that every write goes through the limiter.
  report_per_user: 100000
  report_per_ip: 100000
  comment_per_ip: 100000
  signup_per_user: 100000
  signup_per_ip: 100000
  redeem_per_ip: 100000
notify:
  templates:
    issue_new: %q
  poll_interval: 300ms
  lease: 5s
log:
  level: warn
`, filepath.Join(e.dir, "data"), e.addr, dsn, e.redisAddr, e.prefix, appID, appSecret, wechatURL, template)
	if err := os.WriteFile(e.cfgPath, []byte(yaml), 0o600); err != nil {
		return err
	}
	e.environ = []string{"LINLI_CONFIG=" + e.cfgPath, "PATH=" + os.Getenv("PATH")}
	return nil
}

// startServer runs the built server and waits until /healthz answers.
func (e *env) startServer(ctx context.Context) error {
	log, err := os.OpenFile(filepath.Join(e.dir, "server.log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	cmd := exec.Command(e.bin, "serve")
	cmd.Env = e.environ
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		log.Close()
		return err
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait(); log.Close() }()
	e.server, e.serverDone = cmd, done
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case err := <-done:
			e.server = nil
			return fmt.Errorf("server exited at start: %v (see %s)", err, filepath.Join(e.dir, "server.log"))
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
		res, err := http.Get(e.base + "/healthz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == 200 {
				return nil
			}
		}
	}
	return errors.New("server did not answer /healthz within 60s")
}

// stopServer ends the server gracefully (SIGTERM), if it runs.
func (e *env) stopServer() {
	if e.server == nil {
		return
	}
	_ = e.server.Process.Signal(syscall.SIGTERM)
	select {
	case <-e.serverDone:
	case <-time.After(30 * time.Second):
		_ = e.server.Process.Kill()
		<-e.serverDone
	}
	e.server = nil
}

// killServer ends the server with SIGKILL: no shutdown, no flush, in-flight requests cut.
func (e *env) killServer() error {
	if e.server == nil {
		return errors.New("no server to kill")
	}
	if err := e.server.Process.Signal(syscall.SIGKILL); err != nil {
		return err
	}
	<-e.serverDone
	e.server = nil
	return nil
}

// printFailures prints the server's log lines of up to n requests that failed with 500.
func (e *env) printFailures(n int) {
	b, err := os.ReadFile(filepath.Join(e.dir, "server.log"))
	if err != nil {
		return
	}
	for _, line := range strings.Split(string(b), "\n") {
		if n > 0 && strings.Contains(line, `"request failed"`) && strings.Contains(line, `"status":500`) {
			fmt.Println("  server log:", line)
			n--
		}
	}
}

// linli runs a command of the built binary with the run's configuration.
func (e *env) linli(ctx context.Context, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, e.bin, args...)
	cmd.Env = e.environ
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// The shared servers. Other work uses them too: outages are kept to a few seconds, and
// restoreServers brings both back whatever happened.

// redisUp reports whether Redis answers at addr (every node of a cluster's comma-separated list).
func redisUp(addr string) bool {
	for _, a := range strings.Split(addr, ",") {
		if !tcpOpen(a) {
			return false
		}
	}
	return true
}

func stopRedis(addr string) error {
	host, port, _ := net.SplitHostPort(addr)
	out, err := exec.Command("redis-cli", "-h", host, "-p", port, "shutdown", "nosave").CombinedOutput()
	if err != nil && redisUp(addr) {
		return fmt.Errorf("redis-cli shutdown: %v: %s", err, out)
	}
	return waitFor(func() bool { return !redisUp(addr) }, 10*time.Second, "Redis to stop")
}

func startRedis(addr string) error {
	if redisUp(addr) {
		return nil
	}
	if strings.Contains(addr, ",") {
		return errors.New("a cluster node is down: the cluster scenario restarts it; start it by hand")
	}
	host, port, _ := net.SplitHostPort(addr)
	out, err := exec.Command("redis-server", "--daemonize", "yes", "--bind", host, "--port", port,
		"--save", "", "--appendonly", "no").CombinedOutput()
	if err != nil {
		return fmt.Errorf("redis-server: %v: %s", err, out)
	}
	return waitFor(func() bool { return redisUp(addr) }, 20*time.Second, "Redis to start")
}

func mariaUp(addr string) bool { return tcpOpen(addr) }

func stopMaria(addr string) error {
	host, port, _ := net.SplitHostPort(addr)
	out, err := exec.Command("mysqladmin", "-h", host, "-P", port, "-uroot", "shutdown").CombinedOutput()
	if err != nil && mariaUp(addr) {
		return fmt.Errorf("mysqladmin shutdown: %v: %s", err, out)
	}
	return waitFor(func() bool { return !mariaUp(addr) }, 60*time.Second, "MariaDB to stop")
}

func startMaria(addr string) error {
	if mariaUp(addr) {
		return nil
	}
	out, err := exec.Command("start-stop-daemon", "--start", "--oknodo", "--background", "--exec", "/usr/sbin/mariadbd").CombinedOutput()
	if err != nil {
		return fmt.Errorf("start-stop-daemon mariadbd: %v: %s", err, out)
	}
	return waitFor(func() bool { return mariaUp(addr) }, 120*time.Second, "MariaDB to start")
}

// restoreServers starts Redis and MariaDB again if they are down (whatever stopped them).
func restoreServers(redisAddr, mariaAddr string) {
	if err := startRedis(redisAddr); err != nil {
		fmt.Fprintln(os.Stderr, "fault: could not restore Redis:", err)
	}
	if err := startMaria(mariaAddr); err != nil {
		fmt.Fprintln(os.Stderr, "fault: could not restore MariaDB:", err)
	}
}

func waitFor(ok func() bool, limit time.Duration, what string) error {
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		if ok() {
			return nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("timed out waiting for %s", what)
}

func tcpOpen(addr string) bool {
	c, err := net.DialTimeout("tcp", addr, 300*time.Millisecond)
	if err != nil {
		return false
	}
	c.Close()
	return true
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// mariaAddr is the host:port of a MySQL DSN.
func mariaAddr(dsn string) string {
	c, err := mysql.ParseDSN(dsn)
	if err != nil || c.Addr == "" {
		return "127.0.0.1:3306"
	}
	if !strings.Contains(c.Addr, ":") {
		return c.Addr + ":3306"
	}
	return c.Addr
}
