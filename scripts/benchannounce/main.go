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
	"context"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"time"

	"linli/app"
	"linli/scripts/internal/apiclient"
	"linli/scripts/internal/loadenv"
	"linli/scripts/internal/loadrun"
)

func main() { loadrun.Main("benchannounce", run) }

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
	env, err := loadenv.Open(ctx)
	if err != nil {
		return err
	}
	defer env.Close()
	a := env.App
	fmt.Printf("back end: %s; %d households, %d residents, %d connections; delivery every %s in batches of %d\n",
		env.Backend, o.households, o.residents, o.conns, env.Config.Announcements.DeliverEvery, env.Config.Announcements.DeliverBatch)
	t0 := time.Now()
	fx, err := setUp(ctx, a.Services, o)
	if err != nil {
		return fmt.Errorf("set-up: %w", err)
	}
	fmt.Printf("set-up (register, %d residents, %d logged in): %s\n", o.residents, len(fx.readers)+1, time.Since(t0).Round(time.Millisecond))

	base, stopServer, err := loadenv.Serve(ctx, a) // with its jobs: announcements.deliver
	if err != nil {
		return err
	}
	defer stopServer()
	b := &bench{a: a, o: o, fx: fx, api: &apiclient.Client{Base: base, HTTP: apiclient.Pooled(o.conns, 2*time.Minute)}}
	defer b.api.HTTP.CloseIdleConnections()

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
	a   *app.App
	o   options
	fx  *fixture
	api *apiclient.Client
}

// drive runs do at o.conns connections, n times in all (n > 0) or for d; a call fails with an
// error or an answer other than 200.
func (b *bench) drive(ctx context.Context, n int, d time.Duration, do func(i int) (int, error)) loadrun.Result {
	return loadrun.Spread(ctx, b.o.conns, n, d, func(i int) error {
		if status, err := do(i); err != nil || status != http.StatusOK {
			return fmt.Errorf("HTTP %d %v", status, err)
		}
		return nil
	})
}

func pct(lat []time.Duration, p int) time.Duration { return round(loadrun.Rank(lat, p)) }

func round(d time.Duration) time.Duration { return d.Round(100 * time.Microsecond) }
