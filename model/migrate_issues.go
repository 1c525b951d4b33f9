package model

import (
	"time"

	"gorm.io/gorm"
)

// migrateIssues creates the tables of issue reporting (报事) and their work-queue indexes:
// queue (community, status, urgent, id), building (building, category, status) for "similar
// issues", reporter (reporter, id) for "mine", and (status, resolved_at) for auto-close.
func migrateIssues(tx *gorm.DB) error {
	type IssueCategory struct {
		ID          uint64 `gorm:"primaryKey"`
		CommunityID uint64 `gorm:"not null;uniqueIndex:ux_issue_categories_name,priority:1"`
		Name        string `gorm:"size:32;not null;uniqueIndex:ux_issue_categories_name,priority:2"`
		Skills      string `gorm:"size:200;not null"`
		RouteTo     string `gorm:"size:16;not null"`
		SortOrder   int    `gorm:"not null"`
		Active      bool   `gorm:"not null"`
		CreatedAt   time.Time
	}
	type Issue struct {
		ID             uint64 `gorm:"primaryKey"`
		CommunityID    uint64 `gorm:"not null;index:ix_issues_queue,priority:1"`
		BuildingID     uint64 `gorm:"not null;index:ix_issues_building,priority:1"`
		CategoryID     uint64 `gorm:"not null;index:ix_issues_building,priority:2"`
		ReporterID     uint64 `gorm:"not null;index:ix_issues_reporter,priority:1"`
		Description    string `gorm:"type:text;not null"`
		Location       string `gorm:"size:100;not null"`
		Urgent         bool   `gorm:"not null;index:ix_issues_queue,priority:3"`
		Anonymous      bool   `gorm:"not null"`
		Status         string `gorm:"size:16;not null;index:ix_issues_queue,priority:2;index:ix_issues_building,priority:3;index:ix_issues_autoclose,priority:1"`
		Followers      int    `gorm:"not null"`
		Reopens        int    `gorm:"not null"`
		DuplicateOf    *uint64
		Rating         *int
		RatingComment  string `gorm:"size:200;not null"`
		CreatedAt      time.Time
		UpdatedAt      time.Time
		AcknowledgedAt *time.Time
		ResolvedAt     *time.Time `gorm:"index:ix_issues_autoclose,priority:2"`
		ClosedAt       *time.Time
	}
	type IssueEvent struct {
		ID         uint64 `gorm:"primaryKey"`
		IssueID    uint64 `gorm:"not null;index"`
		ActorID    uint64 `gorm:"not null"`
		Action     string `gorm:"size:24;not null"`
		FromStatus string `gorm:"size:16;not null"`
		ToStatus   string `gorm:"size:16;not null"`
		Note       string `gorm:"size:500;not null"`
		DispatchID *uint64
		CreatedAt  time.Time
	}
	type IssueFollow struct {
		IssueID   uint64 `gorm:"primaryKey;autoIncrement:false"`
		UserID    uint64 `gorm:"primaryKey;autoIncrement:false;index"`
		CreatedAt time.Time
	}
	type IssueComment struct {
		ID        uint64 `gorm:"primaryKey"`
		IssueID   uint64 `gorm:"not null;index"`
		AuthorID  uint64 `gorm:"not null"`
		Body      string `gorm:"size:1000;not null"`
		Status    string `gorm:"size:16;not null"`
		CreatedAt time.Time
	}
	return tx.Migrator().CreateTable(&IssueCategory{}, &Issue{}, &IssueEvent{}, &IssueFollow{}, &IssueComment{})
}
