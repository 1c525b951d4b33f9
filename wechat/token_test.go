package wechat

// These tests count token fetches or change the whole fake server, so they do not call
// t.Parallel: Go runs them one by one before any parallel test starts.

import (
	"sync"
	"testing"
	"time"
)

func TestTokenCachedInRedis(t *testing.T) {
	e := newEnv(t, 2*time.Second)
	before := fake.TokenFetches()
	if _, err := e.c.MsgCheck(ctxT(t), "openid-token-1", 1, "hello"); err != nil {
		t.Fatal(err)
	}
	if got := fake.TokenFetches() - before; got != 1 {
		t.Fatalf("first call fetched %d tokens, want 1", got)
	}
	tok, err := e.mr.Get(tokenKey())
	if err != nil || tok == "" {
		t.Fatalf("token not in Redis under %q: %v", tokenKey(), err)
	}
	if ttl := e.mr.TTL(tokenKey()); ttl <= 6800*time.Second || ttl > 6900*time.Second {
		t.Fatalf("TTL %v, want expires_in-300s = 6900s", ttl)
	}
	if _, err := e.c.MsgCheck(ctxT(t), "openid-token-1", 1, "hello again"); err != nil {
		t.Fatal(err)
	}
	if got := fake.TokenFetches() - before; got != 1 {
		t.Fatalf("second call fetched again: %d fetches", got)
	}

	// A second instance sharing the Redis uses the cached token.
	c2, err := New(Config{AppID: fake.AppID(), AppSecret: fake.AppSecret(), APIBase: fake.URL, CacheKeyPrefix: testPrefix}, e.rdb)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c2.MsgCheck(ctxT(t), "openid-token-1", 1, "from another instance"); err != nil {
		t.Fatal(err)
	}
	if got := fake.TokenFetches() - before; got != 1 {
		t.Fatalf("second instance fetched again: %d fetches", got)
	}
}

func TestConcurrentCallsFetchOneToken(t *testing.T) {
	e := newEnv(t, 2*time.Second)
	before := fake.TokenFetches()
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := e.c.MsgCheck(ctxT(t), "openid-token-conc", 1, "hello")
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if got := fake.TokenFetches() - before; got != 1 {
		t.Fatalf("%d token fetches for 20 concurrent calls, want 1", got)
	}
}

func TestExpiredTokenIsRefreshedOnce(t *testing.T) {
	e := newEnv(t, 2*time.Second)
	if _, err := e.c.MsgCheck(ctxT(t), "openid-token-exp", 1, "warm up"); err != nil {
		t.Fatal(err)
	}
	oldTok, _ := e.mr.Get(tokenKey())
	fake.ExpireTokens()

	fetches, calls := fake.TokenFetches(), fake.Calls("/wxa/business/getuserphonenumber")
	fake.AddPhoneCode("phone-after-expiry", "13800000002")
	p, err := e.c.PhoneNumber(ctxT(t), "phone-after-expiry")
	if err != nil {
		t.Fatalf("call after ExpireTokens: %v", err)
	}
	if p.Number != "13800000002" {
		t.Fatalf("phone = %+v", p)
	}
	if got := fake.TokenFetches() - fetches; got != 1 {
		t.Fatalf("%d token fetches, want 1", got)
	}
	if got := fake.Calls("/wxa/business/getuserphonenumber") - calls; got != 2 {
		t.Fatalf("%d phone calls, want 2 (dead token, then retry)", got)
	}
	if newTok, _ := e.mr.Get(tokenKey()); newTok == "" || newTok == oldTok {
		t.Fatal("Redis still holds the dead token")
	}

	// Each token-using call recovers the same way; the QR code call has no errcode type in the
	// library (only a text), so it is covered explicitly.
	fake.ExpireTokens()
	if _, err := e.c.WXACodeUnlimit(ctxT(t), "s=1", "pages/index/index", 0); err != nil {
		t.Fatalf("qrcode after ExpireTokens: %v", err)
	}
	fake.ExpireTokens()
	if err := e.c.SendSubscribe(ctxT(t), SubscribeMessage{ToUser: "openid-token-exp", TemplateID: "t", Data: map[string]string{"a": "b"}}); err != nil {
		t.Fatalf("subscribe after ExpireTokens: %v", err)
	}
}

func TestDeadTokenRetriedExactlyOnce(t *testing.T) {
	e := newEnv(t, 2*time.Second)
	fake.FailPhoneCode("phone-always-40001", CodeInvalidToken)
	fetches, calls := fake.TokenFetches(), fake.Calls("/wxa/business/getuserphonenumber")
	_, err := e.c.PhoneNumber(ctxT(t), "phone-always-40001")
	assertCode(t, err, CodeInvalidToken)
	assertClean(t, err)
	if got := fake.Calls("/wxa/business/getuserphonenumber") - calls; got != 2 {
		t.Fatalf("%d phone calls, want exactly 2", got)
	}
	// Fresh Redis: one fetch for the first attempt, one after the retry dropped the cached token.
	if got := fake.TokenFetches() - fetches; got != 2 {
		t.Fatalf("%d token fetches, want 2 (initial, after invalidation)", got)
	}
}

func TestShortLivedTokenIsNotCachedForever(t *testing.T) {
	e := newEnv(t, 2*time.Second)
	fake.ExpireTokens() // the next fetch issues a token with the short lifetime
	fake.SetTokenExpiresIn(200)
	t.Cleanup(func() { fake.SetTokenExpiresIn(7200) })
	if _, err := e.c.MsgCheck(ctxT(t), "openid-token-short", 1, "hello"); err != nil {
		t.Fatalf("expires_in=200 must not break the call: %v", err)
	}
	if e.mr.Exists(tokenKey()) {
		t.Fatalf("token with expires_in<=300 stored (TTL %v); go-redis would keep it forever", e.mr.TTL(tokenKey()))
	}
}

func TestBadSecret(t *testing.T) {
	e := newEnv(t, 2*time.Second)
	c, err := New(Config{AppID: fake.AppID(), AppSecret: "wrongsecret", APIBase: fake.URL, CacheKeyPrefix: "bad:"}, e.rdb)
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.MsgCheck(ctxT(t), "openid-bad-secret", 1, "hello")
	assertCode(t, err, CodeInvalidAppSecret)
	assertClean(t, err)
	fake.AddCode("login-bad-secret", "openid-bad-secret", "")
	_, err = c.Code2Session(ctxT(t), "login-bad-secret")
	assertCode(t, err, CodeInvalidAppSecret)
	if contains := e.mr.Exists("bad:" + stableTokenKey(fake.AppID())); contains {
		t.Fatal("something cached for a failed token fetch")
	}
}
