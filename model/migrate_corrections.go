package model

import (
	"time"

	"gorm.io/gorm"
)

// migrateCorrections adds record corrections (更正申请) and the revocation details of
// certificates (0018_corrections).
func migrateCorrections(tx *gorm.DB) error {
	type Correction struct {
		ID           uint64  `gorm:"primaryKey"`
		CommunityID  uint64  `gorm:"not null;index:ix_corrections_queue,priority:1"`
		RecordID     uint64  `gorm:"not null;index"`
		UserID       uint64  `gorm:"not null;index"`
		OpenRecordID *uint64 `gorm:"uniqueIndex:ux_corrections_open"`
		Status       string  `gorm:"size:16;not null;index:ix_corrections_queue,priority:2"`
		OldMinutes   int     `gorm:"not null"`
		Minutes      int     `gorm:"not null"`
		Reason       string  `gorm:"size:200;not null"`
		Decision     string  `gorm:"size:200;not null"`
		DecidedBy    *uint64
		DecidedAt    *time.Time
		ReversalID   *uint64
		PostingID    *uint64
		CreatedAt    time.Time
	}
	type Certificate struct {
		RevokedBy    *uint64
		RevokeReason string `gorm:"size:200;not null;default:''"`
	}
	if err := tx.Migrator().CreateTable(&Correction{}); err != nil {
		return err
	}
	for _, col := range []string{"RevokedBy", "RevokeReason"} {
		if err := tx.Migrator().AddColumn(&Certificate{}, col); err != nil {
			return err
		}
	}
	return nil
}
