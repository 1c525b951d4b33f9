package api

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"linli/service"
)

// The staff console (工作台网页, /console/) keeps its session in cookies: the token in an
// HttpOnly one the page's script cannot read, and a random CSRF token in a readable one the
// page echoes in the X-CSRF-Token header. A request without a Bearer header is accepted with
// the session cookie only when that header equals the CSRF cookie (session.go).
const (
	sessionCookie = "linli_session"
	csrfCookie    = "linli_csrf"
	csrfHeader    = "X-CSRF-Token"
)

// ConsoleLoginRequest names the dev user to open a console session for.
type ConsoleLoginRequest struct {
	OpenID string `json:"openid" label:"用户标识" validate:"required,min=1,max=48,alphanumunicode|printascii" description:"开发模式下自选的用户标识（同 POST /auth/dev-login）"`
}

// ConsoleSessionDTO is an open console session (the token itself is only in the cookie).
type ConsoleSessionDTO struct {
	ExpiresAt time.Time `json:"expires_at" description:"会话闲置到此时即失效（每次使用向后顺延 session.console_idle，默认 30 分钟；登录 session.console_max_age 后无论如何失效）"`
	User      UserDTO   `json:"user"`
}

func (a *API) consoleRoutes() error {
	if err := a.handle(a.v1, route{op: "consoleDevLogin", method: "POST", path: "/console/dev-login", tag: "工作台网页",
		summary: "工作台网页开发登录（仅开发模式）",
		description: "以 openid 登录工作台网页：会话令牌放在 HttpOnly、SameSite=Strict 的 Cookie（linli_session）中，" +
			"另发可读的 CSRF Cookie（linli_csrf），此后每个请求须在请求头 X-CSRF-Token 中带上它。" +
			"只有平台管理员、社区工作人员与楼栋长可登录，其他用户 403。配置了微信 AppID 时返回 404。",
		req: new(ConsoleLoginRequest), resp: data[ConsoleSessionDTO](), errors: []int{403, 404, 429}},
		a.h(a.consoleDevLogin)); err != nil {
		return err
	}
	if err := a.handle(a.v1, route{op: "consoleLogout", method: "POST", path: "/console/logout", tag: "工作台网页",
		summary:     "退出工作台网页",
		description: "立即吊销当前会话，并清除会话与 CSRF Cookie。用 Cookie 会话时须带 X-CSRF-Token 请求头。",
		auth:        true, status: 204}, a.requireUser, a.h(a.consoleLogout)); err != nil {
		return err
	}
	if err := a.handle(a.v1, route{op: "consoleLogoutAll", method: "POST", path: "/console/logout-all", tag: "工作台网页",
		summary: "退出所有设备",
		description: "立即吊销本人的全部会话：所有浏览器中的工作台会话与小程序的登录（如电脑遗失时），并清除本浏览器的会话与 CSRF Cookie。" +
			"用 Cookie 会话时须带 X-CSRF-Token 请求头。",
		auth: true, status: 204}, a.requireUser, a.h(a.consoleLogoutAll)); err != nil {
		return err
	}
	return a.consoleTicketRoutes()
}

func (a *API) consoleLogoutAll(c *gin.Context) error {
	if err := a.deps.Auth.LogoutAll(c.Request.Context(), userID(c)); err != nil {
		return err
	}
	a.setCookie(c, sessionCookie, "", -1, true)
	a.setCookie(c, csrfCookie, "", -1, false)
	c.Status(http.StatusNoContent)
	return nil
}

func (a *API) consoleDevLogin(c *gin.Context) error {
	if !a.deps.Auth.DevModeEnabled() {
		return service.Errorf(service.KindNotFound, "请求的接口不存在")
	}
	var req ConsoleLoginRequest
	if err := a.bind.Request(c, &req); err != nil {
		return err
	}
	ctx := c.Request.Context()
	res, err := a.deps.Auth.ConsoleDevLogin(ctx, req.OpenID, c.ClientIP(), func(userID uint64) (bool, error) {
		p, err := a.deps.Principals.Load(ctx, userID)
		return service.WorksInConsole(p), err
	})
	if err != nil {
		return err
	}
	s, err := a.startConsoleSession(c, res)
	if err != nil {
		return err
	}
	ok(c, http.StatusOK, s)
	return nil
}

// startConsoleSession hands a new console session to the browser: the token in the HttpOnly
// session cookie, a fresh CSRF token in the readable one, both kept until the session's end
// at the latest (the server ends it sooner when it goes unused).
func (a *API) startConsoleSession(c *gin.Context, res service.LoginResult) (ConsoleSessionDTO, error) {
	me, err := a.deps.Users.Me(c.Request.Context(), res.UserID)
	if err != nil {
		return ConsoleSessionDTO{}, err
	}
	csrf, err := randomToken()
	if err != nil {
		return ConsoleSessionDTO{}, service.Internal(err)
	}
	maxAge := int(res.EndsAt.Sub(a.deps.Clock.Now()).Seconds())
	a.setCookie(c, sessionCookie, res.Token, maxAge, true)
	a.setCookie(c, csrfCookie, csrf, maxAge, false)
	return ConsoleSessionDTO{ExpiresAt: Time(res.ExpiresAt), User: userDTO(me)}, nil
}

func (a *API) consoleLogout(c *gin.Context) error {
	token, found := bearer(c.GetHeader("Authorization"))
	if !found {
		token, _ = c.Cookie(sessionCookie)
	}
	if err := a.deps.Auth.Logout(c.Request.Context(), token); err != nil {
		return err
	}
	a.setCookie(c, sessionCookie, "", -1, true)
	a.setCookie(c, csrfCookie, "", -1, false)
	c.Status(http.StatusNoContent)
	return nil
}

// setCookie sets a console cookie: path /, SameSite=Strict, Secure unless in dev mode.
func (a *API) setCookie(c *gin.Context, name, value string, maxAge int, httpOnly bool) {
	http.SetCookie(c.Writer, &http.Cookie{Name: name, Value: value, Path: "/", MaxAge: maxAge,
		HttpOnly: httpOnly, Secure: !a.deps.Auth.DevModeEnabled(), SameSite: http.SameSiteStrictMode})
}

// cookieSession is the session token of a console request without a Bearer header: found is
// false when there is no session cookie; an error when the CSRF header does not match.
func cookieSession(c *gin.Context) (token string, found bool, err error) {
	token, cerr := c.Cookie(sessionCookie)
	if cerr != nil || token == "" {
		return "", false, nil
	}
	want, cerr := c.Cookie(csrfCookie)
	got := c.GetHeader(csrfHeader)
	if cerr != nil || want == "" || subtle.ConstantTimeCompare([]byte(want), []byte(got)) != 1 {
		return "", true, service.Errorf(service.KindForbidden, "安全校验失败（缺少或错误的 X-CSRF-Token），请刷新页面后重试")
	}
	return token, true, nil
}

func randomToken() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return hex.EncodeToString(b), nil
}
