package model

import (
	"context"
	"time"

	"gorm.io/gorm/clause"
)

// Outbox statuses. Pending messages wait for a worker; the others are final.
const (
	OutboxPending = "pending"
	OutboxSent    = "sent"
	OutboxRefused = "refused" // WeChat said the user refused or has no quota left (43101)
	OutboxFailed  = "failed"  // retries exhausted, or a request WeChat can never accept
	OutboxSkipped = "skipped" // not sent at all: no grant, no openid, or dev mode
)

// OutboxMessage is a WeChat subscription message waiting to be sent, written in the same
// transaction as the change that caused it. Workers claim due rows with a lease (LockedUntil,
// LockedBy); a crashed worker's rows become due again when the lease ends.
type OutboxMessage struct {
	ID             uint64 `gorm:"primaryKey"`
	NotificationID uint64 `gorm:"not null;index:ix_outbox_notification"`
	UserID         uint64 `gorm:"not null"`
	TemplateID     string `gorm:"size:128;not null"`
	// Payload is JSON: {"page": "...", "data": {"thing1": "...", ...}}.
	Payload       string    `gorm:"size:2048;not null"`
	Status        string    `gorm:"size:16;not null;index:ix_outbox_due,priority:1"`
	Attempts      int       `gorm:"not null"`
	NextAttemptAt time.Time `gorm:"not null;index:ix_outbox_due,priority:2"`
	LockedUntil   *time.Time
	LockedBy      string `gorm:"size:64;not null"`
	// GrantID is the grant consumed for the send in progress; a worker that takes over a
	// crashed worker's row sends against it instead of consuming another.
	GrantID   *uint64
	LastError string `gorm:"size:200;not null"` // short, never personal data
	CreatedAt time.Time
	SentAt    *time.Time
}

// TableName is "outbox".
func (OutboxMessage) TableName() string { return "outbox" }

// schedTime is how scheduling times (next attempt, lease end) are stored and compared: UTC,
// whole seconds. SQLite keeps times as RFC 3339 text and compares them as text, which is only
// exact when every value has the same width ("…:05Z" sorts after "…:05.5Z" otherwise).
func schedTime(t time.Time) time.Time { return t.UTC().Truncate(time.Second) }

// lockingRead is SELECT … FOR UPDATE on MySQL (a current read that also locks); SQLite drops
// it, and needs none: its write transactions are exclusive.
func lockingRead() clause.Expression { return clause.Locking{Strength: "UPDATE"} }

// CreateOutbox inserts messages to send.
func (s *Store) CreateOutbox(ctx context.Context, ms []OutboxMessage) error {
	if len(ms) == 0 {
		return nil
	}
	for i := range ms {
		ms[i].NextAttemptAt = schedTime(ms[i].NextAttemptAt)
	}
	return translate(s.db.WithContext(ctx).Create(&ms).Error)
}

// ClaimOutbox reserves up to limit pending messages that are due at now and not leased by
// anyone, for token until the lease ends, and returns them. The reservation is one
// conditional UPDATE, so two workers never hold the same message: the candidates are read
// without locks, and the UPDATE re-checks every condition on the current row.
func (s *Store) ClaimOutbox(ctx context.Context, now, until time.Time, token string, limit int) ([]OutboxMessage, error) {
	now, until = schedTime(now), schedTime(until)
	db := s.db.WithContext(ctx)
	due := "status = ? AND next_attempt_at <= ? AND (locked_until IS NULL OR locked_until < ?)"
	var ids []uint64
	err := db.Model(&OutboxMessage{}).Where(due, OutboxPending, now, now).
		Order("next_attempt_at, id").Limit(limit).Pluck("id", &ids).Error
	if err != nil || len(ids) == 0 {
		return nil, err
	}
	res := db.Model(&OutboxMessage{}).Where("id IN ?", ids).Where(due, OutboxPending, now, now).
		Updates(map[string]any{"locked_until": until, "locked_by": token})
	if res.Error != nil || res.RowsAffected == 0 {
		return nil, translate(res.Error)
	}
	var out []OutboxMessage
	err = db.Where("id IN ? AND locked_by = ? AND status = ?", ids, token, OutboxPending).Order("id").Find(&out).Error
	return out, err
}

// LockOutbox reads a message and locks its row until the transaction ends (lock first: call it
// as the first statement of the transaction).
func (s *Store) LockOutbox(ctx context.Context, id uint64) (*OutboxMessage, error) {
	var m OutboxMessage
	err := s.db.WithContext(ctx).Clauses(lockingRead()).First(&m, id).Error
	return &m, translate(err)
}

// HoldOutbox records the grant a message is being sent against and extends its lease; the
// caller holds the row lock (LockOutbox) and has checked the lease is its own.
func (s *Store) HoldOutbox(ctx context.Context, id, grantID uint64, until time.Time) error {
	return translate(s.db.WithContext(ctx).Model(&OutboxMessage{}).Where("id = ?", id).
		Updates(map[string]any{"grant_id": grantID, "locked_until": schedTime(until)}).Error)
}

// OutboxOutcome is how one send attempt ended.
type OutboxOutcome struct {
	// Status is OutboxPending to try again at NextAttemptAt, or a final status.
	Status        string
	NextAttemptAt time.Time
	LastError     string
	SentAt        *time.Time
	// CountAttempt adds one to Attempts.
	CountAttempt bool
	// DropGrant forgets the grant held by the message (it was given back).
	DropGrant bool
}

// FinishOutbox records the outcome of a message leased by token and releases the lease. won is
// false (and nothing changes) when the lease is no longer token's.
func (s *Store) FinishOutbox(ctx context.Context, id uint64, token string, o OutboxOutcome) (won bool, err error) {
	set := map[string]any{"status": o.Status, "last_error": o.LastError, "locked_until": nil, "locked_by": ""}
	if o.Status == OutboxPending {
		set["next_attempt_at"] = schedTime(o.NextAttemptAt)
	}
	if o.SentAt != nil {
		set["sent_at"] = o.SentAt.UTC()
	}
	if o.CountAttempt {
		set["attempts"] = clause.Expr{SQL: "attempts + 1"}
	}
	if o.DropGrant {
		set["grant_id"] = nil
	}
	// locked_by always changes (token → ""), so RowsAffected is exact on MySQL too.
	res := s.db.WithContext(ctx).Model(&OutboxMessage{}).
		Where("id = ? AND locked_by = ? AND status = ?", id, token, OutboxPending).Updates(set)
	return res.RowsAffected == 1, translate(res.Error)
}

// ReleaseOutbox ends token's leases on messages it claimed but did not get to (shutdown), so
// that another worker may send them at once.
func (s *Store) ReleaseOutbox(ctx context.Context, token string) error {
	return translate(s.db.WithContext(ctx).Model(&OutboxMessage{}).
		Where("locked_by = ? AND status = ?", token, OutboxPending).
		Updates(map[string]any{"locked_until": nil, "locked_by": ""}).Error)
}

// OutboxOfNotification returns the messages of a notification.
func (s *Store) OutboxOfNotification(ctx context.Context, notificationID uint64) ([]OutboxMessage, error) {
	var out []OutboxMessage
	err := s.db.WithContext(ctx).Where("notification_id = ?", notificationID).Order("id").Find(&out).Error
	return out, err
}

// OutboxCounts counts messages by status (for tests and metrics).
func (s *Store) OutboxCounts(ctx context.Context) (map[string]int64, error) {
	var rows []struct {
		Status string
		N      int64
	}
	err := s.db.WithContext(ctx).Model(&OutboxMessage{}).Select("status, COUNT(*) AS n").Group("status").Scan(&rows).Error
	out := map[string]int64{}
	for _, r := range rows {
		out[r.Status] = r.N
	}
	return out, err
}

// PurgeOutbox deletes up to limit messages in a final state (sent, refused, failed, skipped)
// whose last scheduled time is before before; pending messages are never touched. The
// status+time index (ix_outbox_due) finds them. It returns how many it deleted.
func (s *Store) PurgeOutbox(ctx context.Context, before time.Time, limit int) (int64, error) {
	db := s.db.WithContext(ctx)
	var ids []uint64
	err := db.Model(&OutboxMessage{}).
		Where("status IN ? AND next_attempt_at < ?", []string{OutboxSent, OutboxRefused, OutboxFailed, OutboxSkipped}, schedTime(before)).
		Order("id").Limit(limit).Pluck("id", &ids).Error
	if err != nil || len(ids) == 0 {
		return 0, translate(err)
	}
	res := db.Where("id IN ? AND status <> ?", ids, OutboxPending).Delete(&OutboxMessage{})
	return res.RowsAffected, translate(res.Error)
}
