package model

import (
	"context"
	"errors"
	"time"

	"github.com/go-sql-driver/mysql"
	"gorm.io/gorm"
)

// Safety verdicts kept on an upload (a risky image is never kept).
const (
	UploadPass   = "pass"
	UploadReview = "review"
)

// Upload is an image a user sent, stripped of metadata and kept in the file store under
// StorageKey. It belongs to its owner until it is attached to one thing (an issue, a comment,
// ...): AttachedKind is "" until then, and unattached uploads are cleaned up after a while.
type Upload struct {
	ID          uint64 `gorm:"primaryKey"`
	OwnerID     uint64 `gorm:"not null;index"`
	StorageKey  string `gorm:"size:128;not null;uniqueIndex"`
	ContentType string `gorm:"size:32;not null"`
	Size        int64  `gorm:"not null"`
	Width       int    `gorm:"not null"`
	Height      int    `gorm:"not null"`
	// Safety is pass or review (held until a person looks at it).
	Safety       string    `gorm:"size:8;not null"`
	AttachedKind string    `gorm:"size:32;not null;index:ix_uploads_cleanup,priority:1;index:ix_uploads_attached,priority:1"`
	AttachedID   uint64    `gorm:"not null;index:ix_uploads_attached,priority:2"`
	CreatedAt    time.Time `gorm:"index:ix_uploads_cleanup,priority:2"`
}

func migrateUploads(tx *gorm.DB) error {
	type Upload struct {
		ID           uint64    `gorm:"primaryKey"`
		OwnerID      uint64    `gorm:"not null;index"`
		StorageKey   string    `gorm:"size:128;not null;uniqueIndex"`
		ContentType  string    `gorm:"size:32;not null"`
		Size         int64     `gorm:"not null"`
		Width        int       `gorm:"not null"`
		Height       int       `gorm:"not null"`
		Safety       string    `gorm:"size:8;not null"`
		AttachedKind string    `gorm:"size:32;not null;index:ix_uploads_cleanup,priority:1;index:ix_uploads_attached,priority:1"`
		AttachedID   uint64    `gorm:"not null;index:ix_uploads_attached,priority:2"`
		CreatedAt    time.Time `gorm:"index:ix_uploads_cleanup,priority:2"`
	}
	return tx.Migrator().CreateTable(&Upload{})
}

// CreateUpload records a new, unattached upload.
func (s *Store) CreateUpload(ctx context.Context, u *Upload) error {
	u.AttachedKind, u.AttachedID = "", 0
	return translate(s.db.WithContext(ctx).Create(u).Error)
}

// UploadByID returns the upload.
func (s *Store) UploadByID(ctx context.Context, id uint64) (*Upload, error) {
	var u Upload
	err := s.db.WithContext(ctx).First(&u, id).Error
	return &u, translate(err)
}

// SetUploadSafety records the verdict of the image check.
func (s *Store) SetUploadSafety(ctx context.Context, id uint64, safety string) error {
	return translate(s.db.WithContext(ctx).Model(&Upload{}).Where("id = ?", id).Update("safety", safety).Error)
}

// DeleteUnattachedUpload deletes the upload if it is still unattached, in one conditional
// statement: of a cleanup and an attach (or two cleanups on two instances) racing each other,
// exactly one changes the row. deleted says whether this call removed it.
func (s *Store) DeleteUnattachedUpload(ctx context.Context, id uint64) (deleted bool, err error) {
	res := s.db.WithContext(ctx).Where("id = ? AND attached_kind = ''", id).Delete(&Upload{})
	return res.RowsAffected == 1, translate(res.Error)
}

// AttachUploads marks the uploads ids of owner as belonging to (kind, refID), in one
// conditional UPDATE that touches only unattached uploads of that owner, and returns how many
// it changed; the caller compares that with len(ids) and rolls back on a shortfall. A
// concurrent transaction that attached one of them first makes this one change fewer rows
// (MariaDB re-reads locked rows before updating them; SQLite runs write transactions one at
// a time). MariaDB's "record has changed since last read" (1020, innodb_snapshot_isolation)
// is the same loss and reported as ErrConflict.
func (s *Store) AttachUploads(ctx context.Context, ids []uint64, owner uint64, kind string, refID uint64) (int64, error) {
	if len(ids) == 0 {
		return 0, nil
	}
	res := s.db.WithContext(ctx).Model(&Upload{}).
		Where("id IN ? AND owner_id = ? AND attached_kind = ''", ids, owner).
		Updates(map[string]any{"attached_kind": kind, "attached_id": refID})
	if res.Error != nil {
		var me *mysql.MySQLError
		if errors.As(res.Error, &me) && me.Number == 1020 {
			return 0, ErrConflict
		}
		return 0, translate(res.Error)
	}
	return res.RowsAffected, nil
}

// UploadSafeties returns the safety verdicts of the uploads ids (one per existing upload).
func (s *Store) UploadSafeties(ctx context.Context, ids []uint64) ([]string, error) {
	var out []string
	if len(ids) == 0 {
		return out, nil
	}
	err := s.db.WithContext(ctx).Model(&Upload{}).Where("id IN ?", ids).Pluck("safety", &out).Error
	return out, translate(err)
}

// AttachedUploads returns the uploads attached to any of refIDs of kind, by reference and
// then in upload order.
func (s *Store) AttachedUploads(ctx context.Context, kind string, refIDs []uint64) ([]Upload, error) {
	var out []Upload
	if len(refIDs) == 0 {
		return out, nil
	}
	err := s.db.WithContext(ctx).Where("attached_kind = ? AND attached_id IN ?", kind, refIDs).
		Order("attached_id, id").Find(&out).Error
	return out, translate(err)
}

// StaleUploads returns up to limit unattached uploads created before before, oldest first
// (the (attached_kind, created_at) index serves it).
func (s *Store) StaleUploads(ctx context.Context, before time.Time, limit int) ([]Upload, error) {
	var out []Upload
	err := s.db.WithContext(ctx).Where("attached_kind = '' AND created_at < ?", before).
		Order("created_at, id").Limit(limit).Find(&out).Error
	return out, translate(err)
}

// PassAttachedUploads marks every upload attached to (kind, refID) as checked: a person
// reviewed the thing they belong to and released it.
func (s *Store) PassAttachedUploads(ctx context.Context, kind string, refID uint64) error {
	return translate(s.db.WithContext(ctx).Model(&Upload{}).
		Where("attached_kind = ? AND attached_id = ?", kind, refID).Update("safety", "pass").Error)
}
