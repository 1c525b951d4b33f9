// Command benchannounce is the benchmark of announcements (公告, issue #19) at 东亭's size: a
// register of 4,644 households and 15,000 approved residents spread over them.
//
//	go run ./scripts/benchannounce [-residents 15000] [-households 4644] [-conns 200]
//
// It starts a complete Linli server in this process on a loopback port, with its jobs (the
// back end from the environment as scripts/benchvote: LINLI_TEST_MYSQL_DSN and
// LINLI_TEST_REDIS_ADDR for a fresh schema and key prefix, else embedded), builds the
// fixtures through the services, then measures over HTTP:
//
//   - publishing to the whole community as staff, several times: each answer within 100 ms,
//     and every resident's inbox notice written by the announcements.deliver job within 30 s
//     of the answer (the notifications are counted in the database until a deadline);
//   - the residents' list of announcements over many connections: throughput at least 0.4 ×
//     that of GET /healthz measured just before at the same concurrency;
//   - after a third of the residents have opened the first announcement, its receipts as
//     staff (sequential calls): p99 within 200 ms, with the households reached counted right.
//
// It prints a table and exits non-zero when a target is missed or an answer is wrong.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"linli/app"
	"linli/scripts/internal/loadenv"
	"linli/service"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "benchannounce:", err)
		os.Exit(1)
	}
}

type options struct {
	residents, households, conns    int
	publishes, lists, readers, reps int
	deliverWithin                   time.Duration
}

// Targets.
const (
	publishWithin  = 100 * time.Millisecond
	listRatio      = 0.4
	receiptsWithin = 200 * time.Millisecond
)

func run(ctx context.Context) error {
	var o options
	flag.IntVar(&o.residents, "residents", 15000, "approved residents of the community (the audience)")
	flag.IntVar(&o.households, "households", 4644, "households of the register")
	flag.IntVar(&o.conns, "conns", 200, "HTTP connections of the list and of the readers")
	flag.IntVar(&o.publishes, "publishes", 5, "announcements published, one after another's delivery")
	flag.IntVar(&o.lists, "lists", 6000, "list requests")
	flag.IntVar(&o.readers, "readers", 0, "residents who open the first announcement before its receipts (0: a third)")
	flag.IntVar(&o.reps, "receipts", 50, "sequential receipts requests")
	flag.DurationVar(&o.deliverWithin, "deliver-within", 30*time.Second, "deadline of the inbox notices after the answer")
	flag.Parse()
	if o.readers == 0 {
		o.readers = o.residents / 3
	}
	if o.households < 1 || o.residents < o.households || o.readers < 1 || o.readers > o.residents ||
		o.conns < 1 || o.publishes < 1 || o.lists < 1 || o.reps < 1 {
		return errors.New("want 1 ≤ households ≤ residents, 1 ≤ readers ≤ residents, and conns, publishes, lists, receipts ≥ 1")
	}
	cfg, cleanup, backend, err := loadenv.Configure()
	if err != nil {
		return err
	}
	defer cleanup()
	a, err := app.New(ctx, cfg, slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError})))
	if err != nil {
		return err
	}
	defer a.Close()
	fmt.Printf("back end: %s; %d households, %d residents, %d connections; delivery every %s in batches of %d\n",
		backend, o.households, o.residents, o.conns, cfg.Announcements.DeliverEvery, cfg.Announcements.DeliverBatch)
	t0 := time.Now()
	fx, err := setUp(ctx, a.Services, o)
	if err != nil {
		return fmt.Errorf("set-up: %w", err)
	}
	fmt.Printf("set-up (register, %d residents, %d logged in): %s\n", o.residents, len(fx.readers)+1, time.Since(t0).Round(time.Millisecond))

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srvCtx, stopServer := context.WithCancel(ctx)
	served := make(chan error, 1)
	go func() { served <- a.ServeListener(srvCtx, ln) }() // with its jobs: announcements.deliver
	defer func() { stopServer(); <-served }()
	b := &bench{a: a, o: o, fx: fx, base: "http://" + ln.Addr().String(), client: &http.Client{Timeout: 2 * time.Minute,
		Transport: &http.Transport{MaxConnsPerHost: o.conns, MaxIdleConnsPerHost: o.conns, DisableCompression: true}}}
	defer b.client.CloseIdleConnections()

	var rows []row
	pub, first, err := b.publishAll(ctx)
	if err != nil {
		return fmt.Errorf("publish: %w", err)
	}
	rows = append(rows, pub...)
	list, err := b.listAll(ctx)
	if err != nil {
		return fmt.Errorf("list: %w", err)
	}
	rows = append(rows, list...)
	rec, err := b.receiptsAll(ctx, first)
	if err != nil {
		return fmt.Errorf("receipts: %w", err)
	}
	rows = append(rows, rec...)

	fmt.Println()
	fmt.Println("| measurement | figures | target | met |")
	fmt.Println("|---|---|---|:---:|")
	var missed []string
	for _, r := range rows {
		met := "yes"
		if r.target == "" {
			met = ""
		} else if !r.met {
			met, missed = "**no**", append(missed, r.name)
		}
		fmt.Printf("| %s | %s | %s | %s |\n", r.name, r.figures, r.target, met)
	}
	if len(missed) > 0 {
		return fmt.Errorf("targets missed: %v", missed)
	}
	return nil
}

// row is one line of the table.
type row struct {
	name, figures, target string
	met                   bool
}

// bench is the running server and what the measurements share.
type bench struct {
	a      *app.App
	o      options
	fx     *fixture
	base   string
	client *http.Client
}

// call sends a request with the session and returns the status and body.
func (b *bench) call(ctx context.Context, method, path, token string, body any) (int, []byte, error) {
	var in io.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		if err != nil {
			return 0, nil, err
		}
		in = bytes.NewReader(raw)
	}
	req, err := http.NewRequestWithContext(ctx, method, b.base+path, in)
	if err != nil {
		return 0, nil, err
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := b.client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	return resp.StatusCode, out, err
}

// decode reads the envelope's data into v.
func decode(raw []byte, v any) error {
	env := struct {
		Code    int             `json:"code"`
		Message string          `json:"message"`
		Data    json.RawMessage `json:"data"`
	}{}
	if err := json.Unmarshal(raw, &env); err != nil {
		return err
	}
	if env.Code != 0 {
		return fmt.Errorf("code %d: %s", env.Code, env.Message)
	}
	return json.Unmarshal(env.Data, v)
}

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
		status, raw, err := b.call(ctx, http.MethodPost, fmt.Sprintf("/api/v1/communities/%d/announcements", b.fx.communityID), b.fx.staff, body)
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
		if err := decode(raw, &an); err != nil || an.Status != "published" {
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

// driven is what drive measured: sorted latencies, and the answers other than 200.
type driven struct {
	latencies []time.Duration
	errors    int
	sample    string
}

// drive runs do at o.conns connections, n times in all (n > 0) or for d, and returns the
// latencies and the wall time.
func (b *bench) drive(ctx context.Context, n int, d time.Duration, do func(i int) (int, error)) (driven, time.Duration) {
	var next atomic.Int64
	end := time.Now().Add(d)
	var mu sync.Mutex
	var out driven
	var wg sync.WaitGroup
	start := time.Now()
	for range b.o.conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine []time.Duration
			var bad int
			var sample string
			for ctx.Err() == nil {
				i := int(next.Add(1) - 1)
				if (n > 0 && i >= n) || (n == 0 && !time.Now().Before(end)) {
					break
				}
				t0 := time.Now()
				status, err := do(i)
				mine = append(mine, time.Since(t0))
				if err != nil || status != http.StatusOK {
					bad, sample = bad+1, fmt.Sprintf("HTTP %d %v", status, err)
				}
			}
			mu.Lock()
			out.latencies, out.errors = append(out.latencies, mine...), out.errors+bad
			if sample != "" {
				out.sample = sample
			}
			mu.Unlock()
		}()
	}
	wg.Wait()
	wall := time.Since(start)
	slices.Sort(out.latencies)
	return out, wall
}

func pct(lat []time.Duration, p int) time.Duration {
	if len(lat) == 0 {
		return 0
	}
	i := (len(lat)*p + 99) / 100
	return round(lat[min(max(i-1, 0), len(lat)-1)])
}

func round(d time.Duration) time.Duration { return d.Round(100 * time.Microsecond) }
