package service

import (
	"context"
	"errors"

	"linli/model"
)

// placeScope is a community, one of its estates or one of its buildings: where a council
// topic is, or whom an announcement is addressed to. Kind is model.AudienceCommunity,
// AudienceEstate or AudienceBuilding (the council's scope names are the same words).
// EstateID is set for an estate or a building, BuildingID for a building.
type placeScope struct {
	CommunityID uint64
	Kind        string
	EstateID    uint64
	BuildingID  uint64
}

// households is the scope as the households register selects it.
func (sc placeScope) households() model.HouseholdScope {
	return model.HouseholdScope{CommunityID: sc.CommunityID, EstateID: sc.EstateID, BuildingID: sc.BuildingID}
}

// resolveScope checks a scope a user named (kind and id, in the request fields kindField and
// idField) against the community and fills in its estate and building: a 400 naming the field
// when the kind is unknown or the place is not of the community.
func resolveScope(ctx context.Context, store *model.Store, communityID uint64, kind string, id uint64,
	kindField, idField string) (placeScope, error) {
	sc := placeScope{CommunityID: communityID, Kind: kind}
	switch kind {
	case model.AudienceCommunity:
		if id != 0 && id != communityID {
			return sc, Invalid(idField, "全社区范围，"+idField+" 应为空或本社区")
		}
	case model.AudienceEstate:
		e, err := store.EstateByID(ctx, id)
		if errors.Is(err, model.ErrNotFound) || (err == nil && e.CommunityID != communityID) {
			return sc, Invalid(idField, "小区不存在或不属于本社区")
		}
		if err != nil {
			return sc, err
		}
		sc.EstateID = e.ID
	case model.AudienceBuilding:
		b, err := store.BuildingByID(ctx, id)
		if errors.Is(err, model.ErrNotFound) || (err == nil && b.CommunityID != communityID) {
			return sc, Invalid(idField, "楼栋不存在或不属于本社区")
		}
		if err != nil {
			return sc, err
		}
		sc.EstateID, sc.BuildingID = b.EstateID, b.ID
	default:
		return sc, Invalid(kindField, "范围应为 community、estate 或 building")
	}
	return sc, nil
}

// anyInScope reports whether one of the buildings (building → community, as a Principal's
// Resident and Captain maps hold them) is in the scope.
func anyInScope(ctx context.Context, places *Places, buildings map[uint64]uint64, sc placeScope) (bool, error) {
	for b, comm := range buildings {
		if comm != sc.CommunityID {
			continue
		}
		switch sc.Kind {
		case model.AudienceCommunity:
			return true, nil
		case model.AudienceBuilding:
			if b == sc.BuildingID {
				return true, nil
			}
		case model.AudienceEstate:
			bv, err := places.Building(ctx, b)
			if err != nil {
				return false, err
			}
			if bv.EstateID == sc.EstateID {
				return true, nil
			}
		}
	}
	return false, nil
}

// scopeName names a scope for people: the community, the estate, or the building with its
// estate ("东亭花园 3栋").
func (p *Places) scopeName(ctx context.Context, sc placeScope) (string, error) {
	switch sc.Kind {
	case model.AudienceBuilding:
		b, err := p.Building(ctx, sc.BuildingID)
		if err != nil {
			return "", err
		}
		return b.Label(), nil
	case model.AudienceEstate:
		e, err := p.store.EstateByID(ctx, sc.EstateID)
		if err != nil {
			return "", err
		}
		return e.Name, nil
	}
	cm, err := p.Community(ctx, sc.CommunityID)
	if err != nil {
		return "", err
	}
	return cm.Name, nil
}
