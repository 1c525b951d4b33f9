package service

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"strconv"

	"github.com/redis/go-redis/v9"

	"linli/cache"
)

// Limiter applies per-minute abuse limits through Redis: GCRA, so that a burst up to the
// limit passes and the allowance then refills evenly, and every instance shares the count.
// The time is Redis's own (TIME), the same clock that expires the keys: one clock for every
// instance, and not the server's clock.Clock, so a test that moves its fake clock does not
// refill anyone's allowance (tests count requests instead).
type Limiter struct {
	redis *cache.Redis
	log   *slog.Logger
}

// NewLimiter builds a limiter on the shared Redis.
func NewLimiter(r *cache.Redis, log *slog.Logger) *Limiter {
	return &Limiter{redis: r, log: log}
}

// gcra counts (cost 1) or gives back (cost -1) one request in the key's theoretical arrival
// time, in seconds since 2017 (small enough for a double to keep microseconds). ARGV: the
// emission interval in seconds, the burst, the cost. It answers {allowed, seconds to wait}.
// A give-back never goes below an untouched allowance: a key back at "now" is deleted.
var gcra = redis.NewScript(`
redis.replicate_commands()
local interval, burst, cost = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local t = redis.call("TIME")
local now = (t[1] - 1483228800) + t[2] / 1000000
local tat = tonumber(redis.call("GET", KEYS[1]) or now)
if tat < now then tat = now end
local new = tat + cost * interval
if cost > 0 and new - burst * interval > now then
  return {0, tostring(new - burst * interval - now)}
end
if new <= now then
  redis.call("DEL", KEYS[1])
else
  redis.call("SET", KEYS[1], tostring(new), "PX", math.ceil((new - now) * 1000))
end
return {1, "0"}
`)

// run applies cost to the limit perMinute of the key parts; it reports whether the request
// may go on and, when not, the seconds to wait (at least 1). Errors are Redis's.
func (l *Limiter) run(ctx context.Context, perMinute, cost int, parts []string) (bool, int, error) {
	key := l.redis.Key(append([]string{"rl"}, parts...)...)
	v, err := gcra.Run(ctx, l.redis.Client, []string{key}, 60/float64(perMinute), perMinute, cost).Slice()
	if err != nil {
		return true, 0, err
	}
	if len(v) != 2 {
		return true, 0, fmt.Errorf("rate limiter: unexpected answer %v", v)
	}
	if ok, _ := v[0].(int64); ok == 1 {
		return true, 0, nil
	}
	s, _ := v[1].(string)
	secs, _ := strconv.ParseFloat(s, 64)
	return false, max(1, int(math.Ceil(secs))), nil
}

// Allow counts one request of a person against the limit perMinute for the key parts (the
// action first, then who); beyond it the error is a 429 with the seconds to wait. perMinute 0
// disables the limit. When Redis is down the limiter lets the request through (and logs it):
// a lost count must not stop residents.
func (l *Limiter) Allow(ctx context.Context, perMinute int, parts ...string) error {
	return l.allow(ctx, perMinute, "操作过于频繁，请稍后再试", parts)
}

// AllowAddress counts one request from a client address against the flood guard perMinute
// of the action. Residents share addresses (the community hall's Wi-Fi, a carrier's NAT), so
// these limits are sized for a crowd, and the answer beyond them says so rather than blaming
// the person.
func (l *Limiter) AllowAddress(ctx context.Context, perMinute int, action, addr string) error {
	return l.allow(ctx, perMinute, "当前网络下的请求过多，请稍后再试", []string{action + "@ip", addr})
}

func (l *Limiter) allow(ctx context.Context, perMinute int, message string, parts []string) error {
	if perMinute <= 0 {
		return nil
	}
	ok, wait, err := l.run(ctx, perMinute, 1, parts)
	if err != nil {
		l.log.WarnContext(ctx, "rate limiter unavailable; allowing", "limit", parts[0], "error", err.Error())
		return nil
	}
	if ok {
		return nil
	}
	return &Error{Kind: KindTooManyRequests, Message: message, RetryAfterSeconds: wait}
}

// Refund gives back one request that Allow counted with the same limit and key parts, for a
// request that turned out to do nothing (it was refused). The allowance never grows beyond the
// limit; a failure is only logged (the count then stays spent).
func (l *Limiter) Refund(ctx context.Context, perMinute int, parts ...string) {
	if perMinute <= 0 {
		return
	}
	if _, _, err := l.run(ctx, perMinute, -1, parts); err != nil {
		l.log.WarnContext(ctx, "rate limiter unavailable; count not given back", "limit", parts[0], "error", err.Error())
	}
}
