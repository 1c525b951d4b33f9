// Package cache connects Linli to Redis: a real server (single node or cluster) or, in the
// embedded default, an in-process miniredis behind the same go-redis client, so one code path
// serves both. Redis only holds what can be lost or rebuilt; the database is the truth.
package cache

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"
	"github.com/redis/go-redis/v9/maintnotifications"

	"linli/config"
)

// Redis is a connected client with the key prefix every key must start with.
type Redis struct {
	// Client talks to the server; use Key to name keys.
	Client redis.UniversalClient
	// Prefix starts every key.
	Prefix string
	// Embedded reports an in-process server (for start-up logs and tests).
	Embedded bool

	stop func()
	// inval is the invalidation channel, started by the first call to Invalidations.
	invalOnce sync.Once
	inval     *Invalidations
}

// Invalidations returns the instance's subscription to the invalidation channel (Prefix +
// "inval"), starting it on first use; Close stops it.
func (r *Redis) Invalidations(log *slog.Logger) *Invalidations {
	r.invalOnce.Do(func() { r.inval = newInvalidations(r.Client, r.Key("inval"), log) })
	return r.inval
}

// Open connects to the configured Redis, or starts an in-process one when no address is set
// (or, with Attach, uses the one a running server announced: embedded.go).
// It does not fail when a real server is down: readiness reports that, and calls fail until it
// is back (the client reconnects by itself).
func Open(cfg config.Redis, addrs []string, options ...OpenOption) (*Redis, error) {
	var o openOptions
	for _, f := range options {
		f(&o)
	}
	opts := &redis.UniversalOptions{
		Addrs:           addrs,
		Password:        cfg.Password,
		DB:              cfg.DB,
		IsClusterMode:   cfg.Cluster,
		DisableIdentity: true,
		// Redis 7.0 and miniredis reject CLIENT MAINT_NOTIFICATIONS.
		MaintNotificationsConfig: &maintnotifications.Config{Mode: maintnotifications.ModeDisabled},
		// Redis holds only what can be lost, and every caller has a database fallback: during
		// an outage a call should fail fast rather than retry three times with backoff (which
		// made each request wait 1–3 s in the fault script). One quick retry covers a dropped
		// pooled connection.
		MaxRetries:      1,
		MaxRetryBackoff: 100 * time.Millisecond,
		DialTimeout:     time.Second,
		ReadTimeout:     2 * time.Second,
		WriteTimeout:    2 * time.Second,
		PoolTimeout:     3 * time.Second,
	}
	r := &Redis{Prefix: cfg.Prefix, stop: func() {}}
	if len(addrs) == 0 {
		r.Embedded = true
		if o.attach == "" || !attachEmbedded(o.attach, opts) {
			stop, err := startEmbedded(o.announce, opts)
			if err != nil {
				return nil, err
			}
			r.stop = stop
		}
	}
	r.Client = redis.NewUniversalClient(opts)
	stop := r.stop
	var once sync.Once
	r.stop = func() { once.Do(stop) }
	return r, nil
}

// expireLoop advances miniredis's clock so that keys expire (it never expires keys by itself),
// accurate to one tick. The returned function stops the loop and the server.
func expireLoop(m *miniredis.Miniredis) func() {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		const tick = 200 * time.Millisecond
		t := time.NewTicker(tick)
		defer t.Stop()
		last := time.Now()
		for {
			select {
			case <-done:
				return
			case now := <-t.C:
				m.FastForward(now.Sub(last))
				last = now
			}
		}
	}()
	return func() {
		close(done)
		wg.Wait()
		m.Close()
	}
}

// Key joins the prefix and the parts with ':'.
func (r *Redis) Key(parts ...string) string {
	n := len(r.Prefix)
	for _, p := range parts {
		n += len(p) + 1
	}
	b := make([]byte, 0, n)
	b = append(b, r.Prefix...)
	for i, p := range parts {
		if i > 0 {
			b = append(b, ':')
		}
		b = append(b, p...)
	}
	return string(b)
}

// Ping checks that Redis answers, for readiness probes.
func (r *Redis) Ping(ctx context.Context) error {
	return r.Client.Ping(ctx).Err()
}

// Close closes the client and stops an in-process server; closing twice is harmless.
func (r *Redis) Close() error {
	r.invalOnce.Do(func() {}) // none may start from now on
	if r.inval != nil {
		r.inval.Close()
	}
	err := r.Client.Close()
	r.stop()
	if errors.Is(err, redis.ErrClosed) {
		return nil
	}
	return err
}

// SlogLogger routes go-redis's own messages (reconnects, pool errors) into the structured log.
// Install it once per process with redis.SetLogger: go-redis keeps its logger in a global.
type SlogLogger struct{ Log *slog.Logger }

// Printf implements go-redis's internal logging interface.
func (l SlogLogger) Printf(ctx context.Context, format string, v ...any) {
	l.Log.WarnContext(ctx, "redis client", "message", fmt.Sprintf(format, v...))
}
