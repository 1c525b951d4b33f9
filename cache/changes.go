package cache

import (
	"sync"

	lru "github.com/hashicorp/golang-lru/v2"
)

// Changes remembers, per key, the epoch (Invalidations.Epoch) of its last change as the
// invalidation channel reported it, so that something read about a key at some epoch can be
// told apart from a later change. A reset (messages possibly missed), or a key forgotten to
// make room, counts as a change of every key.
type Changes struct {
	in      *Invalidations
	mu      sync.Mutex
	changed *lru.Cache[string, uint64]
	floor   uint64
}

// NewChanges follows the channel, keeping up to size keys; keyOf names the key a message
// changes (false: the message is about something else).
func NewChanges(in *Invalidations, size int, keyOf func(msg string) (string, bool)) *Changes {
	c := &Changes{in: in}
	c.changed, _ = lru.NewWithEvict[string, uint64](max(size, 1), func(_ string, epoch uint64) {
		c.floor = max(c.floor, epoch) // called from Add, with c.mu held
	})
	in.OnMessage(func(msg string) {
		if key, ok := keyOf(msg); ok {
			epoch, _ := in.Epoch()
			c.mu.Lock()
			c.changed.Add(key, epoch)
			c.mu.Unlock()
		}
	})
	in.OnReset(func() {
		epoch, _ := in.Epoch()
		c.mu.Lock()
		c.floor = max(c.floor, epoch)
		c.mu.Unlock()
	})
	return c
}

// Unchanged reports whether none of keys changed after epoch (the epoch taken before reading
// them) and the channel is live now: only then may what was read be used.
func (c *Changes) Unchanged(epoch uint64, keys ...string) bool {
	if _, live := c.in.Epoch(); !live {
		return false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.floor > epoch { // a reset, or a key forgotten, since: any of keys may have changed
		return false
	}
	for _, k := range keys {
		if last, ok := c.changed.Peek(k); ok && last > epoch {
			return false
		}
	}
	return true
}
