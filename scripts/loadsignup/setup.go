package main

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/redis/go-redis/v9"
	"github.com/redis/go-redis/v9/maintnotifications"

	"linli/config"
	"linli/model"
	"linli/service"
)

// configure builds the configuration from the environment, with a fresh schema and key prefix
// when the test variables name servers; cleanup removes what it made.
func configure() (config.Config, func(), string, error) {
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
	suffix := randomHex(6)
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

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// setUp makes a community with staff, o.n approved residents with sessions, and a published
// activity of o.capacity places whose sign-up is open.
func setUp(ctx context.Context, s *service.Services, o options) (uint64, []string, error) {
	c, err := s.Places.CreateCommunity(ctx, "压测社区"+randomHex(3), "压测街道")
	if err != nil {
		return 0, nil, err
	}
	est, err := s.Places.CreateEstate(ctx, c.ID, "1号院")
	if err != nil {
		return 0, nil, err
	}
	buildings := make([]uint64, o.buildings)
	for i := range buildings {
		b, err := s.Places.CreateBuilding(ctx, c.ID, est.ID, fmt.Sprintf("%d栋", i+1))
		if err != nil {
			return 0, nil, err
		}
		buildings[i] = b.ID
	}
	staffUser, err := s.Auth.EnsureUser(ctx, "load-staff")
	if err != nil {
		return 0, nil, err
	}
	if _, _, err := s.Roles.Grant(ctx, service.Grant{UserID: staffUser.ID, Role: model.RoleStaff, CommunityID: c.ID}); err != nil {
		return 0, nil, err
	}
	staff, err := s.Principals.Load(ctx, staffUser.ID)
	if err != nil {
		return 0, nil, err
	}
	tokens := make([]string, o.n)
	errs := make(chan error, o.n)
	next := make(chan int)
	var wg sync.WaitGroup
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				if err := resident(ctx, s, i, buildings[i%len(buildings)], &tokens[i]); err != nil {
					errs <- fmt.Errorf("resident %d: %w", i, err)
				}
			}
		}()
	}
	for i := range o.n {
		next <- i
	}
	close(next)
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return 0, nil, err
	}
	types, err := s.Activities.Types(ctx, c.ID, true)
	if err != nil {
		return 0, nil, err
	}
	now := time.Now()
	start, end, opens := now.Add(2*time.Hour), now.Add(4*time.Hour), now.Add(-time.Minute)
	title, place, capacity := "压测：周末平安巡逻", "东门岗亭", o.capacity
	act, err := s.Activities.Create(ctx, staff, service.ActivityInput{CommunityID: c.ID, TypeID: &types[0].ID,
		Title: &title, Place: &place, StartAt: &start, EndAt: &end, Capacity: &capacity, SignupOpensAt: &opens})
	if err != nil {
		return 0, nil, err
	}
	if _, err := s.Activities.Publish(ctx, staff, act.ID); err != nil {
		return 0, nil, err
	}
	return act.ID, tokens, nil
}

// resident creates one approved resident of the building and logs them in.
func resident(ctx context.Context, s *service.Services, i int, building uint64, token *string) error {
	openid := fmt.Sprintf("load-%d", i)
	u, err := s.Auth.EnsureUser(ctx, openid)
	if err != nil {
		return err
	}
	v, err := s.Residencies.Claim(ctx, u.ID, building, fmt.Sprint(1000+i))
	if err != nil {
		return err
	}
	if _, err := s.Residencies.Approve(ctx, 0, v.ID); err != nil {
		return err
	}
	login, err := s.Auth.DevLogin(ctx, openid, "127.0.0.1")
	if err != nil {
		return err
	}
	*token = login.Token
	return nil
}
