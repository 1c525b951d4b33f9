package service

import (
	"context"
	"errors"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"linli/cache"
	"linli/model"
	"linli/wechat"
)

// WeChatLogin is the part of the WeChat adapter that identity uses.
type WeChatLogin interface {
	Code2Session(ctx context.Context, code string) (wechat.Session, error)
	PhoneNumber(ctx context.Context, code string) (wechat.Phone, error)
}

// Auth logs people in and checks session tokens. Sessions live in the database (the truth);
// Redis caches the lookup for a few minutes, so a Redis restart logs nobody out and a Redis
// outage only costs a database query.
type Auth struct {
	store   *model.Store
	redis   *cache.Redis
	wx      WeChatLogin // nil in dev mode
	secrets *Secrets
	limiter *Limiter
	limits  LoginLimits
	ttl     time.Duration
	console ConsoleLifetime
	ids     *IdentityCache
	log     *slog.Logger
	now     func() time.Time
}

// LoginLimits are the per-minute login limits: PerUser counts the logins of one person (by
// openid), the real limit; PerIP is a flood guard of one client address, which a crowd of
// neighbours shares (the community hall's Wi-Fi, a carrier's NAT).
type LoginLimits struct{ PerIP, PerUser int }

// sessionCacheTTL bounds how long a cached lookup may outlive a revocation that could not
// reach Redis.
const sessionCacheTTL = 5 * time.Minute

// extendAfter: a session's expiry is pushed forward at most once a day, so that sliding
// expiry costs one write per day per session, not one per request.
const extendAfter = 24 * time.Hour

// NewAuth builds the login service; wx is nil in dev mode. ttl is the sliding lifetime of a
// mini-program session, console that of a staff console one. ids reads the caller's identity
// along with the session (Identify).
func NewAuth(store *model.Store, r *cache.Redis, wx WeChatLogin, secrets *Secrets, limiter *Limiter,
	limits LoginLimits, ttl time.Duration, console ConsoleLifetime, ids *IdentityCache, log *slog.Logger) *Auth {
	return &Auth{store: store, redis: r, wx: wx, secrets: secrets, limiter: limiter, limits: limits,
		ttl: ttl, console: console, ids: ids, log: log, now: func() time.Time { return time.Now().UTC() }}
}

// LoginResult is a new session.
type LoginResult struct {
	Token string
	// ExpiresAt is when the session ends unless it is used (it slides forward with use).
	ExpiresAt time.Time
	// EndsAt is when it ends however much it is used: a console session's login plus its
	// maximum age; the same as ExpiresAt for the mini-program's.
	EndsAt  time.Time
	UserID  uint64
	Created bool
}

// DevModeEnabled reports whether dev login is allowed (no WeChat configured).
func (a *Auth) DevModeEnabled() bool { return a.wx == nil }

// Login exchanges a wx.login code with WeChat and opens a session, creating the user on first
// login. Nothing is written unless WeChat accepted the code.
func (a *Auth) Login(ctx context.Context, code, ip string) (LoginResult, error) {
	if a.wx == nil { // dev mode: like dev-login when WeChat is configured, the route does not exist
		return LoginResult{}, Errorf(KindNotFound, "请求的接口不存在")
	}
	if err := a.limiter.AllowAddress(ctx, a.limits.PerIP, "login", ip); err != nil {
		return LoginResult{}, err
	}
	sess, err := a.wx.Code2Session(ctx, code)
	if err != nil {
		return LoginResult{}, loginError(err)
	}
	return a.open(ctx, sess.OpenID, sess.UnionID, false)
}

// DevLogin opens a session for openid without WeChat; only in dev mode.
func (a *Auth) DevLogin(ctx context.Context, openid, ip string) (LoginResult, error) {
	if a.wx != nil {
		return LoginResult{}, Errorf(KindNotFound, "请求的接口不存在")
	}
	if err := a.limiter.AllowAddress(ctx, a.limits.PerIP, "login", ip); err != nil {
		return LoginResult{}, err
	}
	return a.open(ctx, openid, "", false)
}

// ConsoleDevLogin opens a dev-mode session for the staff console: only for an existing user
// whom works says may use it (admin, staff, captain); anyone else is refused with 403 before
// any user or session is created.
func (a *Auth) ConsoleDevLogin(ctx context.Context, openid, ip string, works func(userID uint64) (bool, error)) (LoginResult, error) {
	if a.wx != nil {
		return LoginResult{}, Errorf(KindNotFound, "请求的接口不存在")
	}
	if err := a.limiter.AllowAddress(ctx, a.limits.PerIP, "login", ip); err != nil {
		return LoginResult{}, err
	}
	refused := notConsoleStaff()
	u, err := a.store.UserByOpenID(ctx, a.StoredOpenID(openid))
	if errors.Is(err, model.ErrNotFound) {
		return LoginResult{}, refused
	}
	if err != nil {
		return LoginResult{}, err
	}
	ok, err := works(u.ID)
	if err != nil {
		return LoginResult{}, err
	}
	if !ok {
		return LoginResult{}, refused
	}
	return a.open(ctx, openid, "", true)
}

// StoredOpenID is the openid a login stores: dev-login users live in their own "dev:"
// namespace, so that dev mode switched on by mistake over a production database cannot log in
// as a real WeChat user.
func (a *Auth) StoredOpenID(openid string) string {
	if a.DevModeEnabled() {
		return "dev:" + openid
	}
	return openid
}

// EnsureUser returns the user a login with openid reaches, creating it as a first login would
// (used by the CLI to grant roles before someone's first login).
func (a *Auth) EnsureUser(ctx context.Context, openid string) (*model.User, error) {
	u, _, err := a.ensureUser(ctx, openid, "")
	return u, err
}

func (a *Auth) ensureUser(ctx context.Context, openid, unionid string) (*model.User, bool, error) {
	nickname := "邻居" + openid[max(0, len(openid)-4):]
	if a.DevModeEnabled() {
		nickname = openid
	}
	u, created, err := a.store.UserOfOpenID(ctx, a.StoredOpenID(openid), unionid, nickname)
	if err != nil {
		return nil, false, err
	}
	return u, created, nil
}

func (a *Auth) open(ctx context.Context, openid, unionid string, console bool) (LoginResult, error) {
	if err := a.limiter.Allow(ctx, a.limits.PerUser, "login-user", openid); err != nil {
		return LoginResult{}, err
	}
	u, created, err := a.ensureUser(ctx, openid, unionid)
	if err != nil {
		return LoginResult{}, err
	}
	res, err := a.newSession(ctx, u.ID, console)
	res.Created = created
	return res, err
}

// newSession opens a session of the user: the mini-program's, or the staff console's.
func (a *Auth) newSession(ctx context.Context, userID uint64, console bool) (LoginResult, error) {
	token, hash := a.secrets.NewToken()
	now := a.now()
	s := &model.Session{TokenHash: hash, UserID: userID, Console: console, CreatedAt: now}
	s.ExpiresAt = a.slid(s, now)
	if err := a.store.CreateSession(ctx, s); err != nil {
		return LoginResult{}, err
	}
	a.cache(ctx, hash, s)
	return LoginResult{Token: token, ExpiresAt: s.ExpiresAt, EndsAt: a.endOf(s), UserID: userID}, nil
}

// loginError maps WeChat's answers onto what the user is told.
func loginError(err error) error {
	switch {
	case wechat.HasCode(err, wechat.CodeInvalidCode, wechat.CodeCodeUsed):
		return &Error{Kind: KindUnauthorized, Message: "登录凭证无效或已使用，请重新登录", Err: err}
	case wechat.HasCode(err, wechat.CodeRateLimit):
		return &Error{Kind: KindTooManyRequests, Message: "登录过于频繁，请稍后再试", RetryAfterSeconds: 60, Err: err}
	case wechat.HasCode(err, wechat.CodeRiskyUser):
		return &Error{Kind: KindForbidden, Message: "微信判定该账号存在风险，暂时无法登录", Err: err}
	case errors.Is(err, wechat.ErrUnavailable), errors.Is(err, context.DeadlineExceeded):
		return Unavailable("微信登录服务", err)
	case errors.Is(err, wechat.ErrInvalidInput):
		return &Error{Kind: KindUnauthorized, Message: "登录凭证无效或已使用，请重新登录", Err: err}
	}
	return Unavailable("微信登录服务", err)
}

// Authenticate returns the user of a live session token, sliding its expiry forward.
func (a *Auth) Authenticate(ctx context.Context, token string) (uint64, error) {
	who, err := a.Identify(ctx, token)
	return who.UserID, err
}

// Identify is Authenticate for a request: with the session's cache entry, Redis returns the
// user's cached identity right after it (see readSession), so that the request's policy checks and
// GET /me need no other lookup (Principals.Of, Users.MeOf).
func (a *Auth) Identify(ctx context.Context, token string) (Caller, error) {
	if !plausibleToken(token) {
		return Caller{}, Errorf(KindUnauthorized, "登录已失效，请重新登录")
	}
	hash := a.secrets.TokenHash(token)
	now := a.now()
	if who, ok := a.ids.mem.caller(hash, now, a.minLeft); ok {
		return who, nil
	}
	t := a.ids.mem.sessions.Begin()
	entry, identity, err := a.ids.readSession(ctx, a.redis.Key("sess", hash))
	if err != nil {
		a.log.DebugContext(ctx, "session cache read failed", "error", err.Error())
	}
	console := cachedConsole(entry)
	if uid, exp, ok := parseCachedSession(entry); ok && exp.After(now) && exp.Sub(now) > a.minLeft(console) {
		who := a.ids.caller(uid, identity)
		a.ids.mem.remember(t, hash, who, exp, console)
		return who, nil
	}
	s, err := a.store.LiveSession(ctx, hash, now)
	if errors.Is(err, model.ErrNotFound) {
		return Caller{}, Errorf(KindUnauthorized, "登录已失效，请重新登录")
	}
	if err != nil {
		return Caller{}, err
	}
	if exp := a.slid(s, now); s.ExpiresAt.Sub(now) <= a.minLeft(s.Console) && exp.After(s.ExpiresAt) {
		s.ExpiresAt = exp
		if err := a.store.ExtendSession(ctx, s.ID, s.ExpiresAt); err != nil {
			a.log.WarnContext(ctx, "extend session", "error", err.Error())
		}
	}
	a.cache(ctx, hash, s)
	return Caller{UserID: s.UserID}, nil
}

// Logout revokes the token in the database and evicts it from the shared cache, so every
// instance refuses it from now on.
func (a *Auth) Logout(ctx context.Context, token string) error {
	hash := a.secrets.TokenHash(token)
	if err := a.store.RevokeSession(ctx, hash); err != nil {
		return err
	}
	a.Evict(ctx, hash)
	return nil
}

// Evict drops cached lookups of revoked sessions. If Redis cannot be reached the entries
// expire by themselves within sessionCacheTTL; the revocation itself is already in the database.
func (a *Auth) Evict(ctx context.Context, hashes ...string) {
	if len(hashes) == 0 {
		return
	}
	keys := make([]string, len(hashes))
	for i, h := range hashes {
		keys[i] = a.redis.Key("sess", h)
	}
	// One DEL per key: on a Redis Cluster the sessions hash to different slots.
	_, err := a.redis.Client.Pipelined(ctx, func(p redis.Pipeliner) error {
		for _, k := range keys {
			p.Del(ctx, k)
		}
		return nil
	})
	if err != nil {
		a.log.ErrorContext(ctx, "evict revoked sessions from cache", "count", len(keys), "error", err.Error())
	}
	if err := a.ids.mem.forget(ctx, nil, hashes); err != nil {
		a.log.ErrorContext(ctx, "tell other instances to evict revoked sessions", "count", len(keys), "error", err.Error())
	}
}

func (a *Auth) cache(ctx context.Context, hash string, s *model.Session) {
	ttl := min(sessionCacheTTL, s.ExpiresAt.Sub(a.now()))
	if ttl <= 0 {
		return
	}
	v := strconv.FormatUint(s.UserID, 10) + ":" + strconv.FormatInt(s.ExpiresAt.Unix(), 10)
	if s.Console {
		v += consoleMark
	}
	if err := a.redis.Client.Set(ctx, a.redis.Key("sess", hash), v, ttl).Err(); err != nil {
		a.log.DebugContext(ctx, "session cache write failed", "error", err.Error())
	}
}

// parseCachedSession reads a session cache entry ("uid:expiry", with consoleMark after it for
// a console session).
func parseCachedSession(v string) (uint64, time.Time, bool) {
	us, es, ok := strings.Cut(strings.TrimSuffix(v, consoleMark), ":")
	uid, err1 := strconv.ParseUint(us, 10, 64)
	exp, err2 := strconv.ParseInt(es, 10, 64)
	if !ok || err1 != nil || err2 != nil {
		return 0, time.Time{}, false
	}
	return uid, time.Unix(exp, 0), true
}

// plausibleToken rejects what NewToken cannot have made before any lookup.
func plausibleToken(t string) bool {
	if len(t) != 43 {
		return false
	}
	for i := 0; i < len(t); i++ {
		c := t[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}
