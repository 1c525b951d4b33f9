// Package loadenv is the set-up the load scripts share: a configuration from the environment
// with a fresh MySQL schema and Redis key prefix of their own (removed afterwards) when the
// test variables name servers, or an embedded back end in a temporary directory.
package loadenv

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"

	"linli/config"
	"linli/scripts/internal/dbenv"
)

// Configure builds the configuration from the environment, with a fresh schema and key prefix
// when the test variables name servers; cleanup removes what it made. The per-address and
// per-user login limits and the sign-up flood guard are off: every request of a load comes
// from one address. backend names the database and Redis in use.
func Configure() (config.Config, func(), string, error) {
	cfg, err := config.Load(os.Getenv("LINLI_CONFIG"), os.Environ())
	if err != nil {
		return cfg, nil, "", err
	}
	var undo []func()
	cleanup := func() {
		for i := len(undo) - 1; i >= 0; i-- {
			undo[i]()
		}
	}
	suffix := RandomHex(6)
	if dsn := os.Getenv("LINLI_TEST_MYSQL_DSN"); dsn != "" {
		schema, drop, err := dbenv.CreateSchema(context.Background(), dsn, "linli_load_"+suffix)
		if err != nil {
			return cfg, cleanup, "", fmt.Errorf("LINLI_TEST_MYSQL_DSN: %w", err)
		}
		undo = append(undo, drop)
		cfg.DB.Driver, cfg.DB.DSN = "mysql", schema
	}
	if addr := os.Getenv("LINLI_TEST_REDIS_ADDR"); addr != "" {
		cfg.Redis.Addr, cfg.Redis.Prefix = addr, "linliload:"+suffix+":"
		undo = append(undo, func() { _ = dbenv.DeleteKeys(context.Background(), addr, cfg.Redis.Prefix) })
	}
	if cfg.DB.Driver == "sqlite" && os.Getenv("LINLI_DATA_DIR") == "" {
		dir, err := os.MkdirTemp("", "linli-load-")
		if err != nil {
			return cfg, cleanup, "", err
		}
		undo = append(undo, func() { _ = os.RemoveAll(dir) })
		cfg.DataDir = dir
	}
	cfg.HTTP.Addr = "127.0.0.1:0"
	// Every resident of the rush comes from this one address: per-address limits would refuse
	// the rush itself, which is not what is measured.
	cfg.Limits.LoginPerIP, cfg.Limits.LoginPerUser, cfg.Limits.SignupPerIP = 0, 0, 0
	cfg.Log.Level = "error"
	if !cfg.DevMode() {
		return cfg, cleanup, "", errors.New("the script logs residents in with dev login: unset LINLI_WECHAT_APP_ID")
	}
	redisName := "in-process Redis"
	if cfg.Redis.Addr != "" {
		redisName = "Redis " + cfg.Redis.Addr
	}
	return cfg, cleanup, cfg.DB.Driver + " + " + redisName, cfg.Validate()
}

// RandomHex is n random bytes in hex (names of schemas, key prefixes, communities).
func RandomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
