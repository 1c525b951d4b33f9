package config

import (
	"time"
)

// Default returns the embedded configuration: SQLite in ./data, in-process Redis, dev login.
func Default() Config {
	return Config{
		DataDir: "./data",
		HTTP: HTTP{
			Addr:          ":8080",
			MetricsAddr:   "127.0.0.1:9464",
			ReadTimeout:   15 * time.Second,
			WriteTimeout:  30 * time.Second,
			IdleTimeout:   120 * time.Second,
			ShutdownGrace: 20 * time.Second,
			MaxBodyBytes:  1 << 20,
			// Not nil: a list from the file or the environment then replaces it whole.
			TrustedProxies: []string{},
		},
		DB: DB{
			Driver:          "sqlite",
			MaxOpenConns:    8,
			MaxIdleConns:    8,
			ConnMaxLifetime: 30 * time.Minute,
			AutoMigrate:     true,
		},
		Redis:   Redis{Prefix: "linli:"},
		WeChat:  WeChat{Timeout: 5 * time.Second},
		Session: Session{TTL: 30 * 24 * time.Hour, ConsoleIdle: 30 * time.Minute, ConsoleMaxAge: 12 * time.Hour},
		Console: Console{TicketTTL: 5 * time.Minute, TicketPage: "pages/console/login"},
		Issues:  Issues{AutoCloseAfter: 7 * 24 * time.Hour},
		Activities: Activities{CheckinEarly: 30 * time.Minute, CheckoutGrace: 2 * time.Hour,
			ReminderBefore: 2 * time.Hour, CancelBefore: 2 * time.Hour, NoShowLimit: 3,
			NoShowWindow: 90 * 24 * time.Hour, ListCacheTTL: 30 * time.Second},
		Council:       Council{SecondThreshold: 5, PublishFor: 7 * 24 * time.Hour},
		Announcements: Announcements{DefaultFor: 30 * 24 * time.Hour, DeliverEvery: 2 * time.Second, DeliverBatch: 500},
		Dispatch: Dispatch{OfferTTL: 24 * time.Hour,
			MaxOpenPerVolunteer: 3},
		TimeBank: TimeBank{BalanceCap: 1500, CollectiveDonateOnly: true, CreditInterval: 5 * time.Second,
			CreditBatch: 100},
		Limits: Limits{LoginPerIP: CrowdPerMinute, LoginPerUser: 10, ConsoleTicketPerIP: 60, PhonePerIP: CrowdPerMinute, PhonePerUser: 5,
			ReportPerUser: 10, CommentPerUser: 30, UploadPerUser: 60, SignupPerUser: 20, RedeemPerUser: 10,
			ReportPerIP: CrowdPerMinute, CommentPerIP: CrowdPerMinute, UploadPerIP: CrowdPerMinute,
			SignupPerIP: CrowdPerMinute, RedeemPerIP: CrowdPerMinute,
			HelpPerUser: 10, DispatchPerUser: 30, TransitionPerUser: 60, ActivityPerUser: 20, TransferPerUser: 10,
			ProfilePerUser: 10, SkillProfilePerUser: 10,
			HelpPerIP: CrowdPerMinute, DispatchPerIP: CrowdPerMinute, TransitionPerIP: CrowdPerMinute,
			ActivityPerIP: CrowdPerMinute, TransferPerIP: CrowdPerMinute, ProfilePerIP: CrowdPerMinute,
			SkillProfilePerIP: CrowdPerMinute, HelpOpenPerUser: 5, RefusedPerUser: 60, Communities: map[string]CommunityLimits{}},
		Log:     Log{Level: "info", Format: "json"},
		Uploads: defaultUploads(),
		Safety: Safety{
			DevRiskyWords:  []string{"赌博", "代开发票", "办证"},
			DevReviewWords: []string{"投诉到市长"},
		},
		Users: Users{AvatarHosts: DefaultAvatarHosts()},
		Notify: Notify{Templates: map[string]string{}, TemplateFields: map[string]string{},
			PollInterval: 2 * time.Second, Lease: 30 * time.Second, BatchSize: 20, MaxAttempts: 8},
		MemoryLimit: "768MiB",
	}
}

// defaultUploads are the upload defaults: 10 MB files of at most 50 million pixels whose decode
// takes at most 128 MiB, decoded two at a time; eight uploads in flight per process, two per
// user, waiting up to 5 s for a turn.
func defaultUploads() Uploads {
	return Uploads{MaxBytes: 10 << 20, URLTTL: 24 * time.Hour, CleanupAfter: 24 * time.Hour,
		MaxPixels: 50_000_000, MaxDecodeBytes: 128 << 20, DecodeConcurrency: 2,
		MaxInFlight: 8, MaxInFlightPerUser: 2, QueueWait: 5 * time.Second}
}
