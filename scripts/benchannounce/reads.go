package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"sync/atomic"
	"time"

	"linli/scripts/internal/apiclient"
)

// listAll measures GET /healthz at o.conns connections for 5 s, then, after a first request
// of each resident (not measured: it fills their identity's caches), o.lists requests of the
// residents' list (each checked for 200, every 50th for the announcements published) at the
// same concurrency.
func (b *bench) listAll(ctx context.Context) ([]row, error) {
	ceiling := b.drive(ctx, 0, 5*time.Second, func(int) (int, error) {
		status, _, err := b.api.Do(ctx, http.MethodGet, "/healthz", "", nil)
		return status, err
	})
	path := fmt.Sprintf("/api/v1/communities/%d/announcements", b.fx.communityID)
	// Each resident's first request loads their identity into the caches; a resident opening
	// the list again is the steady state measured.
	warm := b.drive(ctx, min(b.o.lists, len(b.fx.readers)), 0, func(i int) (int, error) {
		status, _, err := b.api.Do(ctx, http.MethodGet, path, b.fx.readers[i], nil)
		return status, err
	})
	if warm.Errors > 0 {
		return nil, fmt.Errorf("warm-up: %d errors (%v)", warm.Errors, warm.FirstError)
	}
	fmt.Printf("list, first request of %d residents: %.0f req/s, p50 %s, p99 %s\n", len(warm.Latencies),
		float64(len(warm.Latencies))/warm.Wall.Seconds(), pct(warm.Latencies, 50), pct(warm.Latencies, 99))
	var wrong atomic.Int64
	var sample atomic.Value
	lat := b.drive(ctx, b.o.lists, 0, func(i int) (int, error) {
		status, raw, err := b.api.Do(ctx, http.MethodGet, path, b.fx.readers[i%len(b.fx.readers)], nil)
		if err == nil && status == http.StatusOK && i%50 == 0 {
			var page struct {
				Items []json.RawMessage `json:"items"`
			}
			if err := apiclient.Data(raw, &page); err != nil || len(page.Items) != b.o.publishes {
				wrong.Add(1)
				sample.Store(fmt.Sprintf("%d items, want %d (%v)", len(page.Items), b.o.publishes, err))
			}
		}
		return status, err
	})
	if lat.Errors > 0 || wrong.Load() > 0 {
		return nil, fmt.Errorf("%d errors (%v), %d wrong pages (%v)", lat.Errors, lat.FirstError, wrong.Load(), sample.Load())
	}
	hz := float64(len(ceiling.Latencies)) / ceiling.Wall.Seconds()
	rate := float64(len(lat.Latencies)) / lat.Wall.Seconds()
	return []row{
		{name: fmt.Sprintf("GET /healthz (ceiling, %d conns, 5 s)", b.o.conns),
			figures: fmt.Sprintf("%.0f req/s, p50 %s, p99 %s", hz, pct(ceiling.Latencies, 50), pct(ceiling.Latencies, 99))},
		{name: fmt.Sprintf("residents' list of announcements (%d requests, %d conns)", len(lat.Latencies), b.o.conns),
			figures: fmt.Sprintf("%.0f req/s = %.2f × healthz, p50 %s, p99 %s", rate, rate/hz, pct(lat.Latencies, 50), pct(lat.Latencies, 99)),
			target:  fmt.Sprintf("≥ %.1f × healthz", listRatio), met: rate >= listRatio*hz},
	}, nil
}

// receiptsAll has the first o.readers residents open the announcement (at o.conns
// connections), then asks for its receipts o.reps times in a row as staff, checking the
// households of the audience and those reached.
func (b *bench) receiptsAll(ctx context.Context, id uint64) ([]row, error) {
	path := fmt.Sprintf("/api/v1/announcements/%d", id)
	reads := b.drive(ctx, len(b.fx.readers), 0, func(i int) (int, error) {
		status, _, err := b.api.Do(ctx, http.MethodGet, path, b.fx.readers[i], nil)
		return status, err
	})
	if reads.Errors > 0 {
		return nil, fmt.Errorf("reading: %d errors (%v)", reads.Errors, reads.FirstError)
	}
	fmt.Printf("%d residents opened announcement %d in %s: p50 %s, p99 %s\n", len(b.fx.readers), id, round(reads.Wall),
		pct(reads.Latencies, 50), pct(reads.Latencies, 99))
	var lat []time.Duration
	for range b.o.reps {
		t0 := time.Now()
		status, raw, err := b.api.Do(ctx, http.MethodGet, path+"/receipts", b.fx.staff, nil)
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
		if err := apiclient.Data(raw, &r); err != nil {
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
