package config

import (
	"strings"
	"time"
)

// Session configures login sessions.
type Session struct {
	// TTL is the sliding lifetime of a session token of the mini-program.
	TTL time.Duration `koanf:"ttl"`
	// ConsoleIdle ends a staff console (工作台网页) session nobody has used for this long: a
	// browser left open in a shared office is not a key to the community's data for a month.
	ConsoleIdle time.Duration `koanf:"console_idle"`
	// ConsoleMaxAge ends a console session this long after its login, however busy it is.
	ConsoleMaxAge time.Duration `koanf:"console_max_age"`
}

// Console configures the staff console's login by mini-program code: the console shows a
// code, a staff member scans it with the mini-program and confirms there.
type Console struct {
	// TicketTTL is how long a login code may be scanned and confirmed.
	TicketTTL time.Duration `koanf:"ticket_ttl"`
	// TicketPage is the mini-program page the code opens (its scene is the ticket id): no
	// leading slash, no query, e.g. "pages/console/login".
	TicketPage string `koanf:"ticket_page"`
}

// validateConsole checks the console sessions' and login codes' settings.
func (c *Config) validateConsole(bad func(key, format string, args ...any) error) error {
	s, k := c.Session, c.Console
	if s.ConsoleIdle < time.Minute || s.ConsoleIdle > 24*time.Hour {
		return bad("session.console_idle", "must be between 1m and 24h, got %s", s.ConsoleIdle)
	}
	if s.ConsoleMaxAge < s.ConsoleIdle || s.ConsoleMaxAge > s.TTL {
		return bad("session.console_max_age", "must be between session.console_idle (%s) and session.ttl (%s), got %s",
			s.ConsoleIdle, s.TTL, s.ConsoleMaxAge)
	}
	if k.TicketTTL < 30*time.Second || k.TicketTTL > 30*time.Minute {
		return bad("console.ticket_ttl", "must be between 30s and 30m, got %s", k.TicketTTL)
	}
	if p := k.TicketPage; p == "" || len(p) > 128 || strings.HasPrefix(p, "/") || strings.ContainsAny(p, "?#& ") {
		return bad("console.ticket_page", "must be a mini-program page path without leading slash or query, got %q", p)
	}
	return nil
}
