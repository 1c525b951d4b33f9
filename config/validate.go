package config

import (
	"fmt"
	"net"
	"net/url"
	"regexp"
	"strings"
	"time"
)

// Validate refuses values the server cannot run with, naming the key and its variable.
func (c *Config) Validate() error {
	bad := func(key, format string, args ...any) error {
		return fmt.Errorf("config: %s (%s): %s", key, EnvName(key), fmt.Sprintf(format, args...))
	}
	if strings.TrimSpace(c.DataDir) == "" {
		return bad("data_dir", "must not be empty")
	}
	if _, port, err := net.SplitHostPort(c.HTTP.Addr); err != nil || port == "" {
		return bad("http.addr", "must be host:port or :port, got %q", c.HTTP.Addr)
	}
	if a := c.HTTP.MetricsAddr; a != "" {
		_, port, err := net.SplitHostPort(a)
		if err != nil || port == "" {
			return bad("http.metrics_addr", "must be host:port, :port or empty (no /metrics), got %q", a)
		}
		if a == c.HTTP.Addr && port != "0" {
			return bad("http.metrics_addr", "must differ from http.addr (%q): /metrics has a listener of its own", a)
		}
	}
	for key, d := range map[string]time.Duration{
		"http.read_timeout":   c.HTTP.ReadTimeout,
		"http.write_timeout":  c.HTTP.WriteTimeout,
		"http.idle_timeout":   c.HTTP.IdleTimeout,
		"http.shutdown_grace": c.HTTP.ShutdownGrace,
		"wechat.timeout":      c.WeChat.Timeout,
	} {
		if d <= 0 {
			return bad(key, "must be a positive duration such as 15s, got %s", d)
		}
	}
	if c.HTTP.MaxBodyBytes < 1024 {
		return bad("http.max_body_bytes", "must be at least 1024, got %d", c.HTTP.MaxBodyBytes)
	}
	for _, o := range c.HTTP.CORSOrigins {
		if o == "*" {
			continue
		}
		if u, err := url.Parse(o); err != nil || u.Scheme == "" || u.Host == "" {
			return bad("http.cors_origins", "%q is not an origin such as https://example.com", o)
		}
	}
	for _, p := range c.HTTP.TrustedProxies {
		if _, _, err := net.ParseCIDR(p); err != nil && net.ParseIP(p) == nil {
			return bad("http.trusted_proxies", "%q is not an address or CIDR range such as 10.0.0.0/8", p)
		}
	}
	switch c.DB.Driver {
	case "sqlite":
	case "mysql":
		if c.DB.DSN == "" {
			return bad("db.dsn", "is required when db.driver is mysql")
		}
	default:
		return bad("db.driver", "must be sqlite or mysql, got %q", c.DB.Driver)
	}
	if c.DB.MaxOpenConns < 1 || c.DB.MaxOpenConns > 1000 {
		return bad("db.max_open_conns", "must be between 1 and 1000, got %d", c.DB.MaxOpenConns)
	}
	if c.DB.MaxIdleConns < 0 {
		return bad("db.max_idle_conns", "must not be negative, got %d", c.DB.MaxIdleConns)
	}
	if c.DB.ConnMaxLifetime < 0 {
		return bad("db.conn_max_lifetime", "must not be negative")
	}
	if c.Redis.DB < 0 || c.Redis.DB > 15 {
		return bad("redis.db", "must be between 0 and 15, got %d", c.Redis.DB)
	}
	for _, a := range c.RedisAddrs() {
		if _, _, err := net.SplitHostPort(a); err != nil {
			return bad("redis.addr", "%q is not host:port", a)
		}
	}
	if (c.WeChat.AppID == "") != (c.WeChat.AppSecret == "") {
		return bad("wechat.app_secret", "wechat.app_id and wechat.app_secret must be set together")
	}
	if c.WeChat.APIBase != "" {
		if u, err := url.Parse(c.WeChat.APIBase); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return bad("wechat.api_base", "must be an http(s) URL, got %q", c.WeChat.APIBase)
		}
	}
	if c.SecretKey != "" && len(c.SecretKey) < 32 {
		return bad("secret_key", "must be at least 32 characters")
	}
	if !c.DevMode() && c.SecretKey == "" {
		return bad("secret_key", "is required when WeChat is configured")
	}
	if c.Session.TTL < time.Hour {
		return bad("session.ttl", "must be at least 1h, got %s", c.Session.TTL)
	}
	if err := c.validateConsole(bad); err != nil {
		return err
	}
	if err := c.validateLimits(bad); err != nil {
		return err
	}
	if c.Uploads.MaxBytes < 1024 || c.Uploads.MaxBytes > 50<<20 {
		return bad("uploads.max_bytes", "must be between 1024 and 52428800 (50 MB), got %d", c.Uploads.MaxBytes)
	}
	if c.Uploads.URLTTL < time.Minute {
		return bad("uploads.url_ttl", "must be at least 1m, got %s", c.Uploads.URLTTL)
	}
	if c.Uploads.CleanupAfter < time.Hour {
		return bad("uploads.cleanup_after", "must be at least 1h (people need time to finish a report), got %s", c.Uploads.CleanupAfter)
	}
	if err := c.validateUploadCosts(bad); err != nil {
		return err
	}
	if _, err := ParseMemoryLimit(c.MemoryLimit); err != nil {
		return bad("memory_limit", "%v", err)
	}
	for key, words := range map[string][]string{
		"safety.dev_risky_words": c.Safety.DevRiskyWords, "safety.dev_review_words": c.Safety.DevReviewWords,
	} {
		for _, w := range words {
			if strings.TrimSpace(w) == "" {
				return bad(key, "must not contain empty words")
			}
		}
	}
	for _, h := range c.Users.AvatarHosts {
		if !avatarHost.MatchString(h) || net.ParseIP(h) != nil {
			return bad("users.avatar_hosts", "%q is not a host name such as thirdwx.qlogo.cn (no scheme, port, path or IP address)", h)
		}
	}
	if c.Issues.AutoCloseAfter < 0 {
		return bad("issues.auto_close_after", "must not be negative (0 turns it off), got %s", c.Issues.AutoCloseAfter)
	}
	if err := c.validateActivities(bad); err != nil {
		return err
	}
	if tb := c.TimeBank; tb.BalanceCap < 0 || tb.BalanceCap > 10_000_000 {
		return bad("timebank.balance_cap", "must be between 0 (no cap) and 10000000 points, got %d", tb.BalanceCap)
	}
	if tb := c.TimeBank; tb.CreditInterval < 100*time.Millisecond || tb.CreditInterval > 10*time.Minute {
		return bad("timebank.credit_interval", "must be between 100ms and 10m, got %s", tb.CreditInterval)
	}
	if tb := c.TimeBank; tb.CreditBatch < 1 || tb.CreditBatch > 1000 {
		return bad("timebank.credit_batch", "must be between 1 and 1000, got %d", tb.CreditBatch)
	}
	if c.Council.SecondThreshold < 1 || c.Council.SecondThreshold > 10000 {
		return bad("council.second_threshold", "must be between 1 and 10000, got %d", c.Council.SecondThreshold)
	}
	if c.Council.PublishFor < time.Hour || c.Council.PublishFor > 90*24*time.Hour {
		return bad("council.publish_for", "must be between 1h and 2160h, got %s", c.Council.PublishFor)
	}
	if an := c.Announcements; an.DefaultFor < time.Hour || an.DefaultFor > 366*24*time.Hour {
		return bad("announcements.default_for", "must be between 1h and 8784h, got %s", an.DefaultFor)
	}
	if an := c.Announcements; an.DeliverEvery < 100*time.Millisecond || an.DeliverEvery > time.Minute {
		return bad("announcements.deliver_every", "must be between 100ms and 1m, got %s", an.DeliverEvery)
	}
	if an := c.Announcements; an.DeliverBatch < 1 || an.DeliverBatch > 5000 {
		return bad("announcements.deliver_batch", "must be between 1 and 5000, got %d", an.DeliverBatch)
	}
	if b := c.Certificates.VerifyBaseURL; b != "" {
		if u, err := url.Parse(b); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" ||
			u.RawQuery != "" || u.Fragment != "" || u.User != nil {
			return bad("certificates.verify_base_url", "must be an http(s) URL without query, fragment or credentials, got %q", b)
		}
	}
	if c.Dispatch.OfferTTL < time.Minute || c.Dispatch.OfferTTL > 30*24*time.Hour {
		return bad("dispatch.offer_ttl", "must be between 1m and 720h, got %s", c.Dispatch.OfferTTL)
	}
	if c.Dispatch.MaxOpenPerVolunteer < 1 || c.Dispatch.MaxOpenPerVolunteer > 100 {
		return bad("dispatch.max_open_per_volunteer", "must be between 1 and 100, got %d", c.Dispatch.MaxOpenPerVolunteer)
	}
	switch c.Log.Level {
	case "debug", "info", "warn", "error":
	default:
		return bad("log.level", "must be debug, info, warn or error, got %q", c.Log.Level)
	}
	if c.Log.Format != "json" && c.Log.Format != "text" {
		return bad("log.format", "must be json or text, got %q", c.Log.Format)
	}
	return c.validateNotify(bad)
}

// avatarHost is a DNS host name of at least two labels.
var avatarHost = regexp.MustCompile(`^(?i:[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.(?i:[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?))+$`)

var (
	notifyKind       = regexp.MustCompile(`^[a-z0-9_.]{1,32}$`)
	notifyTemplateID = regexp.MustCompile(`^[A-Za-z0-9_-]{1,128}$`)
	notifyDataKey    = regexp.MustCompile(`^[a-z_]{1,24}[0-9]{1,3}$`)
)

func (c *Config) validateNotify(bad func(key, format string, args ...any) error) error {
	n := c.Notify
	for kind, id := range n.Templates {
		if !notifyKind.MatchString(kind) {
			return bad("notify.templates", "kind %q must be 1-32 of a-z, 0-9, _ and .", kind)
		}
		if !notifyTemplateID.MatchString(id) {
			return bad("notify.templates", "template id %q of %s is not a WeChat template id", id, kind)
		}
	}
	for key, source := range n.TemplateFields {
		if !notifyDataKey.MatchString(key) {
			return bad("notify.template_fields", "%q is not a template data key such as thing1 or time3", key)
		}
		if source != "title" && source != "body" && source != "time" {
			return bad("notify.template_fields", "%s must be filled by title, body or time, got %q", key, source)
		}
	}
	if n.PollInterval < 100*time.Millisecond || n.PollInterval > time.Hour {
		return bad("notify.poll_interval", "must be between 100ms and 1h, got %s", n.PollInterval)
	}
	// A send must end well within its lease, or a second instance could take the message over
	// while the first is still sending it.
	if n.Lease < 3*c.WeChat.Timeout || n.Lease < 5*time.Second {
		return bad("notify.lease", "must be at least 5s and 3 × wechat.timeout (%s), got %s", 3*c.WeChat.Timeout, n.Lease)
	}
	if n.BatchSize < 1 || n.BatchSize > 500 {
		return bad("notify.batch_size", "must be between 1 and 500, got %d", n.BatchSize)
	}
	if n.MaxAttempts < 1 || n.MaxAttempts > 100 {
		return bad("notify.max_attempts", "must be between 1 and 100, got %d", n.MaxAttempts)
	}
	return nil
}

// RedisAddrs splits Redis.Addr into its nodes; nil means in-process Redis.
func (c *Config) RedisAddrs() []string {
	var out []string
	for _, a := range strings.Split(c.Redis.Addr, ",") {
		if a = strings.TrimSpace(a); a != "" {
			out = append(out, a)
		}
	}
	return out
}

// validateUploadCosts checks the limits on what an upload may cost the process.
func (c *Config) validateUploadCosts(bad func(key, format string, args ...any) error) error {
	u := c.Uploads
	if u.MaxPixels < 1_000_000 || u.MaxPixels > 1_000_000_000 {
		return bad("uploads.max_pixels", "must be between 1000000 and 1000000000, got %d", u.MaxPixels)
	}
	if u.MaxDecodeBytes < 16<<20 || u.MaxDecodeBytes > 16<<30 {
		return bad("uploads.max_decode_bytes", "must be between 16777216 (16 MiB) and 17179869184 (16 GiB), got %d", u.MaxDecodeBytes)
	}
	if u.DecodeConcurrency < 1 || u.DecodeConcurrency > 64 {
		return bad("uploads.decode_concurrency", "must be between 1 and 64, got %d", u.DecodeConcurrency)
	}
	if u.MaxInFlight < 1 || u.MaxInFlight > 10_000 {
		return bad("uploads.max_in_flight", "must be between 1 and 10000, got %d", u.MaxInFlight)
	}
	if u.MaxInFlightPerUser < 1 || u.MaxInFlightPerUser > u.MaxInFlight {
		return bad("uploads.max_in_flight_per_user", "must be between 1 and uploads.max_in_flight (%d), got %d", u.MaxInFlight, u.MaxInFlightPerUser)
	}
	// The wait eats into the time the server gives a request to send its body.
	if u.QueueWait < 0 || u.QueueWait >= c.HTTP.ReadTimeout {
		return bad("uploads.queue_wait", "must be between 0 and http.read_timeout (%s), got %s", c.HTTP.ReadTimeout, u.QueueWait)
	}
	return nil
}

func (c *Config) validateActivities(bad func(key, format string, args ...any) error) error {
	a := c.Activities
	for key, d := range map[string]time.Duration{
		"activities.checkin_early": a.CheckinEarly, "activities.checkout_grace": a.CheckoutGrace,
		"activities.reminder_before": a.ReminderBefore, "activities.cancel_before": a.CancelBefore,
	} {
		if d < 0 || d > 7*24*time.Hour {
			return bad(key, "must be between 0 and 168h, got %s", d)
		}
	}
	if a.NoShowLimit < 0 || a.NoShowLimit > 100 {
		return bad("activities.no_show_limit", "must be between 0 (off) and 100, got %d", a.NoShowLimit)
	}
	if a.NoShowWindow < 24*time.Hour {
		return bad("activities.no_show_window", "must be at least 24h, got %s", a.NoShowWindow)
	}
	if a.ListCacheTTL < time.Second || a.ListCacheTTL > time.Hour {
		return bad("activities.list_cache_ttl", "must be between 1s and 1h, got %s", a.ListCacheTTL)
	}
	return nil
}
