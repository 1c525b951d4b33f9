package service

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// Seconds a refused upload is told to wait (Retry-After): one's own earlier uploads finish
// in a second or two; a full process frees a turn as soon as any upload ends.
const (
	uploadUserRetryAfter = 2
	uploadBusyRetryAfter = 5
)

// uploadGate bounds the uploads one process handles at once, in all and per user. Each holds
// its body and a cleaned copy in memory (up to uploads.max_bytes each), so the number in
// flight, not only their rate, decides what they cost.
//
// A user over their own share is refused at once (429): nobody else is kept waiting by it, and
// the client knows to send the rest after. The process's turns are a queue instead: a user who
// sends one photo while the building's neighbours upload theirs should wait a moment, not fail;
// after wait without a turn the answer is 503, which is what a full server is (the client did
// nothing too often). Both answers carry Retry-After.
//
// The counts are per process: memory is a per-process resource, and each instance behind a
// balancer guards its own.
type uploadGate struct {
	turns   chan struct{}
	perUser int
	wait    time.Duration

	mu      sync.Mutex
	users   map[uint64]int // uploads in flight per user, holding a turn or waiting for one
	waiting int
}

func newUploadGate(total, perUser int, wait time.Duration) *uploadGate {
	return &uploadGate{turns: make(chan struct{}, max(total, 1)), perUser: max(perUser, 1), wait: wait,
		users: map[uint64]int{}}
}

// admit takes a share of ownerID's and then a turn of the process's, and returns the function
// that gives both back (call it once the upload is handled; calling it again does nothing).
func (g *uploadGate) admit(ctx context.Context, ownerID uint64) (func(), error) {
	g.mu.Lock()
	if g.users[ownerID] >= g.perUser {
		g.mu.Unlock()
		return nil, &Error{Kind: KindTooManyRequests, RetryAfterSeconds: uploadUserRetryAfter,
			Message: fmt.Sprintf("同时最多上传 %d 张图片，请等前面的传完再试", g.perUser)}
	}
	g.users[ownerID]++
	g.mu.Unlock()
	leave := func() {
		g.mu.Lock()
		defer g.mu.Unlock()
		if g.users[ownerID]--; g.users[ownerID] <= 0 {
			delete(g.users, ownerID)
		}
	}
	if err := g.turn(ctx); err != nil {
		leave()
		return nil, err
	}
	var once sync.Once
	return func() {
		once.Do(func() {
			<-g.turns
			leave()
		})
	}, nil
}

// turn takes one of the process's turns, waiting up to g.wait for it.
func (g *uploadGate) turn(ctx context.Context) error {
	select {
	case g.turns <- struct{}{}:
		return nil
	default:
	}
	busy := &Error{Kind: KindUnavailable, RetryAfterSeconds: uploadBusyRetryAfter, Message: "上传的人太多，请稍后再试"}
	if g.wait <= 0 {
		return busy
	}
	g.mu.Lock()
	g.waiting++
	g.mu.Unlock()
	defer func() {
		g.mu.Lock()
		g.waiting--
		g.mu.Unlock()
	}()
	timer := time.NewTimer(g.wait)
	defer timer.Stop()
	select {
	case g.turns <- struct{}{}:
		return nil
	case <-timer.C:
		return busy
	case <-ctx.Done():
		return Unavailable("上传", ctx.Err())
	}
}

// Admit lets one upload of ownerID start: it returns the function to call when the upload has
// been handled, or a KindTooManyRequests error (429) when the user already has
// uploads.max_in_flight_per_user in flight in this process, or KindUnavailable (503) when the
// process's uploads.max_in_flight turns stayed taken for uploads.queue_wait. Both carry
// RetryAfterSeconds. Call it before reading the body: the bodies are what it bounds.
func (u *Uploads) Admit(ctx context.Context, ownerID uint64) (release func(), err error) {
	return u.gate.admit(ctx, ownerID)
}

// InFlight reports the uploads this process is handling and those waiting for a turn.
func (u *Uploads) InFlight() (running, waiting int) {
	u.gate.mu.Lock()
	defer u.gate.mu.Unlock()
	return len(u.gate.turns), u.gate.waiting
}
