package model

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// migrationLock names the MySQL advisory lock that keeps two starting instances from
// migrating at once. SQLite needs none: its migrations run in one IMMEDIATE transaction.
const migrationLock = "linli_migrate"

// Migrate applies every pending migration in order and records each in schema_migrations.
// It is safe to run on a database that already holds data and on one already up to date;
// a database migrated by a newer release (an unknown migration id) is refused.
func (s *Store) Migrate(ctx context.Context) error {
	db := s.db
	list := migrations()
	if len(list) == 0 {
		return nil
	}
	run := func(conn *gorm.DB) error {
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
	}
	db = db.WithContext(ctx)
	if db.Dialector.Name() != "mysql" {
		return run(db)
	}
	// The advisory lock lives on a connection of its own, held while the migrations run
	// on the pool.
	sqlDB, err := db.DB()
	if err != nil {
		return err
	}
	conn, err := sqlDB.Conn(ctx)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	defer conn.Close()
	var got sql.NullInt64
	if err := conn.QueryRowContext(ctx, "SELECT GET_LOCK(?, 120)", migrationLock).Scan(&got); err != nil {
		return fmt.Errorf("migrate: lock: %w", err)
	}
	if got.Int64 != 1 {
		return errors.New("migrate: another instance held the migration lock for 2 minutes")
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), "SELECT RELEASE_LOCK(?)", migrationLock)
	return run(db)
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
