package service

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"time"

	"linli/clock"
	"linli/model"
)

// What the dashboard keeps in Redis, under the community's hash tag: the answer for a month not
// settled yet (CacheTTL), and the ledger flows of the running month's days already over.

func (d *Dashboard) cacheKey(communityID uint64, month string) string {
	return d.r.Key("dash", "{c"+strconv.FormatUint(communityID, 10)+"}", "v"+strconv.Itoa(figuresVersion), month)
}

// Forget drops the cached answer of a month (the next read computes it again); rollups stay.
func (d *Dashboard) Forget(ctx context.Context, communityID uint64, month string) error {
	d.mem.views.Forget(dashMemKey(communityID, month))
	return d.r.Client.Del(ctx, d.cacheKey(communityID, month)).Err()
}

// flows sums the month's postings by kind. While the month runs, the whole days before today
// (Shanghai) are summed once a day and kept in Redis, and only today's postings are read: the
// ledger only grows and each posting is dated as it commits (within moments), so a day over
// for a few minutes never changes. The flows are the bulk of a live month's reading.
func (d *Dashboard) flows(ctx context.Context, cid, issuing, spending uint64, from, to time.Time) ([]model.DashFlow, error) {
	local := d.opt.Now().Add(-5 * time.Minute).In(clock.China)
	cut := time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, clock.China)
	if !cut.After(from) || !cut.Before(to) {
		return d.store.DashFlows(ctx, cid, issuing, spending, from, to)
	}
	key := d.r.Key("dash", "{c"+strconv.FormatUint(cid, 10)+"}", "v"+strconv.Itoa(figuresVersion), "flows",
		fmt.Sprintf("%d-%d-%s", issuing, spending, cut.Format("2006-01-02")))
	var before []model.DashFlow
	raw, err := d.r.Client.Get(ctx, key).Bytes()
	if err != nil || json.Unmarshal(raw, &before) != nil {
		if before, err = d.store.DashFlows(ctx, cid, issuing, spending, from, cut); err != nil {
			return nil, err
		}
		raw, _ = json.Marshal(before)
		if err := d.r.Client.Set(ctx, key, raw, 26*time.Hour).Err(); err != nil {
			d.log.WarnContext(ctx, "dashboard cache write failed", "error", err.Error())
		}
	}
	today, err := d.store.DashFlows(ctx, cid, issuing, spending, cut, to)
	if err != nil {
		return nil, err
	}
	sum := map[string]model.DashFlow{}
	for _, fl := range append(before, today...) {
		t := sum[fl.Kind]
		t.Kind, t.Postings, t.Moved = fl.Kind, t.Postings+fl.Postings, t.Moved+fl.Moved
		t.IssuingNet, t.HoldersNet = t.IssuingNet+fl.IssuingNet, t.HoldersNet+fl.HoldersNet
		sum[fl.Kind] = t
	}
	out := make([]model.DashFlow, 0, len(sum))
	for _, fl := range sum {
		out = append(out, fl)
	}
	slices.SortFunc(out, func(a, b model.DashFlow) int { return cmp.Compare(a.Kind, b.Kind) })
	return out, nil
}
