package model

import (
	"context"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// EnsureCategories inserts the default categories a community lacks (by name); concurrent
// callers cannot create duplicates (the unique key decides).
func (s *Store) EnsureCategories(ctx context.Context, defaults []IssueCategory) error {
	if len(defaults) == 0 {
		return nil
	}
	return translate(s.db.WithContext(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&defaults).Error)
}

// Categories lists a community's categories in display order.
func (s *Store) Categories(ctx context.Context, communityID uint64, activeOnly bool) ([]IssueCategory, error) {
	var out []IssueCategory
	q := s.db.WithContext(ctx).Where("community_id = ?", communityID)
	if activeOnly {
		q = q.Where("active = ?", true)
	}
	err := q.Order("sort_order, id").Find(&out).Error
	return out, err
}

// CategoryByID returns a category.
func (s *Store) CategoryByID(ctx context.Context, id uint64) (*IssueCategory, error) {
	var c IssueCategory
	err := s.db.WithContext(ctx).First(&c, id).Error
	return &c, translate(err)
}

// CreateCategory inserts c; a name already used in the community is ErrConflict.
func (s *Store) CreateCategory(ctx context.Context, c *IssueCategory) error {
	return translate(s.db.WithContext(ctx).Create(c).Error)
}

// UpdateCategory changes the given columns of a category of the community.
func (s *Store) UpdateCategory(ctx context.Context, communityID, id uint64, set map[string]any) error {
	res := s.db.WithContext(ctx).Model(&IssueCategory{}).Where("id = ? AND community_id = ?", id, communityID).Updates(set)
	if res.Error != nil {
		return translate(res.Error)
	}
	if res.RowsAffected == 0 {
		// MySQL counts the rows an update changed, not those it matched: setting the values
		// a category already has changes none, and the category is still there.
		var n int64
		if err := s.db.WithContext(ctx).Model(&IssueCategory{}).Where("id = ? AND community_id = ?", id, communityID).
			Count(&n).Error; err != nil {
			return translate(err)
		}
		if n == 0 {
			return ErrNotFound
		}
	}
	return nil
}

// CreateIssue inserts an issue.
func (s *Store) CreateIssue(ctx context.Context, is *Issue) error {
	return translate(s.db.WithContext(ctx).Create(is).Error)
}

// IssueByID returns an issue.
func (s *Store) IssueByID(ctx context.Context, id uint64) (*Issue, error) {
	var is Issue
	err := s.db.WithContext(ctx).First(&is, id).Error
	return &is, translate(err)
}

// IssuesByIDs returns the issues with these ids, keyed by id.
func (s *Store) IssuesByIDs(ctx context.Context, ids []uint64) (map[uint64]Issue, error) {
	out := make(map[uint64]Issue, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	var list []Issue
	if err := s.db.WithContext(ctx).Where("id IN ?", ids).Find(&list).Error; err != nil {
		return nil, err
	}
	for _, is := range list {
		out[is.ID] = is
	}
	return out, nil
}

// IssueMove is what a workflow step changes besides the status.
type IssueMove struct {
	Status string
	At     time.Time
	// Acknowledged sets acknowledged_at to At unless it is set already.
	Acknowledged bool
	// Resolved sets resolved_at to At; Reopened clears it and counts a reopening.
	Resolved, Reopened bool
	// Closed sets closed_at to At.
	Closed      bool
	DuplicateOf *uint64
}

// MoveIssue applies m only while the issue's status is one of from: the one conditional
// update that makes racing transitions safe. It reports whether it applied.
func (s *Store) MoveIssue(ctx context.Context, id uint64, from []string, m IssueMove) (bool, error) {
	set := map[string]any{"status": m.Status, "updated_at": m.At}
	if m.Acknowledged {
		set["acknowledged_at"] = gorm.Expr("COALESCE(acknowledged_at, ?)", m.At)
	}
	if m.Resolved {
		set["resolved_at"] = m.At
	}
	if m.Reopened {
		set["resolved_at"] = nil
		set["reopens"] = gorm.Expr("reopens + 1")
	}
	if m.Closed {
		set["closed_at"] = m.At
	}
	if m.DuplicateOf != nil {
		set["duplicate_of"] = *m.DuplicateOf
	}
	res := s.db.WithContext(ctx).Model(&Issue{}).Where("id = ? AND status IN ?", id, from).Updates(set)
	return res.RowsAffected == 1, translate(res.Error)
}

// AddIssueEvent appends to an issue's timeline.
func (s *Store) AddIssueEvent(ctx context.Context, ev *IssueEvent) error {
	return translate(s.db.WithContext(ctx).Create(ev).Error)
}

// IssueEvents returns an issue's timeline, oldest first.
func (s *Store) IssueEvents(ctx context.Context, issueID uint64) ([]IssueEvent, error) {
	var out []IssueEvent
	err := s.db.WithContext(ctx).Where("issue_id = ?", issueID).Order("id").Find(&out).Error
	return out, err
}

// Follow adds a follower and counts them on the issue; following twice changes nothing.
// It reports whether the user was added.
func (s *Store) Follow(ctx context.Context, issueID, userID uint64) (bool, error) {
	res := s.db.WithContext(ctx).Clauses(clause.OnConflict{DoNothing: true}).
		Create(&IssueFollow{IssueID: issueID, UserID: userID, CreatedAt: s.now()})
	if res.Error != nil || res.RowsAffected == 0 {
		return false, translate(res.Error)
	}
	err := s.db.WithContext(ctx).Model(&Issue{}).Where("id = ?", issueID).
		UpdateColumn("followers", gorm.Expr("followers + 1")).Error
	return true, translate(err)
}

// Unfollow removes a follower; it reports whether there was one.
func (s *Store) Unfollow(ctx context.Context, issueID, userID uint64) (bool, error) {
	res := s.db.WithContext(ctx).Where("issue_id = ? AND user_id = ?", issueID, userID).Delete(&IssueFollow{})
	if res.Error != nil || res.RowsAffected == 0 {
		return false, translate(res.Error)
	}
	err := s.db.WithContext(ctx).Model(&Issue{}).Where("id = ? AND followers > 0", issueID).
		UpdateColumn("followers", gorm.Expr("followers - 1")).Error
	return true, translate(err)
}

// Followers lists the users following an issue.
func (s *Store) Followers(ctx context.Context, issueID uint64) ([]uint64, error) {
	var out []uint64
	err := s.db.WithContext(ctx).Model(&IssueFollow{}).Where("issue_id = ?", issueID).Order("user_id").Pluck("user_id", &out).Error
	return out, err
}

// Following reports whether the user follows the issue.
func (s *Store) Following(ctx context.Context, issueID, userID uint64) (bool, error) {
	var n int64
	err := s.db.WithContext(ctx).Model(&IssueFollow{}).Where("issue_id = ? AND user_id = ?", issueID, userID).Count(&n).Error
	return n > 0, err
}

// AddComment inserts a comment.
func (s *Store) AddComment(ctx context.Context, c *IssueComment) error {
	return translate(s.db.WithContext(ctx).Create(c).Error)
}

// Comments lists an issue's comments, oldest first.
func (s *Store) Comments(ctx context.Context, issueID uint64) ([]IssueComment, error) {
	var out []IssueComment
	err := s.db.WithContext(ctx).Where("issue_id = ?", issueID).Order("id").Find(&out).Error
	return out, err
}

// RateIssue records the reporter's rating once, only after resolution; it reports whether
// it applied.
func (s *Store) RateIssue(ctx context.Context, id, reporterID uint64, score int, comment string, held bool) (bool, error) {
	res := s.db.WithContext(ctx).Model(&Issue{}).
		Where("id = ? AND reporter_id = ? AND rating IS NULL AND status IN ?", id, reporterID, []string{IssueResolved, IssueClosed}).
		Updates(map[string]any{"rating": score, "rating_comment": comment, "rating_comment_held": held, "updated_at": s.now()})
	return res.RowsAffected == 1, translate(res.Error)
}

// ResolvedBefore lists up to limit resolved issues resolved before t (auto-close candidates).
func (s *Store) ResolvedBefore(ctx context.Context, t time.Time, limit int) ([]uint64, error) {
	var out []uint64
	err := s.db.WithContext(ctx).Model(&Issue{}).Where("status = ? AND resolved_at < ?", IssueResolved, t).
		Order("resolved_at").Limit(limit).Pluck("id", &out).Error
	return out, err
}

// CaptainsOf lists the users who captain a building.
func (s *Store) CaptainsOf(ctx context.Context, buildingID uint64) ([]uint64, error) {
	var out []uint64
	err := s.db.WithContext(ctx).Table("role_buildings").
		Joins("JOIN roles ON roles.id = role_buildings.role_id").
		Where("role_buildings.building_id = ? AND roles.role = ?", buildingID, RoleCaptain).
		Order("roles.user_id").Pluck("roles.user_id", &out).Error
	return out, err
}

// StaffOf lists the staff of a community.
func (s *Store) StaffOf(ctx context.Context, communityID uint64) ([]uint64, error) {
	var out []uint64
	err := s.db.WithContext(ctx).Model(&Role{}).Where("community_id = ? AND role = ?", communityID, RoleStaff).
		Order("user_id").Pluck("user_id", &out).Error
	return out, err
}

// HoldComment marks a comment as awaiting review.
func (s *Store) HoldComment(ctx context.Context, id uint64) error {
	return translate(s.db.WithContext(ctx).Model(&IssueComment{}).Where("id = ?", id).Update("status", CommentHeld).Error)
}
