package wechattest

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"time"
)

// AddCode registers a wx.login code for openid (unionid may be empty). It works once; then it
// answers 40163. Unknown codes answer 40029.
func (s *Server) AddCode(code, openid, unionid string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.codes[code] = &loginCode{openid: openid, unionid: unionid}
}

// FailCode makes jscode2session answer errcode (e.g. 45011, -1, 40226) for code, every time.
func (s *Server) FailCode(code string, errcode int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failCodes[code] = errcode
}

// HangCode makes jscode2session hold the request for code until the client gives up or the
// server closes: a per-code DownHang that parallel tests can use.
func (s *Server) HangCode(code string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hangCodes[code] = true
}

// AddPhoneCode registers a getPhoneNumber code for a Chinese mainland number, e.g.
// "13800000000". It works once; then it answers 40163. Unknown codes answer 40029.
func (s *Server) AddPhoneCode(code, phone string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.phoneCodes[code] = &phoneCode{phone: phone}
}

// FailPhoneCode makes getuserphonenumber answer errcode for code, every time.
func (s *Server) FailPhoneCode(code string, errcode int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failPhone[code] = errcode
}

// jscode2session serves GET /sns/jscode2session?appid&secret&js_code&grant_type=authorization_code.
func (s *Server) jscode2session(w http.ResponseWriter, r *http.Request) {
	if !requireMethod(w, r, http.MethodGet) {
		return
	}
	q := r.URL.Query()
	code := q.Get("js_code")
	switch {
	case q.Get("appid") != appID:
		writeErr(w, 40013, errMsg(40013))
		return
	case q.Get("secret") != appSecret:
		writeErr(w, 40125, errMsg(40125))
		return
	case q.Get("grant_type") != "authorization_code":
		writeErr(w, 40002, errMsg(40002))
		return
	case code == "":
		writeErr(w, 41008, errMsg(41008))
		return
	}
	s.mu.Lock()
	fail, failing := s.failCodes[code]
	hang := s.hangCodes[code]
	lc := s.codes[code]
	var openid, unionid string
	used := false
	if lc != nil {
		openid, unionid, used = lc.openid, lc.unionid, lc.used
		lc.used = true
	}
	s.mu.Unlock()
	switch {
	case hang:
		s.hold(w, r, nil)
	case failing:
		writeErr(w, fail, errMsg(fail))
	case lc == nil:
		writeErr(w, 40029, errMsg(40029))
	case used:
		writeErr(w, 40163, errMsg(40163))
	default:
		key := make([]byte, 16)
		_, _ = rand.Read(key)
		body := map[string]string{"session_key": base64.StdEncoding.EncodeToString(key), "openid": openid}
		if unionid != "" {
			body["unionid"] = unionid
		}
		writeJSON(w, body)
	}
}

// phoneNumber serves POST /wxa/business/getuserphonenumber {"code"}.
func (s *Server) phoneNumber(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Code string `json:"code"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		writeErr(w, 47001, errMsg(47001))
		return
	}
	if req.Code == "" {
		writeErr(w, 41008, errMsg(41008))
		return
	}
	s.mu.Lock()
	fail, failing := s.failPhone[req.Code]
	pc := s.phoneCodes[req.Code]
	var phone string
	used := false
	if pc != nil && !failing {
		phone, used = pc.phone, pc.used
		pc.used = true
	}
	s.mu.Unlock()
	switch {
	case failing:
		writeErr(w, fail, errMsg(fail))
	case pc == nil:
		writeErr(w, 40029, errMsg(40029))
	case used:
		writeErr(w, 40163, errMsg(40163))
	default:
		// countryCode is a string, as WeChat sends it; the library cannot parse a number there.
		writeJSON(w, map[string]any{
			"errcode": 0,
			"errmsg":  "ok",
			"phone_info": map[string]any{
				"phoneNumber":     phone,
				"purePhoneNumber": phone,
				"countryCode":     "86",
				"watermark":       map[string]any{"timestamp": time.Now().Unix(), "appid": appID},
			},
		})
	}
}
