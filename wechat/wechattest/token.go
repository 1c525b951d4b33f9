package wechattest

import (
	"encoding/json"
	"fmt"
	"net/http"
)

// ExpireTokens kills every access token issued so far: calls that use one answer
// errcode 40001, and the next stable_token call issues a new token.
func (s *Server) ExpireTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for t := range s.tokens {
		s.tokens[t] = false
	}
	s.current = ""
}

// TokenFetches returns how many stable_token requests the server received (failed ones too).
func (s *Server) TokenFetches() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.fetches
}

// SetTokenExpiresIn sets the expires_in (seconds) that stable_token answers; 7200 by default.
// The real stable token answers its remaining lifetime, which can be as low as a few seconds.
func (s *Server) SetTokenExpiresIn(seconds int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.expiresIn = seconds
}

// stableToken serves POST /cgi-bin/stable_token: {grant_type, appid, secret, force_refresh}.
// Without force_refresh it hands out the same token while it is valid, like WeChat.
func (s *Server) stableToken(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.fetches++
	s.mu.Unlock()
	if !requireMethod(w, r, http.MethodPost) {
		return
	}
	var req struct {
		GrantType    string `json:"grant_type"`
		AppID        string `json:"appid"`
		Secret       string `json:"secret"`
		ForceRefresh bool   `json:"force_refresh"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		writeErr(w, 47001, errMsg(47001))
		return
	}
	switch {
	case req.GrantType != "client_credential":
		writeErr(w, 40002, errMsg(40002))
		return
	case req.AppID != appID:
		writeErr(w, 40013, errMsg(40013))
		return
	case req.Secret != appSecret:
		writeErr(w, 40125, errMsg(40125))
		return
	}
	s.mu.Lock()
	if req.ForceRefresh || s.current == "" {
		if s.current != "" {
			s.tokens[s.current] = false
		}
		s.tokenSerial++
		s.current = fmt.Sprintf("fake_token_%d_%s", s.tokenSerial, randHex(16))
		s.tokens[s.current] = true
	}
	tok, exp := s.current, s.expiresIn
	s.mu.Unlock()
	writeJSON(w, map[string]any{"access_token": tok, "expires_in": exp})
}

// withToken checks the method and the access_token query parameter of a token-using call.
func (s *Server) withToken(method string, next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		tok := r.URL.Query().Get("access_token")
		if tok == "" {
			writeErr(w, 41001, errMsg(41001))
			return
		}
		s.mu.Lock()
		valid, known := s.tokens[tok]
		s.mu.Unlock()
		if !known || !valid {
			writeErr(w, 40001, "invalid credential, access_token is invalid or not latest, rid: "+randHex(12))
			return
		}
		if !requireMethod(w, r, method) {
			return
		}
		next(w, r)
	}
}
