package main

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"time"

	"linli/scripts/internal/apiclient"

	"linli/service"
)

// publishAll publishes o.publishes announcements to the whole community as staff, one after
// another: each answer's latency, then the count of its inbox notices polled in the database
// until every resident has one (or the deadline passes), before the next. first is the first
// announcement published.
func (b *bench) publishAll(ctx context.Context) (rows []row, first uint64, err error) {
	var answers, deliveries []time.Duration
	late := 0
	for i := range b.o.publishes {
		var before uint64
		if err := b.a.Store.SQL().QueryRowContext(ctx, "SELECT COALESCE(MAX(id), 0) FROM notifications").Scan(&before); err != nil {
			return nil, 0, err
		}
		body := map[string]any{"title": fmt.Sprintf("停水通知（第%d次）", i+1), "audience": "community",
			"body": "因市政管网检修，本周六 8:00–18:00 全社区停水，请提前储水。如有困难请联系居委会。"}
		t0 := time.Now()
		status, raw, err := b.api.Do(ctx, http.MethodPost, fmt.Sprintf("/api/v1/communities/%d/announcements", b.fx.communityID), b.fx.staff, body)
		answered := time.Now()
		if err != nil {
			return nil, 0, err
		}
		var an struct {
			ID     uint64 `json:"id,string"`
			Status string `json:"status"`
		}
		if status != http.StatusCreated {
			return nil, 0, fmt.Errorf("HTTP %d: %s", status, raw)
		}
		if err := apiclient.Data(raw, &an); err != nil || an.Status != "published" {
			return nil, 0, fmt.Errorf("answer %s: %v", raw, err)
		}
		answers = append(answers, answered.Sub(t0))
		if first == 0 {
			first = an.ID
		}
		n, took, err := b.awaitInbox(ctx, an.ID, before, answered)
		if err != nil {
			return nil, 0, err
		}
		fmt.Printf("publish %d: answered in %s; %d inbox notices %s after the answer\n", an.ID, round(answered.Sub(t0)), n, round(took))
		if n != b.o.residents {
			late++
		}
		deliveries = append(deliveries, took)
	}
	slices.Sort(answers)
	slices.Sort(deliveries)
	return []row{
		{name: fmt.Sprintf("publish to the community (%d answers)", len(answers)),
			figures: fmt.Sprintf("p50 %s, max %s", pct(answers, 50), pct(answers, 100)),
			target:  fmt.Sprintf("each < %s", publishWithin), met: pct(answers, 100) < publishWithin},
		{name: fmt.Sprintf("inbox notices of %d residents written after the answer", b.o.residents),
			figures: fmt.Sprintf("p50 %s, max %s; %d of %d complete", pct(deliveries, 50), pct(deliveries, 100), len(deliveries)-late, len(deliveries)),
			target:  fmt.Sprintf("all within %s", b.o.deliverWithin), met: late == 0},
	}, first, nil
}

// awaitInbox counts the announcement's inbox notices (those after the id before, so that the
// count reads the new rows alone) until every resident has one or the deadline after the
// answer passes; it returns the count and when it was reached. A count above the residents, or
// a resident told twice, is an error.
func (b *bench) awaitInbox(ctx context.Context, id, before uint64, answered time.Time) (int, time.Duration, error) {
	link := fmt.Sprintf("pages/announcement/detail?id=%d", id)
	deadline := answered.Add(b.o.deliverWithin)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		var n, people int
		err := b.a.Store.SQL().QueryRowContext(ctx, "SELECT COUNT(*), COUNT(DISTINCT user_id) FROM notifications "+
			"WHERE id > ? AND kind = ? AND link = ?", before, service.NoticeAnnouncement, link).Scan(&n, &people)
		at := time.Now()
		if err != nil {
			return 0, 0, err
		}
		if n != people || n > b.o.residents {
			return 0, 0, fmt.Errorf("announcement %d: %d inbox notices for %d people of %d", id, n, people, b.o.residents)
		}
		if n == b.o.residents || at.After(deadline) {
			return n, at.Sub(answered), nil
		}
		select {
		case <-ctx.Done():
			return 0, 0, ctx.Err()
		case <-tick.C:
		}
	}
}
