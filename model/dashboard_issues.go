package model

import (
	"context"
	"time"
)

// The dashboard's issue queries. An issue's status changes only together with its updated_at
// (MoveIssue sets both, and rating sets updated_at too), and every change of status leaves an
// event (issue_events, immutable): so an issue not updated since an instant had its current
// status then, and the status of any other at an instant is the to_status of its last event
// before it.

// DashIssue is what the dashboard reads of an issue.
type DashIssue struct {
	ID             uint64
	BuildingID     uint64
	CategoryID     uint64
	Status         string
	Rating         *int
	CreatedAt      time.Time
	UpdatedAt      time.Time
	AcknowledgedAt *time.Time
}

// DashIssuesTouched lists the community's issues reported before to and updated at or after
// from: every issue reported, acknowledged, or moved in [from, to), and any other whose status
// may have changed since from (ix_dash_issues_touched).
func (s *Store) DashIssuesTouched(ctx context.Context, communityID uint64, from, to time.Time) ([]DashIssue, error) {
	touched, targs := s.timeCond("updated_at", from, time.Time{})
	before, bargs := s.timeCond("created_at", time.Time{}, to)
	var out []DashIssue
	err := s.db.WithContext(ctx).Model(&Issue{}).
		Select("id, building_id, category_id, status, rating, created_at, updated_at, acknowledged_at").
		Where("community_id = ?", communityID).Where(touched, targs...).Where(before, bargs...).
		Order("id").Find(&out).Error
	return out, err
}

// DashIssueMove is one change of status of an issue.
type DashIssueMove struct {
	IssueID    uint64
	FromStatus string
	ToStatus   string
	CreatedAt  time.Time
}

// DashIssueMoves lists the events of the community's issues in [from, to) that moved an issue
// to one of these statuses, oldest first.
func (s *Store) DashIssueMoves(ctx context.Context, communityID uint64, from, to time.Time, statuses []string) ([]DashIssueMove, error) {
	touched, targs := s.timeCond("issues.updated_at", from, time.Time{})
	before, bargs := s.timeCond("issues.created_at", time.Time{}, to)
	during, dargs := s.timeCond("issue_events.created_at", from, to)
	var out []DashIssueMove
	err := s.db.WithContext(ctx).Table("issue_events").
		Select("issue_events.issue_id, issue_events.from_status, issue_events.to_status, issue_events.created_at").
		Joins("JOIN issues ON issues.id = issue_events.issue_id").
		Where("issues.community_id = ?", communityID).Where(touched, targs...).Where(before, bargs...).
		Where(during, dargs...).Where("issue_events.to_status IN ? AND issue_events.to_status <> issue_events.from_status", statuses).
		Order("issue_events.id").Scan(&out).Error
	return out, err
}

// DashStatusAt returns, for each issue of the community reported before at and updated at or
// after it, its status at that instant: the to_status of its last event before at.
func (s *Store) DashStatusAt(ctx context.Context, communityID uint64, at time.Time) (map[uint64]string, error) {
	touched, targs := s.timeCond("issues.updated_at", at, time.Time{})
	before, bargs := s.timeCond("issues.created_at", time.Time{}, at)
	evBefore, eargs := s.timeCond("issue_events.created_at", time.Time{}, at)
	last := s.db.WithContext(ctx).Table("issue_events").Select("MAX(issue_events.id)").
		Joins("JOIN issues ON issues.id = issue_events.issue_id").
		Where("issues.community_id = ?", communityID).Where(touched, targs...).Where(before, bargs...).
		Where(evBefore, eargs...).Group("issue_events.issue_id")
	var rows []struct {
		IssueID  uint64
		ToStatus string
	}
	err := s.db.WithContext(ctx).Table("issue_events").Select("issue_id, to_status").
		Where("id IN (?)", last).Scan(&rows).Error
	out := make(map[uint64]string, len(rows))
	for _, r := range rows {
		out[r.IssueID] = r.ToStatus
	}
	return out, err
}

// DashOpenGroup counts open issues of one building and category.
type DashOpenGroup struct {
	BuildingID uint64
	CategoryID uint64
	N          int64
}

// DashOpenUntouched counts, by building and category, the community's open issues not updated
// since before: open then, and still.
func (s *Store) DashOpenUntouched(ctx context.Context, communityID uint64, before time.Time) ([]DashOpenGroup, error) {
	c, args := s.timeCond("updated_at", time.Time{}, before)
	var out []DashOpenGroup
	err := s.db.WithContext(ctx).Model(&Issue{}).Select("building_id, category_id, COUNT(*) AS n").
		Where("community_id = ? AND status IN ?", communityID, IssueOpenStatuses).Where(c, args...).
		Group("building_id, category_id").Order("building_id, category_id").Scan(&out).Error
	return out, err
}

// DashOldestUntouched lists the limit oldest of the community's open issues not updated
// since before, oldest first.
func (s *Store) DashOldestUntouched(ctx context.Context, communityID uint64, before time.Time, limit int) ([]DashIssue, error) {
	c, args := s.timeCond("updated_at", time.Time{}, before)
	var out []DashIssue
	err := s.db.WithContext(ctx).Model(&Issue{}).
		Select("id, building_id, category_id, status, rating, created_at, updated_at, acknowledged_at").
		Where("community_id = ? AND status IN ?", communityID, IssueOpenStatuses).Where(c, args...).
		Order("created_at, id").Limit(limit).Find(&out).Error
	return out, err
}

// DashIssueListRow is one issue of the month's list (the export), with its names.
type DashIssueListRow struct {
	IssueRow
}

// DashIssueList lists the community's issues reported in [from, to), oldest first, with the
// names of their building, estate, category and reporter.
func (s *Store) DashIssueList(ctx context.Context, communityID uint64, from, to time.Time) ([]DashIssueListRow, error) {
	c, args := s.timeCond("issues.created_at", from, to)
	var out []DashIssueListRow
	err := s.issueRows(ctx).
		Where("issues.community_id = ?", communityID).Where(c, args...).
		Order("issues.created_at, issues.id").Scan(&out).Error
	return out, err
}

// DashCategoryNames returns the names of the community's issue categories, keyed by id.
func (s *Store) DashCategoryNames(ctx context.Context, communityID uint64) (map[uint64]string, error) {
	var rows []IssueCategory
	err := s.db.WithContext(ctx).Select("id, name").Where("community_id = ?", communityID).Find(&rows).Error
	out := make(map[uint64]string, len(rows))
	for _, r := range rows {
		out[r.ID] = r.Name
	}
	return out, err
}
