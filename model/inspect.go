package model

import (
	"context"
	"fmt"
)

// Tables lists the application's tables (without the migrations table and the migration lock).
func (s *Store) Tables() ([]string, error) {
	all, err := s.db.Migrator().GetTables()
	if err != nil {
		return nil, err
	}
	out := all[:0]
	for _, t := range all {
		if t != "schema_migrations" && t != "schema_lock" && t != "sqlite_sequence" {
			out = append(out, t)
		}
	}
	return out, nil
}

// Count returns the number of rows of a table that Tables lists, optionally filtered by a
// condition with arguments (e.g. "user_id = ?", 7); for checks and tests.
func (s *Store) Count(ctx context.Context, table string, where string, args ...any) (int64, error) {
	tables, err := s.Tables()
	if err != nil {
		return 0, err
	}
	known := false
	for _, t := range tables {
		known = known || t == table
	}
	if !known {
		return 0, fmt.Errorf("count: unknown table %q", table)
	}
	q := s.db.WithContext(ctx).Table(table)
	if where != "" {
		q = q.Where(where, args...)
	}
	var n int64
	err = q.Count(&n).Error
	return n, err
}
