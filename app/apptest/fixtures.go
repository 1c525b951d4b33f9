package apptest

// Session is a logged-in test user.
type Session struct {
	Token  string
	UserID string
}

// DevLogin logs a test user in: through POST /api/v1/auth/dev-login in dev mode, or, when the
// env runs WithWeChat, through POST /api/v1/auth/login with a fresh code the fake WeChat
// server maps to openid.
func (e *Env) DevLogin(openid string) Session {
	e.T.Helper()
	var out struct {
		Token string `json:"token"`
		User  struct {
			ID string `json:"id"`
		} `json:"user"`
	}
	if e.Config.DevMode() {
		e.Do("POST", "/api/v1/auth/dev-login", map[string]string{"openid": openid}).Want(e.T, 200).Data(e.T, &out)
	} else {
		code := "code-" + randomSuffix() + randomSuffix()
		WeChat().AddCode(code, openid, "")
		e.Do("POST", "/api/v1/auth/login", map[string]string{"code": code}).Want(e.T, 200).Data(e.T, &out)
	}
	return Session{Token: out.Token, UserID: out.User.ID}
}
