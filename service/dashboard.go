package service

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"time"

	"github.com/redis/go-redis/v9"

	"linli/cache"
	"linli/model"
)

// Dashboard is the monthly dashboard (工作台) staff read and export: a month's issues,
// volunteering, skill directory and time bank, with the trend of the eleven months before.
//
// A month is settled once it has been over for RollupAfter (late settlements, credits and
// ratings of its last days have come in by then). A settled month is computed once, from the
// database, into a rollup row (dashboard_rollups) and served from there ever after; a month not
// settled yet — the current one, and the last one for a few days — is computed from indexed
// queries on every read and its answer cached in Redis for CacheTTL. A rollup is only ever
// written by a computation that started after the month settled, never from a cached answer,
// so a month that ended while its answer was cached is not stored until it is over.
type Dashboard struct {
	store *model.Store
	r     *cache.Redis
	log   *slog.Logger
	opt   DashboardOptions
	mem   *dashMemory
}

// DashboardOptions tune the dashboard; zero values take the defaults.
type DashboardOptions struct {
	// CacheTTL is how long the answer for a month not settled yet is served from Redis (60 s).
	CacheTTL time.Duration
	// RollupAfter is how long after its end a month is settled and rolled up (72 h).
	RollupAfter time.Duration
	// Now is the clock (time.Now); tests move it.
	Now func() time.Time
}

// NewDashboard builds the service.
func NewDashboard(store *model.Store, r *cache.Redis, opt DashboardOptions, log *slog.Logger) *Dashboard {
	if opt.CacheTTL <= 0 {
		opt.CacheTTL = time.Minute
	}
	if opt.RollupAfter <= 0 {
		opt.RollupAfter = 72 * time.Hour
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	return &Dashboard{store: store, r: r, log: log, opt: opt, mem: newDashMemory()}
}

// trendMonths is how many months before the asked one the trend shows.
const trendMonths = 11

// dashboardAction is the policy's rule for reading the dashboard: staff of the community and
// the platform admin (the rule of ActPlacesManage; outsiders get 404, others inside 403).
const dashboardAction = ActPlacesManage

// DashboardView is what the dashboard of one month shows.
type DashboardView struct {
	CommunityID   uint64
	CommunityName string
	Figures       *MonthFigures
	// Trend holds the headline figures of the eleven months before, oldest first.
	Trend []Headline
	// Volunteers are the nicknames of the month's top volunteers, read when the view is built.
	Volunteers map[uint64]string
	// Source says where the month's figures came from: "rollup", "live" or "cache" (a live
	// answer served again from Redis or memory).
	Source string
	// Key names the view while this instance keeps it in memory (dashboard_memory.go), so that
	// its rendering can be kept under the same name; "" for a view built for this request.
	Key string
}

// Month returns the dashboard of a month (YYYY-MM, Asia/Shanghai; "" is the current month)
// of a community, to its staff and the admin.
func (d *Dashboard) Month(ctx context.Context, p *Principal, communityID uint64, month string) (*DashboardView, error) {
	if err := Authorize(p, dashboardAction, Scope{CommunityID: communityID}); err != nil {
		return nil, err
	}
	now := d.opt.Now()
	if month == "" {
		month = MonthOf(now)
	}
	if v, ok := d.fromMemory(communityID, month, now); ok { // kept only for a community found
		return v, nil
	}
	c, err := d.store.CommunityByID(ctx, communityID)
	if errors.Is(err, model.ErrNotFound) {
		return nil, Errorf(KindNotFound, "社区不存在")
	}
	if err != nil {
		return nil, err
	}
	from, _, err := ParseMonth(month)
	if err != nil {
		return nil, Invalid("month", "month 应为 YYYY-MM 格式的月份（2000–2100 年）")
	}
	if from.After(now) {
		return nil, Invalid("month", "该月份尚未开始")
	}
	v, err := d.view(ctx, communityID, month, now)
	if err != nil {
		return nil, Internal(err)
	}
	v.CommunityName = c.Name
	d.remember(v, month, now)
	return v, nil
}

// settled reports whether the month (a valid YYYY-MM) is rolled up at now.
func (d *Dashboard) settled(month string, now time.Time) bool {
	_, to, _ := ParseMonth(month)
	return !now.Before(to.Add(d.opt.RollupAfter))
}

// view builds the month's view: from Redis when the month is not settled and its answer is
// cached, else from the rollups and live computations, caching the answer of a month not
// settled yet.
func (d *Dashboard) view(ctx context.Context, communityID uint64, month string, now time.Time) (*DashboardView, error) {
	settled := d.settled(month, now)
	key := d.cacheKey(communityID, month)
	if !settled {
		raw, err := d.r.Client.Get(ctx, key).Bytes()
		switch {
		case err == nil:
			var v DashboardView
			if json.Unmarshal(raw, &v) == nil {
				v.Source = "cache"
				return &v, nil
			}
		case !errors.Is(err, redis.Nil):
			d.log.WarnContext(ctx, "dashboard cache read failed; computing", "error", err.Error())
		}
	}
	var months, known []string // the trend's months and the month, oldest first; known: from 2000
	first, _, _ := ParseMonth(month)
	for i := trendMonths; i >= 0; i-- {
		m := MonthOf(first.AddDate(0, -i, 0))
		months = append(months, m)
		if _, _, err := ParseMonth(m); err == nil {
			known = append(known, m)
		}
	}
	figs, err := d.figures(ctx, communityID, known, now)
	if err != nil {
		return nil, err
	}
	v := &DashboardView{CommunityID: communityID, Figures: figs[month], Source: "live"}
	if v.Figures.Final {
		v.Source = "rollup"
	}
	for _, m := range months[:trendMonths] {
		h := Headline{Month: m} // before 2000: nothing
		if f := figs[m]; f != nil {
			h = f.Headline()
		}
		v.Trend = append(v.Trend, h)
	}
	if v.Volunteers, err = d.nicknames(ctx, v.Figures.Volunteering.TopVolunteers); err != nil {
		return nil, err
	}
	if !settled {
		raw, _ := json.Marshal(v)
		if err := d.r.Client.Set(ctx, key, raw, d.opt.CacheTTL).Err(); err != nil {
			d.log.WarnContext(ctx, "dashboard cache write failed", "error", err.Error())
		}
	}
	return v, nil
}

// nicknames reads the names of the top volunteers (erased accounts have none).
func (d *Dashboard) nicknames(ctx context.Context, top []VolunteerTop) (map[uint64]string, error) {
	ids := make([]uint64, len(top))
	for i, t := range top {
		ids[i] = t.UserID
	}
	users, err := d.store.UsersByIDs(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make(map[uint64]string, len(users))
	for id, u := range users {
		out[id] = u.Nickname
	}
	return out, nil
}

// figures returns the figures of each month: settled months from their rollups (computed and
// stored first when missing or of an older version), the others computed now.
func (d *Dashboard) figures(ctx context.Context, communityID uint64, months []string, now time.Time) (map[string]*MonthFigures, error) {
	var settled []string
	for _, m := range months {
		if d.settled(m, now) {
			settled = append(settled, m)
		}
	}
	rollups, err := d.store.DashboardRollups(ctx, communityID, settled)
	if err != nil {
		return nil, err
	}
	out := make(map[string]*MonthFigures, len(months))
	var prev *MonthFigures // months are in order: the one before m, when known
	for _, m := range months {
		if r, ok := rollups[m]; ok && r.Version == figuresVersion {
			var f MonthFigures
			if err := json.Unmarshal([]byte(r.Figures), &f); err == nil {
				out[m], prev = &f, &f
				continue
			}
		}
		f, err := d.computeAfter(ctx, communityID, m, now, prev)
		if err != nil {
			return nil, err
		}
		prev = f
		if f.Final {
			if err := d.store.SaveDashboardRollup(ctx, rollupOf(communityID, f)); err != nil {
				return nil, err
			}
		}
		out[m] = f
	}
	return out, nil
}

// Compute computes a month's figures from the database as they are at now, without rollups
// or cache (Final when the month is settled at now). Tests compare it with rollups.
func (d *Dashboard) Compute(ctx context.Context, communityID uint64, month string, now time.Time) (*MonthFigures, error) {
	return d.computeAfter(ctx, communityID, month, now, nil)
}

// computeAfter is Compute given the figures of an earlier month (prev, nil when unknown).
func (d *Dashboard) computeAfter(ctx context.Context, communityID uint64, month string, now time.Time,
	prev *MonthFigures) (*MonthFigures, error) {
	from, to, err := ParseMonth(month)
	if err != nil {
		return nil, err
	}
	f, err := d.compute(ctx, communityID, month, from, to, now, prev)
	if err != nil {
		return nil, err
	}
	f.Final = d.settled(month, now)
	return f, nil
}

func rollupOf(communityID uint64, f *MonthFigures) *model.DashboardRollup {
	raw, _ := json.Marshal(f)
	return &model.DashboardRollup{CommunityID: communityID, Month: f.Month, Version: figuresVersion,
		Figures: string(raw), ComputedAt: f.ComputedAt}
}

// RollupSettled rolls up, for every community, the settled months among the last year's that
// have no rollup of the current version yet (the background job: what makes the trend of a
// cold read come from rollups). It returns how many months it rolled up.
func (d *Dashboard) RollupSettled(ctx context.Context) (int, error) {
	now := d.opt.Now()
	// Counted back from the month's first day: on the 31st, a month back from the day itself
	// would be the 1st of this month again (31 November is 1 December).
	this, _, _ := ParseMonth(MonthOf(now))
	var months []string // oldest first
	for i := trendMonths + 1; i >= 0; i-- {
		if m := MonthOf(this.AddDate(0, -i, 0)); d.settled(m, now) {
			months = append(months, m)
		}
	}
	if len(months) > trendMonths+1 {
		months = months[len(months)-trendMonths-1:]
	}
	n := 0
	var after uint64
	for {
		ids, err := d.store.CommunityIDs(ctx, after, 100)
		if err != nil || len(ids) == 0 {
			return n, err
		}
		for _, id := range ids {
			have, err := d.store.DashboardRollups(ctx, id, months)
			if err != nil {
				return n, err
			}
			var prev *MonthFigures
			for _, m := range months {
				if r, ok := have[m]; ok && r.Version == figuresVersion {
					prev = nil
					var f MonthFigures
					if json.Unmarshal([]byte(r.Figures), &f) == nil {
						prev = &f
					}
					continue
				}
				f, err := d.computeAfter(ctx, id, m, now, prev)
				if err != nil {
					return n, err
				}
				if err := d.store.SaveDashboardRollup(ctx, rollupOf(id, f)); err != nil {
					return n, err
				}
				prev = f
				n++
			}
		}
		after = ids[len(ids)-1]
	}
}
