// Package wechattest is a fake WeChat mini-program server for tests. It answers like the real
// api.weixin.qq.com does for the calls the application makes: HTTP 200 with a JSON errcode body
// for errors, raw JPEG bytes for mini-program codes, access tokens checked on every call that
// needs one.
//
// Codes, users and phone codes are keyed by value, so many parallel tests can share one Server
// as long as they use distinct codes and openids. Settings that act on the whole server
// (SetDown, ExpireTokens, SetTokenExpiresIn, SetRiskyWords, SetPages, ...) are best used by
// tests that do not run in parallel with others. All methods are safe for concurrent use.
package wechattest

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
)

// Fixed credentials the fake accepts.
const (
	appID     = "wx0123456789abcdef"
	appSecret = "0123456789abcdef0123456789abcdef"
)

// DownMode says how the server behaves while it is "down".
type DownMode int

const (
	// DownNone: the server answers normally.
	DownNone DownMode = iota
	// DownBusy: every request answers {"errcode":-1,"errmsg":"system error"}.
	DownBusy
	// DownHang: every request is held until the client gives up, the mode changes, or the server
	// closes; a request released by a mode change answers errcode -1.
	DownHang
	// DownBadGateway: every request answers HTTP 502 with an HTML body, like a broken gateway.
	DownBadGateway
)

// Server is a running fake WeChat server.
type Server struct {
	// URL is the base URL of the server, e.g. "http://127.0.0.1:40123"; pass it as the APIBase.
	URL string

	srv       *httptest.Server
	closing   chan struct{}
	closeOnce sync.Once

	mu          sync.Mutex
	down        DownMode
	release     chan struct{} // closed when leaving DownHang
	codes       map[string]*loginCode
	failCodes   map[string]int
	hangCodes   map[string]bool
	phoneCodes  map[string]*phoneCode
	failPhone   map[string]int
	tokens      map[string]bool // issued token -> still valid
	current     string          // token stable_token hands out while valid
	expiresIn   int
	fetches     int
	calls       map[string]int
	risky       []string
	review      []string
	inactive    map[string]bool
	riskyImage  []byte
	sent        []SentMessage
	refuse      map[string]bool
	pages       map[string]bool // nil: any well-formed page exists
	nextMsgID   int64
	tokenSerial int
}

type loginCode struct {
	openid, unionid string
	used            bool
}

type phoneCode struct {
	phone string
	used  bool
}

// SentMessage is a subscription message the server accepted.
type SentMessage struct {
	ToUser     string
	TemplateID string
	Page       string
	Data       map[string]string
}

// DefaultRiskyImageMarker is the byte string that makes an uploaded image risky (87014) until
// SetRiskyImageMarker changes it.
const DefaultRiskyImageMarker = "wechattest:risky-image"

// New starts a fake server. Close it when done.
func New() *Server {
	s := &Server{
		closing:    make(chan struct{}),
		release:    make(chan struct{}),
		codes:      map[string]*loginCode{},
		failCodes:  map[string]int{},
		hangCodes:  map[string]bool{},
		phoneCodes: map[string]*phoneCode{},
		failPhone:  map[string]int{},
		tokens:     map[string]bool{},
		expiresIn:  7200,
		calls:      map[string]int{},
		inactive:   map[string]bool{},
		riskyImage: []byte(DefaultRiskyImageMarker),
		refuse:     map[string]bool{},
		nextMsgID:  1000,
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/sns/jscode2session", s.jscode2session)
	mux.HandleFunc("/cgi-bin/stable_token", s.stableToken)
	mux.HandleFunc("/wxa/business/getuserphonenumber", s.withToken(http.MethodPost, s.phoneNumber))
	mux.HandleFunc("/wxa/msg_sec_check", s.withToken(http.MethodPost, s.msgSecCheck))
	mux.HandleFunc("/wxa/img_sec_check", s.withToken(http.MethodPost, s.imgSecCheck))
	mux.HandleFunc("/cgi-bin/message/subscribe/send", s.withToken(http.MethodPost, s.subscribeSend))
	mux.HandleFunc("/wxa/getwxacodeunlimit", s.withToken(http.MethodPost, s.wxaCodeUnlimit))
	s.srv = httptest.NewServer(s.front(mux))
	s.URL = s.srv.URL
	return s
}

// Close releases held requests and shuts the server down.
func (s *Server) Close() {
	s.closeOnce.Do(func() { close(s.closing) })
	s.srv.Close()
}

// AppID returns the AppID the server accepts.
func (s *Server) AppID() string { return appID }

// AppSecret returns the AppSecret the server accepts; any other gives errcode 40125.
func (s *Server) AppSecret() string { return appSecret }

// SetDown switches the down mode of the whole server.
func (s *Server) SetDown(mode DownMode) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.down == DownHang && mode != DownHang {
		close(s.release)
		s.release = make(chan struct{})
	}
	s.down = mode
}

// Calls returns how many requests reached path (e.g. "/wxa/msg_sec_check"), whatever the answer.
func (s *Server) Calls(path string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[path]
}

// front applies the down mode and counts calls before the endpoints see a request.
func (s *Server) front(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.calls[r.URL.Path]++
		mode, release := s.down, s.release
		s.mu.Unlock()
		switch mode {
		case DownBusy:
			writeErr(w, -1, "system error")
			return
		case DownHang:
			s.hold(w, r, release)
			return
		case DownBadGateway:
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(http.StatusBadGateway)
			_, _ = fmt.Fprint(w, "<html><body><h1>502 Bad Gateway</h1></body></html>")
			return
		}
		next.ServeHTTP(w, r)
	})
}

// hold blocks until the client goes away, release is closed, or the server closes.
func (s *Server) hold(w http.ResponseWriter, r *http.Request, release <-chan struct{}) {
	select {
	case <-r.Context().Done():
	case <-s.closing:
	case <-release:
		writeErr(w, -1, "system error")
	}
}

// writeJSON answers HTTP 200 with v as JSON, the way WeChat does (also for errors).
func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json; encoding=utf-8")
	w.WriteHeader(http.StatusOK)
	_ = json.NewEncoder(w).Encode(v)
}

// errBody is WeChat's error answer.
type errBody struct {
	ErrCode int    `json:"errcode"`
	ErrMsg  string `json:"errmsg"`
}

func writeErr(w http.ResponseWriter, code int, msg string) {
	writeJSON(w, errBody{ErrCode: code, ErrMsg: msg})
}

// errMsgs are the errmsg texts WeChat uses for the codes the fake produces by itself or via
// FailCode and friends.
var errMsgs = map[int]string{
	-1:    "system error",
	40001: "invalid credential",
	40002: "invalid grant_type",
	40003: "invalid openid",
	40013: "invalid appid",
	40029: "invalid code",
	40037: "invalid template_id",
	40097: "invalid args",
	40125: "invalid appsecret",
	40163: "code been used",
	40169: "invalid length for scene, or the data is not json string",
	40226: "high risk user",
	41001: "access_token missing",
	41008: "missing code",
	41030: "invalid page",
	42001: "access_token expired",
	43101: "user refuse to accept the msg",
	43001: "require GET method",
	43002: "require POST method",
	45011: "api minute-quota reach limit  mustslower  retry next minute",
	47001: "data format error",
	47003: "argument invalid!",
	61010: "user is not active recently",
	87014: "risky content",
}

// errMsg is the errmsg for code, with a request id as WeChat appends it.
func errMsg(code int) string {
	m, ok := errMsgs[code]
	if !ok {
		m = "error"
	}
	return m + ", rid: " + randHex(12)
}

func randHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// requireMethod answers 43001/43002 when r does not use method.
func requireMethod(w http.ResponseWriter, r *http.Request, method string) bool {
	if r.Method == method {
		return true
	}
	if method == http.MethodGet {
		writeErr(w, 43001, errMsg(43001))
	} else {
		writeErr(w, 43002, errMsg(43002))
	}
	return false
}
