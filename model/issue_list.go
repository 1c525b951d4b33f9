package model

import (
	"context"

	"gorm.io/gorm"
)

// IssueRow is an issue with the names a list or detail shows.
type IssueRow struct {
	Issue
	CategoryName     string
	BuildingName     string
	ReporterNickname string
}

// IssueCursor is a position in a list: in work order (urgent first, then oldest) both fields
// matter; newest-first lists use only ID. The zero value is the start.
type IssueCursor struct {
	Urgent bool
	ID     uint64
}

// IssueFilter selects issues for a list. Zero fields do not filter.
type IssueFilter struct {
	CommunityID uint64
	// BuildingIDs limits to these buildings (a captain's scope); nil means any.
	BuildingIDs []uint64
	ReporterID  uint64
	FollowerID  uint64
	CategoryID  uint64
	Statuses    []string
	// NewestFirst orders by id descending instead of the work order.
	NewestFirst bool
	After       IssueCursor
	Limit       int
}

// Issues lists issues by f, through the queue indexes.
func (s *Store) Issues(ctx context.Context, f IssueFilter) ([]IssueRow, error) {
	q := s.issueRows(ctx)
	if f.CommunityID != 0 {
		q = q.Where("issues.community_id = ?", f.CommunityID)
	}
	if f.BuildingIDs != nil {
		q = q.Where("issues.building_id IN ?", f.BuildingIDs)
	}
	if f.ReporterID != 0 {
		q = q.Where("issues.reporter_id = ?", f.ReporterID)
	}
	if f.FollowerID != 0 {
		q = q.Where("issues.id IN (?)", s.db.Model(&IssueFollow{}).Select("issue_id").Where("user_id = ?", f.FollowerID))
	}
	if f.CategoryID != 0 {
		q = q.Where("issues.category_id = ?", f.CategoryID)
	}
	if len(f.Statuses) > 0 {
		q = q.Where("issues.status IN ?", f.Statuses)
	}
	if f.NewestFirst {
		if f.After.ID != 0 {
			q = q.Where("issues.id < ?", f.After.ID)
		}
		q = q.Order("issues.id DESC")
	} else {
		if f.After.ID != 0 {
			if f.After.Urgent {
				q = q.Where("(issues.urgent = ? AND issues.id > ?) OR issues.urgent = ?", true, f.After.ID, false)
			} else {
				q = q.Where("issues.urgent = ? AND issues.id > ?", false, f.After.ID)
			}
		}
		q = q.Order("issues.urgent DESC, issues.id ASC")
	}
	var out []IssueRow
	err := q.Limit(f.Limit).Scan(&out).Error
	return out, err
}

// IssueRowByID returns one issue with its names.
func (s *Store) IssueRowByID(ctx context.Context, id uint64) (*IssueRow, error) {
	var out []IssueRow
	if err := s.issueRows(ctx).Where("issues.id = ?", id).Limit(1).Scan(&out).Error; err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, ErrNotFound
	}
	return &out[0], nil
}

func (s *Store) issueRows(ctx context.Context) *gorm.DB {
	return s.db.WithContext(ctx).Table("issues").
		Select("issues.*, issue_categories.name AS category_name, buildings.name AS building_name, users.nickname AS reporter_nickname").
		Joins("JOIN issue_categories ON issue_categories.id = issues.category_id").
		Joins("JOIN buildings ON buildings.id = issues.building_id").
		Joins("JOIN users ON users.id = issues.reporter_id")
}
