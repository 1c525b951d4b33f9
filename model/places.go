package model

import (
	"context"

	"gorm.io/gorm"
)

// BuildingView is a building with the name of its estate.
type BuildingView struct {
	Building
	EstateName string
}

// Label is the building as a person reads it: with its estate ("东亭花园 1栋"), since a
// community of several estates has a 1栋 in each.
func (b *BuildingView) Label() string {
	if b.EstateName == "" {
		return b.Name
	}
	return b.EstateName + " " + b.Name
}

// BuildingPos is a position in the building directory's order (estate, then building id);
// the zero value is before the first building.
type BuildingPos struct {
	EstateID uint64
	ID       uint64
}

// CreateCommunity inserts c; a community of the same name is ErrConflict.
func (s *Store) CreateCommunity(ctx context.Context, c *Community) error {
	return translate(s.db.WithContext(ctx).Create(c).Error)
}

// CommunityByID returns the community.
func (s *Store) CommunityByID(ctx context.Context, id uint64) (*Community, error) {
	if c, ok := s.places.community(id); ok {
		return c, nil
	}
	var c Community
	if err := translate(s.db.WithContext(ctx).First(&c, id).Error); err != nil {
		return &c, err
	}
	s.places.keepCommunity(c)
	return &c, nil
}

// Communities lists up to limit communities with an id above after, in id order.
func (s *Store) Communities(ctx context.Context, after uint64, limit int) ([]Community, error) {
	var out []Community
	err := s.db.WithContext(ctx).Where("id > ?", after).Order("id").Limit(limit).Find(&out).Error
	return out, err
}

// CreateEstate inserts e; an estate of the same name in the community is ErrConflict.
func (s *Store) CreateEstate(ctx context.Context, e *Estate) error {
	return translate(s.db.WithContext(ctx).Create(e).Error)
}

// EstateByID returns the estate.
func (s *Store) EstateByID(ctx context.Context, id uint64) (*Estate, error) {
	var e Estate
	err := s.db.WithContext(ctx).First(&e, id).Error
	return &e, translate(err)
}

// Estates lists up to limit estates of the community with an id above after, in id order.
func (s *Store) Estates(ctx context.Context, communityID, after uint64, limit int) ([]Estate, error) {
	var out []Estate
	err := s.db.WithContext(ctx).Where("community_id = ? AND id > ?", communityID, after).
		Order("id").Limit(limit).Find(&out).Error
	return out, err
}

// CreateBuilding inserts b; a building of the same name in the estate is ErrConflict.
func (s *Store) CreateBuilding(ctx context.Context, b *Building) error {
	return translate(s.db.WithContext(ctx).Create(b).Error)
}

// BuildingByID returns the building with its estate's name.
func (s *Store) BuildingByID(ctx context.Context, id uint64) (*BuildingView, error) {
	if b, ok := s.places.building(id); ok {
		return b, nil
	}
	var out []BuildingView
	err := s.buildingViews(ctx).Where("buildings.id = ?", id).Limit(1).Scan(&out).Error
	if err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, ErrNotFound
	}
	s.places.keepBuilding(out[0])
	return &out[0], nil
}

// Buildings lists up to limit buildings of the community after the position, ordered by
// estate and then by building id (the order staff entered them, which follows the house
// numbers better than sorting names like "10栋" before "2栋"). estateID 0 means every estate.
func (s *Store) Buildings(ctx context.Context, communityID, estateID uint64, after BuildingPos, limit int) ([]BuildingView, error) {
	q := s.buildingViews(ctx).Where("buildings.community_id = ?", communityID)
	if estateID != 0 {
		q = q.Where("buildings.estate_id = ?", estateID)
	}
	if after != (BuildingPos{}) {
		q = q.Where("(buildings.estate_id > ? OR (buildings.estate_id = ? AND buildings.id > ?))",
			after.EstateID, after.EstateID, after.ID)
	}
	var out []BuildingView
	err := q.Order("buildings.estate_id, buildings.id").Limit(limit).Scan(&out).Error
	return out, err
}

// CountBuildingsIn counts how many of ids (distinct) are buildings of the community.
func (s *Store) CountBuildingsIn(ctx context.Context, communityID uint64, ids []uint64) (int64, error) {
	var n int64
	err := s.db.WithContext(ctx).Model(&Building{}).Where("community_id = ? AND id IN ?", communityID, ids).Count(&n).Error
	return n, err
}

func (s *Store) buildingViews(ctx context.Context) *gorm.DB {
	return s.db.WithContext(ctx).Table("buildings").
		Select("buildings.*, estates.name AS estate_name").
		Joins("JOIN estates ON estates.id = buildings.estate_id")
}
