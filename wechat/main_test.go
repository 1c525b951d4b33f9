package wechat

import (
	"context"
	"errors"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"
	"github.com/redis/go-redis/v9/maintnotifications"

	"linli/wechat/wechattest"
)

// fake is shared by all tests: the library routes through one process-wide HTTP client, so
// every Client in this test binary must point at the same server. Tests that change the whole
// server (SetDown, ExpireTokens, token counts) do not call t.Parallel, so they run before the
// parallel ones start.
var fake *wechattest.Server

func TestMain(m *testing.M) {
	fake = wechattest.New()
	code := m.Run()
	fake.Close()
	os.Exit(code)
}

const testPrefix = "test:"

type testEnv struct {
	c   *Client
	mr  *miniredis.Miniredis
	rdb *redis.Client
}

// newEnv returns a Client on the fake server with its own miniredis.
func newEnv(t *testing.T, timeout time.Duration) *testEnv {
	t.Helper()
	mr := miniredis.NewMiniRedis()
	if err := mr.StartAddr("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(mr.Close)
	rdb := redis.NewClient(&redis.Options{
		Addr:                     mr.Addr(),
		DisableIdentity:          true,
		MaintNotificationsConfig: &maintnotifications.Config{Mode: maintnotifications.ModeDisabled},
	})
	t.Cleanup(func() { _ = rdb.Close() })
	c, err := New(Config{
		AppID:          fake.AppID(),
		AppSecret:      fake.AppSecret(),
		APIBase:        fake.URL,
		Timeout:        timeout,
		CacheKeyPrefix: testPrefix,
	}, rdb)
	if err != nil {
		t.Fatal(err)
	}
	return &testEnv{c: c, mr: mr, rdb: rdb}
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// tokenKey is the Redis key the token lives under for the fake's AppID.
func tokenKey() string {
	return testPrefix + "gowechat_miniprogram__stable_access_token_" + fake.AppID()
}

// assertCode fails unless err is an *Error with code.
func assertCode(t *testing.T, err error, code int) *Error {
	t.Helper()
	var we *Error
	if !errors.As(err, &we) || we.Code != code {
		t.Fatalf("want *Error code %d, got %T %v", code, err, err)
	}
	return we
}

// assertClean fails if the error text could leak a URL or a credential.
func assertClean(t *testing.T, err error) {
	t.Helper()
	msg := err.Error()
	for _, bad := range []string{"secret=", fake.AppSecret(), "wrongsecret", "access_token=", "http://", fake.URL, "session_key", "fake_token_"} {
		if strings.Contains(msg, bad) {
			t.Fatalf("error text %q contains %q", msg, bad)
		}
	}
}

var uniqSeq atomic.Int64

// uniq makes s unique in this process, so that -count=N runs against the shared fake do not
// see each other's data.
func uniq(s string) string {
	return s + "-" + strconv.FormatInt(uniqSeq.Add(1), 10)
}
