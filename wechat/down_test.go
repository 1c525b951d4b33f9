package wechat

// These tests switch the whole fake server down (or point the process-wide routing elsewhere),
// so they do not call t.Parallel.

import (
	"context"
	"errors"
	"net"
	"testing"
	"time"

	"linli/wechat/wechattest"
)

func TestDownBusy(t *testing.T) {
	e := newEnv(t, 2*time.Second)
	fake.SetDown(wechattest.DownBusy)
	t.Cleanup(func() { fake.SetDown(wechattest.DownNone) })

	fake.AddCode("login-down-busy", "openid-down-busy", "")
	_, err := e.c.Code2Session(ctxT(t), "login-down-busy")
	assertCode(t, err, CodeBusy)
	if !errors.Is(err, ErrUnavailable) {
		t.Fatalf("busy login: %v", err)
	}
	// The token fetch itself answers -1.
	_, err = e.c.MsgCheck(ctxT(t), "openid-down-busy", 1, "hello")
	if !errors.Is(err, ErrUnavailable) {
		t.Fatalf("busy msgcheck: %v", err)
	}
	assertClean(t, err)
}

func TestDownHang(t *testing.T) {
	e := newEnv(t, 300*time.Millisecond)
	// Warm the token so that the calls below reach their own endpoints.
	if _, err := e.c.MsgCheck(ctxT(t), "openid-down-hang", 1, "warm up"); err != nil {
		t.Fatal(err)
	}
	fake.SetDown(wechattest.DownHang)
	t.Cleanup(func() { fake.SetDown(wechattest.DownNone) })

	calls := map[string]func() error{
		"code2session": func() error {
			_, err := e.c.Code2Session(ctxT(t), "login-down-hang")
			return err
		},
		"msgcheck": func() error {
			_, err := e.c.MsgCheck(ctxT(t), "openid-down-hang", 1, "hello")
			return err
		},
		"subscribe (no library context)": func() error {
			return e.c.SendSubscribe(ctxT(t), SubscribeMessage{ToUser: "openid-down-hang", TemplateID: "t", Data: map[string]string{"a": "b"}})
		},
		"qrcode (no library context)": func() error {
			_, err := e.c.WXACodeUnlimit(ctxT(t), "s=1", "pages/index/index", 0)
			return err
		},
	}
	for name, call := range calls {
		start := time.Now()
		err := call()
		if !errors.Is(err, ErrUnavailable) || !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("%s: want ErrUnavailable after timeout, got %v", name, err)
			continue
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("%s: took %v with a 300ms timeout", name, d)
		}
		assertClean(t, err)
	}
	// An empty token cache while WeChat hangs: the token fetch times out the same way.
	e.mr.FlushAll()
	_, err := e.c.PhoneNumber(ctxT(t), "phone-down-hang")
	if !errors.Is(err, ErrUnavailable) {
		t.Fatalf("token fetch while hanging: %v", err)
	}
	assertClean(t, err)
}

func TestDownBadGateway(t *testing.T) {
	e := newEnv(t, 2*time.Second)
	if _, err := e.c.MsgCheck(ctxT(t), "openid-down-502", 1, "warm up"); err != nil {
		t.Fatal(err)
	}
	fake.SetDown(wechattest.DownBadGateway)
	t.Cleanup(func() { fake.SetDown(wechattest.DownNone) })

	// The library's own error for a non-200 answer quotes the URL with secret= / access_token=.
	_, err := e.c.Code2Session(ctxT(t), "login-down-502")
	if !errors.Is(err, ErrUnavailable) {
		t.Fatalf("login: %v", err)
	}
	assertClean(t, err)
	_, err = e.c.WXACodeUnlimit(ctxT(t), "s=1", "pages/index/index", 0)
	if !errors.Is(err, ErrUnavailable) {
		t.Fatalf("qrcode: %v", err)
	}
	assertClean(t, err)
	_, err = e.c.MsgCheck(ctxT(t), "openid-down-502", 1, "hello")
	if !errors.Is(err, ErrUnavailable) {
		t.Fatalf("msgcheck: %v", err)
	}
	assertClean(t, err)
}

func TestConnectionRefused(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	deadBase := "http://" + l.Addr().String()
	_ = l.Close()

	e := newEnv(t, 2*time.Second)
	c, err := New(Config{AppID: fake.AppID(), AppSecret: fake.AppSecret(), APIBase: deadBase, Timeout: time.Second}, e.rdb)
	if err != nil {
		t.Fatal(err)
	}
	// Routing is process-wide: put it back for the tests that follow.
	t.Cleanup(func() { newEnv(t, 2*time.Second) })

	_, err = c.Code2Session(ctxT(t), "login-refused")
	if !errors.Is(err, ErrUnavailable) {
		t.Fatalf("got %v", err)
	}
	assertClean(t, err)
	_, err = c.MsgCheck(ctxT(t), "openid-refused", 1, "hello")
	if !errors.Is(err, ErrUnavailable) {
		t.Fatalf("got %v", err)
	}
	assertClean(t, err)
}
