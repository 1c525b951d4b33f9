package service

import (
	"context"

	"linli/model"
)

// Names returns the nicknames of users (the proposer, the actors of a timeline, authors of
// comments) as other people see them; a deleted user has "已注销用户".
func (c *Council) Names(ctx context.Context, ids []uint64) (map[uint64]string, error) {
	users, err := c.store.UsersByIDs(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make(map[uint64]string, len(ids))
	for _, id := range ids {
		u, ok := users[id]
		switch {
		case id == 0:
		case !ok || u.DeletedAt != nil:
			out[id] = "已注销用户"
		default:
			out[id] = u.Nickname
		}
	}
	return out, nil
}

// ScopeName names a topic's scope for people: the community, the estate, or the building
// with its estate.
func (c *Council) ScopeName(ctx context.Context, t *model.Topic) (string, error) {
	switch t.Scope {
	case model.CouncilScopeBuilding:
		b, err := c.places.Building(ctx, t.BuildingID)
		if err != nil {
			return "", err
		}
		return b.Label(), nil
	case model.CouncilScopeEstate:
		e, err := c.store.EstateByID(ctx, t.EstateID)
		if err != nil {
			return "", err
		}
		return e.Name, nil
	}
	cm, err := c.places.Community(ctx, t.CommunityID)
	if err != nil {
		return "", err
	}
	return cm.Name, nil
}
