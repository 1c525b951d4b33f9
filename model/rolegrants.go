package model

import (
	"context"
	"slices"

	"gorm.io/gorm/clause"
)

// The writes below are meant to run inside Store.Tx, after LockLiveUser: every change to a
// user's roles (grant, revoke, account deletion) locks the user's row first, so they serialise
// per user, and the plain reads that follow the lock see the latest committed state. The
// writes touch rows by their full keys only, so concurrent grants to different users take no
// gap locks that could deadlock on MariaDB.

// LockLiveUser locks the row of a live user for the rest of the transaction; ErrNotFound when
// the user does not exist or deleted the account.
func (s *Store) LockLiveUser(ctx context.Context, id uint64) (*User, error) {
	var u User
	err := s.db.WithContext(ctx).Clauses(clause.Locking{Strength: "UPDATE"}).
		Where("deleted_at IS NULL").First(&u, id).Error
	return &u, translate(err)
}

// RoleOf returns the user's role of that name in the community (0 for admin).
func (s *Store) RoleOf(ctx context.Context, userID uint64, role string, communityID uint64) (*Role, error) {
	var r Role
	err := s.db.WithContext(ctx).Where("user_id = ? AND role = ? AND community_id = ?", userID, role, communityID).
		First(&r).Error
	return &r, translate(err)
}

// RoleByID returns the role.
func (s *Store) RoleByID(ctx context.Context, id uint64) (*Role, error) {
	var r Role
	err := s.db.WithContext(ctx).First(&r, id).Error
	return &r, translate(err)
}

// CreateRole inserts r; the same grant twice is ErrConflict.
func (s *Store) CreateRole(ctx context.Context, r *Role) error {
	return translate(s.db.WithContext(ctx).Create(r).Error)
}

// SetRoleBuildings makes ids (distinct) the buildings of the captain role: it deletes those no
// longer listed and adds the new ones, leaving the rest untouched.
func (s *Store) SetRoleBuildings(ctx context.Context, roleID uint64, ids []uint64) error {
	db := s.db.WithContext(ctx)
	var cur []uint64
	if err := db.Model(&RoleBuilding{}).Where("role_id = ?", roleID).Pluck("building_id", &cur).Error; err != nil {
		return err
	}
	var drop, add []uint64
	for _, b := range cur {
		if !slices.Contains(ids, b) {
			drop = append(drop, b)
		}
	}
	for _, b := range ids {
		if !slices.Contains(cur, b) {
			add = append(add, b)
		}
	}
	if len(drop) > 0 {
		if err := db.Where("role_id = ? AND building_id IN ?", roleID, drop).Delete(&RoleBuilding{}).Error; err != nil {
			return translate(err)
		}
	}
	if len(add) > 0 {
		rows := make([]RoleBuilding, len(add))
		for i, b := range add {
			rows[i] = RoleBuilding{RoleID: roleID, BuildingID: b}
		}
		if err := db.Create(&rows).Error; err != nil {
			return translate(err)
		}
	}
	return nil
}

// RoleGrantByID returns a role with the buildings of a captain's scope.
func (s *Store) RoleGrantByID(ctx context.Context, id uint64) (*RoleGrant, error) {
	r, err := s.RoleByID(ctx, id)
	if err != nil {
		return nil, err
	}
	g := &RoleGrant{Role: *r}
	if r.Role == RoleCaptain {
		if err := s.db.WithContext(ctx).Model(&RoleBuilding{}).Where("role_id = ?", id).
			Order("building_id").Pluck("building_id", &g.BuildingIDs).Error; err != nil {
			return nil, err
		}
	}
	return g, nil
}

// DeleteRole deletes the role of the community with its buildings; ErrNotFound when the
// community has no such role. The role's row is locked first.
func (s *Store) DeleteRole(ctx context.Context, communityID, id uint64) error {
	db := s.db.WithContext(ctx)
	var r Role
	err := db.Clauses(clause.Locking{Strength: "UPDATE"}).Where("community_id = ?", communityID).First(&r, id).Error
	if err != nil {
		return translate(err)
	}
	if err := db.Where("role_id = ?", id).Delete(&RoleBuilding{}).Error; err != nil {
		return translate(err)
	}
	return translate(db.Delete(&Role{}, id).Error)
}
