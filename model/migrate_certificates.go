package model

import (
	"time"

	"gorm.io/gorm"
)

// migrateCertificates adds real names, issuers and certificates (0015_certificates).
func migrateCertificates(tx *gorm.DB) error {
	type RealName struct {
		UserID    uint64 `gorm:"primaryKey;autoIncrement:false"`
		Cipher    []byte `gorm:"column:real_name_cipher;size:256;not null"`
		UpdatedAt time.Time
	}
	type CertificateIssuer struct {
		CommunityID  uint64 `gorm:"primaryKey;autoIncrement:false"`
		Issuer       string `gorm:"size:100;not null"`
		SealUploadID *uint64
		UpdatedAt    time.Time
	}
	type Certificate struct {
		ID           uint64 `gorm:"primaryKey"`
		CommunityID  uint64 `gorm:"not null;index"`
		UserID       uint64 `gorm:"not null;index"`
		Code         string `gorm:"size:40;not null;uniqueIndex"`
		Serial       string `gorm:"size:40;not null;uniqueIndex"`
		HolderCipher []byte `gorm:"column:holder_cipher;size:256;not null"`
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
		RevokedAt    *time.Time
	}
	return tx.Migrator().CreateTable(&RealName{}, &CertificateIssuer{}, &Certificate{})
}
