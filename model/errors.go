package model

import (
	"errors"

	"gorm.io/gorm"
)

// ErrNotFound means the row asked for does not exist (or is not visible in the given scope).
var ErrNotFound = errors.New("not found")

// ErrConflict means a unique key or a condition of a conditional update refused the write.
var ErrConflict = errors.New("conflict")

// translate maps gorm's errors onto the model's own.
func translate(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, gorm.ErrRecordNotFound):
		return ErrNotFound
	case errors.Is(err, gorm.ErrDuplicatedKey), errors.Is(err, gorm.ErrForeignKeyViolated):
		return ErrConflict
	}
	return err
}
