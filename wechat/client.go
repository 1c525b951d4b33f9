// Package wechat is the application's adapter to the WeChat mini-program server API, built on
// github.com/silenceper/wechat/v2. It exchanges login and phone-number codes, runs content-safety
// checks, sends subscription messages and draws mini-program codes.
//
// Errors are either an *Error (an errcode answer of WeChat; use errors.As, ErrorCode or HasCode),
// or match ErrUnavailable (transport failure, timeout, busy, unexpected answer), or match
// ErrInvalidInput. No error text contains a URL, the AppSecret, an access token or a session
// key, and the session key is never returned or kept.
package wechat

import (
	"context"
	"fmt"
	"net/url"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/silenceper/wechat/v2/credential"
	"github.com/silenceper/wechat/v2/miniprogram/auth"
	mpconfig "github.com/silenceper/wechat/v2/miniprogram/config"
	mpcontext "github.com/silenceper/wechat/v2/miniprogram/context"
	"github.com/silenceper/wechat/v2/miniprogram/qrcode"
	"github.com/silenceper/wechat/v2/miniprogram/security"
	"github.com/silenceper/wechat/v2/miniprogram/subscribe"
)

// DefaultTimeout is the per-call timeout used when Config.Timeout is zero.
const DefaultTimeout = 5 * time.Second

// Config of the adapter.
type Config struct {
	// AppID and AppSecret of the mini-program; both required.
	AppID, AppSecret string
	// APIBase is "" for the real WeChat (https://api.weixin.qq.com); otherwise every library
	// call goes to this base instead, e.g. "http://127.0.0.1:1234" or a gateway with a path
	// prefix. It applies to the whole process: the most recent New wins (see transport.go).
	APIBase string
	// Timeout bounds each HTTP call; DefaultTimeout when zero.
	Timeout time.Duration
	// CacheKeyPrefix is put in front of the Redis keys of the access-token cache, e.g. "linli:".
	CacheKeyPrefix string
}

// Client talks to WeChat on behalf of one mini-program. It is safe for concurrent use.
type Client struct {
	timeout  time.Duration
	cache    *tokenCache
	tokenKey string // library's cache key of the access token, without our prefix
	mp       *mpcontext.Context
	auth     *auth.Auth
	security *security.Security
	sub      *subscribe.Subscribe
	qr       *qrcode.QRCode
}

// New validates cfg and returns a Client whose access token is shared through rdb (the stable
// token API, so several instances agree on one token).
func New(cfg Config, rdb redis.UniversalClient) (*Client, error) {
	if cfg.AppID == "" || cfg.AppSecret == "" {
		return nil, fmt.Errorf("%w: AppID and AppSecret are required", ErrInvalidInput)
	}
	// Both end up verbatim in URLs and in a Redis key; real ones are letters and digits.
	if url.QueryEscape(cfg.AppID) != cfg.AppID {
		return nil, fmt.Errorf("%w: AppID has characters not allowed in a URL query", ErrInvalidInput)
	}
	if url.QueryEscape(cfg.AppSecret) != cfg.AppSecret {
		return nil, fmt.Errorf("%w: AppSecret has characters not allowed in a URL query", ErrInvalidInput)
	}
	if rdb == nil {
		return nil, fmt.Errorf("%w: a Redis client is required", ErrInvalidInput)
	}
	if cfg.Timeout < 0 {
		return nil, fmt.Errorf("%w: negative Timeout", ErrInvalidInput)
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = DefaultTimeout
	}
	var base *url.URL
	if cfg.APIBase != "" {
		u, err := url.Parse(cfg.APIBase)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" ||
			u.RawQuery != "" || u.Fragment != "" || u.User != nil {
			return nil, fmt.Errorf("%w: APIBase must look like http(s)://host[:port][/path]", ErrInvalidInput)
		}
		base = u
	}

	tc := &tokenCache{rdb: rdb, prefix: cfg.CacheKeyPrefix}
	mpcfg := &mpconfig.Config{
		AppID:       cfg.AppID,
		AppSecret:   cfg.AppSecret,
		Cache:       tc,
		UseStableAK: true,
	}
	// What miniprogram.NewMiniProgram does for UseStableAK, without importing the root
	// miniprogram package and its two dozen API packages.
	mp := &mpcontext.Context{
		Config: mpcfg,
		AccessTokenContextHandle: credential.NewStableAccessToken(
			mpcfg.AppID, mpcfg.AppSecret, credential.CacheKeyMiniProgramPrefix, mpcfg.Cache),
	}
	useRouting(base, cfg.Timeout)
	return &Client{
		timeout:  cfg.Timeout,
		cache:    tc,
		tokenKey: stableTokenKey(cfg.AppID),
		mp:       mp,
		auth:     auth.NewAuth(mp),
		security: security.NewSecurity(mp),
		sub:      subscribe.NewSubscribe(mp),
		qr:       qrcode.NewQRCode(mp),
	}, nil
}

// accessToken returns the current access token (from Redis, or fetched from WeChat and cached),
// bounded by ctx and the client's timeout.
func (c *Client) accessToken(ctx context.Context) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	return c.mp.GetAccessTokenContext(ctx)
}

// withToken runs call, which uses the access token the library reads from the cache. The token
// is loaded first under ctx (so that fetching it honours ctx even for library calls without a
// context). When WeChat says the token is dead (40001/42001/40014) the cached token is dropped
// and call runs exactly once more with a fresh one; the library never does this itself.
func (c *Client) withToken(ctx context.Context, op string, call func(ctx context.Context) error) error {
	for attempt := 0; ; attempt++ {
		tok, err := c.accessToken(ctx)
		if err != nil {
			return classify(op, err)
		}
		callCtx, cancel := context.WithTimeout(ctx, c.timeout)
		err = classify(op, call(callCtx))
		cancel()
		if attempt == 0 && isDeadToken(err) {
			if ierr := c.cache.invalidate(ctx, c.tokenKey, tok); ierr != nil && ctx.Err() != nil {
				return classify(op, ctx.Err())
			}
			continue
		}
		return err
	}
}

// outcome carries the result of a detached library call.
type outcome[T any] struct {
	v   T
	err error
}

// detached runs fn, a library call that takes no context, and stops waiting when ctx is done.
// fn then finishes in the background, bounded by the transport's timeout.
func detached[T any](ctx context.Context, fn func() (T, error)) (T, error) {
	var zero T
	if err := ctx.Err(); err != nil {
		return zero, err
	}
	done := make(chan outcome[T], 1)
	go func() {
		v, err := fn()
		done <- outcome[T]{v, err}
	}()
	select {
	case o := <-done:
		return o.v, o.err
	case <-ctx.Done():
		return zero, ctx.Err()
	}
}

// invalidInput builds an error matching ErrInvalidInput.
func invalidInput(what string) error {
	return fmt.Errorf("%w: %s", ErrInvalidInput, what)
}
