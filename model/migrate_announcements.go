package model

import (
	"time"

	"gorm.io/gorm"
)

// migrateAnnouncements adds announcements (公告) and their reads (0019_announcements).
func migrateAnnouncements(tx *gorm.DB) error {
	type Announcement struct {
		ID               uint64 `gorm:"primaryKey"`
		CommunityID      uint64 `gorm:"not null;index:ix_announcements_list,priority:1"`
		Audience         string `gorm:"size:16;not null"`
		EstateID         uint64 `gorm:"not null"`
		BuildingID       uint64 `gorm:"not null"`
		AuthorID         uint64 `gorm:"not null;index:ix_announcements_author"`
		Title            string `gorm:"size:40;not null"`
		Body             string `gorm:"type:text;not null"`
		Pinned           bool   `gorm:"not null"`
		Status           string `gorm:"size:16;not null;index:ix_announcements_list,priority:2"`
		ExpiresAt        time.Time
		PublishedAt      *time.Time
		Households       int    `gorm:"not null"`
		Recipients       int    `gorm:"not null"`
		DeliveredThrough uint64 `gorm:"not null"`
		Delivering       bool   `gorm:"not null;index:ix_announcements_delivering"`
		CreatedAt        time.Time
		UpdatedAt        time.Time
	}
	type AnnouncementRead struct {
		AnnouncementID uint64 `gorm:"primaryKey;autoIncrement:false"`
		UserID         uint64 `gorm:"primaryKey;autoIncrement:false"`
		ReadAt         time.Time
	}
	if err := tx.Migrator().CreateTable(&Announcement{}); err != nil {
		return err
	}
	return tx.Table("announcement_reads").Migrator().CreateTable(&AnnouncementRead{})
}

// migrateActionReminders records the reminder of an overdue council follow-up item
// (0020_action_reminders).
func migrateActionReminders(tx *gorm.DB) error {
	type TopicAction struct {
		RemindedAt *time.Time
	}
	return tx.Table("council_actions").Migrator().AddColumn(&TopicAction{}, "RemindedAt")
}
