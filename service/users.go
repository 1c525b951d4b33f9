package service

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/url"
	"slices"
	"strings"

	"linli/model"
	"linli/wechat"
)

// Users serves a person's own profile: read, edit, bind a phone, delete the account.
type Users struct {
	store   *model.Store
	auth    *Auth
	wx      WeChatLogin // nil in dev mode
	secrets *Secrets
	limiter *Limiter
	limits  PhoneLimits
	ids     *IdentityCache
	safety  *Safety
	opts    UserOptions
	log     *slog.Logger
}

// PhoneLimits are the per-minute limits on phone binding: PerUser per person, PerIP a flood
// guard of one client address (shared by a crowd of neighbours).
type PhoneLimits struct{ PerIP, PerUser int }

// UserOptions configure what a profile may hold.
type UserOptions struct {
	// AvatarHosts are the hosts an avatar URL may point at (https only; config users.avatar_hosts).
	AvatarHosts []string
}

// NewUsers builds the profile service; wx is nil in dev mode. ids serves GET /me and is told
// of every change to a profile; safety checks nicknames.
func NewUsers(store *model.Store, auth *Auth, wx WeChatLogin, secrets *Secrets, limiter *Limiter,
	limits PhoneLimits, ids *IdentityCache, safety *Safety, opts UserOptions, log *slog.Logger) *Users {
	return &Users{store: store, auth: auth, wx: wx, secrets: secrets, limiter: limiter, limits: limits, ids: ids,
		safety: safety, opts: opts, log: log}
}

// Profile is everything GET /me shows.
type Profile struct {
	User        *model.User
	Roles       []model.RoleGrant
	Residencies []model.ResidencyView
}

// Me returns the user's own profile, from the identity cache (its User carries no phone
// cipher: only the masked number is shown).
func (u *Users) Me(ctx context.Context, userID uint64) (*Profile, error) {
	p, err := u.ids.Profile(ctx, userID)
	return liveProfile(p, err)
}

// MeOf is Me for the caller of a request, with the identity read along with the session.
func (u *Users) MeOf(ctx context.Context, who Caller) (*Profile, error) {
	p, err := u.ids.callerProfile(ctx, who)
	return liveProfile(p, err)
}

// freshProfile reads the profile from the database, phone cipher included.
func (u *Users) freshProfile(ctx context.Context, userID uint64) (*Profile, error) {
	usr, err := u.store.UserByID(ctx, userID)
	if err != nil {
		return liveProfile(nil, err)
	}
	roles, err := u.store.RolesOfUser(ctx, userID)
	if err != nil {
		return nil, err
	}
	res, err := u.store.ResidenciesOfUser(ctx, userID)
	if err != nil {
		return nil, err
	}
	return liveProfile(&Profile{User: usr, Roles: roles, Residencies: res}, nil)
}

// liveProfile refuses an unknown or erased account as an expired login.
func liveProfile(p *Profile, err error) (*Profile, error) {
	if errors.Is(err, model.ErrNotFound) || (err == nil && p.User.DeletedAt != nil) {
		return nil, Errorf(KindUnauthorized, "登录已失效，请重新登录")
	}
	if err != nil {
		return nil, err
	}
	return p, nil
}

// nicknameRule is how a nickname is cleaned (CleanText).
var nicknameRule = TextRule{Field: "nickname", What: "昵称", Max: 32, Required: true}

// UpdateMe changes the nickname and/or avatar. The nickname is cleaned of invisible and
// control characters (CleanText) and passes the content-safety check like any text others
// read: a risky one is refused (422), one that cannot be cleared now is kept as the held
// nickname, seen by its owner only, while everyone else still sees the old one. The avatar
// must be an https link to one of the configured hosts, or empty to remove it.
func (u *Users) UpdateMe(ctx context.Context, userID uint64, nickname, avatarURL *string) error {
	held := false
	if nickname != nil {
		n, err := CleanText(nicknameRule, *nickname)
		if err != nil {
			return err
		}
		if n == model.DeletedNickname {
			return Invalid("nickname", "不能使用保留的昵称")
		}
		if held, err = u.safety.Screen(ctx, u.store, userID, SceneProfile, "昵称", n); err != nil {
			return err
		}
		nickname = &n
	}
	if avatarURL != nil {
		a, err := u.checkAvatar(*avatarURL)
		if err != nil {
			return err
		}
		avatarURL = &a
	}
	if err := u.store.UpdateProfile(ctx, userID, model.ProfileChange{Nickname: nickname, NicknameHeld: held, AvatarURL: avatarURL}); err != nil {
		if errors.Is(err, model.ErrNotFound) {
			return Errorf(KindUnauthorized, "登录已失效，请重新登录")
		}
		return err
	}
	u.ids.ForgetProfile(ctx, userID)
	return nil
}

// BindPhone exchanges a getPhoneNumber code and stores the number encrypted; it returns the
// masked number. In dev mode the code itself is taken as the number (there is no WeChat).
func (u *Users) BindPhone(ctx context.Context, userID uint64, code, ip string) (string, error) {
	if err := u.limiter.AllowAddress(ctx, u.limits.PerIP, "phone", ip); err != nil {
		return "", err
	}
	if err := u.limiter.Allow(ctx, u.limits.PerUser, "phone-user", idStr(userID)); err != nil {
		return "", err
	}
	var phone string
	if u.wx == nil {
		if !isMainlandMobile(code) {
			return "", Invalid("code", "开发模式下请直接填写 11 位手机号")
		}
		phone = code
	} else {
		p, err := u.wx.PhoneNumber(ctx, code)
		if err != nil {
			return "", phoneError(err)
		}
		phone = p.PureNumber
		if phone == "" {
			phone = p.Number
		}
	}
	masked := MaskPhone(phone)
	if err := u.store.SetPhone(ctx, userID, u.secrets.Seal(phone), masked); err != nil {
		if errors.Is(err, model.ErrNotFound) {
			return "", Errorf(KindUnauthorized, "登录已失效，请重新登录")
		}
		return "", err
	}
	u.ids.Forget(ctx, userID)
	return masked, nil
}

func phoneError(err error) error {
	switch {
	case wechat.HasCode(err, wechat.CodeInvalidCode, wechat.CodeCodeUsed):
		return &Error{Kind: KindInvalid, Message: "手机号授权凭证无效或已使用，请重新授权",
			Fields: []FieldError{{Field: "code", Message: "授权凭证无效或已使用"}}, Err: err}
	case wechat.HasCode(err, wechat.CodeRateLimit):
		return &Error{Kind: KindTooManyRequests, Message: "操作过于频繁，请稍后再试", RetryAfterSeconds: 60, Err: err}
	case errors.Is(err, wechat.ErrInvalidInput):
		return Invalid("code", "手机号授权凭证无效，请重新授权")
	}
	if wechat.ErrorCode(err) > 0 {
		return &Error{Kind: KindInvalid, Message: "手机号授权失败，请重新授权", Err: err}
	}
	return Unavailable("微信服务", err)
}

// PhoneOf decrypts a user's phone number for someone who must call them; "" when none.
func (u *Users) PhoneOf(usr *model.User) string {
	if len(usr.PhoneCipher) == 0 {
		return ""
	}
	p, err := u.secrets.Open(usr.PhoneCipher)
	if err != nil {
		u.log.Error("phone number cannot be decrypted (secret key changed?)", "user_id", usr.ID)
		return ""
	}
	return p
}

// Delete erases the account (注销) and ends every session at once.
func (u *Users) Delete(ctx context.Context, userID uint64) error {
	hashes, err := u.store.EraseUser(ctx, userID)
	if errors.Is(err, model.ErrNotFound) {
		return Errorf(KindUnauthorized, "登录已失效，请重新登录")
	}
	if err != nil {
		return err
	}
	u.auth.Evict(ctx, hashes...)
	u.ids.ForgetProfile(ctx, userID)
	return nil
}

func isMainlandMobile(s string) bool {
	if len(s) != 11 || s[0] != '1' {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// checkAvatar allows "" (no avatar) or an https URL of printable ASCII, without user name or
// password, on the default port, whose host is one of opts.AvatarHosts: nothing a client
// would run (javascript:), embed (data:) or fetch from inside the network (an IP address,
// a link-local host).
func (u *Users) checkAvatar(raw string) (string, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return "", nil
	}
	bad := Invalid("avatar_url", "头像须为 https 链接，且来自允许的头像域名")
	if strings.IndexFunc(raw, func(c rune) bool { return c <= ' ' || c > '~' }) >= 0 {
		return "", bad
	}
	l, err := url.Parse(raw)
	if err != nil || l.Scheme != "https" || l.Opaque != "" || l.User != nil || (l.Port() != "" && l.Port() != "443") {
		return "", bad
	}
	host := l.Hostname()
	if net.ParseIP(host) != nil || !slices.ContainsFunc(u.opts.AvatarHosts, func(h string) bool { return strings.EqualFold(h, host) }) {
		return "", bad
	}
	return raw, nil
}

// Names returns the nicknames of users (authors, actors of a timeline) as other people see
// them; a deleted user has "已注销用户", id 0 (the system) none.
func (u *Users) Names(ctx context.Context, ids []uint64) (map[uint64]string, error) {
	users, err := u.store.UsersByIDs(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make(map[uint64]string, len(ids))
	for _, id := range ids {
		u, ok := users[id]
		switch {
		case id == 0:
		case !ok || u.DeletedAt != nil:
			out[id] = "已注销用户"
		default:
			out[id] = u.Nickname
		}
	}
	return out, nil
}
