package service

import (
	"context"

	"linli/model"
)

// councilRole is what a user is to a council topic: whether they may see it, act as a
// resident of its scope, or manage it (staff of the community, captains of a building in the
// scope, a platform admin).
type councilRole struct {
	related bool // any role or approved residency in the community
	view    bool // may read the topic, its votes and comments
	member  bool // approved resident of the scope (may second, comment, vote when an elector)
	manage  bool // staff, captain of a building in the scope, admin
	staff   bool // staff of the community, admin
}

// roleIn works out p's role for a topic in scope (community, estate or building of
// communityID). Estates are found through the buildings p lives in or captains.
func (c *Council) roleIn(ctx context.Context, p *Principal, t *model.Topic) (councilRole, error) {
	r := councilRole{related: p.Related(t.CommunityID), staff: p.Admin || p.Staff[t.CommunityID]}
	member, err := c.inScope(ctx, p.Resident, t)
	if err != nil {
		return r, err
	}
	captain, err := c.inScope(ctx, p.Captain, t)
	if err != nil {
		return r, err
	}
	r.member, r.manage = member, r.staff || captain
	r.view = r.staff || r.member || p.captainIn(t.CommunityID) || p.UserID == t.ProposerID
	if t.Status == model.TopicPendingReview {
		r.view = r.manage || p.UserID == t.ProposerID
	}
	return r, nil
}

// inScope reports whether one of the buildings (building → community) is in the topic's
// scope.
func (c *Council) inScope(ctx context.Context, buildings map[uint64]uint64, t *model.Topic) (bool, error) {
	return anyInScope(ctx, c.places, buildings, topicScope(t))
}

// need turns a missing role into the error to answer: 404 to someone with no relation to
// the community (or who may not see the topic), 403 with msg to one who may see it.
func (r councilRole) need(ok bool, msg string) error {
	switch {
	case ok:
		return nil
	case !r.related || !r.view:
		return Errorf(KindNotFound, "议题不存在或无权查看")
	}
	return Errorf(KindForbidden, "%s", msg)
}

// householdIn returns the user's household in the topic's scope (the first claimed), for a
// second or a household ballot; 403 when the user has none there.
func (c *Council) householdIn(ctx context.Context, userID uint64, t *model.Topic) (*model.Household, error) {
	hs, err := c.store.UserHouseholds(ctx, userID, t.CommunityID)
	if err != nil {
		return nil, err
	}
	for i := range hs {
		if householdInScope(&hs[i], t) {
			return &hs[i], nil
		}
	}
	return nil, Errorf(KindForbidden, "只有议题范围内通过房屋认证的居民才能参与")
}

func householdInScope(h *model.Household, t *model.Topic) bool {
	switch t.Scope {
	case model.CouncilScopeEstate:
		return h.EstateID == t.EstateID
	case model.CouncilScopeBuilding:
		return h.BuildingID == t.BuildingID
	}
	return h.CommunityID == t.CommunityID
}
