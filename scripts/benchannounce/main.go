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
