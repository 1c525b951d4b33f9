package model

import (
	"context"
	"time"
)

// ClaimServiceRecord marks a service record credited, as the first statement of the crediting
// transaction: a conditional UPDATE that takes the row's lock, so of several instances crediting
// the same record one gets true and the others, once it commits, false.
func (s *Store) ClaimServiceRecord(ctx context.Context, id uint64, at time.Time) (bool, error) {
	res := s.db.WithContext(ctx).Model(&ServiceRecord{}).Where("id = ? AND credited_at IS NULL", id).
		Update("credited_at", at)
	return res.RowsAffected == 1, translate(res.Error)
}

// ServiceRecordByID returns one service record.
func (s *Store) ServiceRecordByID(ctx context.Context, id uint64) (*ServiceRecord, error) {
	var r ServiceRecord
	err := s.db.WithContext(ctx).First(&r, id).Error
	return &r, translate(err)
}

// UncreditedRecords lists up to limit ids of service records the time bank has not credited
// yet, oldest first; userID 0 means anyone's.
func (s *Store) UncreditedRecords(ctx context.Context, userID uint64, limit int) ([]uint64, error) {
	q := s.db.WithContext(ctx).Model(&ServiceRecord{}).Where("credited_at IS NULL")
	if userID != 0 {
		q = q.Where("user_id = ?", userID)
	}
	var ids []uint64
	err := q.Order("id").Limit(limit).Pluck("id", &ids).Error
	return ids, err
}

// RecordFilter selects a community's service records for staff.
type RecordFilter struct {
	CommunityID uint64
	UserID      uint64    // 0: everyone
	From, To    time.Time // served in [From, To); zero: any time
	Before      uint64    // id cursor, 0: from the newest
	Limit       int
}

// ServiceRecords lists service records, newest first.
func (s *Store) ServiceRecords(ctx context.Context, f RecordFilter) ([]ServiceRecord, error) {
	q := s.db.WithContext(ctx).Where("community_id = ?", f.CommunityID)
	if f.UserID != 0 {
		q = q.Where("user_id = ?", f.UserID)
	}
	if !f.From.IsZero() {
		cond := "served_at >= ? AND served_at < ?"
		if s.Driver() == "sqlite" {
			// SQLite keeps times as RFC 3339 text with whatever offset the writer used:
			// compare instants, not text.
			cond = "julianday(served_at) >= julianday(?) AND julianday(served_at) < julianday(?)"
		}
		q = q.Where(cond, f.From.UTC(), f.To.UTC())
	}
	if f.Before != 0 {
		q = q.Where("id < ?", f.Before)
	}
	var out []ServiceRecord
	err := q.Order("id DESC").Limit(f.Limit).Find(&out).Error
	return out, err
}

// RankTotal is what one volunteer earned by service in one leaderboard scope. N counts the
// postings summed: postings are only ever added, so a later read of the same scope has an N at
// least as large, and equal N means equal totals (the leaderboards' version).
type RankTotal struct {
	UserID     uint64
	Month      string
	BuildingID uint64
	Minutes    int64
	Points     int64
	N          int64
}

// RankTotalsOfUser sums the user's service postings in the community by month and building,
// in one statement (one consistent snapshot).
func (s *Store) RankTotalsOfUser(ctx context.Context, communityID, userID uint64) ([]RankTotal, error) {
	var out []RankTotal
	err := s.db.WithContext(ctx).Model(&Posting{}).
		Select("beneficiary_id AS user_id, month, building_id, SUM(minutes) AS minutes, SUM(points) AS points, COUNT(*) AS n").
		Where("community_id = ? AND beneficiary_id = ?", communityID, userID).
		Group("beneficiary_id, month, building_id").Scan(&out).Error
	return out, err
}

// RankTotals sums every volunteer's service postings in one scope of a community: month ""
// means all time, buildingID 0 every building.
func (s *Store) RankTotals(ctx context.Context, communityID uint64, month string, buildingID uint64) ([]RankTotal, error) {
	q := s.db.WithContext(ctx).Model(&Posting{}).
		Select("beneficiary_id AS user_id, SUM(minutes) AS minutes, SUM(points) AS points, COUNT(*) AS n").
		Where("community_id = ? AND beneficiary_id <> 0", communityID)
	if month != "" {
		q = q.Where("month = ?", month)
	}
	if buildingID != 0 {
		q = q.Where("building_id = ?", buildingID)
	}
	var out []RankTotal
	err := q.Group("beneficiary_id").Scan(&out).Error
	return out, err
}

// UnrankedPostings lists up to limit service postings the leaderboards have not seen yet,
// created before before, oldest first.
func (s *Store) UnrankedPostings(ctx context.Context, before time.Time, limit int) ([]Posting, error) {
	var out []Posting
	err := s.db.WithContext(ctx).Where("ranked_at IS NULL AND beneficiary_id <> 0 AND created_at < ?", before.UTC()).
		Order("id").Limit(limit).Find(&out).Error
	return out, err
}

// MarkRanked records that the leaderboards have seen these postings.
func (s *Store) MarkRanked(ctx context.Context, ids []uint64, at time.Time) error {
	if len(ids) == 0 {
		return nil
	}
	return translate(s.db.WithContext(ctx).Model(&Posting{}).Where("id IN ? AND ranked_at IS NULL", ids).
		Update("ranked_at", at).Error)
}

// ApprovedBuildingOf returns the building of the user's approved residency in the community
// (the lowest id when there are several), or 0.
func (s *Store) ApprovedBuildingOf(ctx context.Context, communityID, userID uint64) (uint64, error) {
	var ids []uint64
	err := s.db.WithContext(ctx).Model(&Residency{}).
		Where("community_id = ? AND user_id = ? AND status = ?", communityID, userID, ResidencyApproved).
		Order("building_id").Limit(1).Pluck("building_id", &ids).Error
	if err != nil || len(ids) == 0 {
		return 0, err
	}
	return ids[0], nil
}

// RankScope is a month and building some service posting of a community counts in.
type RankScope struct {
	Month      string
	BuildingID uint64
}

// RankScopes lists the distinct months and buildings of a community's service postings.
func (s *Store) RankScopes(ctx context.Context, communityID uint64) ([]RankScope, error) {
	var out []RankScope
	err := s.db.WithContext(ctx).Model(&Posting{}).Distinct("month", "building_id").
		Where("community_id = ? AND beneficiary_id <> 0", communityID).Scan(&out).Error
	return out, err
}
