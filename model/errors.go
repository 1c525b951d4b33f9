package model

import (
	"database/sql"
	"database/sql/driver"
	"errors"
	"net"
	"strings"
	"syscall"

	"github.com/go-sql-driver/mysql"
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

// IsOutage reports whether err says a server (the database, Redis, WeChat) could not be reached
// or dropped the connection, or that the database is shutting down or full: an outage to answer
// with 503 and retry later, not a bug.
func IsOutage(err error) bool {
	var op *net.OpError
	var my *mysql.MySQLError
	switch {
	case err == nil:
		return false
	case errors.Is(err, driver.ErrBadConn), errors.Is(err, mysql.ErrInvalidConn), errors.Is(err, sql.ErrConnDone),
		errors.As(err, &op), errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE):
		return true
	case strings.Contains(err.Error(), "sql: database is closed"): // database/sql keeps it unexported
		return true
	case errors.As(err, &my):
		switch my.Number {
		case 1040, 1053, 1927, 2002, 2003, 2006, 2013: // too many connections, shutdown, killed, gone away, lost
			return true
		}
	}
	return false
}
