package service

import (
	"context"
	"encoding/json"
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
