package model

import (
	"context"
	"errors"
	"time"

	"gorm.io/gorm"
)

// ClaimResidency records r (UserID, CommunityID, BuildingID, Room, HouseholdID) as a pending claim and fills
// in the rest of r. A claim the same user made earlier for the same room is reopened when it
// had been rejected (reopened true). When it is pending or approved the result is ErrConflict
// and r holds that existing claim, so the caller can say which. Each step is one statement, so
// two identical claims racing each other end with one claim and one ErrConflict.
func (s *Store) ClaimResidency(ctx context.Context, r *Residency) (reopened bool, err error) {
	db := s.db.WithContext(ctx)
	now := s.now()
	res := db.Model(&Residency{}).
		Where("user_id = ? AND building_id = ? AND room = ? AND status = ?", r.UserID, r.BuildingID, r.Room, ResidencyRejected).
		Updates(map[string]any{"status": ResidencyPending, "reason": "", "room_held": r.RoomHeld, "household_id": r.HouseholdID, "decided_by": nil,
			"decided_at": nil, "updated_at": now})
	if res.Error != nil {
		return false, translate(res.Error)
	}
	load := func() error {
		var cur Residency
		err := db.Where("user_id = ? AND building_id = ? AND room = ?", r.UserID, r.BuildingID, r.Room).First(&cur).Error
		if err == nil {
			*r = cur
		}
		return translate(err)
	}
	if res.RowsAffected == 1 {
		return true, load()
	}
	r.ID, r.Status, r.Reason, r.DecidedBy, r.DecidedAt = 0, ResidencyPending, "", nil, nil
	err = translate(db.Create(r).Error)
	if !errors.Is(err, ErrConflict) {
		return false, err
	}
	if err := load(); err != nil {
		return false, err
	}
	return false, ErrConflict
}

// ResidencyViewByID returns one residency with the names of its places.
func (s *Store) ResidencyViewByID(ctx context.Context, id uint64) (*ResidencyView, error) {
	var out []ResidencyView
	if err := s.residencyViews(ctx).Where("residencies.id = ?", id).Limit(1).Scan(&out).Error; err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, ErrNotFound
	}
	return &out[0], nil
}

// ResidencyByID returns the residency.
func (s *Store) ResidencyByID(ctx context.Context, id uint64) (*Residency, error) {
	var r Residency
	err := s.db.WithContext(ctx).First(&r, id).Error
	return &r, translate(err)
}

// DecideResidency moves a pending residency to status (approved or rejected), recording who
// decided (nil: the system), when and why. It is one conditional update (WHERE status =
// 'pending'), so of several deciders racing each other exactly one succeeds; the others get
// ErrConflict. ErrNotFound when there is no such residency.
func (s *Store) DecideResidency(ctx context.Context, id uint64, status, reason string, by *uint64, at time.Time) error {
	db := s.db.WithContext(ctx)
	res := db.Model(&Residency{}).Where("id = ? AND status = ?", id, ResidencyPending).
		Updates(map[string]any{"status": status, "reason": reason, "decided_by": by, "decided_at": at, "updated_at": at})
	if res.Error != nil {
		return translate(res.Error)
	}
	if res.RowsAffected == 1 {
		return nil
	}
	var n int64
	if err := db.Model(&Residency{}).Where("id = ?", id).Count(&n).Error; err != nil {
		return err
	}
	if n == 0 {
		return ErrNotFound
	}
	return ErrConflict
}

// ResidencyFilter selects the claims of a decider's queue. A row must match Status, the
// optional CommunityID and BuildingID, and (unless All) lie in one of Communities or
// Buildings: the decider's own scope, so that a filter can narrow it but never widen it. A
// claim whose room is held (RoomHeld) is in the scope of Communities (staff) only.
type ResidencyFilter struct {
	Status      string
	CommunityID uint64
	BuildingID  uint64
	All         bool
	Communities []uint64
	Buildings   []uint64
	// BuildingCommunities are the communities of Buildings: with them the query can use the
	// (community_id, status, building_id) index instead of scanning every claim.
	BuildingCommunities []uint64
	AfterID             uint64
	Limit               int
}

// ResidencyClaim is a residency in a queue, with the claimant's nickname and sealed phone.
type ResidencyClaim struct {
	ResidencyView
	Nickname    string
	PhoneCipher []byte
}

// ResidencyQueue lists up to f.Limit claims matching f, oldest first (by id: a reopened claim
// keeps its place).
func (s *Store) ResidencyQueue(ctx context.Context, f ResidencyFilter) ([]ResidencyClaim, error) {
	if !f.All && len(f.Communities) == 0 && len(f.Buildings) == 0 {
		return nil, nil
	}
	q := s.residencyViews(ctx).
		Select(residencyViewColumns+", users.nickname AS nickname, users.phone_cipher AS phone_cipher").
		Joins("JOIN users ON users.id = residencies.user_id").
		Where("residencies.status = ? AND residencies.id > ?", f.Status, f.AfterID)
	if f.CommunityID != 0 {
		q = q.Where("residencies.community_id = ?", f.CommunityID)
	}
	if f.BuildingID != 0 {
		q = q.Where("residencies.building_id = ?", f.BuildingID)
	}
	if !f.All {
		captain := "residencies.community_id IN ? AND residencies.building_id IN ? AND residencies.room_held = ?"
		switch {
		case len(f.Communities) == 0:
			q = q.Where(captain, f.BuildingCommunities, f.Buildings, false)
		case len(f.Buildings) == 0:
			q = q.Where("residencies.community_id IN ?", f.Communities)
		default:
			q = q.Where("(residencies.community_id IN ? OR ("+captain+"))", f.Communities, f.BuildingCommunities, f.Buildings, false)
		}
	}
	var out []ResidencyClaim
	err := q.Order("residencies.id").Limit(f.Limit).Scan(&out).Error
	return out, err
}

const residencyViewColumns = "residencies.*, communities.name AS community_name, buildings.name AS building_name, " +
	"estates.id AS estate_id, estates.name AS estate_name"

func (s *Store) residencyViews(ctx context.Context) *gorm.DB {
	return s.db.WithContext(ctx).Table("residencies").Select(residencyViewColumns).
		Joins("JOIN buildings ON buildings.id = residencies.building_id").
		Joins("JOIN estates ON estates.id = buildings.estate_id").
		Joins("JOIN communities ON communities.id = residencies.community_id")
}
