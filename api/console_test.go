package api_test

import (
	"net/http"
	"strings"
	"testing"

	"linli/app/apptest"
)

// consoleCookies logs openid in through the console's dev form and returns its cookies.
func consoleCookies(t *testing.T, e *apptest.Env, openid string) (session, csrf *http.Cookie) {
	t.Helper()
	res := e.Do("POST", "/api/v1/console/dev-login", map[string]string{"openid": openid}).Want(t, 200)
	for _, c := range (&http.Response{Header: res.Header}).Cookies() {
		switch c.Name {
		case "linli_session":
			session = c
		case "linli_csrf":
			csrf = c
		}
	}
	if session == nil || csrf == nil {
		t.Fatalf("cookies: %v", res.Header.Values("Set-Cookie"))
	}
	return session, csrf
}

// withCookies sends the cookies, and the CSRF header when header is not empty.
func withCookies(header string, cs ...*http.Cookie) apptest.Req {
	return func(r *http.Request) {
		for _, c := range cs {
			r.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value})
		}
		if header != "" {
			r.Header.Set("X-CSRF-Token", header)
		}
	}
}

func TestConsoleDevLoginCookies(t *testing.T) {
	t.Parallel()
	e := apptest.New(t)
	cm := e.MakeCommunity("工作台社区", 1, 1)
	e.MakeStaff(cm.ID, "console-staff")
	s, csrf := consoleCookies(t, e, "console-staff")
	if !s.HttpOnly || s.SameSite != http.SameSiteStrictMode || s.Path != "/" || s.MaxAge <= 0 {
		t.Errorf("session cookie %+v: want HttpOnly, SameSite=Strict, Path=/, Max-Age>0", s)
	}
	if s.Secure {
		t.Errorf("session cookie is Secure in dev mode (plain http://localhost would drop it)")
	}
	if csrf.HttpOnly || csrf.SameSite != http.SameSiteStrictMode || len(csrf.Value) != 64 {
		t.Errorf("csrf cookie %+v: want readable, SameSite=Strict, 32 random bytes", csrf)
	}
	if strings.Contains(string(e.Do("POST", "/api/v1/console/dev-login", map[string]string{"openid": "console-staff"}).Want(t, 200).Body), s.Value) {
		t.Errorf("the body carries the session token")
	}
	_, csrf2 := consoleCookies(t, e, "console-staff")
	if csrf2.Value == csrf.Value {
		t.Errorf("two logins got the same CSRF token")
	}

	var me struct {
		ID string `json:"id"`
	}
	e.Do("GET", "/api/v1/me", nil, withCookies(csrf.Value, s, csrf)).Want(t, 200).Data(t, &me)
	if me.ID == "" {
		t.Fatal("no user")
	}
	e.Do("GET", "/api/v1/communities/"+cm.ID+"/dashboard", nil, withCookies(csrf.Value, s, csrf)).Want(t, 200)
}

func TestConsoleCSRF(t *testing.T) {
	t.Parallel()
	e := apptest.New(t)
	cm := e.MakeCommunity("工作台防伪社区", 1, 1)
	e.MakeStaff(cm.ID, "csrf-staff")
	s, csrf := consoleCookies(t, e, "csrf-staff")
	// The browser sends cookies with a forged request; the forger cannot read the CSRF one.
	e.Do("GET", "/api/v1/me", nil, withCookies("", s, csrf)).Want(t, 403)
	e.Do("GET", "/api/v1/me", nil, withCookies("guess", s, csrf)).Want(t, 403)
	e.Do("PATCH", "/api/v1/me", map[string]string{"nickname": "伪造"}, withCookies(csrf.Value+"0", s, csrf)).Want(t, 403)
	// The header alone, without the cookie it must equal, is no proof either.
	e.Do("GET", "/api/v1/me", nil, withCookies(csrf.Value, s)).Want(t, 403)
	e.Do("GET", "/api/v1/me", nil, withCookies(csrf.Value, csrf)).Want(t, 401)
	e.Do("GET", "/api/v1/me", nil).Want(t, 401)
}

func TestConsoleOnlyStaffCaptainsAdmins(t *testing.T) {
	t.Parallel()
	e := apptest.New(t)
	cm := e.MakeCommunity("工作台角色社区", 1, 2)
	e.MakeResident("console-resident", cm.BuildingIDs[0], "101")
	e.MakeCaptain(cm.ID, "console-captain", cm.BuildingIDs[1])
	e.MakeAdmin("console-admin")
	for _, openid := range []string{"console-resident", "console-nobody"} {
		res := e.Do("POST", "/api/v1/console/dev-login", map[string]string{"openid": openid}).Want(t, 403)
		if len(res.Header.Values("Set-Cookie")) != 0 {
			t.Errorf("%s refused but got cookies %v", openid, res.Header.Values("Set-Cookie"))
		}
	}
	consoleCookies(t, e, "console-captain")
	consoleCookies(t, e, "console-admin")
	e.Do("POST", "/api/v1/console/dev-login", map[string]string{"openid": ""}).Want(t, 400)
}

func TestConsoleLogout(t *testing.T) {
	t.Parallel()
	e := apptest.New(t)
	cm := e.MakeCommunity("工作台退出社区", 1, 1)
	e.MakeStaff(cm.ID, "logout-staff")
	s, csrf := consoleCookies(t, e, "logout-staff")
	e.Do("POST", "/api/v1/console/logout", nil, withCookies("", s, csrf)).Want(t, 403)
	res := e.Do("POST", "/api/v1/console/logout", nil, withCookies(csrf.Value, s, csrf)).Want(t, 204)
	cleared := map[string]bool{}
	for _, c := range (&http.Response{Header: res.Header}).Cookies() {
		if c.MaxAge < 0 && c.Value == "" {
			cleared[c.Name] = true
		}
	}
	if !cleared["linli_session"] || !cleared["linli_csrf"] {
		t.Errorf("logout cleared %v: %v", cleared, res.Header.Values("Set-Cookie"))
	}
	e.Do("GET", "/api/v1/me", nil, withCookies(csrf.Value, s, csrf)).Want(t, 401)
}
