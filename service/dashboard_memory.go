package service

import (
	"linli/cache"
	"strconv"
	"sync/atomic"
	"time"
)

// Each instance keeps the dashboards it served in memory for a few seconds, so that staff
// refreshing a dashboard cost neither Redis nor the database. A month not settled yet is
// already served from Redis for CacheTTL (its answer may be that old); memory adds at most
// dashMemoryTTL to that, and never serves it past the moment the month settles (its rollup is
// served from then on). A settled month's figures change only when an approved correction of
// one of its service records drops its rollup; an instance may serve the old ones for at most
// dashMemoryTTL after that.
// The views are a cache.Memo without a channel; each is served until a time of the service's
// clock (the month's settling may come sooner than the TTL).
type dashMemory struct {
	views *cache.Memo[string, memView]
	// seq numbers the views kept, so that their rendering can be kept by number too.
	seq atomic.Uint64
}

// memView is a view and until when (on the service's clock) it may be served.
type memView struct {
	v     *DashboardView
	until time.Time
}

const (
	dashMemoryTTL   = 5 * time.Second
	dashMemorySlots = 4096 // communities × months in use
)

func newDashMemory() *dashMemory {
	return &dashMemory{views: cache.NewMemo[string, memView](nil, dashMemorySlots, dashMemoryTTL)}
}

func dashMemKey(communityID uint64, month string) string {
	return strconv.FormatUint(communityID, 10) + "|" + month
}

// fromMemory returns the view kept for the month when it may still be served at now.
func (d *Dashboard) fromMemory(communityID uint64, month string, now time.Time) (*DashboardView, bool) {
	m, ok := d.mem.views.Lookup(dashMemKey(communityID, month))
	if !ok || !now.Before(m.until) {
		return nil, false
	}
	return m.v, true
}

// remember keeps a copy of v, marked as served again ("cache") when it was computed live and
// numbered by its Key. Views kept are shared: nobody may modify them.
func (d *Dashboard) remember(v *DashboardView, month string, now time.Time) {
	kept := *v
	if kept.Source == "live" {
		kept.Source = "cache"
	}
	kept.Key = strconv.FormatUint(d.mem.seq.Add(1), 10)
	until := now.Add(dashMemoryTTL)
	if !d.settled(month, now) {
		_, end, _ := ParseMonth(month)
		if settles := end.Add(d.opt.RollupAfter); settles.Before(until) {
			until = settles
		}
	}
	d.mem.views.Keep(d.mem.views.Begin(), dashMemKey(v.CommunityID, month), memView{v: &kept, until: until})
}
