package service

import (
	"context"
	"encoding/json"
	"time"

	"linli/cache"
)

// Generation is the user's identity generation as a reader sees it before loading.
func (c *IdentityCache) Generation(ctx context.Context, userID uint64) string {
	_, gen := c.keys(userID)
	v, _ := c.redis.Client.Get(ctx, gen).Result()
	return v
}

// FillAs loads the user's identity from the database and offers it to the cache as a reader
// that saw generation seen before loading would; it reports whether the cache took it.
func (c *IdentityCache) FillAs(ctx context.Context, userID uint64, seen string) (bool, error) {
	id, err := c.load(ctx, userID)
	if err != nil {
		return false, err
	}
	b, err := json.Marshal(id)
	if err != nil {
		return false, err
	}
	entry, gen := c.keys(userID)
	n, err := c.fill.Run(ctx, c.redis.Client, []string{entry, gen}, seen, b, c.ttl.Milliseconds()).Int()
	return n == 1, err
}

// Cached reports whether Redis holds an identity entry for the user.
func (c *IdentityCache) Cached(ctx context.Context, userID uint64) bool {
	entry, _ := c.keys(userID)
	n, _ := c.redis.Client.Exists(ctx, entry).Result()
	return n == 1
}

// CardsKey is the Redis key of a community's leaderboard cards.
func (l *Leaderboards) CardsKey(communityID uint64) string {
	return l.keys(scope{community: communityID}).cards
}

// InMemory reports whether the instance would answer the token's session from memory.
func (a *Auth) InMemory(token string) bool {
	_, ok := a.ids.mem.caller(a.secrets.TokenHash(token), a.now(), a.minLeft)
	return ok
}

// RememberAfterMessage reads the token's session as Identify does, then lets a message about
// the user (of another) arrive before offering what it read to memory; it reports whether
// memory would answer the session from what it took (it must not when the message was about
// this very user: the change may have committed while the read was in flight).
func (a *Auth) RememberAfterMessage(ctx context.Context, token string, aboutThisUser bool) (bool, error) {
	hash := a.secrets.TokenHash(token)
	a.ids.mem.sessions.Forget(hash)
	t := a.ids.mem.sessions.Begin()
	entry, raw, err := a.ids.readSession(ctx, a.redis.Key("sess", hash))
	if err != nil {
		return false, err
	}
	uid, exp, _ := parseCachedSession(entry)
	about := cache.UserTopic(uid + 1)
	if aboutThisUser {
		about = cache.UserTopic(uid)
	}
	if err := a.ids.mem.inval.Publish(ctx, about); err != nil {
		return false, err
	}
	a.ids.mem.remember(t, hash, a.ids.caller(uid, raw), exp, cachedConsole(entry))
	_, ok := a.ids.mem.caller(hash, a.now(), func(bool) time.Duration { return 0 })
	return ok, nil
}
