package service

import (
	"context"
	"sync"
	"time"

	"linli/model"
)

// signupBatches is group commit for sign-ups. A rush on one activity queues behind its row
// lock, and each transaction holds that lock through its commit, which waits for the disk; so
// instead of one transaction per person, the sign-ups that arrive while one batch runs form
// the next, and a batch takes the lock and commits once for all of them. Every rule is still
// enforced by the database, inside the batch's transaction, person by person (see
// signUpBatch); batching only decides how many people share a transaction. With no rush a
// batch holds one person and nothing waits. Each instance batches its own requests; across
// instances the row lock serialises the batches.
type signupBatches struct {
	run    func(ctx context.Context, activityID uint64, users []uint64) ([]*model.Signup, []error, error)
	mu     sync.Mutex
	queues map[uint64]*signupQueue
}

// maxSignupBatch bounds one transaction, so that it stays short.
const maxSignupBatch = 200

// signupBatchTimeout bounds one batch's transaction; it does not end with any one request.
const signupBatchTimeout = 30 * time.Second

type signupQueue struct {
	pending []*signupWait
	running bool
}

type signupWait struct {
	userID uint64
	done   chan signupDone
}

type signupDone struct {
	su  *model.Signup
	err error
}

func newSignupBatches(run func(context.Context, uint64, []uint64) ([]*model.Signup, []error, error)) *signupBatches {
	return &signupBatches{run: run, queues: map[uint64]*signupQueue{}}
}

// submit queues the user's sign-up and waits for its batch. The first to find the activity's
// queue idle starts a worker that runs batches until the queue is empty. If ctx ends first
// the caller stops waiting, but the sign-up may still be made (a retry then gets the 409 that
// names its status).
func (b *signupBatches) submit(ctx context.Context, activityID, userID uint64) (*model.Signup, error) {
	w := &signupWait{userID: userID, done: make(chan signupDone, 1)}
	b.mu.Lock()
	q := b.queues[activityID]
	if q == nil {
		q = &signupQueue{}
		b.queues[activityID] = q
	}
	q.pending = append(q.pending, w)
	start := !q.running
	q.running = true
	b.mu.Unlock()
	if start {
		go b.drain(context.WithoutCancel(ctx), activityID, q)
	}
	select {
	case d := <-w.done:
		return d.su, d.err
	case <-ctx.Done():
		return nil, Unavailable("报名服务", ctx.Err())
	}
}

// drain runs the queue's batches, in arrival order, until nothing is waiting.
func (b *signupBatches) drain(ctx context.Context, activityID uint64, q *signupQueue) {
	for {
		b.mu.Lock()
		n := min(len(q.pending), maxSignupBatch)
		if n == 0 {
			q.running = false
			delete(b.queues, activityID)
			b.mu.Unlock()
			return
		}
		batch := q.pending[:n:n]
		q.pending = q.pending[n:]
		b.mu.Unlock()
		users := make([]uint64, n)
		for i, w := range batch {
			users[i] = w.userID
		}
		bctx, cancel := context.WithTimeout(ctx, signupBatchTimeout)
		sus, errs, err := b.run(bctx, activityID, users)
		cancel()
		for i, w := range batch {
			switch {
			case err != nil:
				w.done <- signupDone{err: err}
			case errs[i] != nil:
				w.done <- signupDone{err: errs[i]}
			default:
				w.done <- signupDone{su: sus[i]}
			}
		}
	}
}
