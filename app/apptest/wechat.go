package apptest

import (
	"sync"
	"time"

	"linli/config"
	"linli/wechat/wechattest"
)

// sharedWeChat is one fake WeChat server per test binary. The WeChat library routes every call
// through one process-wide HTTP client (see wechat/transport.go), so all apps in a process talk
// to the same base URL; tests share this fake and keep apart by using distinct codes.
var sharedWeChat = sync.OnceValue(wechattest.New)

// WeChat returns the fake WeChat server of this test binary.
func WeChat() *wechattest.Server { return sharedWeChat() }

// WithWeChat configures the app for real WeChat login against the fake server (dev login off).
func WithWeChat() Option {
	return func(c *config.Config) {
		wx := WeChat()
		c.WeChat.AppID = wx.AppID()
		c.WeChat.AppSecret = wx.AppSecret()
		c.WeChat.APIBase = wx.URL
		c.WeChat.Timeout = 2 * time.Second
		c.SecretKey = "test-secret-key-0123456789abcdef-0123456789"
	}
}
