package service

import (
	"context"
	"strings"
	"time"

	"linli/model"
)

// ConsoleLifetime is how long a staff console (工作台网页) session lasts: it ends after Idle
// without a request, and MaxAge after its login however busy it is. A mini-program session
// slides by days (Auth.ttl); a browser left open in a shared office must not.
type ConsoleLifetime struct {
	Idle, MaxAge time.Duration
}

// consoleMark ends the cache entry of a console session ("uid:expiry:c"), so that a lookup
// from Redis or memory knows which lifetime slides it without the database.
const consoleMark = ":c"

// cachedConsole reports whether a session cache entry is a console session's.
func cachedConsole(entry string) bool { return strings.HasSuffix(entry, consoleMark) }

// minLeft is how long a session must still run for a lookup to trust its cached expiry;
// closer to its end, the lookup reads the database, which slides it. A mini-program session
// slides at most once a day (extendAfter); a console session once a tenth of its idle time,
// so that it ends between 90% and 100% of Idle after its last request, for one write every
// few minutes of use.
func (a *Auth) minLeft(console bool) time.Duration {
	if console {
		return a.console.Idle - a.console.Idle/10
	}
	return a.ttl - extendAfter
}

// slid is the expiry of session s used at now: a full lifetime from now, for a console
// session no later than its end.
func (a *Auth) slid(s *model.Session, now time.Time) time.Time {
	if !s.Console {
		return now.Add(a.ttl)
	}
	return minTime(now.Add(a.console.Idle), a.endOf(s))
}

// endOf is when session s ends however much it is used.
func (a *Auth) endOf(s *model.Session) time.Time {
	if !s.Console {
		return s.ExpiresAt
	}
	return s.CreatedAt.Add(a.console.MaxAge)
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

// OpenConsole opens a staff console session for a user whom the console's login code (a
// confirmed ticket) names; works says whether the user may still use the console (a role
// revoked since the confirmation is refused with 403, and no session is opened).
func (a *Auth) OpenConsole(ctx context.Context, userID uint64, works func(userID uint64) (bool, error)) (LoginResult, error) {
	ok, err := works(userID)
	if err != nil {
		return LoginResult{}, err
	}
	if !ok {
		return LoginResult{}, notConsoleStaff()
	}
	return a.newSession(ctx, userID, true)
}

// LogoutAll revokes every session of the user, the mini-program's and the console's (退出所有
// 设备), and evicts them from every instance's cache.
func (a *Auth) LogoutAll(ctx context.Context, userID uint64) error {
	hashes, err := a.store.RevokeUserSessions(ctx, userID)
	if err != nil {
		return err
	}
	a.Evict(ctx, hashes...)
	return nil
}
