package service

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"linli/cache"
	"linli/model"
)

// IdentityCache keeps each user's identity — the profile GET /me shows (user, roles,
// residencies) and the Principal derived from the same rows — in Redis, so that a request
// costs two Redis reads (Auth.Identify reads the session, then its identity)
// instead of a session lookup and four queries. The database stays the truth:
//
//   - every change that affects an identity (residency claim and decision, role grant and
//     revocation, profile update, phone binding, account deletion) calls Forget after its
//     transaction commits;
//   - Forget bumps the user's generation and deletes the entry; a reader that loaded the rows
//     before the change stores them only if the generation is still the one it saw before
//     reading (one script, both keys in the user's hash slot), so a stale load can never be
//     written back after the change: a revoked role or residency stops granting access as soon
//     as the revoking request has answered;
//   - entries expire after identityTTL, the backstop for a Forget that could not reach Redis;
//   - when Redis is down every read goes to the database.
type IdentityCache struct {
	store *model.Store
	redis *cache.Redis
	// boards holds the volunteers' cards (nickname and avatar) that a profile change drops.
	boards *Leaderboards
	log    *slog.Logger
	ttl    time.Duration
	fill   *redis.Script
	// decoded remembers the last entry read for each user and what it decodes to, so that a
	// request whose entry is unchanged in Redis skips the decoding. Redis stays the truth: a
	// remembered entry is used only when Redis returns exactly the same bytes (so the memo
	// needs no channel and no TTL).
	decoded *cache.Memo[uint64, decodedEntry]
	// mem keeps sessions and identities this instance may use without asking Redis.
	mem *identityMemory
}

// decodedEntry is an entry as read from Redis, decoded, with its principal. Both are shared
// by the requests that read the same entry: nobody may modify them.
type decodedEntry struct {
	raw       string
	id        *identity
	principal *Principal
}

// maxDecoded bounds the decoded entries kept in memory (a few KiB each).
const maxDecoded = 10000

// identityTTL bounds how long an entry may outlive a change whose Forget could not reach Redis.
const identityTTL = time.Minute

// generationTTL keeps a user's generation long after any load that could have read it.
const generationTTL = time.Hour

// fillLua: KEYS entry, generation; ARGV the generation seen before loading, the entry, its
// TTL in ms. Stores the entry only when no change happened since.
const fillLua = `
if (redis.call('GET', KEYS[2]) or '') ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
return 1`

// NewIdentityCache builds the cache; boards may be nil (no leaderboard cards to drop).
func NewIdentityCache(store *model.Store, r *cache.Redis, boards *Leaderboards, log *slog.Logger) *IdentityCache {
	return &IdentityCache{store: store, redis: r, boards: boards, log: log, ttl: identityTTL, fill: redis.NewScript(fillLua),
		decoded: cache.NewMemo[uint64, decodedEntry](nil, maxDecoded, 0), mem: newIdentityMemory(r.Invalidations(log))}
}

// identity is what is cached for one user. The phone's cipher is never cached: only its
// masked form is shown, and whoever needs the number reads the database.
type identity struct {
	User        model.User            `json:"u"`
	Roles       []model.RoleGrant     `json:"r"`
	Residencies []model.ResidencyView `json:"h"`
}

// keys returns the entry's and the generation's keys; the hash tag puts both in one slot.
func (c *IdentityCache) keys(userID uint64) (entry, gen string) {
	tag := "{u" + strconv.FormatUint(userID, 10) + "}"
	return c.redis.Key("who", "v1", tag), c.redis.Key("who", "v1", tag, "gen")
}

// Profile returns the user's profile; ErrNotFound from the model when there is no such user.
// The profile of an erased account (DeletedAt set) is returned as it is.
func (c *IdentityCache) Profile(ctx context.Context, userID uint64) (*Profile, error) {
	d, err := c.identity(ctx, userID)
	if err != nil {
		return nil, err
	}
	u := d.id.User // a copy: the caller may change it
	return &Profile{User: &u, Roles: d.id.Roles, Residencies: d.id.Residencies}, nil
}

// Principal returns what the user may do now: nothing for an unknown or erased user.
func (c *IdentityCache) Principal(ctx context.Context, userID uint64) (*Principal, error) {
	d, err := c.identity(ctx, userID)
	if errors.Is(err, model.ErrNotFound) {
		return principalOf(userID, nil, nil), nil
	}
	if err != nil {
		return nil, err
	}
	return d.principal, nil
}

func (c *IdentityCache) identity(ctx context.Context, userID uint64) (decodedEntry, error) {
	entry, gen := c.keys(userID)
	// Taken before the read: a change whose message arrives meanwhile drops what is kept below.
	t := c.mem.identities.Begin()
	// One round trip: the entry, and the generation to store a fresh load under if it is missing.
	vals, rerr := c.redis.Client.MGet(ctx, entry, gen).Result()
	answered := rerr == nil && len(vals) == 2
	seen := ""
	if answered {
		if s, ok := vals[0].(string); ok {
			if d, ok := c.decode(userID, s); ok {
				return d, nil
			}
		}
		seen, _ = vals[1].(string)
	} else if rerr != nil {
		c.log.DebugContext(ctx, "identity cache read failed", "error", rerr.Error())
	}
	// Loaded after the generation was read: if a change commits meanwhile, its Forget bumps the
	// generation and the fill below refuses to store this load.
	id, err := c.load(ctx, userID)
	if err != nil {
		return decodedEntry{}, err
	}
	d := decodedEntry{id: id, principal: principalOf(userID, id.Roles, id.Residencies)}
	if answered {
		if b, err := json.Marshal(id); err == nil {
			stored, err := c.fill.Run(ctx, c.redis.Client, []string{entry, gen}, seen, b, c.ttl.Milliseconds()).Int()
			if err != nil {
				c.log.DebugContext(ctx, "identity cache write failed", "error", err.Error())
			} else if stored == 1 { // no change since the load began: this instance may use it too
				c.mem.identities.Keep(t, userID, d, cache.UserTopic(userID))
			}
		}
	}
	return d, nil
}

// decode returns the entry raw decoded, remembering it for the next read of the same bytes.
func (c *IdentityCache) decode(userID uint64, raw string) (decodedEntry, bool) {
	if d, ok := c.decoded.Lookup(userID); ok && d.raw == raw {
		return d, true
	}
	var id identity
	if json.Unmarshal([]byte(raw), &id) != nil || id.User.ID != userID {
		return decodedEntry{}, false
	}
	d := decodedEntry{raw: raw, id: &id, principal: principalOf(userID, id.Roles, id.Residencies)}
	c.decoded.Keep(c.decoded.Begin(), userID, d)
	return d, true
}

// load reads the identity from the database.
func (c *IdentityCache) load(ctx context.Context, userID uint64) (*identity, error) {
	usr, err := c.store.UserByID(ctx, userID)
	if err != nil {
		return nil, err
	}
	roles, err := c.store.RolesOfUser(ctx, userID)
	if err != nil {
		return nil, err
	}
	res, err := c.store.ResidenciesOfUser(ctx, userID)
	if err != nil {
		return nil, err
	}
	usr.PhoneCipher = nil
	return &identity{User: *usr, Roles: roles, Residencies: res}, nil
}

// Forget drops the cached identities of these users; call it after the transaction that
// changed their roles, residencies or profile has committed. If Redis cannot be reached the
// entries expire by themselves within identityTTL.
func (c *IdentityCache) Forget(ctx context.Context, userIDs ...uint64) {
	if len(userIDs) == 0 {
		return
	}
	for _, uid := range userIDs {
		c.decoded.Forget(uid)
	}
	_, err := c.redis.Client.Pipelined(ctx, func(p redis.Pipeliner) error {
		for _, uid := range userIDs {
			entry, gen := c.keys(uid)
			p.Incr(ctx, gen)
			p.Expire(ctx, gen, generationTTL)
			p.Del(ctx, entry)
		}
		return nil
	})
	if err != nil {
		c.log.ErrorContext(ctx, "forget cached identities", "users", len(userIDs), "error", err.Error())
	}
	if err := c.mem.forget(ctx, userIDs, nil); err != nil {
		c.log.ErrorContext(ctx, "tell other instances to forget identities", "users", len(userIDs), "error", err.Error())
	}
}

// ForgetProfile is Forget for a change of what others see of the user (nickname, avatar, an
// erased account): it also drops the user's card from the leaderboards of every community
// where the user has a time-bank account.
func (c *IdentityCache) ForgetProfile(ctx context.Context, userID uint64) {
	c.Forget(ctx, userID)
	if c.boards == nil {
		return
	}
	accounts, err := c.store.AccountsOfUser(ctx, userID)
	if err != nil {
		c.log.ErrorContext(ctx, "forget leaderboard cards: list accounts", "user_id", userID, "error", err.Error())
		return
	}
	var communities []uint64
	for _, a := range accounts {
		communities = append(communities, a.CommunityID)
	}
	c.boards.ForgetCard(ctx, userID, communities...)
}

// ForgetCard drops the user's cached card (nickname and avatar) from the leaderboards of these
// communities, so that the next read shows the new name; a read racing the change may cache
// the old one again for at most cardTTL.
func (l *Leaderboards) ForgetCard(ctx context.Context, userID uint64, communityIDs ...uint64) {
	if len(communityIDs) == 0 {
		return
	}
	member := strconv.FormatUint(userID, 10)
	_, err := l.r.Client.Pipelined(ctx, func(p redis.Pipeliner) error {
		for _, cid := range communityIDs {
			p.HDel(ctx, l.keys(scope{community: cid}).cards, member)
		}
		return nil
	})
	if err != nil {
		l.log.ErrorContext(ctx, "forget leaderboard cards", "user_id", userID, "error", err.Error())
	}
	l.publishChanged(ctx, communityIDs...) // the snapshots in memory show the old card
}

// Caller is who sends a request: the user of its session and, when Redis gave it in the same
// request as the session, their cached identity (see Auth.Identify).
type Caller struct {
	UserID uint64
	entry  *decodedEntry
}

// readSession returns the session cache entry at key ("" when none) and the identity entry
// of its user ("" when none). Two reads, each of one declared key, so that a Redis Cluster
// routes both (the session's key and its user's identity hash to different slots; a script
// reading the second key in one round trip would name a key it does not declare). The second
// read costs one round trip on a memory miss only: a session kept in memory asks Redis nothing.
func (c *IdentityCache) readSession(ctx context.Context, key string) (session, identity string, err error) {
	session, err = c.redis.Client.Get(ctx, key).Result()
	if errors.Is(err, redis.Nil) {
		return "", "", nil
	}
	if err != nil {
		return "", "", err
	}
	uid, _, ok := parseCachedSession(session)
	if !ok {
		return session, "", nil
	}
	entry, _ := c.keys(uid)
	identity, err = c.redis.Client.Get(ctx, entry).Result()
	if errors.Is(err, redis.Nil) {
		err = nil
	}
	return session, identity, err
}

// caller is the caller of user id whose identity entry Redis returned as raw ("" when none).
func (c *IdentityCache) caller(userID uint64, raw string) Caller {
	out := Caller{UserID: userID}
	if raw != "" {
		if d, ok := c.decode(userID, raw); ok {
			out.entry = &d
		}
	}
	return out
}

// callerPrincipal is the caller's principal: from the identity read with the session, else
// from the cache.
func (c *IdentityCache) callerPrincipal(ctx context.Context, who Caller) (*Principal, error) {
	if who.entry != nil {
		return who.entry.principal, nil
	}
	return c.Principal(ctx, who.UserID)
}

// callerProfile is the caller's profile, likewise.
func (c *IdentityCache) callerProfile(ctx context.Context, who Caller) (*Profile, error) {
	if who.entry != nil {
		u := who.entry.id.User
		return &Profile{User: &u, Roles: who.entry.id.Roles, Residencies: who.entry.id.Residencies}, nil
	}
	return c.Profile(ctx, who.UserID)
}
