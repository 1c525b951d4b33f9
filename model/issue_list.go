package model

import (
	"cmp"
	"context"
	"slices"

	"gorm.io/gorm"
)

// IssueRow is an issue with the names a list or detail shows.
type IssueRow struct {
	Issue
	CategoryName     string
	BuildingName     string
	EstateName       string // of the building ("" for a building outside any estate)
	ReporterNickname string
	// HasPhotos is set in lists asked for it (IssueFilter.PhotoKind): the issue has uploads of
	// that kind attached, so a page without photos needs no query for them.
	HasPhotos bool
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
	// PhotoKind, when set, fills IssueRow.HasPhotos from the uploads of this attached kind.
	PhotoKind string
}

// Issues lists issues by f, through the queue indexes. The page's ids are picked from the
// issues table alone (from its indexes: ix_issues_building_queue, ix_issues_queue,
// ix_issues_reporter), and only those rows are read and joined to their names: the database
// never sorts whole rows, and no join order can make it walk buildings or users first.
func (s *Store) Issues(ctx context.Context, f IssueFilter) ([]IssueRow, error) {
	page := s.db.WithContext(ctx).Table("issues").Select("issues.id")
	if f.CommunityID != 0 {
		page = page.Where("issues.community_id = ?", f.CommunityID)
	}
	if f.BuildingIDs != nil {
		page = page.Where("issues.building_id IN ?", f.BuildingIDs)
	}
	if f.ReporterID != 0 {
		page = page.Where("issues.reporter_id = ?", f.ReporterID)
	}
	if f.FollowerID != 0 {
		page = page.Where("issues.id IN (?)", s.db.Model(&IssueFollow{}).Select("issue_id").Where("user_id = ?", f.FollowerID))
	}
	if f.CategoryID != 0 {
		page = page.Where("issues.category_id = ?", f.CategoryID)
	}
	if len(f.Statuses) > 0 {
		page = page.Where("issues.status IN ?", f.Statuses)
	}
	order := "issues.urgent DESC, issues.id ASC"
	if f.NewestFirst {
		if f.After.ID != 0 {
			page = page.Where("issues.id < ?", f.After.ID)
		}
		order = "issues.id DESC"
	} else if f.After.ID != 0 {
		if f.After.Urgent {
			page = page.Where("(issues.urgent = ? AND issues.id > ?) OR issues.urgent = ?", true, f.After.ID, false)
		} else {
			page = page.Where("issues.urgent = ? AND issues.id > ?", false, f.After.ID)
		}
	}
	page = page.Order(order).Limit(f.Limit)
	q := s.issueRows(ctx)
	if f.PhotoKind != "" {
		q = q.Select(issueRowColumns+", EXISTS (SELECT 1 FROM uploads WHERE uploads.attached_kind = ? "+
			"AND uploads.attached_id = issues.id) AS has_photos", f.PhotoKind)
	}
	var out []IssueRow
	if err := q.Joins("JOIN (?) AS page ON page.id = issues.id", page).Scan(&out).Error; err != nil {
		return nil, err
	}
	// The page is put in order here, not by the database: an ORDER BY over the joined rows would
	// sort them in a temporary table, on disk on MariaDB because issues.* holds a TEXT column.
	slices.SortFunc(out, func(a, b IssueRow) int {
		if f.NewestFirst {
			return cmp.Compare(b.ID, a.ID)
		}
		if a.Urgent != b.Urgent {
			if a.Urgent {
				return -1
			}
			return 1
		}
		return cmp.Compare(a.ID, b.ID)
	})
	return out, nil
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

// issueRowColumns are an issue with its names.
const issueRowColumns = "issues.*, issue_categories.name AS category_name, buildings.name AS building_name, " +
	"estates.name AS estate_name, users.nickname AS reporter_nickname"

// BuildingLabel is the issue's building as a person reads it, with its estate ("东亭花园 1栋").
func (r *IssueRow) BuildingLabel() string {
	return (&BuildingView{Building: Building{Name: r.BuildingName}, EstateName: r.EstateName}).Label()
}

func (s *Store) issueRows(ctx context.Context) *gorm.DB {
	return s.db.WithContext(ctx).Table("issues").
		Select(issueRowColumns).
		Joins("JOIN issue_categories ON issue_categories.id = issues.category_id").
		Joins("JOIN buildings ON buildings.id = issues.building_id").
		Joins("LEFT JOIN estates ON estates.id = buildings.estate_id").
		Joins("JOIN users ON users.id = issues.reporter_id")
}
