package service

import (
	"context"
	"time"

	"linli/cache"
	"linli/model"
)

// Health answers readiness probes: is each dependency reachable right now?
type Health struct {
	store *model.Store
	redis *cache.Redis
}

// NewHealth builds the readiness checker.
func NewHealth(store *model.Store, redis *cache.Redis) *Health {
	return &Health{store: store, redis: redis}
}

// Check pings the database and Redis concurrently, each bounded by a short timeout, and
// returns the error of each dependency by name ("database", "redis"); nil means reachable.
func (h *Health) Check(ctx context.Context) map[string]error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	type result struct {
		name string
		err  error
	}
	ch := make(chan result, 2)
	go func() { ch <- result{"database", h.store.Ping(ctx)} }()
	go func() { ch <- result{"redis", h.redis.Ping(ctx)} }()
	out := make(map[string]error, 2)
	for range 2 {
		r := <-ch
		out[r.name] = r.err
	}
	return out
}
