package service

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"linli/cache"
	"linli/model"
)

// Leaderboards serves the rankings (排行榜) from Redis sorted sets, one per community ×
// metric (hours, points) × period (all time, each month) and per building, and keeps them
// rebuildable from the ledger, which is the truth.
//
// A scope (community, building or none, period) is three keys under the community's hash tag
// (one cluster slot): a sorted set of minutes, one of points (hundredths), and a hash of
// versions. A complete scope has the sentinel member "~" (score -1) in both sets and the field
// "~" in the hash; anything less is treated as missing and rebuilt on the next read, under a
// SET NX lock so concurrent readers rebuild once (the others wait for it, and after a while
// answer from the ledger themselves).
//
// Updates after a commit write absolute totals recomputed from the ledger, never increments,
// so a replay changes nothing. Their version is the number of postings summed: postings are
// only added, so a later read has a version at least as large and equal versions mean equal
// totals; a Lua script applies a total only when its version is newer than the one stored, so
// updates racing each other, or a rebuild, cannot leave an older total behind. An update that
// meets a rebuild in progress is left owed (postings.ranked_at empty) and retried by CatchUp.
type Leaderboards struct {
	store *model.Store
	r     *cache.Redis
	log   *slog.Logger
	// lockTTL bounds a rebuild that died; wait is how long a reader waits for someone else's.
	lockTTL, wait time.Duration
	apply, read   *redis.Script
	snap, unlock  *redis.Script
	// mem keeps whole rankings in memory while the invalidation channel is live
	// (leaderboard_memory.go).
	mem *boardMemory
	now func() time.Time
}

// NewLeaderboards builds the service.
func NewLeaderboards(store *model.Store, r *cache.Redis, log *slog.Logger) *Leaderboards {
	return &Leaderboards{store: store, r: r, log: log, lockTTL: 30 * time.Second, wait: 3 * time.Second,
		apply: redis.NewScript(applyLua), read: redis.NewScript(readLua), snap: redis.NewScript(snapshotLua),
		unlock: redis.NewScript(unlockLua), mem: newBoardMemory(r.Invalidations(log)),
		now: func() time.Time { return time.Now().UTC() }}
}

// Metrics and periods of the leaderboards.
const (
	MetricHours  = "hours"  // minutes of confirmed service (shown as hours)
	MetricPoints = "points" // points earned by service
	PeriodAll    = "all"
	PeriodMonth  = "month" // the current month in Asia/Shanghai; else a month as YYYY-MM
)

// sentinel marks a complete scope.
const sentinel = "~"

// applyLua: KEYS hours, points, versions, lock; ARGV member, minutes, points, version.
// Returns 1 applied, 2 not newer, 0 scope missing (the next read rebuilds it from the ledger),
// -1 a rebuild is in progress: its snapshot may predate this total and its MULTI would
// overwrite it, so the update stays owed and CatchUp applies it after the rebuild.
const applyLua = `
if redis.call('EXISTS', KEYS[4]) == 1 then return -1 end
if not redis.call('ZSCORE', KEYS[1], '~') or not redis.call('ZSCORE', KEYS[2], '~') or redis.call('HEXISTS', KEYS[3], '~') == 0 then
  return 0
end
local cur = tonumber(redis.call('HGET', KEYS[3], ARGV[1]) or '-1')
if tonumber(ARGV[4]) <= cur then return 2 end
redis.call('HSET', KEYS[3], ARGV[1], ARGV[4])
for i = 1, 2 do
  local s = tonumber(ARGV[i + 1])
  if s > 0 then redis.call('ZADD', KEYS[i], s, ARGV[1]) else redis.call('ZREM', KEYS[i], ARGV[1]) end
end
return 1`

// readLua: KEYS the metric's set, the other set, versions, the community's cards; ARGV last
// index, member. Returns {0} when the scope is incomplete, else {1, top with scores, my score
// or ”, how many score above me or -1, the cards of the top's members in order (false when
// not cached)}.
const readLua = `
if not redis.call('ZSCORE', KEYS[1], '~') or not redis.call('ZSCORE', KEYS[2], '~') or redis.call('HEXISTS', KEYS[3], '~') == 0 then
  return {0}
end
local top = redis.call('ZREVRANGE', KEYS[1], 0, tonumber(ARGV[1]), 'WITHSCORES')
local mine = redis.call('ZSCORE', KEYS[1], ARGV[2])
local above = -1
if mine then above = redis.call('ZCOUNT', KEYS[1], '(' .. mine, '+inf') end
local members = {}
for i = 1, #top, 2 do
  if top[i] ~= '~' then members[#members + 1] = top[i] end
end
local cards = {}
if #members > 0 then cards = redis.call('HMGET', KEYS[4], unpack(members)) end
return {1, top, mine or '', above, cards}`

// unlockLua deletes the lock only when it is still ours.
const unlockLua = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`

// scope is one family of rankings: a community, optionally one building, one period.
type scope struct {
	community, building uint64
	period              string // "all" or YYYY-MM
}

// keys are the Redis keys of a scope, and the community's cache of volunteers' cards.
type keys struct{ hours, points, ver, lock, cards string }

func (l *Leaderboards) keys(s scope) keys {
	name := s.period
	if s.building != 0 {
		name = "b" + strconv.FormatUint(s.building, 10) + ":" + s.period
	}
	tag := "{c" + strconv.FormatUint(s.community, 10) + "}"
	base := l.r.Key("lb", tag, name)
	return keys{hours: base + ":hours", points: base + ":points", ver: base + ":ver", lock: base + ":lock",
		cards: l.r.Key("lb", tag, "cards")}
}

// month is the scope's month filter for the ledger ("" for all time).
func (s scope) month() string {
	if s.period == PeriodAll {
		return ""
	}
	return s.period
}

// Apply brings the leaderboards up to date with committed postings: for each volunteer it
// recomputes the totals of every scope the postings touch (all time and the month, community
// and building) from the ledger in one statement, and applies each if newer. Postings whose
// update is complete are marked ranked; the others stay owed for CatchUp.
func (l *Leaderboards) Apply(ctx context.Context, postings []model.Posting) error {
	type who struct{ community, user uint64 }
	touched := map[who][]model.Posting{}
	for _, p := range postings {
		if p.BeneficiaryID != 0 {
			k := who{p.CommunityID, p.BeneficiaryID}
			touched[k] = append(touched[k], p)
		}
	}
	var done, communities []uint64
	var first error
	for w := range touched {
		if !slices.Contains(communities, w.community) {
			communities = append(communities, w.community)
		}
	}
	defer l.publishChanged(ctx, communities...)
	for w, ps := range touched {
		owed, err := l.applyUser(ctx, w.community, w.user, ps)
		if err != nil {
			first = cmpErr(first, err)
			continue
		}
		if !owed {
			for _, p := range ps {
				done = append(done, p.ID)
			}
		}
	}
	if err := l.store.MarkRanked(ctx, done, l.now()); err != nil {
		first = cmpErr(first, err)
	}
	return first
}

func cmpErr(first, err error) error {
	if first != nil {
		return first
	}
	return err
}

// applyUser updates one volunteer's scopes touched by ps; owed reports a scope in rebuild.
func (l *Leaderboards) applyUser(ctx context.Context, community, user uint64, ps []model.Posting) (owed bool, err error) {
	rows, err := l.store.RankTotalsOfUser(ctx, community, user)
	if err != nil {
		return false, err
	}
	scopes := []scope{{community, 0, PeriodAll}}
	for _, p := range ps {
		scopes = append(scopes, scope{community, 0, p.Month})
		if p.BuildingID != 0 {
			scopes = append(scopes, scope{community, p.BuildingID, PeriodAll}, scope{community, p.BuildingID, p.Month})
		}
	}
	slices.SortFunc(scopes, func(a, b scope) int {
		return strings.Compare(fmt.Sprint(a.building, a.period), fmt.Sprint(b.building, b.period))
	})
	scopes = slices.Compact(scopes)
	member := strconv.FormatUint(user, 10)
	for _, s := range scopes {
		var t model.RankTotal
		for _, r := range rows {
			if (s.building == 0 || r.BuildingID == s.building) && (s.period == PeriodAll || r.Month == s.period) {
				t.Minutes, t.Points, t.N = t.Minutes+r.Minutes, t.Points+r.Points, t.N+r.N
			}
		}
		k := l.keys(s)
		res, err := l.apply.Run(ctx, l.r.Client, []string{k.hours, k.points, k.ver, k.lock},
			member, t.Minutes, t.Points, t.N).Int()
		if err != nil {
			return false, err
		}
		if res < 0 {
			owed = true
		}
	}
	return owed, nil
}

// catchUpAfter is how old an owed update must be before CatchUp takes it (younger ones are
// normally being applied by the request that committed them).
const catchUpAfter = 2 * time.Second

// CatchUp applies owed leaderboard updates of postings committed before before: those a crash,
// a Redis outage or a concurrent rebuild left behind. It returns how many postings it saw.
func (l *Leaderboards) CatchUp(ctx context.Context, before time.Time) (int, error) {
	ps, err := l.store.UnrankedPostings(ctx, before, 500)
	if err != nil || len(ps) == 0 {
		return 0, err
	}
	return len(ps), l.Apply(ctx, ps)
}

// rebuild recomputes a scope from the ledger and replaces it in one MULTI/EXEC, holding the
// scope's lock. It returns false (and does nothing) when someone else holds the lock.
func (l *Leaderboards) rebuild(ctx context.Context, s scope) (bool, error) {
	k := l.keys(s)
	token := lockToken()
	ok, err := l.r.Client.SetNX(ctx, k.lock, token, l.lockTTL).Result()
	if err != nil || !ok {
		return false, err
	}
	defer l.unlock.Run(context.WithoutCancel(ctx), l.r.Client, []string{k.lock}, token)
	totals, err := l.store.RankTotals(ctx, s.community, s.month(), s.building)
	if err != nil {
		return false, err
	}
	hours := []redis.Z{{Score: -1, Member: sentinel}}
	points := []redis.Z{{Score: -1, Member: sentinel}}
	vers := []any{sentinel, 1}
	for _, t := range totals {
		m := strconv.FormatUint(t.UserID, 10)
		if t.Minutes > 0 {
			hours = append(hours, redis.Z{Score: float64(t.Minutes), Member: m})
		}
		if t.Points > 0 {
			points = append(points, redis.Z{Score: float64(t.Points), Member: m})
		}
		vers = append(vers, m, t.N)
	}
	_, err = l.r.Client.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.Del(ctx, k.hours, k.points, k.ver)
		p.ZAdd(ctx, k.hours, hours...)
		p.ZAdd(ctx, k.points, points...)
		p.HSet(ctx, k.ver, vers...)
		return nil
	})
	if err == nil {
		l.publishChanged(ctx, s.community)
	}
	return err == nil, err
}

func lockToken() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// RebuildCommunity rebuilds every scope of a community that the ledger has entries for (all
// time, every month, every building in both), for `linli rebuild-leaderboards`. It returns how
// many scopes it rebuilt; a scope locked by a concurrent rebuild is an error.
func (l *Leaderboards) RebuildCommunity(ctx context.Context, communityID uint64) (int, error) {
	scopes, err := l.store.RankScopes(ctx, communityID)
	if err != nil {
		return 0, err
	}
	list := []scope{{communityID, 0, PeriodAll}}
	for _, sc := range scopes {
		list = append(list, scope{communityID, 0, sc.Month})
		if sc.BuildingID != 0 {
			list = append(list, scope{communityID, sc.BuildingID, PeriodAll}, scope{communityID, sc.BuildingID, sc.Month})
		}
	}
	slices.SortFunc(list, func(a, b scope) int {
		return strings.Compare(fmt.Sprint(a.building, a.period), fmt.Sprint(b.building, b.period))
	})
	list = slices.Compact(list)
	for i, s := range list {
		ok, err := l.rebuild(ctx, s)
		if err != nil {
			return i, err
		}
		if !ok {
			return i, errors.New("a rebuild of the same leaderboard is running: try again in a minute")
		}
	}
	return len(list), nil
}
