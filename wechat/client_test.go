package wechat

import (
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/silenceper/wechat/v2/util"
)

func TestNewValidates(t *testing.T) {
	t.Parallel()
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1"})
	t.Cleanup(func() { _ = rdb.Close() })
	bad := []Config{
		{AppSecret: "s3cr3tvalue"},
		{AppID: "wx1"},
		{AppID: "wx1&x=1", AppSecret: "s3cr3tvalue"},
		{AppID: "wx1", AppSecret: "s3cr3t&value"},
		{AppID: "wx1", AppSecret: "s3cr3tvalue", Timeout: -time.Second},
		{AppID: "wx1", AppSecret: "s3cr3tvalue", APIBase: "127.0.0.1:80"},
		{AppID: "wx1", AppSecret: "s3cr3tvalue", APIBase: "ftp://host"},
		{AppID: "wx1", AppSecret: "s3cr3tvalue", APIBase: "http://host/?a=1"},
	}
	for _, cfg := range bad {
		_, err := New(cfg, rdb)
		if !errors.Is(err, ErrInvalidInput) {
			t.Errorf("%+v: got %v", cfg, err)
			continue
		}
		if strings.Contains(err.Error(), "s3cr3t") {
			t.Errorf("error text %q shows the secret", err)
		}
	}
	if _, err := New(Config{AppID: "wx1", AppSecret: "s3cr3tvalue"}, nil); !errors.Is(err, ErrInvalidInput) {
		t.Errorf("nil redis: %v", err)
	}
}

func TestLibraryClientInstalled(t *testing.T) {
	t.Parallel()
	newEnv(t, time.Second)
	if util.DefaultHTTPClient == http.DefaultClient {
		t.Fatal("util.DefaultHTTPClient is still http.DefaultClient")
	}
	if _, ok := util.DefaultHTTPClient.Transport.(*rewriteTransport); !ok {
		t.Fatalf("library transport is %T", util.DefaultHTTPClient.Transport)
	}
	if http.DefaultClient.Transport != nil {
		t.Fatal("http.DefaultClient was modified")
	}
}

// recordingRT records the request it is asked to send.
type recordingRT struct{ got *http.Request }

func (r *recordingRT) RoundTrip(req *http.Request) (*http.Response, error) {
	r.got = req
	return &http.Response{StatusCode: 200, Body: io.NopCloser(strings.NewReader("{}")), Request: req}, nil
}

func TestRewriteTransport(t *testing.T) {
	t.Parallel()
	base, _ := url.Parse("http://gw.internal:8080/wechat/")
	cases := []struct {
		route *routing
		want  string
	}{
		{&routing{base: base, timeout: time.Second}, "http://gw.internal:8080/wechat/sns/jscode2session?appid=a&js_code=c"},
		{&routing{timeout: time.Second}, "https://api.weixin.qq.com/sns/jscode2session?appid=a&js_code=c"},
	}
	for _, tc := range cases {
		rec := &recordingRT{}
		tr := &rewriteTransport{next: rec, route: func() *routing { return tc.route }}
		req, _ := http.NewRequest(http.MethodGet, "https://api.weixin.qq.com/sns/jscode2session?appid=a&js_code=c", nil)
		resp, err := tr.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		_ = resp.Body.Close()
		if got := rec.got.URL.String(); got != tc.want {
			t.Errorf("sent to %s, want %s", got, tc.want)
		}
		if _, ok := rec.got.Context().Deadline(); !ok {
			t.Error("request has no deadline")
		}
		if req.URL.Host != "api.weixin.qq.com" {
			t.Error("original request was modified")
		}
	}
}

func TestErrorIs(t *testing.T) {
	t.Parallel()
	if !errors.Is(&Error{Code: CodeBusy, Msg: "system error"}, ErrUnavailable) {
		t.Error("-1 must match ErrUnavailable")
	}
	if errors.Is(&Error{Code: CodeInvalidCode}, ErrUnavailable) {
		t.Error("40029 must not match ErrUnavailable")
	}
	if ErrorCode(errors.New("x")) != 0 || HasCode(nil, 0) {
		t.Error("helpers on non-*Error")
	}
	// Library errors that quote URLs never leak through classify.
	leaky := errors.New(`http get error : uri=https://api.weixin.qq.com/sns/jscode2session?appid=a&secret=s3cr3t&js_code=c , statusCode=502`)
	err := classify("op", leaky)
	if !errors.Is(err, ErrUnavailable) || strings.Contains(err.Error(), "s3cr3t") || strings.Contains(err.Error(), "://") {
		t.Errorf("classify(%q) = %v", leaky, err)
	}
	err = classify("op", &url.Error{Op: "Get", URL: "https://x/?secret=s3cr3t", Err: errors.New("connection refused")})
	if !errors.Is(err, ErrUnavailable) || strings.Contains(err.Error(), "s3cr3t") {
		t.Errorf("url.Error: %v", err)
	}
	err = classify("op", errors.New("fetchCode error : errcode=41030 , errmsg=invalid page rid: 1"))
	if ErrorCode(err) != CodeInvalidPage {
		t.Errorf("qrcode text: %v", err)
	}
	err = classify("op", errors.New("get stable access_token error : errcode=-1 , errormsg=system error"))
	if ErrorCode(err) != CodeBusy || !errors.Is(err, ErrUnavailable) {
		t.Errorf("token text: %v", err)
	}
}
