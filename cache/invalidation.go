package cache

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"
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
	// sharded is set on a Redis Cluster: the channel is a sharded one (SSUBSCRIBE/SPUBLISH,
	// Redis 7), served by the master of its slot alone instead of broadcast to every node.
	sharded bool

	mu       sync.Mutex
	handlers []func(msg string)
	resets   []func()

	epoch atomic.Uint64
	live  atomic.Bool

	// changed is, per topic (and per family, "u:*"), the epoch of its last message; floor is
	// the epoch of the last reset or of the newest topic forgotten to make room: anything read
	// before it may have missed a change.
	cmu     sync.Mutex
	changed *lru.Cache[Topic, uint64]
	floor   uint64

	stop context.CancelFunc
	done chan struct{}
}

// invalidationPing is how often a quiet subscription is checked, so that a connection that
// died silently stops being trusted within this time.
const invalidationPing = 2 * time.Second

// changedTopics bounds the topics whose last change is remembered; forgetting one raises the
// floor (a topic forgotten counts as changed), so the bound costs hit rate, never correctness.
const changedTopics = 200000

// newInvalidations subscribes to channel and keeps the subscription up until Close.
func newInvalidations(client redis.UniversalClient, channel string, log *slog.Logger) *Invalidations {
	ctx, stop := context.WithCancel(context.Background())
	in := &Invalidations{client: client, channel: channel, log: log, stop: stop, done: make(chan struct{})}
	_, in.sharded = client.(*redis.ClusterClient)
	in.changed, _ = lru.NewWithEvict[Topic, uint64](changedTopics, func(_ Topic, epoch uint64) {
		in.floor = max(in.floor, epoch) // called from Add, with cmu held
	})
	go in.run(ctx)
	return in
}

// Unchanged reports whether something read about topics at epoch (taken, with live, before
// reading) may be used now: the channel is live, no reset happened since, and no message about
// any of the topics (or their families) arrived since.
func (in *Invalidations) Unchanged(epoch uint64, topics ...Topic) bool {
	if !in.live.Load() {
		return false
	}
	in.cmu.Lock()
	defer in.cmu.Unlock()
	if in.floor > epoch {
		return false
	}
	for _, t := range topics {
		if last, ok := in.changed.Peek(t); ok && last > epoch {
			return false
		}
	}
	return true
}

// note records a message about t at epoch. Two deliveries may note in the other order than
// they took their epochs: a topic's epoch only ever rises.
func (in *Invalidations) note(t Topic, epoch uint64) {
	in.cmu.Lock()
	defer in.cmu.Unlock()
	raise := func(t Topic) {
		if last, ok := in.changed.Peek(t); !ok || last < epoch {
			in.changed.Add(t, epoch)
		}
	}
	raise(t)
	if f, ok := t.family(); ok && f != t {
		raise(f)
	}
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

// Publish tells every instance that topics changed: this one at once (what it kept about them
// is not used from now on), the others through Redis. If Redis cannot be reached the others use
// what they kept until its TTL runs out (every Memo has one).
func (in *Invalidations) Publish(ctx context.Context, topics ...Topic) error {
	for _, t := range topics {
		in.deliver(string(t))
	}
	if len(topics) == 0 {
		return nil
	}
	_, err := in.client.Pipelined(context.WithoutCancel(ctx), func(p redis.Pipeliner) error {
		for _, t := range topics {
			if in.sharded {
				p.SPublish(ctx, in.channel, string(t))
			} else {
				p.Publish(ctx, in.channel, string(t))
			}
		}
		return nil
	})
	return err
}

func (in *Invalidations) deliver(msg string) {
	in.note(Topic(msg), in.epoch.Add(1))
	in.mu.Lock()
	hs := in.handlers
	in.mu.Unlock()
	for _, h := range hs {
		h(msg)
	}
}

func (in *Invalidations) reset(live bool) {
	in.live.Store(false) // not trusted while dropping
	e := in.epoch.Add(1)
	in.cmu.Lock()
	in.floor = max(in.floor, e)
	in.cmu.Unlock()
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
	var ps *redis.PubSub
	if in.sharded {
		ps = in.client.SSubscribe(ctx, in.channel)
	} else {
		ps = in.client.Subscribe(ctx, in.channel)
	}
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
			switch m.Kind {
			case "subscribe", "ssubscribe":
				in.reset(true)
			case "sunsubscribe":
				// The cluster moved the channel's slot (a failover, a resharding): messages
				// published on its new master are not coming here.
				return errors.New("sharded channel unsubscribed by the cluster")
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
