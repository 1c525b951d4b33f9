package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"sync/atomic"
	"time"
)

// listAll measures GET /healthz at o.conns connections for 5 s, then, after a first request
// of each resident (not measured: it fills their identity's caches), o.lists requests of the
// residents' list (each checked for 200, every 50th for the announcements published) at the
// same concurrency.
func (b *bench) listAll(ctx context.Context) ([]row, error) {
	ceiling, ceilingWall := b.drive(ctx, 0, 5*time.Second, func(int) (int, error) {
		status, _, err := b.call(ctx, http.MethodGet, "/healthz", "", nil)
		return status, err
	})
	path := fmt.Sprintf("/api/v1/communities/%d/announcements", b.fx.communityID)
	// Each resident's first request loads their identity into the caches; a resident opening
	// the list again is the steady state measured.
	warm, warmWall := b.drive(ctx, min(b.o.lists, len(b.fx.readers)), 0, func(i int) (int, error) {
		status, _, err := b.call(ctx, http.MethodGet, path, b.fx.readers[i], nil)
		return status, err
	})
	if warm.errors > 0 {
		return nil, fmt.Errorf("warm-up: %d errors (%v)", warm.errors, warm.sample)
	}
	fmt.Printf("list, first request of %d residents: %.0f req/s, p50 %s, p99 %s\n", len(warm.latencies),
		float64(len(warm.latencies))/warmWall.Seconds(), pct(warm.latencies, 50), pct(warm.latencies, 99))
	var wrong atomic.Int64
	var sample atomic.Value
	lat, wall := b.drive(ctx, b.o.lists, 0, func(i int) (int, error) {
		status, raw, err := b.call(ctx, http.MethodGet, path, b.fx.readers[i%len(b.fx.readers)], nil)
		if err == nil && status == http.StatusOK && i%50 == 0 {
			var page struct {
				Items []json.RawMessage `json:"items"`
			}
			if err := decode(raw, &page); err != nil || len(page.Items) != b.o.publishes {
				wrong.Add(1)
				sample.Store(fmt.Sprintf("%d items, want %d (%v)", len(page.Items), b.o.publishes, err))
			}
		}
		return status, err
	})
	if lat.errors > 0 || wrong.Load() > 0 {
		return nil, fmt.Errorf("%d errors (%v), %d wrong pages (%v)", lat.errors, lat.sample, wrong.Load(), sample.Load())
	}
	hz := float64(len(ceiling.latencies)) / ceilingWall.Seconds()
	rate := float64(len(lat.latencies)) / wall.Seconds()
	return []row{
		{name: fmt.Sprintf("GET /healthz (ceiling, %d conns, 5 s)", b.o.conns),
			figures: fmt.Sprintf("%.0f req/s, p50 %s, p99 %s", hz, pct(ceiling.latencies, 50), pct(ceiling.latencies, 99))},
		{name: fmt.Sprintf("residents' list of announcements (%d requests, %d conns)", len(lat.latencies), b.o.conns),
			figures: fmt.Sprintf("%.0f req/s = %.2f × healthz, p50 %s, p99 %s", rate, rate/hz, pct(lat.latencies, 50), pct(lat.latencies, 99)),
			target:  fmt.Sprintf("≥ %.1f × healthz", listRatio), met: rate >= listRatio*hz},
	}, nil
}

// receiptsAll has the first o.readers residents open the announcement (at o.conns
// connections), then asks for its receipts o.reps times in a row as staff, checking the
// households of the audience and those reached.
func (b *bench) receiptsAll(ctx context.Context, id uint64) ([]row, error) {
	path := fmt.Sprintf("/api/v1/announcements/%d", id)
	reads, wall := b.drive(ctx, len(b.fx.readers), 0, func(i int) (int, error) {
		status, _, err := b.call(ctx, http.MethodGet, path, b.fx.readers[i], nil)
		return status, err
	})
	if reads.errors > 0 {
		return nil, fmt.Errorf("reading: %d errors (%v)", reads.errors, reads.sample)
	}
	fmt.Printf("%d residents opened announcement %d in %s: p50 %s, p99 %s\n", len(b.fx.readers), id, round(wall),
		pct(reads.latencies, 50), pct(reads.latencies, 99))
	var lat []time.Duration
	for range b.o.reps {
		t0 := time.Now()
		status, raw, err := b.call(ctx, http.MethodGet, path+"/receipts", b.fx.staff, nil)
		lat = append(lat, time.Since(t0))
		if err != nil {
			return nil, err
		}
		var r struct {
			Households, Reached, Recipients int
			Delivering                      bool
			Unreached                       struct {
				Items []json.RawMessage `json:"items"`
			} `json:"unreached"`
		}
		if status != http.StatusOK {
			return nil, fmt.Errorf("HTTP %d: %s", status, raw)
		}
		if err := decode(raw, &r); err != nil {
			return nil, err
		}
		if r.Households != b.o.households || r.Reached != b.fx.reached || r.Recipients != b.o.residents || r.Delivering ||
			len(r.Unreached.Items) != min(20, b.o.households-b.fx.reached) {
			return nil, fmt.Errorf("receipts %+v, want %d households, %d reached, %d recipients, delivered", r,
				b.o.households, b.fx.reached, b.o.residents)
		}
	}
	slices.Sort(lat)
	return []row{{name: fmt.Sprintf("receipts: %d of %d households reached (%d sequential calls)", b.fx.reached, b.o.households, len(lat)),
		figures: fmt.Sprintf("p50 %s, p99 %s, max %s", pct(lat, 50), pct(lat, 99), pct(lat, 100)),
		target:  fmt.Sprintf("p99 < %s", receiptsWithin), met: pct(lat, 99) < receiptsWithin}}, nil
}
