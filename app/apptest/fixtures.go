package apptest

// Session is a logged-in test user.
type Session struct {
	Token  string
	UserID string
}

// DevLogin logs in through POST /api/v1/auth/dev-login (dev mode) and returns the session.
func (e *Env) DevLogin(openid string) Session {
	e.T.Helper()
	var out struct {
		Token string `json:"token"`
		User  struct {
			ID string `json:"id"`
		} `json:"user"`
	}
	e.Do("POST", "/api/v1/auth/dev-login", map[string]string{"openid": openid}).Want(e.T, 200).Data(e.T, &out)
	return Session{Token: out.Token, UserID: out.User.ID}
}
