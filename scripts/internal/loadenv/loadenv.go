// Package loadenv is the set-up the load scripts share: a configuration from the environment
// with a fresh MySQL schema and Redis key prefix of their own (removed afterwards) when the
// test variables name servers, or an embedded back end in a temporary directory.
package loadenv

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/redis/go-redis/v9"
	"github.com/redis/go-redis/v9/maintnotifications"

	"linli/config"
	"linli/model"
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
		name := "linli_load_" + suffix
		drop, err := createSchema(dsn, name)
		if err != nil {
			return cfg, cleanup, "", err
		}
		undo = append(undo, drop)
		cfg.DB.Driver = "mysql"
		if cfg.DB.DSN, err = model.MySQLWithDatabase(dsn, name); err != nil {
			return cfg, cleanup, "", err
		}
	}
	if addr := os.Getenv("LINLI_TEST_REDIS_ADDR"); addr != "" {
		cfg.Redis.Addr, cfg.Redis.Prefix = addr, "linliload:"+suffix+":"
		undo = append(undo, func() { deleteKeys(addr, cfg.Redis.Prefix) })
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

func createSchema(dsn, name string) (drop func(), err error) {
	c, err := mysql.ParseDSN(dsn)
	if err != nil {
		return nil, fmt.Errorf("LINLI_TEST_MYSQL_DSN: %w", err)
	}
	c.DBName = ""
	db, err := sql.Open("mysql", c.FormatDSN())
	if err != nil {
		return nil, err
	}
	if _, err := db.Exec("CREATE DATABASE `" + name + "` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"); err != nil {
		db.Close()
		return nil, err
	}
	return func() {
		_, _ = db.Exec("DROP DATABASE IF EXISTS `" + name + "`")
		db.Close()
	}, nil
}

func deleteKeys(addr, prefix string) {
	c := redis.NewClient(&redis.Options{Addr: addr, DisableIdentity: true,
		MaintNotificationsConfig: &maintnotifications.Config{Mode: maintnotifications.ModeDisabled}})
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	iter := c.Scan(ctx, 0, prefix+"*", 500).Iterator()
	for iter.Next(ctx) {
		c.Del(ctx, iter.Val())
	}
}

// RandomHex is n random bytes in hex (names of schemas, key prefixes, communities).
func RandomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
