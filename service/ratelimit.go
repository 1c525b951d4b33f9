package service

import (
	"context"
	"log/slog"
	"math"

	"github.com/go-redis/redis_rate/v10"

	"linli/cache"
)

// Limiter applies per-minute abuse limits through Redis (GCRA, so bursts are smoothed and
// every instance shares the count).
type Limiter struct {
	redis *cache.Redis
	rl    *redis_rate.Limiter
	log   *slog.Logger
}

// NewLimiter builds a limiter on the shared Redis.
func NewLimiter(r *cache.Redis, log *slog.Logger) *Limiter {
	return &Limiter{redis: r, rl: redis_rate.NewLimiter(r.Client), log: log}
}

// Allow counts one request against the limit perMinute for the key parts; beyond it the error
// is a 429 with the seconds to wait. perMinute 0 disables the limit. When Redis is down the
// limiter lets the request through (and logs it): a lost count must not stop residents.
func (l *Limiter) Allow(ctx context.Context, perMinute int, parts ...string) error {
	if perMinute <= 0 {
		return nil
	}
	key := l.redis.Key(append([]string{"rl"}, parts...)...)
	res, err := l.rl.Allow(ctx, key, redis_rate.PerMinute(perMinute))
	if err != nil {
		l.log.WarnContext(ctx, "rate limiter unavailable; allowing", "limit", parts[0], "error", err.Error())
		return nil
	}
	if res.Allowed > 0 {
		return nil
	}
	wait := int(math.Ceil(res.RetryAfter.Seconds()))
	if wait < 1 {
		wait = 1
	}
	return &Error{Kind: KindTooManyRequests, Message: "操作过于频繁，请稍后再试", RetryAfterSeconds: wait}
}
