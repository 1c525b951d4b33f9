package api_test

import (
	"net/http"
	"testing"
	"time"

	"linli/app/apptest"
)

// TestConsoleSessionIdle: a console session slides while it is used, ends after
// session.console_idle without a request, and ends console_max_age after its login however
// busy; the mini-program's session of the same person is not affected.
func TestConsoleSessionIdle(t *testing.T) {
	t.Parallel()
	e := apptest.New(t)
	cm := e.MakeCommunity("工作台闲置社区", 1, 1)
	phone := e.MakeStaff(cm.ID, "idle-staff")
	idle, maxAge := e.Config.Session.ConsoleIdle, e.Config.Session.ConsoleMaxAge
	s, csrf := consoleCookies(t, e, "idle-staff")
	me := func() *apptest.Response { return e.Do("GET", "/api/v1/me", nil, withCookies(csrf.Value, s, csrf)) }
	if s.MaxAge < int((maxAge - time.Minute).Seconds()) {
		t.Errorf("session cookie Max-Age %d: want the session's maximum age (%s), the server ends it sooner", s.MaxAge, maxAge)
	}
	for range 3 { // used every two thirds of the idle time: it lives on
		e.Clock.Add(idle * 2 / 3)
		me().Want(t, 200)
	}
	e.Clock.Add(idle + time.Second)
	me().Want(t, 401)
	e.Do("GET", "/api/v1/me", nil, apptest.Token(phone.Token)).Want(t, 200)

	s, csrf = consoleCookies(t, e, "idle-staff")
	for used := time.Duration(0); used+idle/2 < maxAge; used += idle / 2 {
		e.Clock.Add(idle / 2)
		me().Want(t, 200)
	}
	e.Clock.Add(idle / 2)
	me().Want(t, 401)
}

// TestConsoleLogoutAll: logging out everywhere from one browser ends the person's other
// console sessions and their mini-program session at once, and nobody else's.
func TestConsoleLogoutAll(t *testing.T) {
	t.Parallel()
	e := apptest.New(t)
	cm := e.MakeCommunity("工作台全部退出社区", 1, 1)
	phone := e.MakeStaff(cm.ID, "all-staff")
	other := e.MakeStaff(cm.ID, "all-other-staff")
	s1, c1 := consoleCookies(t, e, "all-staff")
	s2, c2 := consoleCookies(t, e, "all-staff")
	s3, c3 := consoleCookies(t, e, "all-other-staff")
	// Warm every cache first: the revocation must reach what is cached, not only the database.
	for _, r := range []apptest.Req{withCookies(c1.Value, s1, c1), withCookies(c2.Value, s2, c2), apptest.Token(phone.Token)} {
		e.Do("GET", "/api/v1/me", nil, r).Want(t, 200)
	}
	e.Do("POST", "/api/v1/console/logout-all", nil, withCookies("", s1, c1)).Want(t, 403) // CSRF holds here too
	res := e.Do("POST", "/api/v1/console/logout-all", nil, withCookies(c1.Value, s1, c1)).Want(t, 204)
	for _, c := range (&http.Response{Header: res.Header}).Cookies() {
		if c.Name == "linli_session" && c.Value != "" {
			t.Errorf("logout-all set a session cookie")
		}
	}
	for _, r := range []apptest.Req{withCookies(c1.Value, s1, c1), withCookies(c2.Value, s2, c2), apptest.Token(phone.Token)} {
		e.Do("GET", "/api/v1/me", nil, r).Want(t, 401)
	}
	e.Do("GET", "/api/v1/me", nil, withCookies(c3.Value, s3, c3)).Want(t, 200)
	e.Do("GET", "/api/v1/me", nil, apptest.Token(other.Token)).Want(t, 200)
	e.Do("POST", "/api/v1/console/logout-all", nil).Want(t, 401)
}
