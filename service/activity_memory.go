package service

import (
	"context"
	"strconv"
	"time"

	"linli/cache"
	"linli/model"
)

// Each instance keeps in memory what a list of activities shows — the pages of each
// community's list, each activity's place counts, and each reader's own sign-ups — so that
// reading a list usually costs no round trip. Each is a cache.Memo: pages depend on the
// community's activities topic (every change to its activities publishes it), counts and a
// reader's sign-up on the activity's sign-ups topic (a sign-up, a cancellation, a promotion,
// check-in and check-out, attendance, settlement). Pages also follow the clock (an activity
// moves from upcoming to ongoing): they live CacheTTL at most, like the pages in Redis.
type actMemory struct {
	inval  *cache.Invalidations
	pages  *cache.Memo[string, listPage]
	counts *cache.Memo[uint64, model.PlaceCounts]
	// mine is a reader's sign-up (nil: none) in an activity.
	mine *cache.Memo[mineKey, *model.Signup]
}

// mineKey is a reader and an activity.
type mineKey struct{ user, activity uint64 }

const (
	actMemoryTTL = 30 * time.Second
	actPages     = 4096
	actCounts    = 50000
	actMine      = 200000 // readers × the activities they read
)

func newActMemory(inval *cache.Invalidations, pageTTL time.Duration) *actMemory {
	return &actMemory{inval: inval,
		pages:  cache.NewMemo[string, listPage](inval, actPages, pageTTL),
		counts: cache.NewMemo[uint64, model.PlaceCounts](inval, actCounts, actMemoryTTL),
		mine:   cache.NewMemo[mineKey, *model.Signup](inval, actMine, actMemoryTTL)}
}

// publish tells every instance about changes; if Redis cannot pass them on, other instances
// use what they keep for actMemoryTTL (pages: CacheTTL) at most.
func (s *Activities) publish(ctx context.Context, topics ...cache.Topic) {
	if err := s.mem.inval.Publish(context.WithoutCancel(ctx), topics...); err != nil {
		s.log.WarnContext(ctx, "tell other instances that activities changed", "error", err.Error())
	}
}

// signupTopics are the sign-ups topics of the activities.
func signupTopics(ids []uint64) []cache.Topic {
	out := make([]cache.Topic, len(ids))
	for i, id := range ids {
		out[i] = cache.SignupsTopic(id)
	}
	return out
}

// pageKey names a page of a community's list.
func pageKey(f model.ActivityFilter) string {
	return strconv.FormatUint(f.CommunityID, 10) + "|" + f.Window + "|" +
		strconv.FormatInt(f.After.StartAt.UnixMicro(), 10) + "." + strconv.FormatUint(f.After.ID, 10) + "|" + strconv.Itoa(f.Limit)
}

// keptPage is cachedPage through memory.
func (s *Activities) keptPage(ctx context.Context, f model.ActivityFilter) (listPage, error) {
	return s.mem.pages.Get(ctx, pageKey(f), []cache.Topic{cache.ActivitiesTopic(f.CommunityID)},
		func(ctx context.Context) (listPage, error) { return s.cachedPage(ctx, f) })
}

// keptCounts is counts through memory.
func (s *Activities) keptCounts(ctx context.Context, ids []uint64) (map[uint64]model.PlaceCounts, error) {
	out := make(map[uint64]model.PlaceCounts, len(ids))
	var missing []uint64
	for _, id := range ids {
		if c, ok := s.mem.counts.Lookup(id); ok {
			out[id] = c
		} else {
			missing = append(missing, id)
		}
	}
	if len(missing) == 0 {
		return out, nil
	}
	t := s.mem.counts.Begin()
	fresh, err := s.counts(ctx, missing)
	if err != nil {
		return nil, err
	}
	for id, c := range fresh {
		out[id] = c
		s.mem.counts.Keep(t, id, c, cache.SignupsTopic(id))
	}
	return out, nil
}

// keptMine is the reader's live sign-ups among ids, through memory.
func (s *Activities) keptMine(ctx context.Context, userID uint64, ids []uint64) (map[uint64]model.Signup, error) {
	out := make(map[uint64]model.Signup, len(ids))
	var missing []uint64
	for _, id := range ids {
		if su, ok := s.mem.mine.Lookup(mineKey{userID, id}); ok {
			if su != nil {
				out[id] = *su
			}
		} else {
			missing = append(missing, id)
		}
	}
	if len(missing) == 0 {
		return out, nil
	}
	t := s.mem.mine.Begin()
	fresh, err := s.store.MySignups(ctx, userID, missing)
	if err != nil {
		return nil, err
	}
	for _, id := range missing {
		var su *model.Signup
		if v, ok := fresh[id]; ok {
			out[id] = v
			su = &v
		}
		s.mem.mine.Keep(t, mineKey{userID, id}, su, cache.SignupsTopic(id))
	}
	return out, nil
}
