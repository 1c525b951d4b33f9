package service

import (
	"context"
	"strconv"
	"strings"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"

	"linli/cache"
	"linli/model"
)

// Each instance keeps in memory what a list of activities shows — the pages of each
// community's list, each activity's place counts, and each reader's own sign-ups — so that
// reading a list usually costs no round trip. Nothing is trusted unless the instance hears the
// invalidation channel: every change to a community's activities publishes msgActivities, and
// every change to an activity's sign-ups (a sign-up, a cancellation, a promotion, check-in and
// check-out, attendance, settlement) publishes msgSignups, and each instance then notes the
// epoch of the change. Whatever was read before that epoch, for that community or activity, is
// no longer used; what was read after it is. Pages also follow the clock (an activity moves
// from upcoming to ongoing): they live CacheTTL at most, like the pages in Redis; counts and
// sign-ups live actMemoryTTL, the backstop for a message Redis could not pass on.
type actMemory struct {
	inval *cache.Invalidations
	// changes are per "c<community>" and "a<activity>".
	changes *cache.Changes

	pages  *lru.Cache[string, kept[listPage]]
	counts *lru.Cache[uint64, kept[model.PlaceCounts]]
	// mine is, per reader, their sign-up (nil: none) in each activity read.
	mine *lru.Cache[uint64, map[uint64]kept[*model.Signup]]
	now  func() time.Time
}

const (
	actMemoryTTL = 30 * time.Second
	actPages     = 4096
	actCounts    = 50000
	actReaders   = 20000
	actChanges   = 100000
	// msgActivities + community id: the community's list changed; msgSignups + activity id:
	// its sign-ups changed.
	msgActivities = "act:"
	msgSignups    = "actc:"
)

func newActMemory(inval *cache.Invalidations) *actMemory {
	m := &actMemory{inval: inval, now: time.Now}
	m.changes = cache.NewChanges(inval, actChanges, func(msg string) (string, bool) {
		if id, ok := strings.CutPrefix(msg, msgActivities); ok {
			return "c" + id, true
		}
		if id, ok := strings.CutPrefix(msg, msgSignups); ok {
			return "a" + id, true
		}
		return "", false
	})
	m.pages, _ = lru.New[string, kept[listPage]](actPages) // positive sizes: no error
	m.counts, _ = lru.New[uint64, kept[model.PlaceCounts]](actCounts)
	m.mine, _ = lru.New[uint64, map[uint64]kept[*model.Signup]](actReaders)
	inval.OnReset(func() {
		m.pages.Purge()
		m.counts.Purge()
		m.mine.Purge()
	})
	return m
}

// valid reports whether something read at epoch about key (and at at) may be used now.
func (m *actMemory) valid(key string, epoch uint64, at time.Time, ttl time.Duration) bool {
	return m.now().Sub(at) <= ttl && m.changes.Unchanged(epoch, key)
}

// start returns the epoch to read under, and whether what is read may be kept at all.
func (m *actMemory) start() (uint64, bool) { return m.inval.Epoch() }

// publish tells every instance about changes; if Redis cannot pass them on, other instances
// use what they keep for actMemoryTTL (pages: CacheTTL) at most.
func (s *Activities) publish(ctx context.Context, prefix string, ids ...uint64) {
	msgs := make([]string, len(ids))
	for i, id := range ids {
		msgs[i] = prefix + strconv.FormatUint(id, 10)
	}
	if err := s.mem.inval.Publish(context.WithoutCancel(ctx), msgs...); err != nil {
		s.log.WarnContext(ctx, "tell other instances that activities changed", "error", err.Error())
	}
}

// pageKey names a page of a community's list.
func pageKey(f model.ActivityFilter) string {
	return strconv.FormatUint(f.CommunityID, 10) + "|" + f.Window + "|" +
		strconv.FormatInt(f.After.StartAt.UnixMicro(), 10) + "." + strconv.FormatUint(f.After.ID, 10) + "|" + strconv.Itoa(f.Limit)
}

// keptPage is cachedPage through memory.
func (s *Activities) keptPage(ctx context.Context, f model.ActivityFilter) (listPage, error) {
	key, ckey := pageKey(f), "c"+strconv.FormatUint(f.CommunityID, 10)
	if p, ok := s.mem.pages.Get(key); ok && s.mem.valid(ckey, p.epoch, p.at, s.cfg.CacheTTL) {
		return p.v, nil
	}
	epoch, live := s.mem.start()
	at := s.mem.now()
	page, err := s.cachedPage(ctx, f)
	if err == nil && live {
		s.mem.pages.Add(key, kept[listPage]{v: page, epoch: epoch, at: at})
	}
	return page, err
}

// keptCounts is counts through memory.
func (s *Activities) keptCounts(ctx context.Context, ids []uint64) (map[uint64]model.PlaceCounts, error) {
	out := make(map[uint64]model.PlaceCounts, len(ids))
	var missing []uint64
	for _, id := range ids {
		if c, ok := s.mem.counts.Get(id); ok && s.mem.valid("a"+strconv.FormatUint(id, 10), c.epoch, c.at, actMemoryTTL) {
			out[id] = c.v
		} else {
			missing = append(missing, id)
		}
	}
	if len(missing) == 0 {
		return out, nil
	}
	epoch, live := s.mem.start()
	at := s.mem.now()
	fresh, err := s.counts(ctx, missing)
	if err != nil {
		return nil, err
	}
	for id, c := range fresh {
		out[id] = c
		if live {
			s.mem.counts.Add(id, kept[model.PlaceCounts]{v: c, epoch: epoch, at: at})
		}
	}
	return out, nil
}

// keptMine is the reader's live sign-ups among ids, through memory.
func (s *Activities) keptMine(ctx context.Context, userID uint64, ids []uint64) (map[uint64]model.Signup, error) {
	out := make(map[uint64]model.Signup, len(ids))
	known, _ := s.mem.mine.Get(userID)
	var missing []uint64
	for _, id := range ids {
		if k, ok := known[id]; ok && s.mem.valid("a"+strconv.FormatUint(id, 10), k.epoch, k.at, actMemoryTTL) {
			if k.v != nil {
				out[id] = *k.v
			}
		} else {
			missing = append(missing, id)
		}
	}
	if len(missing) == 0 {
		return out, nil
	}
	epoch, live := s.mem.start()
	at := s.mem.now()
	fresh, err := s.store.MySignups(ctx, userID, missing)
	if err != nil {
		return nil, Unavailable("数据库", err)
	}
	next := make(map[uint64]kept[*model.Signup], len(known)+len(missing))
	for id, k := range known { // a copy: readers may hold the old map
		if len(next) < maxMinePerReader {
			next[id] = k
		}
	}
	for _, id := range missing {
		var su *model.Signup
		if v, ok := fresh[id]; ok {
			out[id] = v
			su = &v
		}
		next[id] = kept[*model.Signup]{v: su, epoch: epoch, at: at}
	}
	if live {
		s.mem.mine.Add(userID, next)
	}
	return out, nil
}

// maxMinePerReader bounds the activities remembered for one reader.
const maxMinePerReader = 200
