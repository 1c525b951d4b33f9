package model

import (
	"context"
	"errors"
	"time"

	"gorm.io/gorm"
)

// Sources of service records.
const (
	SourceDispatch = "dispatch" // a confirmed dispatch (派单)
	SourceActivity = "activity" // a settled activity sign-up (志愿活动)
)

// ServiceRecord is one confirmed volunteer service (志愿服务记录): what a residents' committee
// needs for a volunteer-hours certificate, and the event the time bank credits. One source
// event makes at most one record (unique source), and the ledger credits each record once.
type ServiceRecord struct {
	ID          uint64 `gorm:"primaryKey"`
	CommunityID uint64 `gorm:"not null;index:ix_service_records_month,priority:1"`
	UserID      uint64 `gorm:"not null;index:ix_service_records_user,priority:1"`
	SourceKind  string `gorm:"size:16;not null;uniqueIndex:ux_service_records_source,priority:1"`
	SourceID    uint64 `gorm:"not null;uniqueIndex:ux_service_records_source,priority:2"`
	// Content says what was done (the skill or activity type and title).
	Content string `gorm:"size:200;not null"`
	Place   string `gorm:"size:200;not null"`
	// ServedAt is when the service happened (its date goes on the certificate).
	ServedAt time.Time `gorm:"not null;index:ix_service_records_month,priority:2"`
	// Minutes is the actual service time, travel excluded.
	Minutes int `gorm:"not null"`
	// PointsPerHour is the rule that applies, in hundredths of a point (100 = 1 point per hour).
	PointsPerHour int    `gorm:"not null"`
	OrganiserID   uint64 `gorm:"not null"`
	ConfirmerID   uint64 `gorm:"not null"`
	// CreditedAt is set by the time bank when it has posted the credit.
	CreditedAt *time.Time `gorm:"index"`
	CreatedAt  time.Time
}

// AddServiceRecord records a confirmed service inside the caller's transaction. The same
// source recorded twice is not an error: created reports whether this call made the row.
func (s *Store) AddServiceRecord(ctx context.Context, r *ServiceRecord) (created bool, err error) {
	err = translate(s.db.WithContext(ctx).Create(r).Error)
	if errors.Is(err, ErrConflict) {
		return false, nil
	}
	return err == nil, err
}

// ServiceRecordsOf lists a user's records, newest first, with an id below before (0: from the
// newest).
func (s *Store) ServiceRecordsOf(ctx context.Context, userID, before uint64, limit int) ([]ServiceRecord, error) {
	var out []ServiceRecord
	q := s.db.WithContext(ctx).Where("user_id = ?", userID)
	if before != 0 {
		q = q.Where("id < ?", before)
	}
	err := q.Order("id DESC").Limit(limit).Find(&out).Error
	return out, err
}

func migrateServiceRecords(tx *gorm.DB) error {
	type ServiceRecord struct {
		ID            uint64     `gorm:"primaryKey"`
		CommunityID   uint64     `gorm:"not null;index:ix_service_records_month,priority:1"`
		UserID        uint64     `gorm:"not null;index:ix_service_records_user,priority:1"`
		SourceKind    string     `gorm:"size:16;not null;uniqueIndex:ux_service_records_source,priority:1"`
		SourceID      uint64     `gorm:"not null;uniqueIndex:ux_service_records_source,priority:2"`
		Content       string     `gorm:"size:200;not null"`
		Place         string     `gorm:"size:200;not null"`
		ServedAt      time.Time  `gorm:"not null;index:ix_service_records_month,priority:2"`
		Minutes       int        `gorm:"not null"`
		PointsPerHour int        `gorm:"not null"`
		OrganiserID   uint64     `gorm:"not null"`
		ConfirmerID   uint64     `gorm:"not null"`
		CreditedAt    *time.Time `gorm:"index"`
		CreatedAt     time.Time
	}
	return tx.Migrator().CreateTable(&ServiceRecord{})
}
