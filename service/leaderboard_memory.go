package service

import (
	"context"
	"errors"
	"sort"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"linli/cache"
)

// Each instance keeps whole rankings in memory (every member and score of a scope's set, in
// Redis's order, with the cards of the first maxBoardLimit), so that a read — the top and the
// reader's own rank — needs no round trip. Snapshots are a cache.Memo on the community's board
// topic: every change to a community's rankings (an applied update, a rebuild, a card dropped)
// publishes it. Snapshots live snapshotTTL at most, and only sets of up to snapshotMax members
// are kept.
type boardMemory struct {
	inval *cache.Invalidations
	snaps *cache.Memo[string, *snapshot]
	// seq numbers the snapshots, so that what is derived from one can be kept by its number.
	seq atomic.Uint64
}

// snapshot is one scope and metric: members by score, highest first, in Redis's order. It is
// shared by every request that reads it: nobody may modify it.
type snapshot struct {
	items []ranked // cards filled for the first maxBoardLimit
	pos   map[uint64]int
	seq   uint64
}

const (
	snapshotTTL   = 30 * time.Second
	snapshotMax   = 50000 // members; a larger set is read from Redis on each request
	snapshotSlots = 1024  // scopes × metrics kept per instance
	maxBoardLimit = 100   // the longest top the API serves
)

func newBoardMemory(inval *cache.Invalidations) *boardMemory {
	return &boardMemory{inval: inval, snaps: cache.NewMemo[string, *snapshot](inval, snapshotSlots, snapshotTTL)}
}

// snapKey names a snapshot.
func snapKey(s scope, metric string) string {
	return strconv.FormatUint(s.community, 10) + "|" + strconv.FormatUint(s.building, 10) + "|" + s.period + "|" + metric
}

// changed tells every instance that these communities' rankings or cards changed.
func (m *boardMemory) changed(ctx context.Context, communities ...uint64) error {
	topics := make([]cache.Topic, len(communities))
	for i, c := range communities {
		topics[i] = cache.BoardTopic(c)
	}
	return m.inval.Publish(ctx, topics...)
}

// answer is the top limit and the reader's score and number above (-1 when unranked).
func (sn *snapshot) answer(limit int, me uint64) ([]ranked, int64, int) {
	items := sn.items[:min(limit, len(sn.items))]
	i, ok := sn.pos[me]
	if !ok {
		return items, 0, -1
	}
	score := sn.items[i].score
	above := sort.Search(len(sn.items), func(j int) bool { return sn.items[j].score <= score })
	return items, score, above
}

// snapshotLua: KEYS the metric's set, the other set, versions, the community's cards; ARGV how
// many cards, the largest set kept. Returns {0} when the scope is incomplete, {2} when the set
// is too large, else {1, every member with its score, the cards of the first members}.
const snapshotLua = `
if not redis.call('ZSCORE', KEYS[1], '~') or not redis.call('ZSCORE', KEYS[2], '~') or redis.call('HEXISTS', KEYS[3], '~') == 0 then
  return {0}
end
if redis.call('ZCARD', KEYS[1]) > tonumber(ARGV[2]) then return {2} end
local all = redis.call('ZREVRANGE', KEYS[1], 0, -1, 'WITHSCORES')
local members = {}
for i = 1, #all, 2 do
  if all[i] ~= '~' and #members < tonumber(ARGV[1]) then members[#members + 1] = all[i] end
end
local cards = {}
if #members > 0 then cards = redis.call('HMGET', KEYS[4], unpack(members)) end
return {1, all, cards}`

// errNoSnapshot: the scope is not kept in memory (channel down, incomplete or too large set).
var errNoSnapshot = errors.New("leaderboard: no snapshot")

// snapshot returns the scope's ranking from memory, reading and keeping it when missing.
func (l *Leaderboards) snapshot(ctx context.Context, s scope, metric string) (*snapshot, error) {
	key := snapKey(s, metric)
	if sn, ok := l.mem.snaps.Lookup(key); ok {
		return sn, nil
	}
	t := l.mem.snaps.Begin()
	if !t.Live() {
		return nil, errNoSnapshot
	}
	k := l.keys(s)
	set, other := k.hours, k.points
	if metric == MetricPoints {
		set, other = other, set
	}
	v, err := l.snap.Run(ctx, l.r.Client, []string{set, other, k.ver, k.cards}, maxBoardLimit, snapshotMax).Slice()
	if err != nil {
		return nil, err
	}
	if len(v) != 3 {
		return nil, errNoSnapshot
	}
	items, _, _, err := parseRead([]any{v[0], v[1], "", int64(-1), v[2]}, snapshotMax)
	if err != nil {
		return nil, err
	}
	// Cards are filled for the first members only; the rest are never shown.
	if err := l.fillCards(ctx, s, items[:min(maxBoardLimit, len(items))]); err != nil {
		return nil, err
	}
	sn := &snapshot{items: items, pos: make(map[uint64]int, len(items)), seq: l.mem.seq.Add(1)}
	for i, it := range items {
		sn.pos[it.id] = i
	}
	l.mem.snaps.Keep(t, key, sn, cache.BoardTopic(s.community))
	return sn, nil
}

// publishChanged tells every instance that these communities' rankings changed; if Redis cannot
// pass it on, other instances' snapshots expire within snapshotTTL.
func (l *Leaderboards) publishChanged(ctx context.Context, communities ...uint64) {
	if err := l.mem.changed(ctx, communities...); err != nil && !errors.Is(err, redis.Nil) {
		l.log.WarnContext(ctx, "tell other instances a leaderboard changed", "error", err.Error())
	}
}
