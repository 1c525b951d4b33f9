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
	Limits    Limits  `koanf:"limits"`
	Log       Log     `koanf:"log"`
}

// HTTP configures the listener and the request pipeline.
type HTTP struct {
	Addr          string        `koanf:"addr"`
	ReadTimeout   time.Duration `koanf:"read_timeout"`
	WriteTimeout  time.Duration `koanf:"write_timeout"`
	IdleTimeout   time.Duration `koanf:"idle_timeout"`
	ShutdownGrace time.Duration `koanf:"shutdown_grace"`
	// MaxBodyBytes bounds every request body except uploads (413 beyond it).
	MaxBodyBytes int64 `koanf:"max_body_bytes"`
	// CORSOrigins is the allow-list of browser origins; empty allows none.
	CORSOrigins []string `koanf:"cors_origins"`
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

// Session configures login sessions.
type Session struct {
	// TTL is the sliding lifetime of a session token.
	TTL time.Duration `koanf:"ttl"`
}

// Limits are abuse limits, in requests per minute; 0 turns a limit off.
type Limits struct {
	LoginPerIP   int `koanf:"login_per_ip"`
	LoginPerUser int `koanf:"login_per_user"`
	PhonePerIP   int `koanf:"phone_per_ip"`
	PhonePerUser int `koanf:"phone_per_user"`
}

// Log configures the structured logger.
type Log struct {
	// Level is debug, info, warn or error.
	Level string `koanf:"level"`
	// Format is json or text.
	Format string `koanf:"format"`
}

// DevMode reports whether no WeChat AppID is configured: dev login is allowed.
func (c *Config) DevMode() bool { return c.WeChat.AppID == "" }

// Default returns the embedded configuration: SQLite in ./data, in-process Redis, dev login.
func Default() Config {
	return Config{
		DataDir: "./data",
		HTTP: HTTP{
			Addr:          ":8080",
			ReadTimeout:   15 * time.Second,
			WriteTimeout:  30 * time.Second,
			IdleTimeout:   120 * time.Second,
			ShutdownGrace: 20 * time.Second,
			MaxBodyBytes:  1 << 20,
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
		Session: Session{TTL: 30 * 24 * time.Hour},
		Limits:  Limits{LoginPerIP: 30, LoginPerUser: 10, PhonePerIP: 20, PhonePerUser: 5},
		Log:     Log{Level: "info", Format: "json"},
	}
}
