package model

import (
	"context"
	"errors"
	"time"

	"gorm.io/gorm"
)

// Household is a 户: one room of the community's register (房屋台账), estate → building →
// unit (may be empty) → room. Unit and Room are kept in their key form (HouseholdUnit,
// HouseholdRoom), so that (building, unit, room) is unique however the room was written.
// CommunityID and EstateID repeat the building's so scope queries need no join.
type Household struct {
	ID          uint64 `gorm:"primaryKey"`
	CommunityID uint64 `gorm:"not null;index:ix_households_community,priority:1"`
	EstateID    uint64 `gorm:"not null;index:ix_households_estate,priority:1"`
	BuildingID  uint64 `gorm:"not null;uniqueIndex:ux_households_room,priority:1"`
	Unit        string `gorm:"size:16;not null;uniqueIndex:ux_households_room,priority:2"`
	Room        string `gorm:"size:32;not null;uniqueIndex:ux_households_room,priority:3"`
	// HeadCipher is the 户主称呼 staff entered, sealed like a phone number (nil when none).
	HeadCipher []byte `gorm:"size:256"`
	// Note is staff's 备注 about the household, for staff and captains.
	Note string `gorm:"size:200;not null"`
	// NeedsReview: the household was made from a resident's own room text (a claim approved,
	// or a residency of before the register) rather than from the register; staff check it.
	NeedsReview bool `gorm:"not null"`
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// HouseholdView is a household with the names of its building and estate.
type HouseholdView struct {
	Household
	BuildingName string
	EstateName   string
}

// HouseholdScope selects the households of a community, of one of its estates or of one of
// its buildings: CommunityID is always set, EstateID or BuildingID (or neither) narrows it.
type HouseholdScope struct {
	CommunityID uint64
	EstateID    uint64
	BuildingID  uint64
}

// HouseholdMember is an approved resident of a household, with what a decider needs to call.
type HouseholdMember struct {
	HouseholdID uint64
	ResidencyID uint64
	UserID      uint64
	Nickname    string
	PhoneCipher []byte
	PhoneMasked string
	// Since is when the residency was approved.
	Since *time.Time
}

func (s *Store) scoped(ctx context.Context, sc HouseholdScope) *gorm.DB {
	q := s.db.WithContext(ctx).Model(&Household{}).Where("community_id = ?", sc.CommunityID)
	if sc.EstateID != 0 {
		q = q.Where("estate_id = ?", sc.EstateID)
	}
	if sc.BuildingID != 0 {
		q = q.Where("building_id = ?", sc.BuildingID)
	}
	return q
}

// Households lists up to limit households of the scope with an id above after, in id order
// (the order of the register as imported).
func (s *Store) Households(ctx context.Context, sc HouseholdScope, after uint64, limit int) ([]Household, error) {
	var out []Household
	err := s.scoped(ctx, sc).Where("id > ?", after).Order("id").Limit(limit).Find(&out).Error
	return out, err
}

// CountHouseholds counts the households of the scope.
func (s *Store) CountHouseholds(ctx context.Context, sc HouseholdScope) (int64, error) {
	var n int64
	err := s.scoped(ctx, sc).Count(&n).Error
	return n, err
}

// HouseholdByID returns the household with its place names.
func (s *Store) HouseholdByID(ctx context.Context, id uint64) (*HouseholdView, error) {
	var out []HouseholdView
	err := s.db.WithContext(ctx).Table("households").
		Select("households.*, buildings.name AS building_name, estates.name AS estate_name").
		Joins("JOIN buildings ON buildings.id = households.building_id").
		Joins("JOIN estates ON estates.id = households.estate_id").
		Where("households.id = ?", id).Limit(1).Scan(&out).Error
	if err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, ErrNotFound
	}
	return &out[0], nil
}

// HouseholdByKey returns the household of the building with this unit and room (key forms).
func (s *Store) HouseholdByKey(ctx context.Context, buildingID uint64, unit, room string) (*Household, error) {
	var h Household
	err := s.db.WithContext(ctx).Where("building_id = ? AND unit = ? AND room = ?", buildingID, unit, room).First(&h).Error
	return &h, translate(err)
}

// HouseholdsWithRoom lists (at most two of) the households of the building with this room in
// any unit: a room typed without its unit matches when only one unit has it.
func (s *Store) HouseholdsWithRoom(ctx context.Context, buildingID uint64, room string) ([]Household, error) {
	var out []Household
	err := s.db.WithContext(ctx).Where("building_id = ? AND room = ?", buildingID, room).Order("id").Limit(2).Find(&out).Error
	return out, err
}

// CommunityHouseholds returns every household of the community (an import compares its file
// with them; a community has a few thousand).
func (s *Store) CommunityHouseholds(ctx context.Context, communityID uint64) ([]Household, error) {
	var out []Household
	err := s.db.WithContext(ctx).Where("community_id = ?", communityID).Order("id").Find(&out).Error
	return out, err
}

// CreateHouseholds inserts the households in batches; one already registered is ErrConflict
// (an import racing another).
func (s *Store) CreateHouseholds(ctx context.Context, hs []Household) error {
	if len(hs) == 0 {
		return nil
	}
	return translate(s.db.WithContext(ctx).CreateInBatches(hs, 500).Error)
}

// UpdateHouseholdDetails sets a household's head, note and review flag.
func (s *Store) UpdateHouseholdDetails(ctx context.Context, id uint64, head []byte, note string, needsReview bool) error {
	return s.db.WithContext(ctx).Model(&Household{}).Where("id = ?", id).
		Updates(map[string]any{"head_cipher": head, "note": note, "needs_review": needsReview, "updated_at": s.now()}).Error
}

// EnsureHousehold inserts h unless its (building, unit, room) is registered already; either
// way h ends as the registered row. Two callers racing each other end with one row.
func (s *Store) EnsureHousehold(ctx context.Context, h *Household) (created bool, err error) {
	cur, err := s.HouseholdByKey(ctx, h.BuildingID, h.Unit, h.Room)
	if err == nil {
		*h = *cur
		return false, nil
	}
	if !errors.Is(err, ErrNotFound) {
		return false, err
	}
	err = translate(s.db.WithContext(ctx).Create(h).Error)
	if errors.Is(err, ErrConflict) {
		cur, err := s.HouseholdByKey(ctx, h.BuildingID, h.Unit, h.Room)
		if err != nil {
			return false, err
		}
		*h = *cur
		return false, nil
	}
	return err == nil, err
}

// AttachHousehold records that the residency is of the household.
func (s *Store) AttachHousehold(ctx context.Context, residencyID, householdID uint64) error {
	return s.db.WithContext(ctx).Model(&Residency{}).Where("id = ?", residencyID).
		Updates(map[string]any{"household_id": householdID, "updated_at": s.now()}).Error
}

// HouseholdMembers lists the approved residents of the households, by household then by
// residency id.
func (s *Store) HouseholdMembers(ctx context.Context, householdIDs []uint64) ([]HouseholdMember, error) {
	if len(householdIDs) == 0 {
		return nil, nil
	}
	var out []HouseholdMember
	err := s.db.WithContext(ctx).Table("residencies").
		Select("residencies.household_id, residencies.id AS residency_id, residencies.user_id, "+
			"users.nickname, users.phone_cipher, users.phone_masked, residencies.decided_at AS since").
		Joins("JOIN users ON users.id = residencies.user_id").
		Where("residencies.household_id IN ? AND residencies.status = ? AND users.deleted_at IS NULL",
			householdIDs, ResidencyApproved).
		Order("residencies.household_id, residencies.id").Scan(&out).Error
	return out, err
}

// HouseholdOfUser returns the household of the user's approved residency in the community
// (the oldest, when the user has several); ErrNotFound when there is none.
func (s *Store) HouseholdOfUser(ctx context.Context, userID, communityID uint64) (*Household, error) {
	var out []Household
	err := s.db.WithContext(ctx).Table("households").Select("households.*").
		Joins("JOIN residencies ON residencies.household_id = households.id").
		Where("residencies.user_id = ? AND residencies.community_id = ? AND residencies.status = ?",
			userID, communityID, ResidencyApproved).
		Order("residencies.id").Limit(1).Scan(&out).Error
	if err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, ErrNotFound
	}
	return &out[0], nil
}
