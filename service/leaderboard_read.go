package service

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"linli/model"
)

// BoardQuery asks for a leaderboard.
type BoardQuery struct {
	CommunityID uint64
	// BuildingID limits it to the volunteers of one building (0: the whole community).
	BuildingID uint64
	Metric     string // hours or points
	Period     string // all, month (the current one) or YYYY-MM
	Limit      int
	// UserID is the reader, whose rank comes back as Me.
	UserID uint64
}

// BoardItem is one ranked volunteer. Value is minutes (hours) or hundredths of a point.
type BoardItem struct {
	Rank  int
	User  model.User
	Value int64
}

// Board is a leaderboard: the top, and the reader's own rank (0 when unranked) and value.
type Board struct {
	Metric, Period string
	BuildingID     uint64
	Items          []BoardItem
	MeRank         int
	MeValue        int64
	// TopKey names Items while they come from one snapshot in memory, so that their rendering
	// can be kept under it ("" when they were read for this request only).
	TopKey string
}

// Read answers a leaderboard. Ranks are competition ranks (equal values share a rank, the next
// rank skips: 1, 2, 2, 4); equal values are listed in Redis's order, which a rebuild
// reproduces. A missing or incomplete scope is rebuilt from the ledger first; if Redis is
// down the answer is computed from the ledger directly.
func (l *Leaderboards) Read(ctx context.Context, p *Principal, q BoardQuery) (*Board, error) {
	if err := Authorize(p, ActCommunityView, Scope{CommunityID: q.CommunityID}); err != nil {
		return nil, err
	}
	if q.BuildingID != 0 {
		b, err := l.store.BuildingByID(ctx, q.BuildingID)
		if errors.Is(err, model.ErrNotFound) || err == nil && b.CommunityID != q.CommunityID {
			return nil, Invalid("building_id", "楼栋不属于该社区")
		}
		if err != nil {
			return nil, Internal(err)
		}
	}
	period := q.Period
	switch period {
	case PeriodMonth:
		period = MonthOf(l.now())
	case PeriodAll:
	default:
		if _, _, err := ParseMonth(period); err != nil {
			return nil, Invalid("period", "period 应为 all、month 或 YYYY-MM 格式的月份")
		}
	}
	s := scope{q.CommunityID, q.BuildingID, period}
	items, meScore, above, topKey, err := l.ranking(ctx, s, q)
	if err != nil {
		return nil, Internal(err)
	}
	out := &Board{Metric: q.Metric, Period: period, BuildingID: q.BuildingID, MeValue: meScore, TopKey: topKey}
	if above >= 0 {
		out.MeRank = above + 1
	}
	for i, it := range items {
		rank := i + 1
		if i > 0 && it.score == items[i-1].score {
			rank = out.Items[i-1].Rank
		}
		nick, avatar, _ := strings.Cut(it.card, cardSep)
		out.Items = append(out.Items, BoardItem{Rank: rank, User: model.User{ID: it.id, Nickname: nick, AvatarURL: avatar},
			Value: it.score})
	}
	return out, nil
}

// ranking returns the scope's top and the reader's score and number above (-1 when unranked):
// from the snapshot in memory, else from Redis, else (Redis failing) from the ledger.
func (l *Leaderboards) ranking(ctx context.Context, s scope, q BoardQuery) ([]ranked, int64, int, string, error) {
	sn, err := l.snapshot(ctx, s, q.Metric)
	if err == nil {
		items, meScore, above := sn.answer(q.Limit, q.UserID)
		return items, meScore, above, strconv.FormatUint(sn.seq, 10) + ":" + strconv.Itoa(q.Limit), nil
	}
	items, meScore, above, err := l.fromRedis(ctx, s, q.Metric, q.Limit, q.UserID)
	if err != nil && ctx.Err() != nil {
		return nil, 0, 0, "", err // the client has gone: nothing to compute for
	}
	if err != nil {
		l.log.WarnContext(ctx, "leaderboard from the ledger: redis failed", "error", err.Error())
		if items, meScore, above, err = l.fromLedger(ctx, s, q.Metric, q.Limit, q.UserID); err != nil {
			return nil, 0, 0, "", err
		}
	}
	return items, meScore, above, "", l.fillCards(ctx, s, items)
}

// Volunteers' cards (nickname and avatar) are cached per community for cardTTL, so that a read
// needs no database query beyond the reader's own session and policy; a renamed or erased
// account shows its new name within that time.
const (
	cardTTL = time.Minute
	cardSep = "\x1f"
)

// fillCards completes the cards of items from the database, and caches them.
func (l *Leaderboards) fillCards(ctx context.Context, s scope, items []ranked) error {
	var missing []uint64
	for _, it := range items {
		if it.card == "" {
			missing = append(missing, it.id)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	users, err := l.store.UsersByIDs(ctx, missing)
	if err != nil {
		return err
	}
	var fields []any
	for i := range items {
		if items[i].card == "" {
			u := users[items[i].id]
			items[i].card = u.Nickname + cardSep + u.AvatarURL
			fields = append(fields, strconv.FormatUint(items[i].id, 10), items[i].card)
		}
	}
	k := l.keys(s)
	_, err = l.r.Client.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.HSet(ctx, k.cards, fields...)
		p.ExpireNX(ctx, k.cards, cardTTL)
		return nil
	})
	if err != nil { // only a cache
		l.log.WarnContext(ctx, "cache leaderboard cards", "error", err.Error())
	}
	return nil
}

// ranked is a member of a set, its score and its cached card ("" when not cached).
type ranked struct {
	id    uint64
	score int64
	card  string
}

// fromRedis reads a scope, rebuilding it when it is incomplete. above is -1 when the reader is
// not ranked.
func (l *Leaderboards) fromRedis(ctx context.Context, s scope, metric string, limit int, me uint64) ([]ranked, int64, int, error) {
	k := l.keys(s)
	set, other := k.hours, k.points
	if metric == MetricPoints {
		set, other = other, set
	}
	deadline := time.Now().Add(l.wait)
	for attempt := 0; ; attempt++ {
		v, err := l.read.Run(ctx, l.r.Client, []string{set, other, k.ver, k.cards}, limit, strconv.FormatUint(me, 10)).Slice()
		if err != nil {
			return nil, 0, 0, err
		}
		if len(v) == 5 {
			return parseRead(v, limit)
		}
		if attempt == 0 {
			if _, err := l.rebuild(ctx, s); err != nil {
				return nil, 0, 0, err
			}
			continue
		}
		if time.Now().After(deadline) { // someone else's rebuild is slow: answer from the ledger
			return l.fromLedger(ctx, s, metric, limit, me)
		}
		select {
		case <-ctx.Done():
			return nil, 0, 0, ctx.Err()
		case <-time.After(25 * time.Millisecond):
		}
	}
}

// parseRead decodes the read script's answer.
func parseRead(v []any, limit int) ([]ranked, int64, int, error) {
	top, _ := v[1].([]any)
	cards, _ := v[4].([]any)
	var items []ranked
	for i := 0; i+1 < len(top) && len(items) < limit; i += 2 {
		m, _ := top[i].(string)
		if m == sentinel {
			continue
		}
		id, err1 := strconv.ParseUint(m, 10, 64)
		sc, err2 := strconv.ParseFloat(fmt.Sprint(top[i+1]), 64)
		if err1 != nil || err2 != nil {
			return nil, 0, 0, errors.New("leaderboard: unexpected member " + m)
		}
		it := ranked{id: id, score: int64(sc)}
		if len(items) < len(cards) {
			it.card, _ = cards[len(items)].(string)
		}
		items = append(items, it)
	}
	var meScore int64
	if s, _ := v[2].(string); s != "" {
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return nil, 0, 0, err
		}
		meScore = int64(f)
	}
	above, _ := v[3].(int64)
	if meScore <= 0 {
		above = -1
	}
	return items, meScore, int(above), nil
}

// fromLedger computes a scope's answer from the database, ordered as Redis orders it (score
// descending, then member descending as a string).
func (l *Leaderboards) fromLedger(ctx context.Context, s scope, metric string, limit int, me uint64) ([]ranked, int64, int, error) {
	totals, err := l.store.RankTotals(ctx, s.community, s.month(), s.building)
	if err != nil {
		return nil, 0, 0, err
	}
	var all []ranked
	for _, t := range totals {
		v := t.Minutes
		if metric == MetricPoints {
			v = t.Points
		}
		if v > 0 {
			all = append(all, ranked{id: t.UserID, score: v})
		}
	}
	slices.SortFunc(all, func(a, b ranked) int {
		if c := cmp.Compare(b.score, a.score); c != 0 {
			return c
		}
		return strings.Compare(strconv.FormatUint(b.id, 10), strconv.FormatUint(a.id, 10))
	})
	var meScore int64
	above := -1
	for _, r := range all {
		if r.id == me {
			meScore = r.score
		}
	}
	if meScore > 0 {
		above = 0
		for _, r := range all {
			if r.score > meScore {
				above++
			}
		}
	}
	return all[:min(len(all), limit)], meScore, above, nil
}
