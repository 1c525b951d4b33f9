package model

import (
	"context"
	"time"

	"gorm.io/gorm"
)

// CreateSession records a new login.
func (s *Store) CreateSession(ctx context.Context, sess *Session) error {
	return translate(s.db.WithContext(ctx).Create(sess).Error)
}

// LiveSession returns the unrevoked, unexpired session with this token hash, of a live user.
func (s *Store) LiveSession(ctx context.Context, tokenHash string, now time.Time) (*Session, error) {
	var sess Session
	err := s.db.WithContext(ctx).
		Joins("JOIN users ON users.id = sessions.user_id AND users.deleted_at IS NULL").
		Where("sessions.token_hash = ? AND sessions.revoked_at IS NULL AND sessions.expires_at > ?", tokenHash, now).
		First(&sess).Error
	return &sess, translate(err)
}

// ExtendSession moves a live session's expiry forward (sliding expiry).
func (s *Store) ExtendSession(ctx context.Context, id uint64, expires time.Time) error {
	return translate(s.db.WithContext(ctx).Model(&Session{}).
		Where("id = ? AND revoked_at IS NULL AND expires_at < ?", id, expires).
		Update("expires_at", expires).Error)
}

// RevokeSession ends the session with this token hash; revoking twice is not an error.
func (s *Store) RevokeSession(ctx context.Context, tokenHash string) error {
	return translate(s.db.WithContext(ctx).Model(&Session{}).
		Where("token_hash = ? AND revoked_at IS NULL", tokenHash).
		Update("revoked_at", s.now()).Error)
}

// RevokeUserSessions ends every live session of the user (logging out everywhere) and returns
// their token hashes, for evicting caches.
func (s *Store) RevokeUserSessions(ctx context.Context, userID uint64) ([]string, error) {
	var revoked []string
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var err error
		revoked, err = revokeUserSessions(tx, userID, s.now())
		return err
	})
	return revoked, translate(err)
}

// revokeUserSessions revokes the user's live sessions inside tx and returns their token hashes.
func revokeUserSessions(tx *gorm.DB, userID uint64, now time.Time) ([]string, error) {
	var revoked []string
	if err := tx.Model(&Session{}).Where("user_id = ? AND revoked_at IS NULL", userID).
		Pluck("token_hash", &revoked).Error; err != nil {
		return nil, err
	}
	if len(revoked) == 0 {
		return nil, nil
	}
	// By hash, not by user: a session opened between the two statements stays open rather than
	// being revoked without its cache entry being evicted.
	return revoked, tx.Model(&Session{}).Where("token_hash IN ? AND revoked_at IS NULL", revoked).
		Update("revoked_at", now).Error
}
