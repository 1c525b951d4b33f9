package cache

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
)

// Invalidations lets the instances of a deployment keep answers in memory: an instance that
// changes something publishes what others must drop on a Redis channel, and each instance
// drops it on receipt. A memory entry may be trusted only while the subscription is live
// (Epoch): until the first subscription is confirmed, after any error, and across a
// reconnection (when messages may have been missed) it is not, and every entry is dropped.
//
// Delivery to other instances is asynchronous: they drop an entry within the time Redis takes
// to pass a message on (well under a millisecond on one network), not before the publishing
// request answers. The publishing instance itself drops it before Publish returns.
type Invalidations struct {
	client  redis.UniversalClient
	channel string
	log     *slog.Logger

	mu       sync.Mutex
	handlers []func(msg string)
	resets   []func()

	epoch atomic.Uint64
	live  atomic.Bool

	stop context.CancelFunc
	done chan struct{}
}

// invalidationPing is how often a quiet subscription is checked, so that a connection that
// died silently stops being trusted within this time.
const invalidationPing = 2 * time.Second

// newInvalidations subscribes to channel and keeps the subscription up until Close.
func newInvalidations(client redis.UniversalClient, channel string, log *slog.Logger) *Invalidations {
	ctx, stop := context.WithCancel(context.Background())
	in := &Invalidations{client: client, channel: channel, log: log, stop: stop, done: make(chan struct{})}
	go in.run(ctx)
	return in
}

// OnMessage registers what to do with each message (on every instance, the publisher included).
func (in *Invalidations) OnMessage(f func(msg string)) {
	in.mu.Lock()
	defer in.mu.Unlock()
	in.handlers = append(in.handlers, f)
}

// OnReset registers what to drop when messages may have been missed (everything).
func (in *Invalidations) OnReset(f func()) {
	in.mu.Lock()
	defer in.mu.Unlock()
	in.resets = append(in.resets, f)
}

// Epoch is a counter that moves on every message and every reset, and whether the subscription
// is live. A reader that read the shared state may keep what it read in memory only if the
// subscription was live before it read and the epoch has not moved since: otherwise a message
// about that very state may have arrived in between.
func (in *Invalidations) Epoch() (uint64, bool) {
	return in.epoch.Load(), in.live.Load()
}

// Keep stores what a reader read since epoch (taken, with live, before reading): add runs only
// if the channel was live then and no message arrived since, and remove undoes it if a message
// arrives while add runs (the message's handler may have dropped the key just before add
// stored it).
func (in *Invalidations) Keep(epoch uint64, live bool, add, remove func()) {
	if !live {
		return
	}
	if e, l := in.Epoch(); !l || e != epoch {
		return
	}
	add()
	if e, l := in.Epoch(); !l || e != epoch {
		remove()
	}
}

// Publish drops msgs on this instance at once, then tells the others. If Redis cannot be
// reached the others keep their entries until those expire (every user bounds their lifetime).
func (in *Invalidations) Publish(ctx context.Context, msgs ...string) error {
	for _, m := range msgs {
		in.deliver(m)
	}
	if len(msgs) == 0 {
		return nil
	}
	_, err := in.client.Pipelined(context.WithoutCancel(ctx), func(p redis.Pipeliner) error {
		for _, m := range msgs {
			p.Publish(ctx, in.channel, m)
		}
		return nil
	})
	return err
}

func (in *Invalidations) deliver(msg string) {
	in.epoch.Add(1)
	in.mu.Lock()
	hs := in.handlers
	in.mu.Unlock()
	for _, h := range hs {
		h(msg)
	}
}

func (in *Invalidations) reset(live bool) {
	in.live.Store(false) // not trusted while dropping
	in.epoch.Add(1)
	in.mu.Lock()
	rs := in.resets
	in.mu.Unlock()
	for _, r := range rs {
		r()
	}
	in.epoch.Add(1)
	in.live.Store(live)
}

// run keeps a subscription: every (re)subscription and every error resets.
func (in *Invalidations) run(ctx context.Context) {
	defer close(in.done)
	backoff := 100 * time.Millisecond
	for ctx.Err() == nil {
		if err := in.subscribe(ctx); err != nil && ctx.Err() == nil {
			in.log.Warn("invalidation channel lost; memory caches off until it is back", "error", err.Error())
		}
		in.reset(false)
		select {
		case <-ctx.Done():
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, 2*time.Second)
	}
}

// subscribe listens until an error; a confirmed subscription makes memory entries trustworthy.
func (in *Invalidations) subscribe(ctx context.Context) error {
	ps := in.client.Subscribe(ctx, in.channel)
	stopped := context.AfterFunc(ctx, func() { _ = ps.Close() }) // unblocks the read on Close
	defer func() {
		stopped()
		_ = ps.Close()
	}()
	for ctx.Err() == nil {
		msg, err := ps.ReceiveTimeout(ctx, invalidationPing)
		var netErr interface{ Timeout() bool }
		if errors.As(err, &netErr) && netErr.Timeout() {
			if err := ps.Ping(ctx); err != nil {
				return err
			}
			continue
		}
		if err != nil {
			return err
		}
		switch m := msg.(type) {
		case *redis.Subscription:
			if m.Kind == "subscribe" {
				in.reset(true)
			}
		case *redis.Message:
			in.deliver(m.Payload)
		}
	}
	return ctx.Err()
}

// Close stops listening; entries are no longer trusted.
func (in *Invalidations) Close() {
	in.stop()
	<-in.done
	in.live.Store(false)
}
