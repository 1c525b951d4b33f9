// Package dbenv is the MariaDB and Redis set-up the scripts share: a fresh schema on the server
// a DSN names, dropped afterwards, and the deletion of a run's Redis keys.
package dbenv

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/go-sql-driver/mysql"

	"linli/model"
)

// ServerDSN is dsn without its database: a connection to the server itself.
func ServerDSN(dsn string) (string, error) {
	c, err := mysql.ParseDSN(dsn)
	if err != nil {
		return "", err
	}
	c.DBName = ""
	return c.FormatDSN(), nil
}

// Exec runs one statement on the server of dsn, with no database selected.
func Exec(ctx context.Context, dsn, stmt string) error {
	server, err := ServerDSN(dsn)
	if err != nil {
		return err
	}
	db, err := sql.Open("mysql", server)
	if err != nil {
		return err
	}
	defer db.Close()
	_, err = db.ExecContext(ctx, stmt)
	return err
}

// CreateSchema creates the schema name (utf8mb4, utf8mb4_unicode_ci, as the server's
// connections use) on the server of dsn, and returns a DSN of it and a function that drops it.
func CreateSchema(ctx context.Context, dsn, name string) (string, func(), error) {
	if _, err := ServerDSN(dsn); err != nil {
		return "", nil, fmt.Errorf("MySQL DSN: %w", err)
	}
	if err := Exec(ctx, dsn, "CREATE DATABASE `"+name+"` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"); err != nil {
		return "", nil, fmt.Errorf("create schema (is MariaDB running?): %w", err)
	}
	return DSN(dsn, name), func() { DropSchema(dsn, name) }, nil
}

// DSN is dsn naming the database name instead (dsn must parse: CreateSchema checked it).
func DSN(dsn, name string) string {
	out, _ := model.MySQLWithDatabase(dsn, name)
	return out
}

// DropSchema drops the schema name on the server of dsn, if it is there; it opens a connection
// of its own (the server may have restarted since the schema was made) and gives up after 30 s.
func DropSchema(dsn, name string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_ = Exec(ctx, dsn, "DROP DATABASE IF EXISTS `"+name+"`")
}
