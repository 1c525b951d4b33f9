package model

import (
	"context"
	"errors"
	"time"
)

// States of a correction.
const (
	CorrectionPending  = "pending"
	CorrectionApproved = "approved"
	CorrectionRejected = "rejected"
)

// SourceCorrection is the source of the posting that credits a corrected record anew
// (SourceID: corrections.id).
const SourceCorrection = "correction"

// Correction is a volunteer's request to correct the minutes of one of their service records
// (民政部令第67号: volunteers may ask for their records to be corrected), and staff's decision.
// OpenRecordID is the record's id while the request is pending and NULL once decided: its
// unique key allows one open correction per record, whatever races.
type Correction struct {
	ID           uint64  `gorm:"primaryKey"`
	CommunityID  uint64  `gorm:"not null;index:ix_corrections_queue,priority:1"`
	RecordID     uint64  `gorm:"not null;index"`
	UserID       uint64  `gorm:"not null;index"`
	OpenRecordID *uint64 `gorm:"uniqueIndex:ux_corrections_open"`
	Status       string  `gorm:"size:16;not null;index:ix_corrections_queue,priority:2"`
	// OldMinutes are the record's minutes when the volunteer asked; Minutes what they propose.
	OldMinutes int    `gorm:"not null"`
	Minutes    int    `gorm:"not null"`
	Reason     string `gorm:"size:200;not null"`
	// Decision is staff's reason (required for a rejection).
	Decision  string `gorm:"size:200;not null"`
	DecidedBy *uint64
	DecidedAt *time.Time
	// ReversalID and PostingID are the postings an approval made on a credited record: the
	// reversal of its last credit and the credit of the corrected minutes.
	ReversalID *uint64
	PostingID  *uint64
	CreatedAt  time.Time
}

// AddCorrection stores a pending correction; a record with an open one already is ErrConflict.
func (s *Store) AddCorrection(ctx context.Context, c *Correction) error {
	c.Status, c.OpenRecordID = CorrectionPending, &c.RecordID
	return translate(s.db.WithContext(ctx).Create(c).Error)
}

// CorrectionByID returns one correction.
func (s *Store) CorrectionByID(ctx context.Context, id uint64) (*Correction, error) {
	var c Correction
	err := s.db.WithContext(ctx).First(&c, id).Error
	return &c, translate(err)
}

// DecideCorrection moves a pending correction to status (approved or rejected) with a
// conditional UPDATE, which also locks its row: of two decisions at once, one reports true
// and the other, once the first commits, false.
func (s *Store) DecideCorrection(ctx context.Context, id uint64, status, decision string, by uint64, at time.Time) (bool, error) {
	res := s.db.WithContext(ctx).Model(&Correction{}).Where("id = ? AND status = ?", id, CorrectionPending).
		Updates(map[string]any{"status": status, "decision": decision, "decided_by": by, "decided_at": at,
			"open_record_id": nil})
	return res.RowsAffected == 1, translate(res.Error)
}

// SetCorrectionPostings remembers the postings an approval made.
func (s *Store) SetCorrectionPostings(ctx context.Context, id, reversalID, postingID uint64) error {
	return translate(s.db.WithContext(ctx).Model(&Correction{}).Where("id = ?", id).
		Updates(map[string]any{"reversal_id": reversalID, "posting_id": postingID}).Error)
}

// CorrectionFilter selects a community's corrections: by status ("" for any), newest first,
// with an id below Before (0: from the newest).
type CorrectionFilter struct {
	CommunityID uint64
	Status      string
	Before      uint64
	Limit       int
}

// Corrections lists a community's corrections.
func (s *Store) Corrections(ctx context.Context, f CorrectionFilter) ([]Correction, error) {
	q := s.db.WithContext(ctx).Where("community_id = ?", f.CommunityID)
	if f.Status != "" {
		q = q.Where("status = ?", f.Status)
	}
	if f.Before != 0 {
		q = q.Where("id < ?", f.Before)
	}
	var out []Correction
	err := q.Order("id DESC").Limit(f.Limit).Find(&out).Error
	return out, err
}

// LockServiceRecord reads a service record and locks its row for the caller's transaction
// (crediting claims the same row first, so the two serialise).
func (s *Store) LockServiceRecord(ctx context.Context, id uint64) (*ServiceRecord, error) {
	var r ServiceRecord
	err := s.db.WithContext(ctx).Clauses(lockingRead()).First(&r, id).Error
	return &r, translate(err)
}

// SetServiceRecordMinutes changes a record's minutes (an approved correction).
func (s *Store) SetServiceRecordMinutes(ctx context.Context, id uint64, minutes int) error {
	return translate(s.db.WithContext(ctx).Model(&ServiceRecord{}).Where("id = ?", id).
		Update("minutes", minutes).Error)
}

// LiveCreditOf returns the posting that credits a record now: the credit of its last approved
// correction that posted one, else its original credit. ErrNotFound when it has none.
//
// "Last" is the latest decision: a record has one open correction at a time and its decisions
// take the record's lock, so they follow each other in time. Not the highest id: on TiDB ids
// are not allocated in time order across servers (docs/scaling.md). SQLite keeps times as text,
// which does not sort as time within a second, but has one writer: its ids follow time.
func (s *Store) LiveCreditOf(ctx context.Context, recordID uint64) (*Posting, error) {
	var c Correction
	latest := "decided_at DESC, id DESC"
	if s.Driver() == "sqlite" {
		latest = "id DESC"
	}
	err := s.db.WithContext(ctx).Where("record_id = ? AND status = ? AND posting_id IS NOT NULL", recordID, CorrectionApproved).
		Order(latest).First(&c).Error
	if err == nil {
		return s.PostingByID(ctx, *c.PostingID)
	}
	if err = translate(err); !errors.Is(err, ErrNotFound) {
		return nil, err
	}
	return s.PostingOf(ctx, SourceServiceRecord, recordID)
}

// CorrectedSince reports whether a correction approved after issued changed a record of the
// user in the community served in [from, to) that existed at issued: a record a certificate
// issued then shows.
func (s *Store) CorrectedSince(ctx context.Context, communityID, userID uint64, from, to, issued time.Time) (bool, error) {
	var n int64
	err := s.db.WithContext(ctx).Table("corrections c").Joins("JOIN service_records r ON r.id = c.record_id").
		Where("c.status = ? AND c.decided_at > ? AND r.community_id = ? AND r.user_id = ? AND r.served_at >= ? "+
			"AND r.served_at < ? AND r.created_at <= ?", CorrectionApproved, issued, communityID, userID, from, to, issued).
		Limit(1).Count(&n).Error
	return n > 0, err
}

// RevokeCertificate marks a certificate revoked, once: false when it already was.
func (s *Store) RevokeCertificate(ctx context.Context, id, by uint64, reason string, at time.Time) (bool, error) {
	res := s.db.WithContext(ctx).Model(&Certificate{}).Where("id = ? AND revoked_at IS NULL", id).
		Updates(map[string]any{"revoked_at": at, "revoked_by": by, "revoke_reason": reason})
	return res.RowsAffected == 1, translate(res.Error)
}
