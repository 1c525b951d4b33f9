package model

import (
	"context"
	"time"
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
