package api

import (
	"strings"

	"github.com/gin-gonic/gin"

	"linli/service"
)

const (
	userIDKey    = "linli.user_id"
	callerKey    = "linli.caller"
	principalKey = "linli.principal"
)

// requireUser admits requests with a live session token (a Bearer header, or the console's
// cookie with its CSRF header) and remembers the user.
func (a *API) requireUser(c *gin.Context) {
	token, ok := bearer(c.GetHeader("Authorization"))
	if !ok {
		// The console's cookie session, only with a matching CSRF header (console.go).
		var err error
		if token, ok, err = cookieSession(c); err != nil {
			fail(c, a.log, err)
			return
		}
	}
	if !ok {
		fail(c, a.log, service.Errorf(service.KindUnauthorized, "请先登录"))
		return
	}
	who, err := a.deps.Auth.Identify(c.Request.Context(), token)
	if err != nil {
		fail(c, a.log, err)
		return
	}
	c.Set(userIDKey, who.UserID)
	c.Set(callerKey, who)
	c.Next()
}

func bearer(h string) (string, bool) {
	scheme, token, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || token == "" {
		return "", false
	}
	return strings.TrimSpace(token), true
}

// userID is the authenticated user (requireUser ran).
func userID(c *gin.Context) uint64 { return c.GetUint64(userIDKey) }

// caller is the authenticated user with the identity read along with the session.
func caller(c *gin.Context) service.Caller {
	if v, ok := c.Get(callerKey); ok {
		return v.(service.Caller)
	}
	return service.Caller{UserID: userID(c)}
}

// principal loads, once per request, what the authenticated user may do.
func (a *API) principal(c *gin.Context) (*service.Principal, error) {
	if p, ok := c.Get(principalKey); ok {
		return p.(*service.Principal), nil
	}
	p, err := a.deps.Principals.Of(c.Request.Context(), caller(c))
	if err != nil {
		return nil, err
	}
	c.Set(principalKey, p)
	return p, nil
}

// authorize asks the policy; on refusal it writes the error and returns false.
func (a *API) authorize(c *gin.Context, action service.Action, s service.Scope) bool {
	p, err := a.principal(c)
	if err == nil {
		err = service.Authorize(p, action, s)
	}
	if err != nil {
		fail(c, a.log, err)
		return false
	}
	return true
}
