// Package model holds the gorm models, queries and migrations. It is the only package that
// imports gorm; it turns driver errors into ErrNotFound and ErrConflict.
package model

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/ncruces/go-sqlite3/gormlite"
	gmysql "gorm.io/driver/mysql"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"linli/clock"
	"linli/config"
)

// SQLiteFile is the name of the embedded database file inside the data directory.
const SQLiteFile = "linli.db"

// Store is the database: every query the services run is a method on it. A Store is either the
// pool or one transaction (inside Tx).
type Store struct {
	db *gorm.DB
	// places keeps communities and buildings read (they are never changed or deleted); nil in
	// a transaction's store, whose reads may see rows that are rolled back.
	places *placeMemory
	// clock is where the store reads the time it writes (updated_at, revoked_at, …).
	clock clock.Clock
	// onStatement, when set, is told every SQL statement gorm runs (WithStatementHook).
	onStatement func(ctx context.Context, sql string)
}

// Option adjusts how Open builds the store.
type Option func(*Store)

// WithClock makes the store read the time from c (default: the wall clock); the services are
// given the same clock, so that what they and the store write agrees.
func WithClock(c clock.Clock) Option { return func(s *Store) { s.clock = clock.Or(c) } }

// WithStatementHook tells f every SQL statement the store runs through gorm (queries, writes,
// raw statements and the migrations' DDL), with its arguments interpolated, after it ran. It
// is for tests that check what SQL the code sends (apptest's check against gap locks and
// GET_LOCK); f must be safe for concurrent use.
func WithStatementHook(f func(ctx context.Context, sql string)) Option {
	return func(s *Store) { s.onStatement = f }
}

// now is the store's time, in UTC to the microsecond (what both databases keep).
func (s *Store) now() time.Time { return s.clock.Now().UTC().Truncate(time.Microsecond) }

// Open connects to the configured database and sizes its pool. It does not migrate.
func Open(ctx context.Context, cfg config.DB, dataDir string, opts ...Option) (*Store, error) {
	st := &Store{places: newPlaceMemory(), clock: clock.Wall{}}
	for _, o := range opts {
		o(st)
	}
	var dialector gorm.Dialector
	switch cfg.Driver {
	case "sqlite":
		if err := os.MkdirAll(dataDir, 0o750); err != nil {
			return nil, fmt.Errorf("database: create data directory: %w", err)
		}
		dialector = gormlite.Open(SQLiteDSN(SQLitePath(dataDir)))
	case "mysql":
		dsn, err := normalizeMySQLDSN(cfg.DSN)
		if err != nil {
			return nil, err
		}
		dialector = gmysql.Open(dsn)
	default:
		return nil, fmt.Errorf("database: unknown driver %q", cfg.Driver)
	}
	var log logger.Interface = logger.Discard
	if st.onStatement != nil {
		log = statementLogger{f: st.onStatement}
	}
	db, err := gorm.Open(dialector, &gorm.Config{
		TranslateError:         true,
		SkipDefaultTransaction: true,
		Logger:                 log,
		NowFunc:                st.now,
	})
	if err != nil {
		return nil, fmt.Errorf("database: open %s: %w", cfg.Driver, err)
	}
	sqlDB, err := db.DB()
	if err != nil {
		return nil, fmt.Errorf("database: %w", err)
	}
	sqlDB.SetMaxOpenConns(cfg.MaxOpenConns)
	sqlDB.SetMaxIdleConns(cfg.MaxIdleConns)
	sqlDB.SetConnMaxLifetime(cfg.ConnMaxLifetime)
	pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := sqlDB.PingContext(pingCtx); err != nil {
		_ = sqlDB.Close()
		return nil, fmt.Errorf("database: cannot reach %s: %w", cfg.Driver, err)
	}
	st.db = db
	return st, nil
}

// SQLitePath is where the embedded database lives in the data directory.
func SQLitePath(dataDir string) string { return filepath.Join(dataDir, SQLiteFile) }

// SQLiteDSN is the measured DSN for the embedded database: WAL, a busy timeout so that writers
// wait instead of failing, foreign keys, and BEGIN IMMEDIATE for every write transaction (a
// deferred transaction that reads before it writes fails at once with "database is locked").
func SQLiteDSN(path string) string {
	return "file:" + path + "?_pragma=busy_timeout(10000)&_pragma=journal_mode(wal)" +
		"&_pragma=foreign_keys(on)&_pragma=synchronous(normal)&_txlock=immediate"
}

// normalizeMySQLDSN makes sure times are parsed and stored as UTC and text is utf8mb4,
// whatever the operator's DSN says, because the code relies on both.
func normalizeMySQLDSN(dsn string) (string, error) {
	c, err := mysql.ParseDSN(dsn)
	if err != nil {
		return "", fmt.Errorf("database: db.dsn (LINLI_DB_DSN) is not a MySQL DSN: %s", redactDSNError(err))
	}
	c.ParseTime = true
	c.Loc = time.UTC
	if c.Params == nil {
		c.Params = map[string]string{}
	}
	if _, ok := c.Params["charset"]; !ok {
		c.Params["charset"] = "utf8mb4"
	}
	c.Collation = "utf8mb4_unicode_ci"
	// Arguments are escaped by the driver (safe with utf8mb4) instead of a server-side prepared
	// statement per query: one round trip per query instead of three (prepare, execute, close).
	c.InterpolateParams = true
	return c.FormatDSN(), nil
}

func redactDSNError(err error) string {
	s := err.Error()
	if i := strings.Index(s, "@"); i >= 0 {
		return "invalid DSN"
	}
	return s
}

// Close closes the pool.
func (s *Store) Close() error {
	sqlDB, err := s.db.DB()
	if err != nil {
		return err
	}
	return sqlDB.Close()
}

// Ping checks that the database answers, for readiness probes.
func (s *Store) Ping(ctx context.Context) error {
	sqlDB, err := s.db.DB()
	if err != nil {
		return err
	}
	return sqlDB.PingContext(ctx)
}

// SQL exposes the pool for metrics (pool statistics); queries go through Store methods.
func (s *Store) SQL() *sql.DB {
	sqlDB, _ := s.db.DB()
	return sqlDB
}

// Driver is "sqlite" or "mysql".
func (s *Store) Driver() string {
	return s.db.Dialector.Name()
}

// Tx runs fn in one transaction; fn's Store is bound to it. Returning an error rolls back.
func (s *Store) Tx(ctx context.Context, fn func(tx *Store) error) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		return fn(&Store{db: tx, clock: s.clock})
	})
}

// MySQLWithDatabase returns dsn with its database name replaced (used to create test schemas).
func MySQLWithDatabase(dsn, database string) (string, error) {
	c, err := mysql.ParseDSN(dsn)
	if err != nil {
		return "", err
	}
	c.DBName = database
	return c.FormatDSN(), nil
}
