package app

import (
	"log/slog"

	"linli/cache"
	"linli/config"
	"linli/model"
	"linli/service"
	"linli/wechat"
)

// Services is the business layer wired from configuration.
type Services struct {
	Secrets    *service.Secrets
	Limiter    *service.Limiter
	Auth       *service.Auth
	Users      *service.Users
	Principals *service.Principals
	// Places is the directory of communities, estates and buildings.
	Places *service.Places
	// Residencies runs residency claims and their decisions.
	Residencies *service.Residencies
	// Roles grants and revokes roles (the API and `linli admin grant`).
	Roles *service.Roles
	// WeChat is nil in dev mode.
	WeChat *wechat.Client
}

func newServices(cfg config.Config, store *model.Store, r *cache.Redis, log *slog.Logger) (*Services, error) {
	secrets, err := service.NewSecrets(cfg.SecretKey)
	if err != nil {
		return nil, err
	}
	s := &Services{Secrets: secrets, Limiter: service.NewLimiter(r, log), Principals: service.NewPrincipals(store)}
	var wx service.WeChatLogin
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
	s.Auth = service.NewAuth(store, r, wx, secrets, s.Limiter,
		service.LoginLimits{PerIP: l.LoginPerIP, PerUser: l.LoginPerUser}, cfg.Session.TTL, log)
	s.Users = service.NewUsers(store, s.Auth, wx, secrets, s.Limiter,
		service.PhoneLimits{PerIP: l.PhonePerIP, PerUser: l.PhonePerUser}, log)
	s.Places = service.NewPlaces(store)
	s.Residencies = service.NewResidencies(store, s.Places, s.Users)
	s.Roles = service.NewRoles(store, s.Auth)
	return s, nil
}
