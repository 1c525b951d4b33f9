package model

import (
	"context"
	"time"

	"gorm.io/gorm/clause"
)

// RealName is a user's real name (实名) for certificates, kept apart from the profile and
// encrypted like the phone: only its owner and staff ever see it decrypted.
type RealName struct {
	UserID    uint64 `gorm:"primaryKey;autoIncrement:false"`
	Cipher    []byte `gorm:"column:real_name_cipher;size:256;not null"` // AES-GCM (service.Secrets)
	UpdatedAt time.Time
}

// CertificateIssuer is a community's recording unit (记录单位) as it is printed on a
// certificate, with an optional seal image (an upload).
type CertificateIssuer struct {
	CommunityID  uint64 `gorm:"primaryKey;autoIncrement:false"`
	Issuer       string `gorm:"size:100;not null"`
	SealUploadID *uint64
	UpdatedAt    time.Time
}

// Certificate is an issued volunteer certificate (志愿服务证明): an immutable snapshot. Nothing
// updates a row but its revocation; Records is the JSON of the records as they were.
type Certificate struct {
	ID          uint64 `gorm:"primaryKey"`
	CommunityID uint64 `gorm:"not null;index"`
	UserID      uint64 `gorm:"not null;index"`
	// Code is the verification code (≥ 80 random bits), the certificate's public name.
	Code   string `gorm:"size:40;not null;uniqueIndex"`
	Serial string `gorm:"size:40;not null;uniqueIndex"`
	// HolderCipher is the holder's real name at issue time, encrypted like the phone.
	HolderCipher []byte `gorm:"column:holder_cipher;size:256;not null"`
	// HolderMasked is the masked name the public verification page shows (刘*芳).
	HolderMasked string `gorm:"size:64;not null"`
	Issuer       string `gorm:"size:100;not null"`
	SealUploadID *uint64
	PeriodFrom   string `gorm:"size:10;not null"`
	PeriodTo     string `gorm:"size:10;not null"`
	Minutes      int    `gorm:"not null"`
	Records      string `gorm:"type:text;not null"`
	VerifyURL    string `gorm:"size:300;not null"`
	IssuedBy     uint64 `gorm:"not null"`
	IssuedAt     time.Time
	// RevokedAt, RevokedBy and RevokeReason: staff withdrew the certificate (作废); the
	// verification page says so.
	RevokedAt    *time.Time
	RevokedBy    *uint64
	RevokeReason string `gorm:"size:200;not null;default:''"`
}

// SetRealName stores the encrypted real name of a user (insert or replace).
func (s *Store) SetRealName(ctx context.Context, userID uint64, cipher []byte) error {
	r := RealName{UserID: userID, Cipher: cipher, UpdatedAt: s.now()}
	return translate(s.db.WithContext(ctx).Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "user_id"}},
		DoUpdates: clause.AssignmentColumns([]string{"real_name_cipher", "updated_at"}),
	}).Create(&r).Error)
}

// ClearRealName forgets a user's real name.
func (s *Store) ClearRealName(ctx context.Context, userID uint64) error {
	return translate(s.db.WithContext(ctx).Where("user_id = ?", userID).Delete(&RealName{}).Error)
}

// RealNameOf returns the encrypted real name of a user; ErrNotFound when none is set.
func (s *Store) RealNameOf(ctx context.Context, userID uint64) ([]byte, error) {
	var r RealName
	err := s.db.WithContext(ctx).First(&r, "user_id = ?", userID).Error
	return r.Cipher, translate(err)
}

// SetCertificateIssuer stores a community's recording unit and seal (insert or replace).
func (s *Store) SetCertificateIssuer(ctx context.Context, ci *CertificateIssuer) error {
	ci.UpdatedAt = s.now()
	return translate(s.db.WithContext(ctx).Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "community_id"}},
		DoUpdates: clause.AssignmentColumns([]string{"issuer", "seal_upload_id", "updated_at"}),
	}).Create(ci).Error)
}

// CertificateIssuerOf returns a community's recording unit; ErrNotFound when none is set.
func (s *Store) CertificateIssuerOf(ctx context.Context, communityID uint64) (*CertificateIssuer, error) {
	var ci CertificateIssuer
	err := s.db.WithContext(ctx).First(&ci, "community_id = ?", communityID).Error
	return &ci, translate(err)
}

// ServiceRecordsBetween lists a user's records in a community served in [from, to), oldest
// first (at most limit).
func (s *Store) ServiceRecordsBetween(ctx context.Context, communityID, userID uint64, from, to time.Time, limit int) ([]ServiceRecord, error) {
	var out []ServiceRecord
	err := s.db.WithContext(ctx).Where("community_id = ? AND user_id = ? AND served_at >= ? AND served_at < ?",
		communityID, userID, from, to).Order("served_at, id").Limit(limit).Find(&out).Error
	return out, err
}

// HasServedIn reports whether the user has any service record in the community.
func (s *Store) HasServedIn(ctx context.Context, communityID, userID uint64) (bool, error) {
	var n int64
	err := s.db.WithContext(ctx).Model(&ServiceRecord{}).
		Where("community_id = ? AND user_id = ?", communityID, userID).Limit(1).Count(&n).Error
	return n > 0, err
}

// AddCertificate stores a new certificate; its ID and serial are set by the caller's
// transaction (serial from the ID: FinishCertificate).
func (s *Store) AddCertificate(ctx context.Context, c *Certificate) error {
	return translate(s.db.WithContext(ctx).Create(c).Error)
}

// SetCertificateSerial gives a just-created certificate its serial number (once).
func (s *Store) SetCertificateSerial(ctx context.Context, id uint64, serial string) error {
	return translate(s.db.WithContext(ctx).Model(&Certificate{}).Where("id = ?", id).
		Update("serial", serial).Error)
}

// CertificateByCode returns the certificate with the verification code.
func (s *Store) CertificateByCode(ctx context.Context, code string) (*Certificate, error) {
	var c Certificate
	err := s.db.WithContext(ctx).First(&c, "code = ?", code).Error
	return &c, translate(err)
}
