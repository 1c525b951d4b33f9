package loadrun

import (
	"context"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// Result is what a load measured: every call's latency (sorted), the calls that failed and the
// message of the first, and the wall time of the whole.
type Result struct {
	Latencies  []time.Duration
	Errors     int
	FirstError string
	Wall       time.Duration
}

// RPS is the calls per second over the wall time.
func (r Result) RPS() float64 { return float64(len(r.Latencies)) / r.Wall.Seconds() }

// collector gathers the connections' latencies and failures.
type collector struct {
	mu    sync.Mutex
	out   Result
	first atomic.Pointer[string]
}

func (c *collector) fail(err error) {
	msg := err.Error()
	c.first.CompareAndSwap(nil, &msg)
}

func (c *collector) add(lat []time.Duration, errors int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.out.Latencies, c.out.Errors = append(c.out.Latencies, lat...), c.out.Errors+errors
}

func (c *collector) result(wall time.Duration) Result {
	slices.Sort(c.out.Latencies)
	c.out.Wall = wall
	if m := c.first.Load(); m != nil {
		c.out.FirstError = *m
	}
	return c.out
}

// connection makes the calls of one connection: next gives each call's index until it says
// no more, cut tells after a call whether the load had already ended (the call is then not
// counted).
func (c *collector) connection(next func() (int, bool), do func(i int) error, cut func() bool) {
	var lat []time.Duration
	errors := 0
	for i, ok := next(); ok; i, ok = next() {
		t0 := time.Now()
		err := do(i)
		if cut() {
			break
		}
		lat = append(lat, time.Since(t0))
		if err != nil {
			errors++
			c.fail(err)
		}
	}
	c.add(lat, errors)
}

// measure runs conn for every connection of conns at once and returns what they collected.
func measure(conns int, conn func(c int, col *collector)) Result {
	var col collector
	var wg sync.WaitGroup
	start := time.Now()
	for c := range conns {
		wg.Go(func() { conn(c, &col) })
	}
	wg.Wait()
	return col.result(time.Since(start))
}

// Drive runs conns connections for d, each calling do again and again (i counts the calls of
// connection c); a call that returns an error failed. A call cut off by the end of d is not
// counted: do gets the context that ends with d.
func Drive(ctx context.Context, conns int, d time.Duration, do func(ctx context.Context, c, i int) error) Result {
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	cut := func() bool { return ctx.Err() != nil }
	return measure(conns, func(c int, col *collector) {
		i := -1
		next := func() (int, bool) { i++; return i, ctx.Err() == nil }
		col.connection(next, func(i int) error { return do(ctx, c, i) }, cut)
	})
}

// Spread runs do on conns connections, n calls in all (i from 0 to n-1, shared among the
// connections) when n > 0, else until d has passed; a call that returns an error failed.
func Spread(ctx context.Context, conns, n int, d time.Duration, do func(i int) error) Result {
	var counter atomic.Int64
	end := time.Now().Add(d)
	next := func() (int, bool) {
		i := int(counter.Add(1) - 1)
		return i, ctx.Err() == nil && ((n > 0 && i < n) || (n == 0 && time.Now().Before(end)))
	}
	never := func() bool { return false }
	return measure(conns, func(_ int, col *collector) { col.connection(next, do, never) })
}

// Burst calls do(i) for every i of [0, n) on a goroutine of its own, all released at the same
// moment, and returns the time from the release until the last call returned.
func Burst(n int, do func(i int)) time.Duration {
	gate := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			<-gate
			do(i)
		})
	}
	start := time.Now()
	close(gate)
	wg.Wait()
	return time.Since(start)
}

// Parallel runs f(i) for every i of [0, n) on workers goroutines; the first error stops the
// rest from starting and is returned (else the context's error).
func Parallel(ctx context.Context, workers, n int, f func(i int) error) error {
	var next atomic.Int64
	var first atomic.Value
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for ctx.Err() == nil && first.Load() == nil {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				if err := f(i); err != nil {
					first.CompareAndSwap(nil, err)
				}
			}
		})
	}
	wg.Wait()
	if err, _ := first.Load().(error); err != nil {
		return err
	}
	return ctx.Err()
}
