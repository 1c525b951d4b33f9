package api_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"
	"testing"

	"github.com/alicebob/miniredis/v2"

	"linli/app/apptest"
	"linli/config"
	"linli/model"
	"linli/wechat"
)

type loginData struct {
	Token   string `json:"token"`
	NewUser bool   `json:"new_user"`
	User    struct {
		ID       string `json:"id"`
		Nickname string `json:"nickname"`
		Phone    string `json:"phone"`
	} `json:"user"`
}

func login(t *testing.T, e *apptest.Env, code string) (*apptest.Response, loginData) {
	t.Helper()
	r := e.Do("POST", "/api/v1/auth/login", map[string]string{"code": code})
	var d loginData
	if r.Status == 200 {
		r.Data(t, &d)
	}
	return r, d
}

// uniq makes a code or openid that no other test (or earlier run against the same shared
// fake) uses: WeChat openids are 28 characters, so keep it short.
func uniq(t *testing.T, s string) string {
	sum := sha256.Sum256([]byte(t.Name() + apptest.Backend()))
	return s + "-" + hex.EncodeToString(sum[:6])
}

func TestWeChatLoginCreatesOnceAndRefusesReusedCodes(t *testing.T) {
	t.Parallel()
	e := apptest.New(t, apptest.WithWeChat())
	wx := apptest.WeChat()
	openid := uniq(t, "o")
	c1, c2 := uniq(t, "c1"), uniq(t, "c2")
	wx.AddCode(c1, openid, "union-"+openid)
	wx.AddCode(c2, openid, "")

	r, first := login(t, e, c1)
	r.Want(t, 200)
	if !first.NewUser || first.Token == "" || first.User.ID == "" {
		t.Fatalf("first login: %s", r.Body)
	}
	_, second := login(t, e, c2)
	if second.NewUser || second.User.ID != first.User.ID || second.Token == first.Token {
		t.Fatalf("second login should return the same user with a new token: %+v vs %+v", second, first)
	}
	r, _ = login(t, e, c1)
	if eb := r.Want(t, 401).Err(t); eb.Message != "登录凭证无效或已使用，请重新登录" {
		t.Fatalf("reused code message: %q", eb.Message)
	}
	r, _ = login(t, e, uniq(t, "never-issued"))
	r.Want(t, 401)
	if strings.Contains(e.Logs(), first.Token) || strings.Contains(e.Logs(), wx.AppSecret()) {
		t.Fatal("a token or the AppSecret reached the log")
	}
	// Dev login does not exist once WeChat is configured.
	e.Do("POST", "/api/v1/auth/dev-login", map[string]string{"openid": "x"}).Want(t, 404)
}

func TestWeChatFailuresMapAndWriteNothing(t *testing.T) {
	t.Parallel()
	e := apptest.New(t, apptest.WithWeChat())
	wx := apptest.WeChat()
	limited, busy, hang, risky := uniq(t, "limited"), uniq(t, "busy"), uniq(t, "hang"), uniq(t, "risky")
	wx.FailCode(limited, wechat.CodeRateLimit)
	wx.FailCode(busy, wechat.CodeBusy)
	wx.FailCode(risky, wechat.CodeRiskyUser)
	wx.HangCode(hang)

	r, _ := login(t, e, limited)
	r.Want(t, 429)
	if r.Header.Get("Retry-After") == "" {
		t.Fatal("429 without Retry-After")
	}
	r, _ = login(t, e, busy)
	r.Want(t, 503).Err(t)
	r, _ = login(t, e, hang)
	r.Want(t, 503)
	r, _ = login(t, e, risky)
	r.Want(t, 403)
	for _, table := range []string{"users", "sessions"} {
		n, err := e.App.Store.Count(context.Background(), table, "")
		if err != nil || n != 0 {
			t.Fatalf("%s: %d rows after failed logins (%v)", table, n, err)
		}
	}
}

func TestSessionLifecycle(t *testing.T) {
	t.Parallel()
	e := apptest.New(t)
	s := e.DevLogin("alice")
	var me struct {
		ID       string `json:"id"`
		Nickname string `json:"nickname"`
		Roles    []any  `json:"roles"`
	}
	e.Do("GET", "/api/v1/me", nil, apptest.Token(s.Token)).Want(t, 200).Data(t, &me)
	if me.ID != s.UserID || me.Roles == nil {
		t.Fatalf("me: %+v", me)
	}
	e.Do("GET", "/api/v1/me", nil).Want(t, 401).Err(t)
	e.Do("GET", "/api/v1/me", nil, apptest.Token("garbage")).Want(t, 401)
	e.Do("GET", "/api/v1/me", nil, apptest.Token(strings.Repeat("A", 43))).Want(t, 401)

	// Redis forgetting everything logs nobody out: the database is the truth.
	if err := e.App.Redis.Client.FlushAll(context.Background()).Err(); err != nil {
		t.Fatal(err)
	}
	e.Do("GET", "/api/v1/me", nil, apptest.Token(s.Token)).Want(t, 200)

	e.Do("POST", "/api/v1/auth/logout", nil, apptest.Token(s.Token)).Want(t, 204)
	e.Do("GET", "/api/v1/me", nil, apptest.Token(s.Token)).Want(t, 401)
	if strings.Contains(e.Logs(), s.Token) {
		t.Fatal("token in the log")
	}
}

func TestSessionsSurviveARedisOutage(t *testing.T) {
	t.Parallel()
	m := miniredis.NewMiniRedis()
	if err := m.Start(); err != nil {
		t.Fatal(err)
	}
	e := apptest.New(t, func(c *config.Config) { c.Redis.Addr = m.Addr() })
	s := e.DevLogin("bob")
	m.Close()
	e.Do("GET", "/api/v1/me", nil, apptest.Token(s.Token)).Want(t, 200)
}

func TestLogoutRevokesOnEveryInstance(t *testing.T) {
	t.Parallel()
	m := miniredis.NewMiniRedis()
	if err := m.Start(); err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	cfg := apptest.Config(t, func(c *config.Config) { c.Redis.Addr = m.Addr() })
	one := apptest.FromConfig(t, cfg)
	two := apptest.FromConfig(t, cfg)
	s := one.DevLogin("carol")
	two.Do("GET", "/api/v1/me", nil, apptest.Token(s.Token)).Want(t, 200) // now cached by two
	one.Do("POST", "/api/v1/auth/logout", nil, apptest.Token(s.Token)).Want(t, 204)
	// Two hears of it on the invalidation channel: asynchronously, within what Redis takes to
	// pass a message on (the publishing instance itself drops it before it answers).
	one.Do("GET", "/api/v1/me", nil, apptest.Token(s.Token)).Want(t, 401)
	apptest.Eventually(t, "the logout to reach the other instance", func() bool {
		return two.Do("GET", "/api/v1/me", nil, apptest.Token(s.Token)).Status == 401
	})
}

func TestProfileUpdateAndValidation(t *testing.T) {
	t.Parallel()
	e := apptest.New(t)
	s := e.DevLogin("dave")
	tok := apptest.Token(s.Token)
	var me struct{ Nickname, AvatarURL string }
	e.Do("PATCH", "/api/v1/me", map[string]any{"nickname": "  王阿姨 "}, tok).Want(t, 200).Data(t, &me)
	if me.Nickname != "王阿姨" {
		t.Fatalf("nickname %q", me.Nickname)
	}
	if eb := e.Do("PATCH", "/api/v1/me", map[string]any{"avatar_url": "not a url"}, tok).Want(t, 400).Err(t); !eb.HasField("avatar_url") {
		t.Fatalf("field not named: %+v", eb)
	}
	if eb := e.Do("PATCH", "/api/v1/me", map[string]any{"nickname": strings.Repeat("长", 40)}, tok).Want(t, 400).Err(t); !eb.HasField("nickname") {
		t.Fatalf("field not named: %+v", eb)
	}
	e.Do("PATCH", "/api/v1/me", map[string]any{"nickname": "已注销用户"}, tok).Want(t, 400)
	e.Do("PATCH", "/api/v1/me", map[string]any{"nickname": 12}, tok).Want(t, 400)
	e.Do("PATCH", "/api/v1/me", apptest.Raw{ContentType: "text/plain", Body: "x"}, tok).Want(t, 415)
	e.Do("PATCH", "/api/v1/me", map[string]any{"nickname": "x"}).Want(t, 401)
}

// TestAvatarURLs: an avatar is an https link to one of users.avatar_hosts (WeChat's by
// default); scripts, inline data, other schemes, other hosts and addresses inside
// the network are refused with a 400 naming avatar_url, and the avatar stays as it was.
func TestAvatarURLs(t *testing.T) {
	t.Parallel()
	e := apptest.New(t)
	tok := apptest.Token(e.DevLogin("erin").Token)
	var me struct {
		AvatarURL string `json:"avatar_url"`
	}
	const good = "https://thirdwx.qlogo.cn/mmopen/vi_32/abc/132"
	e.Do("PATCH", "/api/v1/me", map[string]any{"avatar_url": good}, tok).Want(t, 200).Data(t, &me)
	if me.AvatarURL != good {
		t.Fatalf("avatar %q", me.AvatarURL)
	}
	e.Do("PATCH", "/api/v1/me", map[string]any{"avatar_url": "https://WX.qlogo.cn/mmhead/x/0"}, tok).Want(t, 200)
	for _, bad := range []string{
		"javascript:alert(document.cookie)",
		"JavaScript://wx.qlogo.cn/%0aalert(1)",
		"data:image/svg+xml;base64,PHN2Zz48L3N2Zz4=",
		"http://thirdwx.qlogo.cn/mmopen/a.png",
		"https://169.254.169.254/latest/meta-data/",
		"https://[fe80::1]/a.png",
		"https://127.0.0.1/a.png",
		"https://evil.example.com/a.png",
		"https://thirdwx.qlogo.cn.evil.example.com/a.png",
		"https://thirdwx.qlogo.cn@evil.example.com/a.png",
		"https://user:pw@thirdwx.qlogo.cn/a.png",
		"https://thirdwx.qlogo.cn:8443/a.png",
		"ftp://thirdwx.qlogo.cn/a.png",
		"file:///etc/passwd",
	} {
		eb := e.Do("PATCH", "/api/v1/me", map[string]any{"avatar_url": bad}, tok).Want(t, 400).Err(t)
		if !eb.HasField("avatar_url") {
			t.Errorf("%q: field not named: %+v", bad, eb)
		}
	}
	e.Do("GET", "/api/v1/me", nil, tok).Want(t, 200).Data(t, &me)
	if me.AvatarURL != "https://WX.qlogo.cn/mmhead/x/0" {
		t.Fatalf("avatar after refusals %q", me.AvatarURL)
	}

	// Another deployment serves avatars from its own CDN, and nothing else.
	own := apptest.New(t, func(c *config.Config) { c.Users.AvatarHosts = []string{"img.example.com"} })
	otok := apptest.Token(own.DevLogin("frank").Token)
	own.Do("PATCH", "/api/v1/me", map[string]any{"avatar_url": "https://img.example.com/a.png"}, otok).Want(t, 200)
	own.Do("PATCH", "/api/v1/me", map[string]any{"avatar_url": good}, otok).Want(t, 400)
}

// TestNicknamesAreCleaned: control, bidi and zero-width characters are taken out of a
// nickname; one that is empty once they are gone is refused (400 naming nickname).
func TestNicknamesAreCleaned(t *testing.T) {
	t.Parallel()
	e := apptest.New(t)
	tok := apptest.Token(e.DevLogin("grace").Token)
	var me struct{ Nickname string }
	for _, c := range []struct{ in, want string }{
		{"王\x00阿姨", "王阿姨"},
		{"\u202egnp.exe王", "gnp.exe王"},
		{"王\u200b阿\u200d姨\ufeff", "王阿姨"},
		{"王\u2066阿姨\u2069", "王阿姨"},
		{"王\x1b[31m阿姨", "王[31m阿姨"},
		{"👨\u200d👩\u200d👧 一家", "👨\u200d👩\u200d👧 一家"},
	} {
		e.Do("PATCH", "/api/v1/me", map[string]any{"nickname": c.in}, tok).Want(t, 200).Data(t, &me)
		if me.Nickname != c.want {
			t.Errorf("%q became %q, want %q", c.in, me.Nickname, c.want)
		}
	}
	for _, bad := range []string{"\u200b\u200c\u200d", "\u202e\u202d\u2066", "\x00\x01", "\u3164", "\ufeff \u2060"} {
		eb := e.Do("PATCH", "/api/v1/me", map[string]any{"nickname": bad}, tok).Want(t, 400).Err(t)
		if !eb.HasField("nickname") {
			t.Errorf("%q: field not named: %+v", bad, eb)
		}
	}
	e.Do("GET", "/api/v1/me", nil, tok).Want(t, 200).Data(t, &me)
	if me.Nickname != "👨\u200d👩\u200d👧 一家" {
		t.Fatalf("nickname after refusals %q", me.Nickname)
	}
}

func TestPhoneIsEncryptedAndMasked(t *testing.T) {
	t.Parallel()
	e := apptest.New(t, apptest.WithWeChat())
	wx := apptest.WeChat()
	code, pcode := uniq(t, "c"), uniq(t, "p")
	wx.AddCode(code, uniq(t, "o"), "")
	wx.AddPhoneCode(pcode, "13812345678")
	_, d := login(t, e, code)
	tok := apptest.Token(d.Token)

	var ph struct{ Phone string }
	e.Do("POST", "/api/v1/me/phone", map[string]string{"code": pcode}, tok).Want(t, 200).Data(t, &ph)
	if ph.Phone != "138****5678" {
		t.Fatalf("masked phone %q", ph.Phone)
	}
	r := e.Do("GET", "/api/v1/me", nil, tok).Want(t, 200)
	if strings.Contains(string(r.Body), "13812345678") || !strings.Contains(string(r.Body), "138****5678") {
		t.Fatalf("me shows %s", r.Body)
	}
	uid, _ := strconv.ParseUint(d.User.ID, 10, 64)
	u, err := e.App.Store.UserByID(context.Background(), uid)
	if err != nil {
		t.Fatal(err)
	}
	if len(u.PhoneCipher) == 0 || strings.Contains(string(u.PhoneCipher), "13812345678") {
		t.Fatal("phone not encrypted at rest")
	}
	if got := e.App.Services.Users.PhoneOf(u); got != "13812345678" {
		t.Fatalf("decrypted %q", got)
	}
	// A used code is refused with a 400 naming the field; a missing one too.
	if eb := e.Do("POST", "/api/v1/me/phone", map[string]string{"code": pcode}, tok).Want(t, 400).Err(t); !eb.HasField("code") {
		t.Fatalf("reused phone code: %+v", eb)
	}
	e.Do("POST", "/api/v1/me/phone", map[string]string{}, tok).Want(t, 400)
	if strings.Contains(e.Logs(), "13812345678") {
		t.Fatal("phone number in the log")
	}
}

func TestDeleteAccountErasesAndReleasesOpenID(t *testing.T) {
	t.Parallel()
	e := apptest.New(t, apptest.WithWeChat())
	wx := apptest.WeChat()
	openid := uniq(t, "o")
	c1, c2, p := uniq(t, "c1"), uniq(t, "c2"), uniq(t, "p")
	wx.AddCode(c1, openid, "u-"+openid)
	wx.AddCode(c2, openid, "")
	wx.AddPhoneCode(p, "13900001111")
	_, d := login(t, e, c1)
	tok := apptest.Token(d.Token)
	e.Do("POST", "/api/v1/me/phone", map[string]string{"code": p}, tok).Want(t, 200)

	e.Do("DELETE", "/api/v1/me", nil, tok).Want(t, 204)
	e.Do("GET", "/api/v1/me", nil, tok).Want(t, 401)

	uid, _ := strconv.ParseUint(d.User.ID, 10, 64)
	u, err := e.App.Store.UserByID(context.Background(), uid)
	if err != nil {
		t.Fatal(err)
	}
	if u.OpenID != nil || u.UnionID != nil || len(u.PhoneCipher) != 0 || u.PhoneMasked != "" ||
		u.Nickname != model.DeletedNickname || u.DeletedAt == nil {
		t.Fatalf("not erased: %+v", u)
	}
	_, again := login(t, e, c2)
	if !again.NewUser || again.User.ID == d.User.ID {
		t.Fatalf("login after deletion should create a new user: %+v", again)
	}
}

func TestLoginRateLimitAnswers429WithRetryAfter(t *testing.T) {
	t.Parallel()
	e := apptest.New(t, func(c *config.Config) { c.Limits.LoginPerIP = 2 })
	e.DevLogin("r1")
	e.DevLogin("r2")
	r := e.Do("POST", "/api/v1/auth/dev-login", map[string]string{"openid": "r3"}).Want(t, 429)
	if r.Header.Get("Retry-After") == "" {
		t.Fatal("no Retry-After")
	}
}
