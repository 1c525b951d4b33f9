package service

import (
	"log/slog"
	"path/filepath"

	"linli/cache"
	"linli/clock"
	"linli/config"
	"linli/model"
	"linli/storage"
	"linli/wechat"
)

// Services is the whole business layer, wired from configuration: main, the CLI commands and
// tests build it once with NewServices.
type Services struct {
	// Clock is where every service reads the time (the wall clock, or a test's fake).
	Clock      clock.Clock
	Secrets    *Secrets
	Limiter    *Limiter
	Auth       *Auth
	Users      *Users
	Principals *Principals
	// Identities caches each user's profile and principal in Redis (GET /me, every policy check).
	Identities *IdentityCache
	// Places is the directory of communities, estates and buildings.
	Places *Places
	// Council is the council (议事厅): topics, seconds, household votes, follow-up items.
	Council *Council
	// Announcements are the community's notices (公告) with household read receipts.
	Announcements *Announcements
	// Households is the register of households (房屋台账) and its workbook import.
	Households *Households
	// Residencies runs residency claims and their decisions.
	Residencies *Residencies
	// Roles grants and revokes roles (the API and `linli admin grant`).
	Roles *Roles
	// Notifier keeps the inbox and sends WeChat subscription messages from the outbox.
	Notifier *Notifier
	// Safety checks user text and images (WeChat, or a local word list in dev mode).
	Safety *Safety
	// Uploads receives, stores, attaches, serves and cleans up images.
	Uploads *Uploads
	// IssueCategories manages each community's categories of issues.
	IssueCategories *IssueCategories
	// Issues is issue reporting (报事): report, queues, workflow, comments, ratings.
	Issues *Issues
	// Skills is the skill directory (能人库): skill lists, listings, verification, search.
	Skills *Skills
	// HelpRequests is 居民点单: residents (or captains on their behalf) asking for help.
	HelpRequests *HelpRequests
	// Dispatches is 派单: sending a volunteer, and the cycle up to the confirmed service.
	Dispatches *Dispatches
	// Idempotency remembers answers to retried writes (Idempotency-Key).
	Idempotency *Idempotency
	// WeChat is nil in dev mode.
	WeChat *wechat.Client
	// Teams manages volunteer teams (志愿服务队).
	Teams *Teams
	// Activities runs volunteer activities (志愿活动): sign-ups, attendance, settlement.
	Activities *Activities
	// TimeBank is the time bank (时间银行): accounts, ledger, crediting, transfers, records.
	TimeBank *TimeBank
	// Rewards is the 爱心超市: rewards, redemptions and vouchers.
	Rewards *Rewards
	// Dashboard is the monthly dashboard (工作台) and its workbook, from rollups and live queries.
	Dashboard *Dashboard
	// Leaderboards serves the rankings (排行榜) from Redis, rebuilt from the ledger.
	Leaderboards *Leaderboards
	// Audit keeps the audit log of staff, captains' and admins' actions and role changes.
	Audit *Audit
	// Certificates issues volunteer certificates (志愿服务证明) and answers their verification.
	Certificates *Certificates
	// ConsoleTickets runs the staff console's login by mini-program code (扫码登录).
	ConsoleTickets *ConsoleTickets
}

// NewServices builds every service; in dev mode (no WeChat AppID) there is no WeChat client.
//
// clk is the clock of the whole process (nil: the wall clock); give the store the same one.
func NewServices(cfg config.Config, store *model.Store, r *cache.Redis, log *slog.Logger, clk clock.Clock) (*Services, error) {
	secrets, err := NewSecrets(cfg.SecretKey)
	if err != nil {
		return nil, err
	}
	// The leaderboards first: the identity cache drops volunteers' cards from them.
	s := &Services{Secrets: secrets, Limiter: NewLimiter(r, log), Leaderboards: NewLeaderboards(store, r, log)}
	s.Identities = NewIdentityCache(store, r, s.Leaderboards, log)
	s.Principals = NewPrincipals(s.Identities)
	var wx WeChatLogin
	if !cfg.DevMode() {
		s.WeChat, err = wechat.New(wechat.Config{
			AppID: cfg.WeChat.AppID, AppSecret: cfg.WeChat.AppSecret, APIBase: cfg.WeChat.APIBase,
			Timeout: cfg.WeChat.Timeout, CacheKeyPrefix: cfg.Redis.Prefix,
		}, r.Client)
		if err != nil {
			return nil, err
		}
		wx = s.WeChat
	}
	l := cfg.Limits
	s.Auth = NewAuth(store, r, wx, secrets, s.Limiter,
		LoginLimits{PerIP: l.LoginPerIP, PerUser: l.LoginPerUser}, cfg.Session.TTL,
		ConsoleLifetime{Idle: cfg.Session.ConsoleIdle, MaxAge: cfg.Session.ConsoleMaxAge}, s.Identities, log)
	up := cfg.Uploads
	s.Safety = NewSafety(s.WeChat, cfg.Safety.DevRiskyWords, cfg.Safety.DevReviewWords, DecodeLimits{
		MaxPixels: up.MaxPixels, MaxBytes: up.MaxDecodeBytes, Concurrency: up.DecodeConcurrency}, log)
	s.Users = NewUsers(store, s.Auth, wx, secrets, s.Limiter,
		PhoneLimits{PerIP: l.PhonePerIP, PerUser: l.PhonePerUser}, s.Identities, s.Safety,
		UserOptions{AvatarHosts: cfg.Users.AvatarHosts}, log)
	s.Places = NewPlaces(store)
	s.Households = NewHouseholds(store, s.Places, s.Users, secrets, s.Safety)
	s.Residencies = NewResidencies(store, s.Places, s.Users, s.Identities, s.Safety, s.Households)
	s.Roles = NewRoles(store, s.Auth, s.Identities)
	files, err := storage.NewLocal(filepath.Join(cfg.DataDir, "uploads"))
	if err != nil {
		return nil, err
	}
	s.Uploads = NewUploads(store, files, s.Safety, secrets, UploadConfig{MaxBytes: up.MaxBytes,
		MaxPixels: up.MaxPixels, MaxDecodeBytes: up.MaxDecodeBytes, MaxInFlight: up.MaxInFlight,
		MaxInFlightPerUser: up.MaxInFlightPerUser, QueueWait: up.QueueWait, URLTTL: up.URLTTL}, log)
	var sub Subscriber // stays a nil interface in dev mode (never a nil *wechat.Client)
	if s.WeChat != nil {
		sub = s.WeChat
	}
	n := cfg.Notify
	s.Notifier = NewNotifier(store, sub, NotifyOptions{Templates: n.Templates, Fields: n.Fields(),
		Lease: n.Lease, BatchSize: n.BatchSize, MaxAttempts: n.MaxAttempts}, log)
	s.Idempotency = NewIdempotency(store)
	s.IssueCategories = NewIssueCategories(store, r.Invalidations(log), log)
	s.Issues = NewIssues(store, s.IssueCategories, s.Uploads, s.Safety, s.Notifier, s.Users,
		cfg.Issues.AutoCloseAfter, r.Invalidations(log), log)
	s.Skills = NewSkills(store, s.Places, s.Safety, s.Users, r.Invalidations(log), log)
	s.HelpRequests = NewHelpRequests(store, s.Places, s.Skills, s.Safety, s.Notifier, s.Users, l.HelpOpenPerUser)
	s.Dispatches = NewDispatches(store, s.Issues, s.Uploads, s.Safety, s.Notifier, s.Users,
		DispatchConfig{OfferTTL: cfg.Dispatch.OfferTTL, MaxOpen: cfg.Dispatch.MaxOpenPerVolunteer})
	s.Dispatches.listings = s.Skills
	s.Teams = NewTeams(store, s.Safety)
	var codes CodeMaker // stays a nil interface in dev mode
	if s.WeChat != nil {
		codes = s.WeChat
	}
	act := cfg.Activities
	s.Activities = NewActivities(store, r, s.Places, s.Safety, s.Notifier, s.Users, secrets, codes, ActivityConfig{
		CheckinEarly: act.CheckinEarly, CheckoutGrace: act.CheckoutGrace, ReminderBefore: act.ReminderBefore,
		CancelBefore: act.CancelBefore, NoShowLimit: act.NoShowLimit, NoShowWindow: act.NoShowWindow,
		CacheTTL: act.ListCacheTTL}, log)
	tb := cfg.TimeBank
	s.TimeBank = NewTimeBank(store, s.Notifier, s.Leaderboards, s.Safety, TimeBankOptions{BalanceCap: Points(tb.BalanceCap * 100),
		CollectiveDonateOnly: tb.CollectiveDonateOnly, CreditBatch: tb.CreditBatch}, log)
	s.Rewards = NewRewards(store, s.TimeBank, s.Notifier)
	s.Certificates = NewCertificates(store, secrets, s.Uploads, s.Safety, s.Notifier)
	s.Council = NewCouncil(store, s.Places, s.Households, s.Safety, s.Notifier, s.Users,
		CouncilOptions{Threshold: cfg.Council.SecondThreshold, PublishFor: cfg.Council.PublishFor}, log)
	an := cfg.Announcements
	s.Announcements = NewAnnouncements(store, s.Places, s.Safety, s.Uploads, s.Notifier, s.Users, r.Invalidations(log),
		AnnouncementOptions{DefaultFor: an.DefaultFor, Batch: an.DeliverBatch}, log)
	s.Council.SetPublisher(s.Announcements.publishResult)
	s.Dashboard = NewDashboard(store, r, DashboardOptions{}, log)
	s.Audit = NewAudit(store, log)
	s.ConsoleTickets = NewConsoleTickets(r, s.Auth, s.Principals, codes, s.Limiter, ConsoleTicketOptions{
		TTL: cfg.Console.TicketTTL, Page: cfg.Console.TicketPage, PerIP: l.ConsoleTicketPerIP})
	s.useClock(clock.Or(clk))
	return s, nil
}
