package wechattest

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

func get(t *testing.T, u string) (*http.Response, map[string]any) {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	return decode(t, resp)
}

func post(t *testing.T, u string, body any) (*http.Response, map[string]any) {
	t.Helper()
	b, _ := json.Marshal(body)
	resp, err := http.Post(u, "application/json", bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	return decode(t, resp)
}

func decode(t *testing.T, resp *http.Response) (*http.Response, map[string]any) {
	t.Helper()
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var m map[string]any
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		if err := json.Unmarshal(raw, &m); err != nil {
			t.Fatalf("bad JSON %q: %v", raw, err)
		}
	}
	return resp, m
}

func errcode(m map[string]any) int {
	f, _ := m["errcode"].(float64)
	return int(f)
}

func TestJSCode2SessionChecksParameters(t *testing.T) {
	s := New()
	defer s.Close()
	s.AddCode("c1", "o1", "u1")
	q := url.Values{"appid": {s.AppID()}, "secret": {s.AppSecret()}, "js_code": {"c1"}, "grant_type": {"authorization_code"}}
	with := func(k, v string) string {
		c := url.Values{}
		for kk, vv := range q {
			c[kk] = vv
		}
		c.Set(k, v)
		return s.URL + "/sns/jscode2session?" + c.Encode()
	}
	for _, tc := range []struct {
		url  string
		want int
	}{
		{with("secret", "nope"), 40125},
		{with("appid", "wxnope"), 40013},
		{with("grant_type", "client_credential"), 40002},
		{with("js_code", ""), 41008},
		{with("js_code", "unknown"), 40029},
	} {
		resp, m := get(t, tc.url)
		if resp.StatusCode != 200 || errcode(m) != tc.want {
			t.Errorf("%s: status %d body %v, want 200 errcode %d", tc.url, resp.StatusCode, m, tc.want)
		}
	}
	_, m := get(t, with("js_code", "c1"))
	if m["openid"] != "o1" || m["unionid"] != "u1" || m["session_key"] == "" || m["errcode"] != nil {
		t.Fatalf("ok answer %v", m)
	}
	_, m = get(t, with("js_code", "c1"))
	if errcode(m) != 40163 || !strings.Contains(m["errmsg"].(string), "rid:") {
		t.Fatalf("reuse answer %v", m)
	}
}

func token(t *testing.T, s *Server) string {
	t.Helper()
	_, m := post(t, s.URL+"/cgi-bin/stable_token", map[string]any{
		"grant_type": "client_credential", "appid": s.AppID(), "secret": s.AppSecret(), "force_refresh": false,
	})
	tok, _ := m["access_token"].(string)
	if tok == "" || m["expires_in"].(float64) != 7200 {
		t.Fatalf("stable_token answer %v", m)
	}
	return tok
}

func TestTokensAndShapes(t *testing.T) {
	s := New()
	defer s.Close()
	_, m := post(t, s.URL+"/cgi-bin/stable_token", map[string]any{"grant_type": "client_credential", "appid": s.AppID(), "secret": "x"})
	if errcode(m) != 40125 {
		t.Fatalf("bad secret: %v", m)
	}
	tok := token(t, s)
	if tok2 := token(t, s); tok2 != tok {
		t.Fatal("stable_token changed a valid token without force_refresh")
	}
	if s.TokenFetches() != 3 {
		t.Fatalf("TokenFetches = %d", s.TokenFetches())
	}

	_, m = post(t, s.URL+"/wxa/business/getuserphonenumber", map[string]any{"code": "p"})
	if errcode(m) != 41001 {
		t.Fatalf("missing token: %v", m)
	}
	s.AddPhoneCode("p", "13800000000")
	_, m = post(t, s.URL+"/wxa/business/getuserphonenumber?access_token="+tok, map[string]any{"code": "p"})
	info, _ := m["phone_info"].(map[string]any)
	if errcode(m) != 0 || info["countryCode"] != "86" || info["phoneNumber"] != "13800000000" {
		t.Fatalf("phone answer %v", m)
	}

	resp, err := http.Post(s.URL+"/wxa/getwxacodeunlimit?access_token="+tok, "application/json", strings.NewReader(`{"scene":"a=1","page":"pages/x"}`))
	if err != nil {
		t.Fatal(err)
	}
	img, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); ct != "image/jpeg" {
		t.Fatalf("Content-Type %q", ct)
	}
	if sc, pg, ok := QRCodeInfo(img); !ok || sc != "a=1" || pg != "pages/x" {
		t.Fatalf("QRCodeInfo = %q %q %v", sc, pg, ok)
	}
	s.SetPages("pages/x")
	_, m = post(t, s.URL+"/wxa/getwxacodeunlimit?access_token="+tok, map[string]any{"scene": "a=1", "page": "pages/y"})
	if errcode(m) != 41030 {
		t.Fatalf("unknown page: %v", m)
	}

	s.ExpireTokens()
	resp, m = post(t, s.URL+"/wxa/msg_sec_check?access_token="+tok, map[string]any{"openid": "o", "scene": 1, "version": 2, "content": "x"})
	if resp.StatusCode != 200 || errcode(m) != 40001 {
		t.Fatalf("dead token: %d %v", resp.StatusCode, m)
	}
	if token(t, s) == tok {
		t.Fatal("stable_token handed out an expired token")
	}
}

func TestCloseReleasesHeldRequests(t *testing.T) {
	s := New()
	s.SetDown(DownHang)
	done := make(chan struct{})
	go func() {
		defer close(done)
		resp, err := http.Get(s.URL + "/sns/jscode2session")
		if err == nil {
			resp.Body.Close()
		}
	}()
	waitCalls(t, s, "/sns/jscode2session", 1)
	closed := make(chan struct{})
	go func() { s.Close(); close(closed) }()
	select {
	case <-closed:
	case <-time.After(3 * time.Second):
		t.Fatal("Close blocked on a held request")
	}
	<-done
}

func TestLeavingHangReleasesWithBusy(t *testing.T) {
	s := New()
	defer s.Close()
	s.SetDown(DownHang)
	got := make(chan *http.Response, 1)
	go func() {
		resp, err := http.Get(s.URL + "/sns/jscode2session")
		if err != nil {
			resp = nil
		}
		got <- resp
	}()
	waitCalls(t, s, "/sns/jscode2session", 1)
	s.SetDown(DownNone)
	select {
	case resp := <-got:
		if resp == nil {
			t.Fatal("request failed")
		}
		if _, m := decode(t, resp); errcode(m) != -1 {
			t.Fatalf("released answer %v", m)
		}
	case <-time.After(3 * time.Second):
		t.Fatal("request still held")
	}
}

// waitCalls waits until the server has seen n requests to path.
func waitCalls(t *testing.T, s *Server, path string, n int) {
	t.Helper()
	deadline := time.Now().Add(3 * time.Second)
	for s.Calls(path) < n {
		if time.Now().After(deadline) {
			t.Fatalf("%s: %d calls, want %d", path, s.Calls(path), n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
