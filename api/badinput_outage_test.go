package api_test

import (
	"database/sql/driver"
	"errors"
	"fmt"
	"net"
	"syscall"
	"testing"

	"github.com/go-sql-driver/mysql"

	"linli/service"
)

// TestOutagesAreUnavailableNotInternal: the errors a database or Redis outage produces (the
// ones scripts/fault meets when it stops MariaDB or Redis under load), however a service wraps
// them, are 503 (retry later), never 500; anything else stays a 500.
func TestOutagesAreUnavailableNotInternal(t *testing.T) {
	t.Parallel()
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: &net.AddrError{Err: "connection refused"}}
	for _, c := range []struct {
		name string
		err  error
		want service.Kind
	}{
		{"dial refused", refused, service.KindUnavailable},
		{"dial refused, wrapped", fmt.Errorf("notify: inbox: %w", refused), service.KindUnavailable},
		{"ECONNREFUSED", fmt.Errorf("read: %w", syscall.ECONNREFUSED), service.KindUnavailable},
		{"connection reset", fmt.Errorf("write: %w", syscall.ECONNRESET), service.KindUnavailable},
		{"bad driver connection", driver.ErrBadConn, service.KindUnavailable},
		{"invalid connection", mysql.ErrInvalidConn, service.KindUnavailable},
		{"server shutdown in progress", &mysql.MySQLError{Number: 1053, Message: "Server shutdown in progress"}, service.KindUnavailable},
		{"too many connections", &mysql.MySQLError{Number: 1040}, service.KindUnavailable},
		{"duplicate key (a bug here)", &mysql.MySQLError{Number: 1062}, service.KindInternal},
		{"a bug", errors.New("nil map"), service.KindInternal},
	} {
		e := service.Internal(c.err)
		if e.Kind != c.want {
			t.Errorf("%s: kind %d, want %d", c.name, e.Kind, c.want)
		}
		if !errors.Is(e, c.err) {
			t.Errorf("%s: the cause is lost", c.name)
		}
	}
}
