package model

import (
	"context"
	"errors"
	"time"

	"gorm.io/gorm"
)

// IdempotencyKey remembers the answer to a write a phone may retry (Idempotency-Key header):
// a repeat with the same key and the same request gets the first answer; Status 0 means the
// first request is still running (or its server died before it could record the answer).
type IdempotencyKey struct {
	ID          uint64 `gorm:"primaryKey"`
	UserID      uint64 `gorm:"not null;uniqueIndex:ux_idempotency_key,priority:1"`
	Key         string `gorm:"size:128;not null;uniqueIndex:ux_idempotency_key,priority:2"`
	RequestHash string `gorm:"size:64;not null"`
	Status      int    `gorm:"not null"`
	Response    []byte
	CreatedAt   time.Time `gorm:"not null;index"`
}

// ClaimIdempotencyKey records that the user's request with this key starts now, unless the key
// is known: then it returns the earlier row and created is false. A row older than ttl is
// forgotten and the key starts afresh.
func (s *Store) ClaimIdempotencyKey(ctx context.Context, userID uint64, key, requestHash string, now time.Time, ttl time.Duration) (*IdempotencyKey, bool, error) {
	for range 2 {
		row := &IdempotencyKey{UserID: userID, Key: key, RequestHash: requestHash, CreatedAt: now}
		err := translate(s.db.WithContext(ctx).Create(row).Error)
		if err == nil {
			return row, true, nil
		}
		if !errors.Is(err, ErrConflict) {
			return nil, false, err
		}
		var old IdempotencyKey
		if err := s.db.WithContext(ctx).Where("user_id = ? AND `key` = ?", userID, key).First(&old).Error; err != nil {
			if errors.Is(err, gorm.ErrRecordNotFound) {
				continue // expired and deleted by someone else meanwhile: claim again
			}
			return nil, false, err
		}
		if now.Sub(old.CreatedAt) < ttl {
			return &old, false, nil
		}
		if err := s.db.WithContext(ctx).Where("id = ? AND created_at = ?", old.ID, old.CreatedAt).
			Delete(&IdempotencyKey{}).Error; err != nil {
			return nil, false, err
		}
	}
	return nil, false, ErrConflict
}

// TakeOverIdempotencyKey restarts a claim whose first request never finished (its server
// died): only one of several retries wins it.
func (s *Store) TakeOverIdempotencyKey(ctx context.Context, id uint64, since, now time.Time) (bool, error) {
	res := s.db.WithContext(ctx).Model(&IdempotencyKey{}).
		Where("id = ? AND status = 0 AND created_at = ?", id, since).Update("created_at", now)
	return res.RowsAffected == 1, translate(res.Error)
}

// FinishIdempotencyKey stores the answer of a claimed request.
func (s *Store) FinishIdempotencyKey(ctx context.Context, id uint64, status int, response []byte) error {
	return translate(s.db.WithContext(ctx).Model(&IdempotencyKey{}).Where("id = ?", id).
		Updates(map[string]any{"status": status, "response": response}).Error)
}

// ForgetIdempotencyKey drops a claim whose request failed on our side, so a retry runs again.
func (s *Store) ForgetIdempotencyKey(ctx context.Context, id uint64) error {
	return translate(s.db.WithContext(ctx).Delete(&IdempotencyKey{}, id).Error)
}

// PurgeIdempotencyKeys deletes keys older than before.
func (s *Store) PurgeIdempotencyKeys(ctx context.Context, before time.Time) (int64, error) {
	res := s.db.WithContext(ctx).Where("created_at < ?", before).Delete(&IdempotencyKey{})
	return res.RowsAffected, translate(res.Error)
}

func migrateIdempotency(tx *gorm.DB) error {
	type IdempotencyKey struct {
		ID          uint64 `gorm:"primaryKey"`
		UserID      uint64 `gorm:"not null;uniqueIndex:ux_idempotency_key,priority:1"`
		Key         string `gorm:"size:128;not null;uniqueIndex:ux_idempotency_key,priority:2"`
		RequestHash string `gorm:"size:64;not null"`
		Status      int    `gorm:"not null"`
		Response    []byte
		CreatedAt   time.Time `gorm:"not null;index"`
	}
	return tx.Migrator().CreateTable(&IdempotencyKey{})
}
