package model

import (
	"context"
	"errors"
	"fmt"

	"github.com/go-gormigrate/gormigrate/v2"
)

// Migrate applies every pending migration in order and records each in schema_migrations.
// It is safe to run on a database that already holds data and on one already up to date;
// a database migrated by a newer release (an unknown migration id) is refused. Instances that
// start together take turns by the migration lock (migrate_lock.go); on SQLite each migration
// also runs in its own IMMEDIATE transaction.
func (s *Store) Migrate(ctx context.Context) error {
	list := migrations()
	if len(list) == 0 {
		return nil
	}
	lock, err := acquireMigrationLock(ctx, s.db, lockWait)
	if err != nil {
		return err
	}
	// A failed release leaves the row to expire: the next instance takes it over after the lease.
	defer func() { _ = lock.release(ctx) }()
	return lock.hold(ctx, func(ctx context.Context) error {
		conn := s.db.WithContext(ctx)
		m := gormigrate.New(conn, &gormigrate.Options{
			TableName:                 "schema_migrations",
			IDColumnName:              "id",
			IDColumnSize:              191,
			UseTransaction:            conn.Dialector.Name() != "mysql", // MySQL DDL commits implicitly
			ValidateUnknownMigrations: true,
		}, list)
		if err := m.Migrate(); err != nil {
			if errors.Is(err, gormigrate.ErrUnknownPastMigration) {
				return fmt.Errorf("migrate: the database was migrated by a newer Linli: %w", err)
			}
			return fmt.Errorf("migrate: %w", err)
		}
		return nil
	})
}

// PendingMigrations lists the ids of migrations not yet applied.
func (s *Store) PendingMigrations(ctx context.Context) ([]string, error) {
	db := s.db
	var done []string
	if db.Migrator().HasTable("schema_migrations") {
		if err := db.WithContext(ctx).Table("schema_migrations").Pluck("id", &done).Error; err != nil {
			return nil, err
		}
	}
	applied := map[string]bool{}
	for _, id := range done {
		applied[id] = true
	}
	var out []string
	for _, m := range migrations() {
		if !applied[m.ID] {
			out = append(out, m.ID)
		}
	}
	return out, nil
}
