package wechat

import (
	"context"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/silenceper/wechat/v2/cache"
	"github.com/silenceper/wechat/v2/credential"
)

// cacheOpTimeout bounds each Redis command of the token cache: the library's cache.Cache
// methods take no context.
const cacheOpTimeout = 2 * time.Second

// tokenCache implements the library's cache.Cache over a go-redis v9 client. The library only
// stores the access token in it.
type tokenCache struct {
	rdb    redis.UniversalClient
	prefix string
}

var _ cache.Cache = (*tokenCache)(nil)

// stableTokenKey is the key (before our prefix) under which credential.StableAccessToken keeps
// the token: fmt.Sprintf("%s_stable_access_token_%s", cacheKeyPrefix, appID) with the
// mini-program prefix "gowechat_miniprogram_", hence the double underscore.
func stableTokenKey(appID string) string {
	return credential.CacheKeyMiniProgramPrefix + "_stable_access_token_" + appID
}

// Get returns the cached string, or nil when it is missing or Redis fails (the library then
// fetches a token). It never returns anything but a string or nil: the library type-asserts.
func (c *tokenCache) Get(key string) interface{} {
	ctx, cancel := context.WithTimeout(context.Background(), cacheOpTimeout)
	defer cancel()
	v, err := c.rdb.Get(ctx, c.prefix+key).Result()
	if err != nil || v == "" {
		return nil
	}
	return v
}

// Set stores a string value with the given TTL.
//
// A TTL <= 0 is not stored: the library passes expires_in-300s, which is <= 0 when WeChat
// answers expires_in <= 300 (a stable token near its end), and go-redis would store a zero or
// negative expiration without any TTL, i.e. forever. The token is still used for the current
// call; the next call asks WeChat again.
//
// A Redis failure is not reported either: the library would otherwise fail the caller's
// request although it already holds a valid token.
func (c *tokenCache) Set(key string, val interface{}, ttl time.Duration) error {
	s, ok := val.(string)
	if !ok {
		return fmt.Errorf("wechat: token cache stores strings only, got %T", val)
	}
	if ttl <= 0 || s == "" {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), cacheOpTimeout)
	defer cancel()
	_ = c.rdb.Set(ctx, c.prefix+key, s, ttl).Err()
	return nil
}

// IsExist reports whether key is present.
func (c *tokenCache) IsExist(key string) bool {
	ctx, cancel := context.WithTimeout(context.Background(), cacheOpTimeout)
	defer cancel()
	n, err := c.rdb.Exists(ctx, c.prefix+key).Result()
	return err == nil && n > 0
}

// Delete removes key.
func (c *tokenCache) Delete(key string) error {
	ctx, cancel := context.WithTimeout(context.Background(), cacheOpTimeout)
	defer cancel()
	return c.rdb.Del(ctx, c.prefix+key).Err()
}

// deleteIfScript deletes KEYS[1] only while it still holds ARGV[1].
var deleteIfScript = redis.NewScript(`
if redis.call("GET", KEYS[1]) == ARGV[1] then
	return redis.call("DEL", KEYS[1])
end
return 0`)

// invalidate drops the cached token if it is still the dead one we used. When another
// instance has already replaced it, the fresh token stays.
func (c *tokenCache) invalidate(ctx context.Context, key, deadToken string) error {
	ctx, cancel := context.WithTimeout(ctx, cacheOpTimeout)
	defer cancel()
	return deleteIfScript.Run(ctx, c.rdb, []string{c.prefix + key}, deadToken).Err()
}
