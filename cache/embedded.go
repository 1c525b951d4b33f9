package cache

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"
)

// In the embedded default the server's Redis lives in its process. A command run beside it
// (`linli admin grant`, `linli seed`) would otherwise get a Redis of its own, and the server
// would go on answering from what it cached (identities for up to a minute) and never hear
// the command's invalidations. So the serving process announces its in-process Redis in the
// data directory (address and a random password, readable only by its owner), and commands
// attach to it when it answers: they then drop cache entries and publish on the channel
// exactly as a second server does with a real Redis.

// EmbeddedFile is the name of the announcement in the data directory.
const EmbeddedFile = "redis.json"

// embeddedInfo is what the announcement holds.
type embeddedInfo struct {
	Addr     string `json:"addr"`
	Password string `json:"password"`
	PID      int    `json:"pid"`
}

// OpenOption adjusts how Open provides the embedded Redis (it changes nothing when a Redis
// address is configured).
type OpenOption func(*openOptions)

type openOptions struct {
	announce string // the announcement to write, for the serving process
	attach   string // the announcement to read, for a command beside it
}

// Announce makes the in-process Redis reachable by commands run beside the server: its address
// and password are written to path (mode 0600) and removed again at Close.
func Announce(path string) OpenOption { return func(o *openOptions) { o.announce = path } }

// Attach makes Open use the in-process Redis a running server announced at path, when it
// answers; otherwise Open starts one of its own as usual.
func Attach(path string) OpenOption { return func(o *openOptions) { o.attach = path } }

// EmbeddedPath is where the announcement lives in the data directory.
func EmbeddedPath(dataDir string) string { return filepath.Join(dataDir, EmbeddedFile) }

// attachEmbedded returns the options of the announced server at path, or false when there is
// none or it does not answer within a second (a stale file of a server that died).
func attachEmbedded(path string, opts *redis.UniversalOptions) bool {
	b, err := os.ReadFile(path)
	if err != nil {
		return false
	}
	var info embeddedInfo
	if json.Unmarshal(b, &info) != nil || info.Addr == "" {
		return false
	}
	probe := redis.NewClient(&redis.Options{Addr: info.Addr, Password: info.Password, DialTimeout: time.Second,
		ReadTimeout: time.Second, MaxRetries: -1, DisableIdentity: true})
	defer probe.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if probe.Ping(ctx).Err() != nil {
		return false
	}
	opts.Addrs, opts.Password, opts.DB, opts.IsClusterMode = []string{info.Addr}, info.Password, 0, false
	return true
}

// startEmbedded starts an in-process Redis with a random password; with announce set it writes
// the announcement. stop stops the server (and removes the announcement).
func startEmbedded(announce string, opts *redis.UniversalOptions) (stop func(), err error) {
	var pw [16]byte
	if _, err := rand.Read(pw[:]); err != nil {
		return nil, fmt.Errorf("redis: password for the in-process server: %w", err)
	}
	m := miniredis.NewMiniRedis()
	m.RequireAuth(hex.EncodeToString(pw[:]))
	if err := m.StartAddr("127.0.0.1:0"); err != nil {
		return nil, fmt.Errorf("redis: start in-process server: %w", err)
	}
	opts.Addrs, opts.Password, opts.DB, opts.IsClusterMode = []string{m.Addr()}, hex.EncodeToString(pw[:]), 0, false
	stopServer := expireLoop(m)
	if announce == "" {
		return stopServer, nil
	}
	b, _ := json.Marshal(embeddedInfo{Addr: m.Addr(), Password: opts.Password, PID: os.Getpid()})
	if err := writePrivate(announce, b); err != nil {
		stopServer()
		return nil, fmt.Errorf("redis: announce the in-process server: %w", err)
	}
	return func() {
		if cur, err := os.ReadFile(announce); err == nil && string(cur) == string(b) {
			_ = os.Remove(announce) // only our own: a newer server may have replaced it
		}
		stopServer()
	}, nil
}

// writePrivate writes b to path readable by its owner only, replacing it atomically.
func writePrivate(path string, b []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".redis-*.json")
	if err != nil {
		return err
	}
	_, werr := tmp.Write(b)
	cerr := tmp.Close()
	if err := errors.Join(werr, cerr, os.Chmod(tmp.Name(), 0o600)); err != nil {
		_ = os.Remove(tmp.Name())
		return err
	}
	return os.Rename(tmp.Name(), path)
}
