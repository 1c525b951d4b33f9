package service

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/skip2/go-qrcode"

	"linli/cache"
)

// ConsoleTickets runs the staff console's login by mini-program code (扫码登录). The console
// asks for a ticket and shows its code; a staff member scans it with the mini-program and
// confirms there with their session (Approve); the console, polling, takes the confirmed
// ticket once and gets a console session for that person (Poll).
//
// The ticket id is the code's scene, so whoever sees the screen knows it. Polling therefore
// also takes the ticket's secret, which only the browser that asked for the ticket holds (in
// an HttpOnly cookie): a photo of the code confirms nothing to its taker.
//
// A ticket lives in Redis only (a lost one costs a new scan): a hash at
// "<prefix>cticket:{<id>}" (the hash tag keeps whatever a ticket will ever need in one slot of
// a cluster) with the fields s (pending, approved, consumed), e (its expiry in Unix
// milliseconds of the server's clock, which decides), h (the hash of the secret) and u (the
// user who confirmed). Redis's own expiry only collects it, a while after e.
type ConsoleTickets struct {
	redis      *cache.Redis
	auth       *Auth
	principals *Principals
	codes      CodeMaker // nil in dev mode
	limiter    *Limiter
	opt        ConsoleTicketOptions
	now        func() time.Time
}

// ConsoleTicketOptions configure the console's login codes.
type ConsoleTicketOptions struct {
	// TTL is how long a ticket may be confirmed and taken.
	TTL time.Duration
	// Page is the mini-program page its code opens (the scene is the ticket id).
	Page string
	// PerIP limits the tickets, and the images of them, one client address may ask for per minute.
	PerIP int
}

// ConsoleTicket is a new login code: ID goes into the code, Secret only to the browser.
type ConsoleTicket struct {
	ID, Secret string
	ExpiresAt  time.Time
}

// TicketPoll is what a poll of a ticket finds: still pending (until ExpiresAt), or confirmed
// and now taken, with the console session it opened.
type TicketPoll struct {
	Pending   bool
	ExpiresAt time.Time
	Session   LoginResult
}

// Ticket states (the hash's field s).
const (
	ticketPending  = "pending"
	ticketApproved = "approved"
	ticketConsumed = "consumed"
)

// ticketIDLen is the length of a ticket id: 16 random bytes in hex, 128 bits, within WeChat's
// 32 characters of scene.
const ticketIDLen = 32

// NewConsoleTickets builds the service; codes is nil in dev mode (the image is then a plain
// QR code drawn here).
func NewConsoleTickets(r *cache.Redis, auth *Auth, principals *Principals, codes CodeMaker, limiter *Limiter,
	opt ConsoleTicketOptions) *ConsoleTickets {
	return &ConsoleTickets{redis: r, auth: auth, principals: principals, codes: codes, limiter: limiter,
		opt: opt, now: func() time.Time { return time.Now().UTC() }}
}

func (s *ConsoleTickets) key(id string) string { return s.redis.Key("cticket", "{"+id+"}") }

// Create makes a pending ticket for a browser at the client address ip.
func (s *ConsoleTickets) Create(ctx context.Context, ip string) (ConsoleTicket, error) {
	if err := s.limiter.AllowAddress(ctx, s.opt.PerIP, "console-ticket", ip); err != nil {
		return ConsoleTicket{}, err
	}
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return ConsoleTicket{}, Internal(err)
	}
	secret, hash := s.auth.secrets.NewToken()
	t := ConsoleTicket{ID: hex.EncodeToString(b[:]), Secret: secret, ExpiresAt: s.now().Add(s.opt.TTL).Truncate(time.Millisecond)}
	key := s.key(t.ID)
	_, err := s.redis.Client.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.HSet(ctx, key, "s", ticketPending, "e", strconv.FormatInt(t.ExpiresAt.UnixMilli(), 10), "h", hash)
		// Kept a while after it expires, so that a late poll hears "expired" rather than "unknown".
		p.Expire(ctx, key, 2*s.opt.TTL+time.Minute)
		return nil
	})
	if err != nil {
		return ConsoleTicket{}, Unavailable("登录二维码服务", err)
	}
	return t, nil
}

// ticketError is the error of a ticket found in state (as the scripts answer), in Chinese for
// the console and the mini-program; nil for a state that is no error.
func ticketError(state string) error {
	switch state {
	case "missing":
		return Errorf(KindNotFound, "二维码不存在或已失效，请在工作台刷新二维码后重新扫码")
	case "expired":
		return Errorf(KindGone, "二维码已过期，请在工作台刷新二维码后重新扫码")
	case "foreign":
		return Errorf(KindForbidden, "请在显示此二维码的浏览器中完成登录")
	case "taken":
		return Errorf(KindConflict, "该二维码已由其他账号确认登录")
	case ticketApproved:
		return Errorf(KindGone, "该二维码已确认，请在工作台继续")
	case ticketConsumed:
		return Errorf(KindGone, "该二维码已用于登录，请在工作台刷新二维码")
	}
	return nil
}

// plausibleTicket rejects what Create cannot have made before any lookup.
func plausibleTicket(id string) bool {
	if len(id) != ticketIDLen {
		return false
	}
	for i := 0; i < len(id); i++ {
		if c := id[i]; !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// Image is the picture of a pending ticket's code for the browser holding its secret: the
// mini-program code (JPEG, from WeChat) that opens the configured page with the ticket id as
// scene; in dev mode a QR code (PNG) of that page and scene.
func (s *ConsoleTickets) Image(ctx context.Context, id, secret, ip string) (img []byte, contentType string, err error) {
	if !plausibleTicket(id) {
		return nil, "", ticketError("missing")
	}
	if err := s.limiter.AllowAddress(ctx, s.opt.PerIP, "console-ticket-image", ip); err != nil {
		return nil, "", err
	}
	v, err := s.redis.Client.HMGet(ctx, s.key(id), "s", "e", "h").Result()
	if err != nil {
		return nil, "", Unavailable("登录二维码服务", err)
	}
	state, _ := v[0].(string)
	exp, _ := v[1].(string)
	hash, _ := v[2].(string)
	switch {
	case state == "":
		return nil, "", ticketError("missing")
	case secret == "" || hash != s.auth.secrets.TokenHash(secret):
		return nil, "", ticketError("foreign")
	case expired(exp, s.now()):
		return nil, "", ticketError("expired")
	case state != ticketPending:
		return nil, "", ticketError(state)
	}
	if s.codes == nil {
		png, err := qrcode.Encode(s.opt.Page+"?scene="+id, qrcode.Medium, 256)
		if err != nil {
			return nil, "", Internal(err)
		}
		return png, "image/png", nil
	}
	jpg, err := s.codes.WXACodeUnlimit(ctx, id, s.opt.Page, 430)
	if err != nil {
		return nil, "", Unavailable("微信服务", err)
	}
	return jpg, "image/jpeg", nil
}

// expired reports whether a ticket's expiry (Unix milliseconds as stored) has passed at now.
func expired(exp string, now time.Time) bool {
	ms, err := strconv.ParseInt(exp, 10, 64)
	return err != nil || now.UnixMilli() >= ms
}

// approveTicket confirms a pending, unexpired ticket for a user (ARGV: now in Unix ms, the
// user id). A second confirmation by the same user is answered like the first (the phone may
// retry); by another, "taken". Read and write are one script: two people scanning at once
// cannot both confirm.
var approveTicket = redis.NewScript(`
local v = redis.call("HMGET", KEYS[1], "s", "e", "u")
if not v[1] then return "missing" end
if tonumber(v[2]) <= tonumber(ARGV[1]) then return "expired" end
if v[1] == "pending" then
  redis.call("HSET", KEYS[1], "s", "approved", "u", ARGV[2])
  return "approved"
end
if v[1] == "approved" then
  if v[3] == ARGV[2] then return "approved" end
  return "taken"
end
return "consumed"
`)

// Approve confirms the ticket id for the caller, who must be someone the console admits
// (WorksInConsole: staff, a captain, an admin; anyone else 403 before the ticket is read).
func (s *ConsoleTickets) Approve(ctx context.Context, p *Principal, id string) (time.Time, error) {
	if err := AdmitToConsole(p); err != nil {
		return time.Time{}, err
	}
	if !plausibleTicket(id) {
		return time.Time{}, ticketError("missing")
	}
	now := s.now()
	res, err := approveTicket.Run(ctx, s.redis.Client, []string{s.key(id)},
		now.UnixMilli(), strconv.FormatUint(p.UserID, 10)).Text()
	if err != nil {
		return time.Time{}, Unavailable("登录二维码服务", err)
	}
	switch res {
	case ticketApproved:
		return now, nil
	case "missing", "expired", "taken", ticketConsumed:
		return time.Time{}, ticketError(res)
	}
	return time.Time{}, Internal(fmt.Errorf("console ticket approve: unexpected answer %q", res))
}

// pollTicket reads a ticket for the browser holding its secret (ARGV: now in Unix ms, the
// secret's hash) and, when it is confirmed, marks it consumed in the same step and answers
// {"won", user id}: of any number of concurrent polls exactly one wins. Otherwise it answers
// the state: {"pending", expiry}, {"consumed"}, {"missing"}, {"foreign"}, {"expired"}.
var pollTicket = redis.NewScript(`
local v = redis.call("HMGET", KEYS[1], "s", "e", "h", "u")
if not v[1] then return {"missing"} end
if v[3] ~= ARGV[2] then return {"foreign"} end
if tonumber(v[2]) <= tonumber(ARGV[1]) then return {"expired"} end
if v[1] == "approved" then
  redis.call("HSET", KEYS[1], "s", "consumed")
  return {"won", v[4]}
end
return {v[1], v[2]}
`)

// Poll is the console's look at its ticket: pending, or confirmed, in which case the ticket
// is consumed (once, whoever else polls at the same moment) and a console session opened for
// the person who confirmed it, if the console still admits them (a role revoked in between
// is refused with 403).
func (s *ConsoleTickets) Poll(ctx context.Context, id, secret string) (TicketPoll, error) {
	if !plausibleTicket(id) {
		return TicketPoll{}, ticketError("missing")
	}
	if secret == "" {
		return TicketPoll{}, ticketError("foreign")
	}
	v, err := pollTicket.Run(ctx, s.redis.Client, []string{s.key(id)},
		s.now().UnixMilli(), s.auth.secrets.TokenHash(secret)).StringSlice()
	if err != nil {
		return TicketPoll{}, Unavailable("登录二维码服务", err)
	}
	if len(v) == 0 {
		return TicketPoll{}, Internal(errors.New("console ticket poll: empty answer"))
	}
	switch v[0] {
	case "won":
		uid, err := strconv.ParseUint(v[1], 10, 64)
		if err != nil {
			return TicketPoll{}, Internal(fmt.Errorf("console ticket: bad user %q", v[1]))
		}
		res, err := s.auth.OpenConsole(ctx, uid, func(userID uint64) (bool, error) {
			p, err := s.principals.Load(ctx, userID)
			return WorksInConsole(p), err
		})
		return TicketPoll{Session: res}, err
	case ticketPending:
		ms, _ := strconv.ParseInt(v[1], 10, 64)
		return TicketPoll{Pending: true, ExpiresAt: time.UnixMilli(ms).UTC()}, nil
	case "missing", "foreign", "expired", ticketConsumed:
		return TicketPoll{}, ticketError(v[0])
	}
	return TicketPoll{}, Internal(fmt.Errorf("console ticket poll: unexpected answer %q", v[0]))
}
