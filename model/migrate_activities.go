package model

import (
	"time"

	"gorm.io/gorm"
)

// migrateActivities creates the tables of volunteer activities (志愿活动): activity types with
// their points rule, teams and their members, activities and sign-ups. Indexes: the list
// (community, status, start), reminders due (status, start), the one live sign-up per person
// (activity, user, live), the waitlist in order (activity, status, position) and a person's
// sign-ups (user, status) for the overlap and no-show checks.
func migrateActivities(tx *gorm.DB) error {
	type ActivityType struct {
		ID            uint64 `gorm:"primaryKey"`
		CommunityID   uint64 `gorm:"not null;uniqueIndex:ux_activity_types_name,priority:1"`
		Name          string `gorm:"size:16;not null;uniqueIndex:ux_activity_types_name,priority:2"`
		PointsPerHour int    `gorm:"not null"`
		SortOrder     int    `gorm:"not null"`
		Active        bool   `gorm:"not null"`
		CreatedAt     time.Time
	}
	type Team struct {
		ID          uint64 `gorm:"primaryKey"`
		CommunityID uint64 `gorm:"not null;uniqueIndex:ux_teams_name,priority:1"`
		Name        string `gorm:"size:32;not null;uniqueIndex:ux_teams_name,priority:2"`
		Description string `gorm:"size:200;not null"`
		CreatedBy   uint64 `gorm:"not null"`
		CreatedAt   time.Time
	}
	type TeamMember struct {
		TeamID    uint64 `gorm:"primaryKey;autoIncrement:false"`
		UserID    uint64 `gorm:"primaryKey;autoIncrement:false;index"`
		Role      string `gorm:"size:16;not null"`
		CreatedAt time.Time
	}
	type Activity struct {
		ID             uint64    `gorm:"primaryKey"`
		CommunityID    uint64    `gorm:"not null;index:ix_activities_list,priority:1"`
		TeamID         *uint64   `gorm:"index"`
		TypeID         uint64    `gorm:"not null"`
		Title          string    `gorm:"size:64;not null"`
		Description    string    `gorm:"type:text;not null"`
		Place          string    `gorm:"size:100;not null"`
		StartAt        time.Time `gorm:"not null;index:ix_activities_list,priority:3;index:ix_activities_due,priority:2"`
		EndAt          time.Time `gorm:"not null"`
		Capacity       int       `gorm:"not null"`
		Confirmed      int       `gorm:"not null"`
		SignupOpensAt  time.Time `gorm:"not null"`
		SignupClosesAt time.Time `gorm:"not null"`
		CancelCutoffAt time.Time `gorm:"not null"`
		Audience       string    `gorm:"size:16;not null"`
		AudienceID     uint64    `gorm:"not null"`
		PointsPerHour  int       `gorm:"not null"`
		OrganiserID    uint64    `gorm:"not null;index"`
		Status         string    `gorm:"size:16;not null;index:ix_activities_list,priority:2;index:ix_activities_due,priority:1"`
		Held           bool      `gorm:"not null"`
		CancelReason   string    `gorm:"size:200;not null"`
		RemindedAt     *time.Time
		SettledAt      *time.Time
		CreatedAt      time.Time
		UpdatedAt      time.Time
	}
	type Signup struct {
		ID          uint64 `gorm:"primaryKey"`
		ActivityID  uint64 `gorm:"not null;uniqueIndex:ux_signups_live,priority:1;index:ix_signups_queue,priority:1"`
		UserID      uint64 `gorm:"not null;uniqueIndex:ux_signups_live,priority:2;index:ix_signups_user,priority:1"`
		Live        *bool  `gorm:"uniqueIndex:ux_signups_live,priority:3"`
		Status      string `gorm:"size:16;not null;index:ix_signups_queue,priority:2;index:ix_signups_user,priority:2"`
		Position    int    `gorm:"not null;index:ix_signups_queue,priority:3"`
		Attendance  string `gorm:"size:16;not null"`
		CheckinAt   *time.Time
		CheckoutAt  *time.Time
		Minutes     int `gorm:"not null"`
		MarkedBy    *uint64
		RecordedAt  *time.Time
		CancelledAt *time.Time
		CreatedAt   time.Time
		UpdatedAt   time.Time
	}
	return tx.Migrator().CreateTable(&ActivityType{}, &Team{}, &TeamMember{}, &Activity{}, &Signup{})
}
