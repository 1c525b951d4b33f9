package service

import (
	"context"

	"linli/model"
)

// Names returns the nicknames of users (the proposer, the actors of a timeline, authors of
// comments) as other people see them (Users.Names).
func (c *Council) Names(ctx context.Context, ids []uint64) (map[uint64]string, error) {
	return c.users.Names(ctx, ids)
}

// ScopeName names a topic's scope for people: the community, the estate, or the building
// with its estate.
func (c *Council) ScopeName(ctx context.Context, t *model.Topic) (string, error) {
	return c.places.scopeName(ctx, topicScope(t))
}
