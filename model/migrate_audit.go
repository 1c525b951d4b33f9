package model

import (
	"time"

	"gorm.io/gorm"
)

// migrateAudit creates the audit log (操作日志): one row per write of a staff member, captain or
// admin, and per role change. Indexes: a community's log newest first (community_id, id), the
// same for one person (community_id, user_id, id), and a person's own rows (user_id) for the
// data export.
func migrateAudit(tx *gorm.DB) error {
	type AuditEntry struct {
		ID          uint64    `gorm:"primaryKey;index:ix_audit_community,priority:2;index:ix_audit_user,priority:3"`
		CommunityID uint64    `gorm:"not null;index:ix_audit_community,priority:1;index:ix_audit_user,priority:1"`
		UserID      uint64    `gorm:"not null;index:ix_audit_user,priority:2;index:ix_audit_person"`
		Role        string    `gorm:"size:16;not null"`
		Method      string    `gorm:"size:8;not null"`
		Route       string    `gorm:"size:128;not null"`
		TargetType  string    `gorm:"size:32;not null"`
		TargetID    uint64    `gorm:"not null"`
		Status      int       `gorm:"not null"`
		IP          string    `gorm:"column:ip;size:45;not null"`
		RequestID   string    `gorm:"size:64;not null"`
		CreatedAt   time.Time `gorm:"not null"`
	}
	return tx.Table("audit_log").Migrator().CreateTable(&AuditEntry{})
}
