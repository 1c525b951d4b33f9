package model

import (
	"github.com/go-gormigrate/gormigrate/v2"
)

// migrations is the ordered, append-only list of schema changes. Each migration declares the
// tables as they were at that version (local struct types), never the current models, so that
// a later change to a model cannot rewrite history.
func migrations() []*gormigrate.Migration {
	return []*gormigrate.Migration{}
}
