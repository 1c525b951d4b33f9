package model

import (
	"context"
)

// RoleGrant is a role with the buildings of a captain's scope.
type RoleGrant struct {
	Role
	BuildingIDs []uint64 `gorm:"-"`
}

// RolesOfUser lists the user's roles with their buildings, oldest first.
func (s *Store) RolesOfUser(ctx context.Context, userID uint64) ([]RoleGrant, error) {
	var roles []Role
	if err := s.db.WithContext(ctx).Where("user_id = ?", userID).Order("id").Find(&roles).Error; err != nil {
		return nil, err
	}
	out := make([]RoleGrant, len(roles))
	byID := map[uint64]int{}
	var captainIDs []uint64
	for i, r := range roles {
		out[i] = RoleGrant{Role: r}
		if r.Role == RoleCaptain {
			byID[r.ID] = i
			captainIDs = append(captainIDs, r.ID)
		}
	}
	if len(captainIDs) > 0 {
		var rbs []RoleBuilding
		if err := s.db.WithContext(ctx).Where("role_id IN ?", captainIDs).Order("building_id").Find(&rbs).Error; err != nil {
			return nil, err
		}
		for _, rb := range rbs {
			i := byID[rb.RoleID]
			out[i].BuildingIDs = append(out[i].BuildingIDs, rb.BuildingID)
		}
	}
	return out, nil
}

// ResidencyView is a residency with the names of its places.
type ResidencyView struct {
	Residency
	CommunityName string
	BuildingName  string
	EstateID      uint64
	EstateName    string
}

// ResidenciesOfUser lists the user's residencies (any status) with place names, newest first.
func (s *Store) ResidenciesOfUser(ctx context.Context, userID uint64) ([]ResidencyView, error) {
	var out []ResidencyView
	err := s.db.WithContext(ctx).Table("residencies").
		Select("residencies.*, communities.name AS community_name, buildings.name AS building_name, estates.id AS estate_id, estates.name AS estate_name").
		Joins("JOIN buildings ON buildings.id = residencies.building_id").
		Joins("JOIN estates ON estates.id = buildings.estate_id").
		Joins("JOIN communities ON communities.id = residencies.community_id").
		Where("residencies.user_id = ?", userID).
		Order("residencies.id DESC").
		Scan(&out).Error
	return out, err
}
