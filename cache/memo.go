package cache

import (
	"context"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"
)

// Memo keeps what an instance read from Redis or the database in its memory, for every kind
// of answer alike (the one cache type of the code base). An entry names the topics it was read
// from (topics.go); it is used only while the instance hears the invalidation channel, only
// if no message about one of its topics arrived after the read began (so a change committed
// while the read was in flight drops it too), and only for its TTL, the backstop for a message
// Redis could not pass on. A Memo without a channel (nil Invalidations) is for values that
// never change once read, or may be TTL old: it trusts entries for their TTL alone.
//
// Values are shared by every request that reads them: nobody may modify one.
type Memo[K comparable, V any] struct {
	in      *Invalidations
	ttl     time.Duration
	entries *lru.Cache[K, memoEntry[V]]
}

type memoEntry[V any] struct {
	v      V
	epoch  uint64
	expiry time.Time // zero: never
	topics []Topic
}

// Ticket is what a read began under: the channel's epoch and whether it was live, and when.
type Ticket struct {
	epoch uint64
	live  bool
	at    time.Time
}

// Live reports whether the channel was live when the read began: only then may what it reads
// be kept.
func (t Ticket) Live() bool { return t.live }

// NewMemo returns a memo of up to size entries, each trusted for ttl at most (0: no limit);
// in is the instance's invalidation channel (nil: none, see Memo).
func NewMemo[K comparable, V any](in *Invalidations, size int, ttl time.Duration) *Memo[K, V] {
	c, _ := lru.New[K, memoEntry[V]](max(size, 1)) // a positive size: no error
	m := &Memo[K, V]{in: in, ttl: ttl, entries: c}
	if in != nil {
		in.OnReset(c.Purge) // nothing kept may be used any more: free it
	}
	return m
}

// Get returns the value kept for key when it may be used; otherwise it reads it with load
// and keeps what load read, under the topics it depends on.
func (m *Memo[K, V]) Get(ctx context.Context, key K, topics []Topic, load func(context.Context) (V, error)) (V, error) {
	if v, ok := m.Lookup(key); ok {
		return v, nil
	}
	t := m.Begin()
	v, err := load(ctx)
	if err == nil {
		m.Keep(t, key, v, topics...)
	}
	return v, err
}

// Lookup returns the value kept for key when it may be used now.
func (m *Memo[K, V]) Lookup(key K) (V, bool) {
	var zero V
	e, ok := m.entries.Get(key)
	if !ok || (!e.expiry.IsZero() && !time.Now().Before(e.expiry)) {
		return zero, false
	}
	if m.in != nil && !m.in.Unchanged(e.epoch, e.topics...) {
		return zero, false
	}
	return e.v, true
}

// Begin starts a read whose result may be kept: take it before reading.
func (m *Memo[K, V]) Begin() Ticket {
	t := Ticket{live: true, at: time.Now()}
	if m.in != nil {
		t.epoch, t.live = m.in.Epoch()
	}
	return t
}

// Keep keeps v, read under t, for key, depending on topics; it keeps nothing when the channel
// was not live when the read began.
func (m *Memo[K, V]) Keep(t Ticket, key K, v V, topics ...Topic) {
	m.KeepFor(t, key, v, m.ttl, topics...)
}

// KeepFor is Keep with a TTL of the entry's own (at most the memo's).
func (m *Memo[K, V]) KeepFor(t Ticket, key K, v V, ttl time.Duration, topics ...Topic) {
	if !t.live {
		return
	}
	if m.ttl > 0 && (ttl <= 0 || ttl > m.ttl) {
		ttl = m.ttl
	}
	var expiry time.Time
	if ttl > 0 {
		expiry = t.at.Add(ttl)
	}
	m.entries.Add(key, memoEntry[V]{v: v, epoch: t.epoch, expiry: expiry, topics: topics})
}

// Forget drops what is kept for key on this instance only (others hear of changes by topic).
func (m *Memo[K, V]) Forget(key K) { m.entries.Remove(key) }

// Purge drops everything kept on this instance.
func (m *Memo[K, V]) Purge() { m.entries.Purge() }

// Len is how many entries are kept (used or not).
func (m *Memo[K, V]) Len() int { return m.entries.Len() }
