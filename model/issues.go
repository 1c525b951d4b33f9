package model

import "time"

// Issue statuses (报事状态).
const (
	IssuePendingReview = "pending_review" // held: content safety could not pass it; reporter and staff only
	IssueSubmitted     = "submitted"
	IssueAcknowledged  = "acknowledged"
	IssueInProgress    = "in_progress"
	IssueResolved      = "resolved"
	IssueClosed        = "closed"
	IssueRejected      = "rejected"
	IssueDuplicate     = "duplicate"
)

// IssueOpenStatuses are the statuses of an issue someone still has to work on.
var IssueOpenStatuses = []string{IssueSubmitted, IssueAcknowledged, IssueInProgress}

// Category routing: who hears of a new issue first.
const (
	RouteCaptain = "captain"
	RouteStaff   = "staff"
)

// IssueCategory is one of a community's own categories of problems.
type IssueCategory struct {
	ID          uint64 `gorm:"primaryKey"`
	CommunityID uint64 `gorm:"not null;uniqueIndex:ux_issue_categories_name,priority:1"`
	Name        string `gorm:"size:32;not null;uniqueIndex:ux_issue_categories_name,priority:2"`
	// Skills lists, comma-separated, the skills that usually fix such a problem.
	Skills    string `gorm:"size:200;not null"`
	RouteTo   string `gorm:"size:16;not null"`
	SortOrder int    `gorm:"not null"`
	Active    bool   `gorm:"not null"`
	CreatedAt time.Time
}

// Issue is a problem a resident reported (报事).
type Issue struct {
	ID          uint64 `gorm:"primaryKey"`
	CommunityID uint64 `gorm:"not null;index:ix_issues_queue,priority:1"`
	BuildingID  uint64 `gorm:"not null;index:ix_issues_building,priority:1"`
	CategoryID  uint64 `gorm:"not null;index:ix_issues_building,priority:2"`
	ReporterID  uint64 `gorm:"not null;index:ix_issues_reporter,priority:1"`
	Description string `gorm:"type:text;not null"`
	Location    string `gorm:"size:100;not null"`
	// Urgent issues come first in every work queue.
	Urgent    bool   `gorm:"not null;index:ix_issues_queue,priority:3"`
	Anonymous bool   `gorm:"not null"`
	Status    string `gorm:"size:16;not null;index:ix_issues_queue,priority:2;index:ix_issues_building,priority:3;index:ix_issues_autoclose,priority:1"`
	Followers int    `gorm:"not null"`
	Reopens   int    `gorm:"not null"`
	// DuplicateOf points at the original when Status is duplicate.
	DuplicateOf   *uint64
	Rating        *int
	RatingComment string `gorm:"size:200;not null"`
	// RatingCommentHeld: content safety could not clear the comment; the reporter and the
	// issue's managers see it.
	RatingCommentHeld bool `gorm:"not null"`
	CreatedAt         time.Time
	UpdatedAt         time.Time
	AcknowledgedAt    *time.Time
	ResolvedAt        *time.Time `gorm:"index:ix_issues_autoclose,priority:2"`
	ClosedAt          *time.Time
}

// IssueEvent is one entry of an issue's timeline: who did what, when, from and to which status.
type IssueEvent struct {
	ID         uint64 `gorm:"primaryKey"`
	IssueID    uint64 `gorm:"not null;index"`
	ActorID    uint64 `gorm:"not null"` // 0: the system (auto-close)
	Action     string `gorm:"size:24;not null"`
	FromStatus string `gorm:"size:16;not null"`
	ToStatus   string `gorm:"size:16;not null"`
	Note       string `gorm:"size:500;not null"`
	// NoteHeld: content safety could not clear the note; its author and managers see it.
	NoteHeld bool `gorm:"not null"`
	// DispatchID names the dispatch (派单) whose volunteer did this; its photos show here.
	DispatchID *uint64
	CreatedAt  time.Time
}

// IssueFollow records a resident who has the same problem (我也遇到了).
type IssueFollow struct {
	IssueID   uint64 `gorm:"primaryKey;autoIncrement:false"`
	UserID    uint64 `gorm:"primaryKey;autoIncrement:false;index"`
	CreatedAt time.Time
}

// Comment visibility.
const (
	CommentVisible = "visible"
	CommentHeld    = "held" // awaiting review: author and staff only
)

// IssueComment is a comment on an issue.
type IssueComment struct {
	ID        uint64 `gorm:"primaryKey"`
	IssueID   uint64 `gorm:"not null;index"`
	AuthorID  uint64 `gorm:"not null"`
	Body      string `gorm:"size:1000;not null"`
	Status    string `gorm:"size:16;not null"`
	CreatedAt time.Time
}
