package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"linli/scripts/internal/loadenv"
)

// The operations of the load.
const (
	opReport   = "report"   // POST /issues
	opTransfer = "transfer" // POST /transfers (0.01 points to a neighbour)
	opSignup   = "sign-up"  // POST /activities/:id/signups
	opSession  = "session"  // GET /me: is the session still good?
	opBoard    = "board"    // GET /communities/:id/leaderboard
)

// noAnswer is the status recorded when the server did not answer (connection refused or cut).
const noAnswer = -1

// tally counts answers by phase, operation and status.
type tally struct {
	mu        sync.Mutex
	counts    map[string]map[string]map[int]int // phase → op → status → n
	latencies map[string][]time.Duration        // phase → answer times
	phases    []string
}

func newTally() *tally {
	return &tally{counts: map[string]map[string]map[int]int{}, latencies: map[string][]time.Duration{}}
}

func (t *tally) add(phase, op string, status int, took time.Duration) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.latencies[phase] = append(t.latencies[phase], took)
	if t.counts[phase] == nil {
		t.counts[phase] = map[string]map[int]int{}
		t.phases = append(t.phases, phase)
	}
	if t.counts[phase][op] == nil {
		t.counts[phase][op] = map[int]int{}
	}
	t.counts[phase][op][status]++
}

// sum adds the counts of the phases (all when none is named) that match keep.
func (t *tally) sum(keep func(op string, status int) bool, phases ...string) int {
	t.mu.Lock()
	defer t.mu.Unlock()
	n := 0
	for phase, ops := range t.counts {
		if len(phases) > 0 && !slices.Contains(phases, phase) {
			continue
		}
		for op, st := range ops {
			for s, c := range st {
				if keep(op, s) {
					n += c
				}
			}
		}
	}
	return n
}

// print writes, phase by phase, the requests sent, succeeded and failed by status.
func (t *tally) print(w io.Writer) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, phase := range t.phases {
		ops := t.counts[phase]
		sent, ok := 0, 0
		byStatus := map[int]int{}
		for _, st := range ops {
			for s, c := range st {
				sent += c
				byStatus[s] += c
				if s >= 200 && s < 300 {
					ok += c
				}
			}
		}
		lat := slices.Clone(t.latencies[phase])
		slices.Sort(lat)
		pct := func(p int) time.Duration {
			if len(lat) == 0 {
				return 0
			}
			return lat[min(len(lat)-1, len(lat)*p/100)].Round(time.Millisecond)
		}
		fmt.Fprintf(w, "  %-13s sent %5d  succeeded %5d  failed %5d  %s  (latency p50 %s, p99 %s, max %s)\n",
			phase+":", sent, ok, sent-ok, statusLine(byStatus), pct(50), pct(99), pct(100))
		names := make([]string, 0, len(ops))
		for op := range ops {
			names = append(names, op)
		}
		slices.Sort(names)
		for _, op := range names {
			fmt.Fprintf(w, "      %-10s %s\n", op, statusLine(ops[op]))
		}
	}
}

func statusLine(m map[int]int) string {
	keys := make([]int, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var parts []string
	for _, k := range keys {
		name := fmt.Sprint(k)
		if k == noAnswer {
			name = "no answer"
		}
		parts = append(parts, fmt.Sprintf("%s×%d", name, m[k]))
	}
	return strings.Join(parts, " ")
}

// acks are the writes the server acknowledged with a 2xx: each must be in the database.
type acks struct {
	mu       sync.Mutex
	issues   []uint64
	postings []uint64
	signups  []uint64
}

func (a *acks) add(op string, id uint64) {
	a.mu.Lock()
	defer a.mu.Unlock()
	switch op {
	case opReport:
		a.issues = append(a.issues, id)
	case opTransfer:
		a.postings = append(a.postings, id)
	case opSignup:
		a.signups = append(a.signups, id)
	}
}

// load drives the server: workers pick an operation at random, one request at a time each.
type load struct {
	base   string
	w      *world
	client *http.Client
	pairs  chan [2]int // (resident, activity) sign-ups not yet tried
	tally  *tally
	acks   *acks
	phase  atomic.Pointer[string]
	seq    atomic.Int64
}

func newLoad(base string, w *world) *load {
	l := &load{base: base, w: w, client: &http.Client{Timeout: 15 * time.Second}, tally: newTally(), acks: &acks{}}
	var pairs [][2]int
	for r := range w.residents {
		for a := range w.activities {
			pairs = append(pairs, [2]int{r, a})
		}
	}
	rand.Shuffle(len(pairs), func(i, j int) { pairs[i], pairs[j] = pairs[j], pairs[i] })
	l.pairs = make(chan [2]int, len(pairs))
	for _, p := range pairs {
		l.pairs <- p
	}
	l.setPhase("start")
	return l
}

func (l *load) setPhase(p string) { l.phase.Store(&p) }

// run sends requests from workers until ctx ends.
func (l *load) run(ctx context.Context, workers int) *sync.WaitGroup {
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				l.one(ctx)
				time.Sleep(10 * time.Millisecond)
			}
		}()
	}
	return &wg
}

// one sends one request of a random operation.
func (l *load) one(ctx context.Context) {
	w := l.w
	r := w.residents[rand.IntN(len(w.residents))]
	n := l.seq.Add(1)
	switch x := rand.IntN(100); {
	case x < 40:
		l.write(ctx, opReport, r.token, "/api/v1/issues", map[string]any{"building_id": fmt.Sprint(r.building),
			"category_id": fmt.Sprint(w.category), "description": fmt.Sprintf("演练报事 #%d：楼道灯不亮", n)})
	case x < 65:
		to := w.residents[rand.IntN(len(w.residents))]
		if to.id == r.id {
			return
		}
		l.write(ctx, opTransfer, r.token, "/api/v1/transfers", map[string]any{"community_id": fmt.Sprint(w.community),
			"to_user_id": fmt.Sprint(to.id), "points": "0.01", "memo": fmt.Sprintf("演练转赠 #%d", n)})
	case x < 85:
		select {
		case p := <-l.pairs:
			l.write(ctx, opSignup, w.residents[p[0]].token, fmt.Sprintf("/api/v1/activities/%d/signups", w.activities[p[1]]), nil)
		default:
		}
	case x < 95:
		l.read(ctx, opSession, r.token, "/api/v1/me")
	default:
		l.read(ctx, opBoard, r.token, fmt.Sprintf("/api/v1/communities/%d/leaderboard?metric=points", w.community))
	}
}

// write sends a write with an Idempotency-Key and records what the 2xx acknowledged.
func (l *load) write(ctx context.Context, op, token, path string, body any) {
	status, data := l.send(ctx, op, "POST", token, path, body)
	if status < 200 || status >= 300 {
		return
	}
	var env struct {
		Data struct {
			ID        string `json:"id"`
			PostingID string `json:"posting_id"`
		} `json:"data"`
	}
	_ = json.Unmarshal(data, &env)
	id := env.Data.ID
	if op == opTransfer {
		id = env.Data.PostingID
	}
	var v uint64
	if _, err := fmt.Sscan(id, &v); err != nil || v == 0 {
		fmt.Printf("  ! %s %s acknowledged without an id: %.200s\n", op, path, data)
		return
	}
	l.acks.add(op, v)
}

func (l *load) read(ctx context.Context, op, token, path string) {
	l.send(ctx, op, "GET", token, path, nil)
}

// send makes one request and tallies its answer under op and the current phase.
// The phase is the one in which the answer (or its absence) came: a request cut by a kill is
// counted in the outage.
func (l *load) send(ctx context.Context, op, method, token, path string, body any) (int, []byte) {
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, l.base+path, rd)
	if err != nil {
		return 0, nil
	}
	req.Header.Set("Authorization", "Bearer "+token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if method == "POST" {
		req.Header.Set("Idempotency-Key", fmt.Sprintf("fault-%s-%d", loadenv.RandomHex(4), l.seq.Add(1)))
	}
	start := time.Now()
	res, err := l.client.Do(req)
	if err != nil {
		if ctx.Err() == nil {
			l.tally.add(*l.phase.Load(), op, noAnswer, time.Since(start))
		}
		return noAnswer, nil
	}
	defer res.Body.Close()
	data, _ := io.ReadAll(res.Body)
	l.tally.add(*l.phase.Load(), op, res.StatusCode, time.Since(start))
	if res.StatusCode >= 500 && res.StatusCode != 503 {
		fmt.Printf("  ! %s %s → %d: %.200s\n", method, path, res.StatusCode, data)
	}
	return res.StatusCode, data
}
