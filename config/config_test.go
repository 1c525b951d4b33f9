package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestDefaultIsEmbeddedAndValid(t *testing.T) {
	cfg, err := Load("", nil)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.DB.Driver != "sqlite" || cfg.Redis.Addr != "" || !cfg.DevMode() || cfg.DataDir != "./data" {
		t.Fatalf("default is not the embedded mode: %+v", cfg)
	}
	if cfg.HTTP.Addr != ":8080" || cfg.Redis.Prefix != "linli:" {
		t.Fatalf("contract defaults changed: addr %q prefix %q", cfg.HTTP.Addr, cfg.Redis.Prefix)
	}
}

func TestEnvOverridesFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "c.yaml")
	yaml := "data_dir: /from/file\nhttp:\n  addr: \":9000\"\n  cors_origins: [\"https://a.example\"]\ndb:\n  max_open_conns: 5\n"
	if err := os.WriteFile(path, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := Load(path, []string{
		"LINLI_HTTP_ADDR=127.0.0.1:7000",
		"LINLI_DB_DRIVER=mysql",
		"LINLI_DB_DSN=root:@tcp(127.0.0.1:3306)/linli?parseTime=true",
		"LINLI_REDIS_ADDR=10.0.0.1:6379,10.0.0.2:6379",
		"LINLI_WECHAT_APP_ID=wx123",
		"LINLI_WECHAT_APP_SECRET=s",
		"LINLI_WECHAT_API_BASE=http://127.0.0.1:9999",
		"LINLI_SECRET_KEY=0123456789abcdef0123456789abcdef",
		"LINLI_SESSION_TTL=72h",
		"LINLI_CONFIG=ignored",
		"PATH=/bin",
	})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.DataDir != "/from/file" || cfg.HTTP.Addr != "127.0.0.1:7000" || cfg.DB.MaxOpenConns != 5 {
		t.Fatalf("file or env not applied: %+v", cfg)
	}
	if cfg.DB.Driver != "mysql" || cfg.WeChat.AppID != "wx123" || cfg.DevMode() || cfg.Session.TTL != 72*time.Hour {
		t.Fatalf("env not applied: %+v", cfg)
	}
	if got := cfg.RedisAddrs(); len(got) != 2 || got[1] != "10.0.0.2:6379" {
		t.Fatalf("redis addrs %v", got)
	}
	if len(cfg.HTTP.CORSOrigins) != 1 {
		t.Fatalf("cors origins %v", cfg.HTTP.CORSOrigins)
	}
}

func TestBadValuesNameTheKey(t *testing.T) {
	cases := []struct {
		env  []string
		want string
	}{
		{[]string{"LINLI_DB_DRIVER=postgres"}, "LINLI_DB_DRIVER"},
		{[]string{"LINLI_DB_DRIVER=mysql"}, "LINLI_DB_DSN"},
		{[]string{"LINLI_HTTP_ADDR=nonsense"}, "LINLI_HTTP_ADDR"},
		{[]string{"LINLI_HTTP_READ_TIMEOUT=soon"}, "read_timeout"},
		{[]string{"LINLI_DB_MAX_OPEN_CONNS=0"}, "LINLI_DB_MAX_OPEN_CONNS"},
		{[]string{"LINLI_DB_MAX_OPEN_CONNS=many"}, "max_open_conns"},
		{[]string{"LINLI_REDIS_ADDR=nohost"}, "LINLI_REDIS_ADDR"},
		{[]string{"LINLI_WECHAT_APP_ID=wx1"}, "LINLI_WECHAT_APP_SECRET"},
		{[]string{"LINLI_WECHAT_APP_ID=wx1", "LINLI_WECHAT_APP_SECRET=s"}, "LINLI_SECRET_KEY"},
		{[]string{"LINLI_SECRET_KEY=short"}, "LINLI_SECRET_KEY"},
		{[]string{"LINLI_WECHAT_API_BASE=ftp://x"}, "LINLI_WECHAT_API_BASE"},
		{[]string{"LINLI_LOG_LEVEL=loud"}, "LINLI_LOG_LEVEL"},
		{[]string{"LINLI_SESSION_TTL=1m"}, "LINLI_SESSION_TTL"},
		{[]string{"LINLI_USERS_AVATAR_HOSTS=https://wx.qlogo.cn"}, "LINLI_USERS_AVATAR_HOSTS"},
		{[]string{"LINLI_USERS_AVATAR_HOSTS=wx.qlogo.cn:8443"}, "LINLI_USERS_AVATAR_HOSTS"},
		{[]string{"LINLI_USERS_AVATAR_HOSTS=169.254.169.254"}, "LINLI_USERS_AVATAR_HOSTS"},
		{[]string{"LINLI_USERS_AVATAR_HOSTS=localhost"}, "LINLI_USERS_AVATAR_HOSTS"},
	}
	for _, c := range cases {
		_, err := Load("", c.env)
		if err == nil {
			t.Errorf("%v: accepted", c.env)
			continue
		}
		if !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%v: error %q should name %s on one line", c.env, err, c.want)
		}
	}
}

func TestUnknownFileKeyIsRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.yaml")
	if err := os.WriteFile(path, []byte("db:\n  drivr: mysql\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := Load(path, nil)
	if err == nil || !strings.Contains(err.Error(), "drivr") {
		t.Fatalf("unknown key: %v", err)
	}
}

func TestEveryKeyHasAnEnvName(t *testing.T) {
	keys := Keys()
	if len(keys) < 20 {
		t.Fatalf("only %d keys", len(keys))
	}
	for _, want := range []string{"LINLI_HTTP_ADDR", "LINLI_DATA_DIR", "LINLI_DB_DRIVER", "LINLI_DB_DSN",
		"LINLI_REDIS_ADDR", "LINLI_REDIS_PREFIX", "LINLI_WECHAT_APP_ID", "LINLI_WECHAT_APP_SECRET",
		"LINLI_WECHAT_API_BASE", "LINLI_SECRET_KEY"} {
		found := false
		for _, k := range keys {
			if EnvName(k) == want {
				found = true
			}
		}
		if !found {
			t.Errorf("contract variable %s maps to no key", want)
		}
	}
}

// TestAvatarHostsFromEnv: the variable replaces WeChat's hosts with its own list.
func TestAvatarHostsFromEnv(t *testing.T) {
	cfg, err := Load("", []string{"LINLI_USERS_AVATAR_HOSTS=img.example.com,CDN.Example.org"})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(cfg.Users.AvatarHosts, ","); got != "img.example.com,CDN.Example.org" {
		t.Fatalf("avatar hosts %q", got)
	}
	if def := Default().Users.AvatarHosts; len(def) == 0 || def[0] != "thirdwx.qlogo.cn" {
		t.Fatalf("default avatar hosts %v", def)
	}
}
