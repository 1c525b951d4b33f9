package service

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"linli/cache"
	"linli/model"
)

// List windows of GET /communities/:id/activities?status=.
const (
	WindowUpcoming = "upcoming"
	WindowOngoing  = "ongoing"
	WindowPast     = "past"
	WindowDraft    = "draft" // the drafts the caller manages
)

// ActivityQuery selects a page of a community's activities.
type ActivityQuery struct {
	CommunityID uint64
	Window      string
	After       model.ActivityCursor
	Limit       int
}

// ActivityItem is an activity as its viewer sees it: remaining places, waitlist length and
// the viewer's own sign-up (nil when none).
type ActivityItem struct {
	Row    model.ActivityRow
	Counts model.PlaceCounts
	Mine   *model.Signup
	// Manages is set on detail reads (Get): the viewer may manage the activity.
	Manages bool
}

// Remaining is how many places are left.
func (it *ActivityItem) Remaining() int { return max(it.Row.Capacity-it.Counts.Confirmed, 0) }

// The list cache. A page of a community's list (the activities, without their counts) is
// cached under the community's version, which every change to one of its activities bumps
// (INCR after commit), so a changed activity never shows stale; the TTL bounds what the clock
// alone changes (an activity moving from upcoming to ongoing). Place counts are cached per
// activity and deleted after every sign-up change. The viewer's own status is not cached: a
// waitlist position changes whenever someone ahead leaves, so it is read from the database
// (one indexed query per page). When Redis is down the database answers everything.
type listPage struct {
	Items []model.ActivityRow `json:"items"`
	More  bool                `json:"more"`
}

// List returns a page of the community's activities. Published, cancelled and finished
// activities are public by design to any logged-in user; the draft window lists the drafts
// the caller may manage (all of them for staff).
func (s *Activities) List(ctx context.Context, p *Principal, q ActivityQuery) ([]ActivityItem, bool, error) {
	if _, err := s.places.Community(ctx, q.CommunityID); err != nil {
		return nil, false, err
	}
	f := model.ActivityFilter{CommunityID: q.CommunityID, Window: q.Window, Now: s.now(), After: q.After, Limit: q.Limit + 1}
	var page listPage
	switch q.Window {
	case WindowUpcoming, WindowOngoing, WindowPast:
		f.Descending = q.Window == WindowPast
		var err error
		if page, err = s.keptPage(ctx, f); err != nil {
			return nil, false, err
		}
	case WindowDraft:
		f.Window, f.Statuses = "", []string{model.ActivityDraft}
		if !p.Admin && !p.Staff[q.CommunityID] {
			f.OrganiserID = p.UserID
		}
		rows, err := s.store.Activities(ctx, f)
		if err != nil {
			return nil, false, err
		}
		page.Items, page.More = trimPage(rows, q.Limit)
	default:
		return nil, false, Invalid("status", "status 须为 upcoming、ongoing、past 或 draft")
	}
	items, err := s.items(ctx, p, page.Items)
	return items, page.More, err
}

// Get returns one activity for a viewer (drafts only to those who manage them).
func (s *Activities) Get(ctx context.Context, p *Principal, id uint64) (*ActivityItem, error) {
	_, manages, err := s.visible(ctx, p, id)
	if err != nil {
		return nil, err
	}
	row, err := s.store.ActivityRowByID(ctx, id)
	if err != nil {
		return nil, err
	}
	items, err := s.items(ctx, p, []model.ActivityRow{*row})
	if err != nil {
		return nil, err
	}
	items[0].Manages = manages
	return &items[0], nil
}

// items adds the counts and the viewer's sign-ups to rows.
func (s *Activities) items(ctx context.Context, p *Principal, rows []model.ActivityRow) ([]ActivityItem, error) {
	ids := make([]uint64, len(rows))
	for i, r := range rows {
		ids[i] = r.ID
	}
	counts, err := s.keptCounts(ctx, ids)
	if err != nil {
		return nil, err
	}
	mine, err := s.keptMine(ctx, p.UserID, ids)
	if err != nil {
		return nil, err
	}
	out := make([]ActivityItem, len(rows))
	for i, r := range rows {
		out[i] = ActivityItem{Row: r, Counts: counts[r.ID]}
		if su, ok := mine[r.ID]; ok {
			out[i].Mine = &su
		}
	}
	return out, nil
}

// cachedPage reads a page of a time window through the cache.
func (s *Activities) cachedPage(ctx context.Context, f model.ActivityFilter) (listPage, error) {
	var page listPage
	ver, err := s.redis.Client.Get(ctx, s.redis.Key("act", "ver", idStr(f.CommunityID))).Result()
	if errors.Is(err, redis.Nil) {
		ver, err = "0", nil
	}
	key := ""
	if err == nil {
		key = s.redis.Key("act", "page", idStr(f.CommunityID), ver, f.Window,
			fmt.Sprintf("%d.%d", f.After.StartAt.UnixMicro(), f.After.ID), strconv.Itoa(f.Limit))
		if b, err := s.redis.Client.Get(ctx, key).Bytes(); err == nil && json.Unmarshal(b, &page) == nil {
			return page, nil
		}
	} else {
		s.log.WarnContext(ctx, "activity list cache unavailable", "error", err.Error())
	}
	rows, err := s.store.Activities(ctx, f)
	if err != nil {
		return page, err
	}
	page.Items, page.More = trimPage(rows, f.Limit-1)
	if key != "" {
		if b, err := json.Marshal(page); err == nil {
			if err := s.redis.Client.Set(ctx, key, b, s.cfg.CacheTTL).Err(); err != nil {
				s.log.WarnContext(ctx, "activity list cache write failed", "error", err.Error())
			}
		}
	}
	return page, nil
}

// counts reads place counts through the per-activity cache. Each cached value carries the
// activity's count version it was read under; touchCounts bumps the version after every
// change, so a reader that fetched the database before a change and stored afterwards stores a
// value nobody accepts.
func (s *Activities) counts(ctx context.Context, ids []uint64) (map[uint64]model.PlaceCounts, error) {
	out := make(map[uint64]model.PlaceCounts, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	pipe := s.redis.Client.Pipeline()
	vers := make([]*redis.StringCmd, len(ids))
	vals := make([]*redis.StringCmd, len(ids))
	for i, id := range ids {
		vers[i] = pipe.Get(ctx, s.redis.Key("act", "cntv", idStr(id)))
		vals[i] = pipe.Get(ctx, s.redis.Key("act", "cnt", idStr(id)))
	}
	cached := true
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		s.log.WarnContext(ctx, "activity count cache unavailable", "error", err.Error())
		cached = false
	}
	var missing []uint64
	version := map[uint64]string{}
	for i, id := range ids {
		ver := vers[i].Val()
		if ver == "" {
			ver = "0"
		}
		version[id] = ver
		v, c, ok := parseCounts(vals[i].Val())
		if !cached || !ok || v != ver {
			missing = append(missing, id)
			continue
		}
		out[id] = c
	}
	if len(missing) == 0 {
		return out, nil
	}
	fresh, err := s.store.ActivityCounts(ctx, missing)
	if err != nil {
		return nil, err
	}
	for id, c := range fresh {
		out[id] = c
	}
	if !cached {
		return out, nil
	}
	pipe = s.redis.Client.Pipeline()
	for id, c := range fresh {
		pipe.Set(ctx, s.redis.Key("act", "cnt", idStr(id)), fmt.Sprintf("%s:%d:%d", version[id], c.Confirmed, c.Waitlisted), s.cfg.CacheTTL)
	}
	if _, err := pipe.Exec(ctx); err != nil {
		s.log.WarnContext(ctx, "activity count cache write failed", "error", err.Error())
	}
	return out, nil
}

// parseCounts reads "<version>:<confirmed>:<waitlisted>".
func parseCounts(v string) (string, model.PlaceCounts, bool) {
	parts := strings.Split(v, ":")
	if len(parts) != 3 {
		return "", model.PlaceCounts{}, false
	}
	c, err1 := strconv.Atoi(parts[1])
	w, err2 := strconv.Atoi(parts[2])
	return parts[0], model.PlaceCounts{Confirmed: c, Waitlisted: w}, err1 == nil && err2 == nil
}

// countVersionTTL keeps a count version far longer than any value cached under it.
const countVersionTTL = 24 * time.Hour

// touchCommunity invalidates the cached list pages of a community (after commit).
func (s *Activities) touchCommunity(ctx context.Context, communityID uint64) {
	if err := s.redis.Client.Incr(context.WithoutCancel(ctx), s.redis.Key("act", "ver", idStr(communityID))).Err(); err != nil {
		s.log.WarnContext(ctx, "activity list cache not invalidated; it expires by itself", "error", err.Error())
	}
	s.publish(ctx, cache.ActivitiesTopic(communityID))
}

// touchCounts invalidates the cached place counts of activities (after commit) by bumping
// their versions.
func (s *Activities) touchCounts(ctx context.Context, ids ...uint64) {
	ctx = context.WithoutCancel(ctx)
	for _, id := range ids { // one key at a time: in a cluster they live in different slots
		key := s.redis.Key("act", "cntv", idStr(id))
		pipe := s.redis.Client.TxPipeline()
		pipe.Incr(ctx, key)
		pipe.Expire(ctx, key, countVersionTTL)
		if _, err := pipe.Exec(ctx); err != nil {
			s.log.WarnContext(ctx, "activity count cache not invalidated; it expires by itself", "error", err.Error())
		}
	}
	s.publish(ctx, signupTopics(ids)...)
}
