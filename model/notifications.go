package model

import (
	"context"
	"time"

	"gorm.io/gorm"
)

// Notification is one entry of a user's in-app inbox: the record of everything the user was
// told. WeChat subscription messages are sent on top of it, from the outbox.
type Notification struct {
	ID          uint64     `gorm:"primaryKey;index:ix_notifications_user,priority:2"`
	UserID      uint64     `gorm:"not null;index:ix_notifications_user,priority:1;index:ix_notifications_unread,priority:1"`
	CommunityID uint64     `gorm:"not null"` // 0 when the notification belongs to no community
	Kind        string     `gorm:"size:32;not null"`
	Title       string     `gorm:"size:40;not null"`
	Body        string     `gorm:"size:200;not null"`
	Link        string     `gorm:"size:256;not null"` // mini-program page with its query
	ReadAt      *time.Time `gorm:"index:ix_notifications_unread,priority:2"`
	CreatedAt   time.Time
}

// SubscriptionGrant is one one-time permission (一次性订阅) the user gave the mini-program to
// send one message of a template. A send consumes one grant (UsedAt set).
type SubscriptionGrant struct {
	ID         uint64 `gorm:"primaryKey"`
	UserID     uint64 `gorm:"not null;index:ix_grants_unused,priority:1"`
	TemplateID string `gorm:"size:128;not null;index:ix_grants_unused,priority:2"`
	CreatedAt  time.Time
	UsedAt     *time.Time `gorm:"index:ix_grants_unused,priority:3"`
}

func migrateNotifications(tx *gorm.DB) error {
	type Notification struct {
		ID          uint64     `gorm:"primaryKey;index:ix_notifications_user,priority:2"`
		UserID      uint64     `gorm:"not null;index:ix_notifications_user,priority:1;index:ix_notifications_unread,priority:1"`
		CommunityID uint64     `gorm:"not null"`
		Kind        string     `gorm:"size:32;not null"`
		Title       string     `gorm:"size:40;not null"`
		Body        string     `gorm:"size:200;not null"`
		Link        string     `gorm:"size:256;not null"`
		ReadAt      *time.Time `gorm:"index:ix_notifications_unread,priority:2"`
		CreatedAt   time.Time
	}
	type SubscriptionGrant struct {
		ID         uint64 `gorm:"primaryKey"`
		UserID     uint64 `gorm:"not null;index:ix_grants_unused,priority:1"`
		TemplateID string `gorm:"size:128;not null;index:ix_grants_unused,priority:2"`
		CreatedAt  time.Time
		UsedAt     *time.Time `gorm:"index:ix_grants_unused,priority:3"`
	}
	type Outbox struct {
		ID             uint64    `gorm:"primaryKey"`
		NotificationID uint64    `gorm:"not null;index:ix_outbox_notification"`
		UserID         uint64    `gorm:"not null"`
		TemplateID     string    `gorm:"size:128;not null"`
		Payload        string    `gorm:"size:2048;not null"`
		Status         string    `gorm:"size:16;not null;index:ix_outbox_due,priority:1"`
		Attempts       int       `gorm:"not null"`
		NextAttemptAt  time.Time `gorm:"not null;index:ix_outbox_due,priority:2"`
		LockedUntil    *time.Time
		LockedBy       string `gorm:"size:64;not null"`
		GrantID        *uint64
		LastError      string `gorm:"size:200;not null"`
		CreatedAt      time.Time
		SentAt         *time.Time
	}
	if err := tx.Migrator().CreateTable(&Notification{}, &SubscriptionGrant{}); err != nil {
		return err
	}
	return tx.Table("outbox").Migrator().CreateTable(&Outbox{})
}

// CreateNotifications inserts the inbox entries and fills in their ids.
func (s *Store) CreateNotifications(ctx context.Context, ns []Notification) error {
	if len(ns) == 0 {
		return nil
	}
	return translate(s.db.WithContext(ctx).Create(&ns).Error)
}

// Notifications lists up to limit of the user's notifications with an id below before (0: from
// the newest), newest first; unreadOnly keeps the unread ones.
func (s *Store) Notifications(ctx context.Context, userID uint64, unreadOnly bool, before uint64, limit int) ([]Notification, error) {
	q := s.db.WithContext(ctx).Where("user_id = ?", userID)
	if unreadOnly {
		q = q.Where("read_at IS NULL")
	}
	if before != 0 {
		q = q.Where("id < ?", before)
	}
	var out []Notification
	err := q.Order("id DESC").Limit(limit).Find(&out).Error
	return out, err
}

// CountUnread counts the user's unread notifications.
func (s *Store) CountUnread(ctx context.Context, userID uint64) (int64, error) {
	var n int64
	err := s.db.WithContext(ctx).Model(&Notification{}).Where("user_id = ? AND read_at IS NULL", userID).Count(&n).Error
	return n, err
}

// MarkNotificationsRead marks the user's unread notifications among ids read (all of them when
// ids is nil) and returns how many changed; ids of other users' notifications change nothing.
func (s *Store) MarkNotificationsRead(ctx context.Context, userID uint64, ids []uint64, at time.Time) (int64, error) {
	q := s.db.WithContext(ctx).Model(&Notification{}).Where("user_id = ? AND read_at IS NULL", userID)
	if ids != nil {
		if len(ids) == 0 {
			return 0, nil
		}
		q = q.Where("id IN ?", ids)
	}
	res := q.Update("read_at", at.UTC())
	return res.RowsAffected, translate(res.Error)
}

// MarkNoticesReadByLink marks the user's unread notifications of the kind that link to the
// page read (opening an announcement reads its inbox notice).
func (s *Store) MarkNoticesReadByLink(ctx context.Context, userID uint64, kind, link string, at time.Time) error {
	return translate(s.db.WithContext(ctx).Model(&Notification{}).
		Where("user_id = ? AND read_at IS NULL AND kind = ? AND link = ?", userID, kind, link).
		Update("read_at", at.UTC()).Error)
}

// CreateGrants records one-time subscription grants.
func (s *Store) CreateGrants(ctx context.Context, gs []SubscriptionGrant) error {
	if len(gs) == 0 {
		return nil
	}
	return translate(s.db.WithContext(ctx).Create(&gs).Error)
}

// takeCandidates is how many unused grants TakeGrant tries in one call.
const takeCandidates = 10

// TakeGrant consumes the oldest unused grant of the user for the template and returns its id;
// ok is false when there is none. Concurrent takers never get the same grant: the conditional
// update by primary key decides (an UPDATE reads the latest commit on every engine), and a
// loser tries the next grant it read. The grants are read without a lock: a locking read of
// "the user's unused grants" would lock a range of an index that is not unique, which takes
// gap locks in InnoDB and none in TiDB (docs/scaling.md); a grant added after that read is
// simply not among the candidates, as if the message had been sent a moment earlier. Which
// grant is taken (the oldest by id) does not matter: any unused one allows one message.
func (s *Store) TakeGrant(ctx context.Context, userID uint64, templateID string, at time.Time) (id uint64, ok bool, err error) {
	db := s.db.WithContext(ctx)
	var ids []uint64
	err = db.Model(&SubscriptionGrant{}).Where("user_id = ? AND template_id = ? AND used_at IS NULL", userID, templateID).
		Order("id").Limit(takeCandidates).Pluck("id", &ids).Error
	if err != nil {
		return 0, false, translate(err)
	}
	for _, id := range ids {
		res := db.Model(&SubscriptionGrant{}).Where("id = ? AND used_at IS NULL", id).Update("used_at", at.UTC())
		if res.Error != nil {
			return 0, false, translate(res.Error)
		}
		if res.RowsAffected == 1 {
			return id, true, nil
		}
	}
	if len(ids) == takeCandidates { // every candidate was taken meanwhile: there may be more
		return 0, false, ErrConflict
	}
	return 0, false, nil
}

// ReleaseGrant gives a consumed grant back (the message it paid for was not delivered).
func (s *Store) ReleaseGrant(ctx context.Context, id uint64) error {
	return translate(s.db.WithContext(ctx).Model(&SubscriptionGrant{}).Where("id = ?", id).
		Update("used_at", nil).Error)
}

// UnusedGrants counts the user's unused grants of the template.
func (s *Store) UnusedGrants(ctx context.Context, userID uint64, templateID string) (int64, error) {
	var n int64
	err := s.db.WithContext(ctx).Model(&SubscriptionGrant{}).
		Where("user_id = ? AND template_id = ? AND used_at IS NULL", userID, templateID).Count(&n).Error
	return n, err
}
