package config

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestCommunityLimitsFromYAML: a community's overrides replace only the keys they name, other
// communities and uploads keep the global values, and 0 turns a limit off there.
func TestCommunityLimitsFromYAML(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "c.yaml")
	yaml := "limits:\n  report_per_user: 7\n  communities:\n    \"42\": {report_per_user: 3, signup_per_ip: 0}\n" +
		"    \"43\":\n      redeem_per_user: 1\n"
	if err := os.WriteFile(path, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := Load(path, []string{"LINLI_LIMITS_SIGNUP_PER_IP=50"})
	if err != nil {
		t.Fatal(err)
	}
	l := cfg.Limits
	for _, c := range []struct {
		action    string
		community uint64
		want      Rate
	}{
		{ActionReport, 0, Rate{7, CrowdPerMinute}},
		{ActionReport, 42, Rate{3, CrowdPerMinute}},
		{ActionReport, 43, Rate{7, CrowdPerMinute}},
		{ActionSignup, 42, Rate{20, 0}},
		{ActionSignup, 7, Rate{20, 50}},
		{ActionRedeem, 43, Rate{1, CrowdPerMinute}},
		{ActionComment, 42, Rate{30, CrowdPerMinute}},
		{ActionUpload, 42, Rate{60, CrowdPerMinute}},
		{ActionHelp, 42, Rate{10, CrowdPerMinute}},
		{"unknown", 42, Rate{}},
	} {
		if got := l.For(c.action, c.community); got != c.want {
			t.Errorf("For(%s, %d) = %+v, want %+v", c.action, c.community, got, c.want)
		}
	}
}

// TestTrustedProxiesReplaceTheDefault: a list from the environment is taken whole.
func TestTrustedProxiesReplaceTheDefault(t *testing.T) {
	t.Parallel()
	cfg, err := Load("", []string{"LINLI_HTTP_TRUSTED_PROXIES=10.0.0.0/8,192.0.2.7"})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"10.0.0.0/8", "192.0.2.7"}; !slices.Equal(cfg.HTTP.TrustedProxies, want) {
		t.Fatalf("trusted proxies %v, want %v", cfg.HTTP.TrustedProxies, want)
	}
	if d := Default().HTTP.TrustedProxies; len(d) != 0 {
		t.Fatalf("the default trusts %v", d)
	}
}

// TestLimitValidation names the key of each bad limit.
func TestLimitValidation(t *testing.T) {
	t.Parallel()
	neg := -1
	for _, c := range []struct {
		name string
		edit func(*Config)
		key  string
	}{
		{"negative per ip", func(c *Config) { c.Limits.SignupPerIP = -1 }, "limits.signup_per_ip"},
		{"negative per user", func(c *Config) { c.Limits.RedeemPerUser = -5 }, "limits.redeem_per_user"},
		{"negative refusals", func(c *Config) { c.Limits.RefusedPerUser = -1 }, "limits.refused_per_user"},
		{"negative open help", func(c *Config) { c.Limits.HelpOpenPerUser = -1 }, "limits.help_open_per_user"},
		{"community id", func(c *Config) { c.Limits.Communities = map[string]CommunityLimits{"东亭": {}} }, "limits.communities"},
		{"community zero", func(c *Config) { c.Limits.Communities = map[string]CommunityLimits{"0": {}} }, "limits.communities"},
		{"community padded", func(c *Config) { c.Limits.Communities = map[string]CommunityLimits{"007": {}} }, "limits.communities"},
		{"negative override", func(c *Config) {
			c.Limits.Communities = map[string]CommunityLimits{"42": {CommentPerIP: &neg}}
		}, "comment_per_ip"},
		{"proxy", func(c *Config) { c.HTTP.TrustedProxies = []string{"proxy.local"} }, "http.trusted_proxies"},
	} {
		cfg := Default()
		c.edit(&cfg)
		err := cfg.Validate()
		if err == nil || !strings.Contains(err.Error(), c.key) {
			t.Errorf("%s: error %v should name %s", c.name, err, c.key)
		}
	}
	path := filepath.Join(t.TempDir(), "c.yaml")
	if err := os.WriteFile(path, []byte("limits:\n  communities:\n    \"42\": {upload_per_user: 3}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(path, nil); err == nil || !strings.Contains(err.Error(), "upload_per_user") {
		t.Fatalf("an upload override (uploads have no community) was not refused: %v", err)
	}
}

// TestPerAddressLimitsFitACrowd: by default no per-address limit stops a crowd of neighbours
// behind one address (120 within a minute, a few requests each), and each is wider than the
// limit of the one person it must never stand in for.
func TestPerAddressLimitsFitACrowd(t *testing.T) {
	t.Parallel()
	l := Default().Limits
	rates := map[string]Rate{"login": {l.LoginPerUser, l.LoginPerIP}, "phone": {l.PhonePerUser, l.PhonePerIP}}
	for _, a := range Actions() {
		rates[a] = l.For(a, 0)
	}
	for name, r := range rates {
		if r.PerIP != 0 && (r.PerIP < 5*120 || r.PerIP < 10*r.PerUser) {
			t.Errorf("%s: %d a minute per address (%d per person) would stop a crowd behind one address", name, r.PerIP, r.PerUser)
		}
	}
}
