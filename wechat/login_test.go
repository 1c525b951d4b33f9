package wechat

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"
)

func TestCode2SessionOK(t *testing.T) {
	t.Parallel()
	e := newEnv(t, 2*time.Second)
	fake.AddCode("login-ok", "openid-login-ok", "union-login-ok")
	fake.AddCode("login-ok-nounion", "openid-login-ok-2", "")

	s, err := e.c.Code2Session(ctxT(t), "login-ok")
	if err != nil {
		t.Fatal(err)
	}
	if s != (Session{OpenID: "openid-login-ok", UnionID: "union-login-ok"}) {
		t.Fatalf("session = %+v", s)
	}
	s, err = e.c.Code2Session(ctxT(t), "login-ok-nounion")
	if err != nil || s.OpenID != "openid-login-ok-2" || s.UnionID != "" {
		t.Fatalf("session = %+v, %v", s, err)
	}
	// The session key is not part of what we hand out.
	if n := reflect.TypeFor[Session]().NumField(); n != 2 {
		t.Fatalf("Session has %d fields, want OpenID and UnionID only", n)
	}
}

func TestCode2SessionReusedCode(t *testing.T) {
	t.Parallel()
	e := newEnv(t, 2*time.Second)
	fake.AddCode("login-reuse", "openid-reuse", "")
	if _, err := e.c.Code2Session(ctxT(t), "login-reuse"); err != nil {
		t.Fatal(err)
	}
	_, err := e.c.Code2Session(ctxT(t), "login-reuse")
	assertCode(t, err, CodeCodeUsed)
	if errors.Is(err, ErrUnavailable) {
		t.Fatal("40163 must not be ErrUnavailable")
	}
	assertClean(t, err)
}

func TestCode2SessionUnknownCode(t *testing.T) {
	t.Parallel()
	e := newEnv(t, 2*time.Second)
	_, err := e.c.Code2Session(ctxT(t), "login-never-issued")
	we := assertCode(t, err, CodeInvalidCode)
	if we.Msg == "" || ErrorCode(err) != CodeInvalidCode || !HasCode(err, CodeCodeUsed, CodeInvalidCode) {
		t.Fatalf("helpers disagree: %v", err)
	}
	assertClean(t, err)
}

func TestCode2SessionEscapesCode(t *testing.T) {
	t.Parallel()
	e := newEnv(t, 2*time.Second)
	// Without escaping, "&secret=x" would override the secret and the fake would answer 40125.
	code := "weird&secret=x#y z"
	fake.AddCode(code, "openid-weird", "")
	s, err := e.c.Code2Session(ctxT(t), code)
	if err != nil || s.OpenID != "openid-weird" {
		t.Fatalf("got %+v, %v", s, err)
	}
}

func TestCode2SessionFailures(t *testing.T) {
	t.Parallel()
	e := newEnv(t, 2*time.Second)
	cases := []struct {
		code        string
		errcode     int
		unavailable bool
	}{
		{"login-fail-45011", CodeRateLimit, false},
		{"login-fail-40226", CodeRiskyUser, false},
		{"login-fail-busy", CodeBusy, true},
	}
	for _, tc := range cases {
		fake.FailCode(tc.code, tc.errcode)
		_, err := e.c.Code2Session(ctxT(t), tc.code)
		assertCode(t, err, tc.errcode)
		if got := errors.Is(err, ErrUnavailable); got != tc.unavailable {
			t.Errorf("%d: errors.Is(ErrUnavailable) = %v", tc.errcode, got)
		}
		assertClean(t, err)
	}
}

func TestCode2SessionHangTimesOut(t *testing.T) {
	t.Parallel()
	e := newEnv(t, 300*time.Millisecond)
	fake.HangCode("login-hang")
	start := time.Now()
	_, err := e.c.Code2Session(ctxT(t), "login-hang")
	if !errors.Is(err, ErrUnavailable) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("want ErrUnavailable + DeadlineExceeded, got %v", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("took %v", d)
	}
	assertClean(t, err)
}

func TestCode2SessionHonoursCallerContext(t *testing.T) {
	t.Parallel()
	e := newEnv(t, 5*time.Second)
	fake.HangCode("login-hang-ctx")
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := e.c.Code2Session(ctx, "login-hang-ctx")
	if !errors.Is(err, ErrUnavailable) {
		t.Fatalf("want ErrUnavailable, got %v", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("took %v, the caller's deadline was 200ms", d)
	}
	assertClean(t, err)

	ctx, cancel = context.WithCancel(context.Background())
	cancel()
	_, err = e.c.Code2Session(ctx, "login-hang-ctx")
	if !errors.Is(err, ErrUnavailable) || !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled context: got %v", err)
	}
}

func TestCode2SessionRejectsEmptyCode(t *testing.T) {
	t.Parallel()
	e := newEnv(t, time.Second)
	if _, err := e.c.Code2Session(ctxT(t), ""); !errors.Is(err, ErrInvalidInput) {
		t.Fatalf("got %v", err)
	}
}

func TestPhoneNumber(t *testing.T) {
	t.Parallel()
	e := newEnv(t, 2*time.Second)
	fake.AddPhoneCode("phone-ok", "13800000001")
	p, err := e.c.PhoneNumber(ctxT(t), "phone-ok")
	if err != nil {
		t.Fatal(err)
	}
	if p != (Phone{Number: "13800000001", PureNumber: "13800000001", CountryCode: "86"}) {
		t.Fatalf("phone = %+v", p)
	}
	_, err = e.c.PhoneNumber(ctxT(t), "phone-ok")
	assertCode(t, err, CodeCodeUsed)
	_, err = e.c.PhoneNumber(ctxT(t), "phone-unknown")
	assertCode(t, err, CodeInvalidCode)
	assertClean(t, err)
}
