package model

import (
	"context"
	"fmt"
	"time"
)

// AuditEntry is one line of the audit log (操作日志): who (user and the role they acted in), what
// (method, route pattern, target), when, from where (client address, request id) and how it
// ended. It holds no request body and no phone number.
type AuditEntry struct {
	ID uint64 `gorm:"primaryKey"`
	// CommunityID is the community the action was in; 0 when it was in none (or unknown).
	CommunityID uint64 `gorm:"not null"`
	UserID      uint64 `gorm:"not null"`
	// Role is the role the user held there: admin, staff or captain.
	Role string `gorm:"size:16;not null"`
	// Method and Route are the HTTP method and the route pattern (/api/v1/issues/:id/transitions).
	Method string `gorm:"size:8;not null"`
	Route  string `gorm:"size:128;not null"`
	// TargetType names what was acted on (issues, roles, …) and TargetID which one; 0 for none.
	TargetType string `gorm:"size:32;not null"`
	TargetID   uint64 `gorm:"not null"`
	Status     int    `gorm:"not null"`
	IP         string `gorm:"column:ip;size:45;not null"`
	RequestID  string `gorm:"size:64;not null"`
	CreatedAt  time.Time
}

// TableName is the audit log's table.
func (AuditEntry) TableName() string { return "audit_log" }

// AuditRow is an entry with the actor's nickname.
type AuditRow struct {
	AuditEntry
	UserNickname string
}

// AuditFilter selects a community's entries, newest first. Zero fields do not filter.
type AuditFilter struct {
	CommunityID uint64
	UserID      uint64
	// From and To bound CreatedAt: From ≤ t < To.
	From, To time.Time
	// Before is the cursor: only entries with a smaller id.
	Before uint64
	Limit  int
}

// CreateAuditEntry appends an entry to the log.
func (s *Store) CreateAuditEntry(ctx context.Context, e *AuditEntry) error {
	return translate(s.db.WithContext(ctx).Create(e).Error)
}

// AuditEntries lists entries by f, newest first, through the community index.
func (s *Store) AuditEntries(ctx context.Context, f AuditFilter) ([]AuditRow, error) {
	q := s.db.WithContext(ctx).Table("audit_log").
		Select("audit_log.*, COALESCE(users.nickname, '') AS user_nickname").
		Joins("LEFT JOIN users ON users.id = audit_log.user_id").
		Where("audit_log.community_id = ?", f.CommunityID)
	if f.UserID != 0 {
		q = q.Where("audit_log.user_id = ?", f.UserID)
	}
	if !f.From.IsZero() {
		q = q.Where("audit_log.created_at >= ?", f.From.UTC()) // UTC: SQLite compares times as text
	}
	if !f.To.IsZero() {
		q = q.Where("audit_log.created_at < ?", f.To.UTC())
	}
	if f.Before != 0 {
		q = q.Where("audit_log.id < ?", f.Before)
	}
	var out []AuditRow
	err := q.Order("audit_log.id DESC").Limit(f.Limit).Scan(&out).Error
	return out, err
}

// communityTables are the tables whose rows belong to one community (a community_id column),
// by the name the API's paths give them.
var communityTables = map[string]string{
	"estates": "estates", "buildings": "buildings", "residencies": "residencies", "roles": "roles",
	"issues": "issues", "issue-categories": "issue_categories", "help-requests": "help_requests",
	"dispatches": "dispatches", "teams": "teams", "activities": "activities", "activity-types": "activity_types",
	"accounts": "accounts", "postings": "postings", "rewards": "rewards", "redemptions": "redemptions",
}

// CommunityOf returns the community of the row id of the resource kind (a path segment such as
// "issues" or "help-requests"); ErrNotFound when there is no such row, or the kind names no
// per-community resource.
func (s *Store) CommunityOf(ctx context.Context, kind string, id uint64) (uint64, error) {
	table, ok := communityTables[kind]
	if !ok {
		return 0, ErrNotFound
	}
	if table == "buildings" { // kept in memory: a building never moves
		b, err := s.BuildingByID(ctx, id)
		if err != nil {
			return 0, err
		}
		return b.CommunityID, nil
	}
	var out []uint64
	err := s.db.WithContext(ctx).Table(table).Where("id = ?", id).Limit(1).Pluck("community_id", &out).Error
	if err != nil {
		return 0, fmt.Errorf("community of %s %d: %w", kind, id, err)
	}
	if len(out) == 0 {
		return 0, ErrNotFound
	}
	return out[0], nil
}
