// Package config holds Linli's configuration: defaults for the embedded mode, a YAML file,
// LINLI_* environment variables on top, and Validate, which names the key of any bad value.
package config

import (
	"time"
)

// Config is the whole configuration of one Linli process.
type Config struct {
	// DataDir holds the SQLite file, uploads, the generated dev secret key and other local state.
	DataDir string `koanf:"data_dir"`
	// SecretKey encrypts personal data at rest and signs tokens (at least 32 characters).
	// Empty in dev mode: generated once and kept in DataDir. Required when WeChat is configured.
	SecretKey string  `koanf:"secret_key"`
	HTTP      HTTP    `koanf:"http"`
	DB        DB      `koanf:"db"`
	Redis     Redis   `koanf:"redis"`
	WeChat    WeChat  `koanf:"wechat"`
	Session   Session `koanf:"session"`
	// Console configures the staff console's (工作台网页) login by mini-program code.
	Console Console `koanf:"console"`
	Limits  Limits  `koanf:"limits"`
	Log     Log     `koanf:"log"`
	Uploads Uploads `koanf:"uploads"`
	Safety  Safety  `koanf:"safety"`
	// Users configures what people may put in their profile.
	Users  Users  `koanf:"users"`
	Notify Notify `koanf:"notify"`
	Issues Issues `koanf:"issues"`
	// Dispatch configures skill dispatch (派单).
	Dispatch Dispatch `koanf:"dispatch"`
	// Council configures the council (议事厅).
	Council Council `koanf:"council"`
	// Announcements configures announcements (公告).
	Announcements Announcements `koanf:"announcements"`
	// Activities configures volunteer activities and sign-ups (志愿活动).
	Activities Activities `koanf:"activities"`
	// TimeBank configures the time bank (时间银行) and its leaderboards.
	TimeBank TimeBank `koanf:"timebank"`
	// Certificates configures volunteer certificates (志愿服务证明).
	Certificates Certificates `koanf:"certificates"`
	// MemoryLimit is the Go runtime's soft memory limit (GOMEMLIMIT), in bytes or with a unit
	// (B, KiB, MiB, GiB, TiB: "768MiB"); "" or "0" leaves Go's default (none). A GOMEMLIMIT
	// environment variable, when set, wins. See memory.go.
	MemoryLimit string `koanf:"memory_limit"`
}

// HTTP configures the listener and the request pipeline.
type HTTP struct {
	// Addr is the public listener: the API, /healthz, /readyz and the API documentation.
	Addr string `koanf:"addr"`
	// MetricsAddr is the listener of GET /metrics (Prometheus), apart from the public one so
	// that the figures of the server's internals, and the work of a scrape, are never open to
	// whoever reaches Addr. The default, 127.0.0.1:9464, answers only on the machine itself;
	// set it to an address on a private network (":9464" in a container whose port is not
	// published) for a scraper elsewhere. Empty serves /metrics nowhere.
	MetricsAddr   string        `koanf:"metrics_addr"`
	ReadTimeout   time.Duration `koanf:"read_timeout"`
	WriteTimeout  time.Duration `koanf:"write_timeout"`
	IdleTimeout   time.Duration `koanf:"idle_timeout"`
	ShutdownGrace time.Duration `koanf:"shutdown_grace"`
	// MaxBodyBytes bounds every request body except uploads (413 beyond it).
	MaxBodyBytes int64 `koanf:"max_body_bytes"`
	// CORSOrigins is the allow-list of browser origins; empty allows none.
	CORSOrigins []string `koanf:"cors_origins"`
	// TrustedProxies lists the addresses or CIDR ranges of the reverse proxies in front of the
	// server, whose X-Forwarded-For / X-Real-IP name the client; empty trusts none, and the
	// client address is the connection's. Per-address limits and the audit log use it.
	TrustedProxies []string `koanf:"trusted_proxies"`
	// PProf mounts Go's profiler (net/http/pprof) under /debug/pprof on the public listener
	// (Addr), beside /healthz. Off by default: profiles reveal internals and cost CPU, so turn it
	// on only to investigate, on an address that is not public.
	PProf bool `koanf:"pprof"`
}

// DB selects and tunes the database.
type DB struct {
	// Driver is "sqlite" (embedded file in DataDir) or "mysql" (MySQL 8 / MariaDB 10.6+).
	Driver string `koanf:"driver"`
	// DSN is the MySQL DSN; ignored for sqlite.
	DSN          string `koanf:"dsn"`
	MaxOpenConns int    `koanf:"max_open_conns"`
	// MaxIdleConns above MaxOpenConns is lowered to it (as database/sql does).
	MaxIdleConns    int           `koanf:"max_idle_conns"`
	ConnMaxLifetime time.Duration `koanf:"conn_max_lifetime"`
	// AutoMigrate applies pending migrations when the server starts.
	AutoMigrate bool `koanf:"auto_migrate"`
}

// Redis selects the Redis server; an empty Addr runs an in-process one.
type Redis struct {
	// Addr is host:port, or a comma-separated list of cluster nodes; empty = in-process.
	Addr     string `koanf:"addr"`
	Password string `koanf:"password"`
	DB       int    `koanf:"db"`
	// Cluster forces cluster mode for a single address (several addresses imply it).
	Cluster bool `koanf:"cluster"`
	// Prefix starts every key this process writes.
	Prefix string `koanf:"prefix"`
}

// WeChat holds the mini-program credentials; empty AppID means dev mode (dev login allowed).
type WeChat struct {
	AppID     string `koanf:"app_id"`
	AppSecret string `koanf:"app_secret"`
	// APIBase sends every WeChat API call to this base URL (test fakes, egress gateways).
	APIBase string        `koanf:"api_base"`
	Timeout time.Duration `koanf:"timeout"`
}

// Limits are abuse limits, in requests per minute; 0 turns a limit off. The real limits are
// each person's own (per openid for logins, per user for everything else). Each action also
// has a limit per client address, a flood guard only: residents share addresses (the
// community hall's Wi-Fi during an activity's sign-up, a carrier's NAT), so those are sized
// for a crowd of neighbours, never for one person. Communities overrides them for the actions
// that happen in a known community (config/limits.go).
type Limits struct {
	LoginPerIP   int `koanf:"login_per_ip"`
	LoginPerUser int `koanf:"login_per_user"`
	// ConsoleTicketPerIP: the console's login codes (and images) per address, sized for an office.
	ConsoleTicketPerIP int `koanf:"console_ticket_per_ip"`
	PhonePerIP         int `koanf:"phone_per_ip"`
	PhonePerUser       int `koanf:"phone_per_user"`
	// Writes per user: reports, comments, uploads, sign-ups, redemptions.
	ReportPerUser  int `koanf:"report_per_user"`
	CommentPerUser int `koanf:"comment_per_user"`
	UploadPerUser  int `koanf:"upload_per_user"`
	SignupPerUser  int `koanf:"signup_per_user"`
	RedeemPerUser  int `koanf:"redeem_per_user"`
	// The same writes per client address: flood guards sized for a crowd.
	ReportPerIP  int `koanf:"report_per_ip"`
	CommentPerIP int `koanf:"comment_per_ip"`
	UploadPerIP  int `koanf:"upload_per_ip"`
	SignupPerIP  int `koanf:"signup_per_ip"`
	RedeemPerIP  int `koanf:"redeem_per_ip"`
	// Writes that tell someone else (a notification, often a WeChat message), per user:
	// help requests (the building's captains are told), dispatch offers and steps (the
	// volunteer or the requester), issue transitions (the reporter and followers), organisers'
	// changes to an activity (everyone signed up), transfers and corrections of points (the
	// account holder); and changes to one's profile and skill listing, which every instance's
	// caches and the content-safety check pay for.
	HelpPerUser         int `koanf:"help_per_user"`
	DispatchPerUser     int `koanf:"dispatch_per_user"`
	TransitionPerUser   int `koanf:"transition_per_user"`
	ActivityPerUser     int `koanf:"activity_per_user"`
	TransferPerUser     int `koanf:"transfer_per_user"`
	ProfilePerUser      int `koanf:"profile_per_user"`
	SkillProfilePerUser int `koanf:"skill_profile_per_user"`
	// The same per client address: flood guards sized for a crowd.
	HelpPerIP         int `koanf:"help_per_ip"`
	DispatchPerIP     int `koanf:"dispatch_per_ip"`
	TransitionPerIP   int `koanf:"transition_per_ip"`
	ActivityPerIP     int `koanf:"activity_per_ip"`
	TransferPerIP     int `koanf:"transfer_per_ip"`
	ProfilePerIP      int `koanf:"profile_per_ip"`
	SkillProfilePerIP int `koanf:"skill_profile_per_ip"`
	// HelpOpenPerUser is how many help requests for themselves a person may have not yet done
	// at once (a count, not a rate); beyond it a new one is refused (409) until one is done.
	// Requests a captain files on behalf of a neighbour are not counted. 0: no cap.
	HelpOpenPerUser int `koanf:"help_open_per_user"`
	// RefusedPerUser is how many refused writes (an answer of 400 or more: a form filled in
	// wrong, a sign-up that is full) a person may make per minute and action without spending
	// the limits above: a refused write did nothing, so its count is given back. Beyond it
	// refusals count like accepted writes; 0 gives every refusal back. Per-address counts are
	// never given back.
	RefusedPerUser int `koanf:"refused_per_user"`
	// Communities overrides the limits of reports, comments, sign-ups and redemptions in one
	// community, keyed by its id ("42"); keys left out keep the values above. The other actions
	// (uploads belong to no community) cannot be overridden.
	Communities map[string]CommunityLimits `koanf:"communities"`
}

// Issues configures issue reporting (报事).
type Issues struct {
	// AutoCloseAfter closes a resolved issue its reporter has not confirmed; 0 never does.
	AutoCloseAfter time.Duration `koanf:"auto_close_after"`
}

// Activities configures volunteer activities (志愿活动): check-in, reminders, the default
// cancellation cut-off, the no-show rule and the list cache.
type Activities struct {
	// CheckinEarly is how long before the start a volunteer may check in.
	CheckinEarly time.Duration `koanf:"checkin_early"`
	// CheckoutGrace is how long after the end a volunteer may still check out; the check-in
	// code expires then.
	CheckoutGrace time.Duration `koanf:"checkout_grace"`
	// ReminderBefore is when confirmed volunteers are reminded before the start; 0 sends none.
	ReminderBefore time.Duration `koanf:"reminder_before"`
	// CancelBefore is the default cancellation cut-off before the start (an activity may set its own).
	CancelBefore time.Duration `koanf:"cancel_before"`
	// NoShowLimit refuses sign-up to someone with this many no-shows within NoShowWindow; 0 never.
	NoShowLimit  int           `koanf:"no_show_limit"`
	NoShowWindow time.Duration `koanf:"no_show_window"`
	// ListCacheTTL bounds how long a cached activity list page or place count may be served.
	ListCacheTTL time.Duration `koanf:"list_cache_ttl"`
}

// TimeBank configures the time bank (时间银行): its policies and how confirmed service is
// credited. Points are counted in hundredths in the ledger; these keys are whole points.
type TimeBank struct {
	// BalanceCap is the most a resident's account holds (whole points); service credits above
	// it go to the community's account, with a notice, and transfers beyond it are refused.
	// 0 means no cap.
	BalanceCap int64 `koanf:"balance_cap"`
	// CollectiveDonateOnly lets collective accounts (单位卡, 企业卡, 院落集体卡) only donate: their
	// points may go to the community's account or another collective account, never to a person.
	CollectiveDonateOnly bool `koanf:"collective_donate_only"`
	// CreditInterval is how often each instance credits confirmed service not yet credited
	// (and catches up on leaderboard updates a crash left owed).
	CreditInterval time.Duration `koanf:"credit_interval"`
	// CreditBatch is how many service records one run credits at most.
	CreditBatch int `koanf:"credit_batch"`
}

// Certificates configures volunteer certificates (志愿服务证明).
type Certificates struct {
	// VerifyBaseURL is the public address the verification path (/verify/<code>) is appended to
	// on a certificate's QR code, e.g. https://linli.example.cn. Empty: the scheme and host the
	// issuing request reached the server at (what a trusted proxy forwarded). The config has
	// no other public base URL to derive it from; set it when clients reach the API under an
	// address that strangers scanning a paper certificate cannot.
	VerifyBaseURL string `koanf:"verify_base_url"`
}

// Dispatch configures skill dispatch (派单).
type Dispatch struct {
	// OfferTTL is how long a volunteer has to accept or decline an offer before it expires and
	// the dispatcher is told.
	OfferTTL time.Duration `koanf:"offer_ttl"`
	// MaxOpenPerVolunteer is how many offered or accepted dispatches one volunteer may hold.
	MaxOpenPerVolunteer int `koanf:"max_open_per_volunteer"`
}

// Council configures the council (议事厅).
type Council struct {
	// SecondThreshold is how many households' seconds (附议) put a proposed topic on the
	// agenda by themselves (fixed on each topic when it is proposed).
	SecondThreshold int `koanf:"second_threshold"`
	// PublishFor is how long a vote's result stays published (公示) as an announcement.
	PublishFor time.Duration `koanf:"publish_for"`
}

// Announcements configures announcements (公告).
type Announcements struct {
	// DefaultFor is how long an announcement published without an expiry stays up.
	DefaultFor time.Duration `koanf:"default_for"`
	// DeliverEvery is how often the delivery job looks for announcements to deliver: a new
	// announcement's inbox notices start within this long of publishing.
	DeliverEvery time.Duration `koanf:"deliver_every"`
	// DeliverBatch is how many residents one delivery step tells (one transaction).
	DeliverBatch int `koanf:"deliver_batch"`
}

// Log configures the structured logger.
type Log struct {
	// Level is debug, info, warn or error.
	Level string `koanf:"level"`
	// Format is json or text.
	Format string `koanf:"format"`
}

// Notify configures notifications: the in-app inbox (always) and WeChat subscription messages
// sent on top of it from a durable outbox.
type Notify struct {
	// Templates maps a notification kind (issue_new, issue_status, …) to the subscription
	// message template id to send for it; kinds without one stay in the inbox only.
	Templates map[string]string `koanf:"templates"`
	// TemplateFields maps each data key of the templates (thing1, time3, …) to what fills it:
	// title, body or time. Empty means DefaultTemplateFields. Every template must use these keys.
	TemplateFields map[string]string `koanf:"template_fields"`
	// PollInterval is how often each instance looks for messages due to be sent.
	PollInterval time.Duration `koanf:"poll_interval"`
	// Lease is how long a claimed message stays reserved for the instance sending it; a
	// crashed instance's messages are taken over after it.
	Lease time.Duration `koanf:"lease"`
	// BatchSize is how many messages one poll claims at most.
	BatchSize int `koanf:"batch_size"`
	// MaxAttempts is how many failed sends a message gets before it is marked failed.
	MaxAttempts int `koanf:"max_attempts"`
}

// DefaultTemplateFields is the template data layout used when notify.template_fields is empty.
func DefaultTemplateFields() map[string]string {
	return map[string]string{"thing1": "title", "thing2": "body", "time3": "time"}
}

// Fields returns TemplateFields, or DefaultTemplateFields when it is empty.
func (n Notify) Fields() map[string]string {
	if len(n.TemplateFields) == 0 {
		return DefaultTemplateFields()
	}
	return n.TemplateFields
}

// Uploads configures image uploads (POST /api/v1/uploads) and the signed links that serve them.
type Uploads struct {
	// MaxBytes is the largest image accepted (413 beyond it); http.max_body_bytes does not apply.
	MaxBytes int64 `koanf:"max_bytes"`
	// MaxPixels is the most pixels (width × height, read from the header) an image may have;
	// beyond it 400, before anything decodes it.
	MaxPixels int64 `koanf:"max_pixels"`
	// MaxDecodeBytes is the most memory decoding an image may take (width × height × the bytes
	// a pixel of the decoded form takes, from the header); beyond it 400.
	MaxDecodeBytes int64 `koanf:"max_decode_bytes"`
	// DecodeConcurrency is how many images one process decodes at once (for the content check);
	// the others wait. Decoding takes at most DecodeConcurrency × MaxDecodeBytes.
	DecodeConcurrency int `koanf:"decode_concurrency"`
	// MaxInFlight is how many uploads one process handles at once; more wait up to QueueWait
	// for a turn, then get 503 with Retry-After.
	MaxInFlight int `koanf:"max_in_flight"`
	// MaxInFlightPerUser is how many uploads of one user one process handles at once; more get
	// 429 with Retry-After at once.
	MaxInFlightPerUser int `koanf:"max_in_flight_per_user"`
	// QueueWait is how long an upload waits for one of the MaxInFlight turns; 0 refuses at once.
	QueueWait time.Duration `koanf:"queue_wait"`
	// URLTTL is how long a signed /files link stays valid.
	URLTTL time.Duration `koanf:"url_ttl"`
	// CleanupAfter is how long an upload may stay unattached before it is deleted.
	CleanupAfter time.Duration `koanf:"cleanup_after"`
}

// Safety configures the local content checker that stands in for WeChat's in dev mode.
type Safety struct {
	// DevRiskyWords make a text risky (refused) in dev mode; matched as case-insensitive substrings.
	DevRiskyWords []string `koanf:"dev_risky_words"`
	// DevReviewWords hold a text for review in dev mode.
	DevReviewWords []string `koanf:"dev_review_words"`
}

// Users configures profiles (PATCH /me).
type Users struct {
	// AvatarHosts are the hosts an avatar_url may point at, over https only: exact host names
	// (no scheme, port or path), compared case-insensitively. Empty allows no avatar URL at
	// all. The default is WeChat's avatar hosts.
	AvatarHosts []string `koanf:"avatar_hosts"`
}

// DefaultAvatarHosts are the hosts WeChat serves profile pictures from.
func DefaultAvatarHosts() []string { return []string{"thirdwx.qlogo.cn", "wx.qlogo.cn"} }

// DevMode reports whether no WeChat AppID is configured: dev login is allowed.
func (c *Config) DevMode() bool { return c.WeChat.AppID == "" }
