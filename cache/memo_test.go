package cache

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"
)

// channel is an invalidation channel on an in-process Redis of the test's own.
func channel(t *testing.T) (*Invalidations, *miniredis.Miniredis) {
	t.Helper()
	m := miniredis.RunT(t)
	client := redis.NewClient(&redis.Options{Addr: m.Addr(), MaxRetries: -1})
	in := newInvalidations(client, "test:inval", slog.New(slog.NewTextHandler(io.Discard, nil)))
	t.Cleanup(func() {
		in.Close()
		_ = client.Close()
	})
	waitLive(t, in, true)
	return in, m
}

func waitLive(t *testing.T, in *Invalidations, want bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		if _, live := in.Epoch(); live == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("channel never became live=%v", want)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// source is something read: a version that moves with every change.
type source struct{ version, reads atomic.Int64 }

func (s *source) load(context.Context) (int64, error) {
	s.reads.Add(1)
	return s.version.Load(), nil
}

func TestMemoKeepsUntilATopicChanges(t *testing.T) {
	t.Parallel()
	in, _ := channel(t)
	ctx := context.Background()
	m := NewMemo[string, int64](in, 16, time.Minute)
	var src source
	topics := []Topic{BuildingIssuesTopic(1), CommunityIssuesTopic(9)}
	get := func() int64 {
		t.Helper()
		v, err := m.Get(ctx, "page", topics, src.load)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	get()
	get()
	if n := src.reads.Load(); n != 1 {
		t.Fatalf("%d reads for two gets, want 1", n)
	}
	// A change of something else keeps the entry; one of its topics drops it.
	if err := in.Publish(ctx, BuildingIssuesTopic(2), SignupsTopic(1)); err != nil {
		t.Fatal(err)
	}
	get()
	if n := src.reads.Load(); n != 1 {
		t.Fatalf("an unrelated change dropped the entry (%d reads)", n)
	}
	src.version.Add(1)
	if err := in.Publish(ctx, CommunityIssuesTopic(9)); err != nil {
		t.Fatal(err)
	}
	if v := get(); v != 1 || src.reads.Load() != 2 {
		t.Fatalf("after the change: %d (%d reads), want 1 (2)", v, src.reads.Load())
	}
}

// TestMemoDropsWhatWasReadWhileAChangeArrived: a message that arrives between the read and the
// keep (the change committed while the read was in flight) means the value may be stale.
func TestMemoDropsWhatWasReadWhileAChangeArrived(t *testing.T) {
	t.Parallel()
	in, _ := channel(t)
	ctx := context.Background()
	m := NewMemo[string, int64](in, 16, time.Minute)
	var src source
	stale := func(ctx context.Context) (int64, error) {
		v, _ := src.load(ctx)
		src.version.Add(1) // the change commits after the read saw the old row…
		if err := in.Publish(ctx, UserTopic(7)); err != nil {
			return 0, err
		}
		return v, nil // …and the message arrives before the value is kept
	}
	if v, _ := m.Get(ctx, "who", []Topic{UserTopic(7)}, stale); v != 0 {
		t.Fatalf("first read %d", v)
	}
	if v, _ := m.Get(ctx, "who", []Topic{UserTopic(7)}, src.load); v != 1 {
		t.Fatalf("the stale read was used: %d, want 1", v)
	}
	// A family topic: whatever shows people's names depends on every user.
	if v, _ := m.Get(ctx, "names", []Topic{AnyUser}, src.load); v != 1 {
		t.Fatal(v)
	}
	src.version.Add(1)
	if err := in.Publish(ctx, UserTopic(12345)); err != nil {
		t.Fatal(err)
	}
	if v, _ := m.Get(ctx, "names", []Topic{AnyUser}, src.load); v != 2 {
		t.Fatalf("a user's change did not drop what depends on every user: %d", v)
	}
}

// TestMemoOffWhileTheSubscriptionIsLost: until the channel is live, across a lost connection
// and until it is back, nothing kept is used and nothing read is kept; everything kept before is
// dropped (messages may have been missed).
func TestMemoOffWhileTheSubscriptionIsLost(t *testing.T) {
	t.Parallel()
	in, srv := channel(t)
	ctx := context.Background()
	a := NewMemo[string, int64](in, 16, time.Minute)
	b := NewMemo[uint64, int64](in, 16, time.Minute)
	var src source
	_, _ = a.Get(ctx, "x", []Topic{ActivitiesTopic(1)}, src.load)
	_, _ = b.Get(ctx, 1, []Topic{BoardTopic(1)}, src.load)
	srv.Close()
	waitLive(t, in, false)
	if _, ok := a.Lookup("x"); ok {
		t.Fatal("a memo was used while the channel is down")
	}
	if _, ok := b.Lookup(1); ok {
		t.Fatal("a second memo was used while the channel is down")
	}
	_, _ = a.Get(ctx, "y", nil, src.load)
	if _, ok := a.Lookup("y"); ok {
		t.Fatal("something read while the channel is down was kept")
	}
	if err := srv.Restart(); err != nil {
		t.Fatal(err)
	}
	waitLive(t, in, true)
	if _, ok := a.Lookup("x"); ok {
		t.Fatal("an entry from before the outage came back")
	}
	reads := src.reads.Load()
	_, _ = a.Get(ctx, "x", nil, src.load)
	_, _ = a.Get(ctx, "x", nil, src.load)
	if src.reads.Load() != reads+1 {
		t.Fatal("memory not used again once the channel is back")
	}
}

func TestMemoTTLAndErrors(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	m := NewMemo[int, int64](nil, 2, 50*time.Millisecond) // no channel: the TTL alone
	var src source
	_, _ = m.Get(ctx, 1, nil, src.load)
	if _, ok := m.Lookup(1); !ok {
		t.Fatal("not kept")
	}
	deadline := time.Now().Add(30 * time.Second)
	for { // the entry expires: poll for it, the TTL is what is tested
		if _, ok := m.Lookup(1); !ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("never expired")
		}
		time.Sleep(5 * time.Millisecond)
	}
	boom := errors.New("boom")
	if _, err := m.Get(ctx, 2, nil, func(context.Context) (int64, error) { return 0, boom }); !errors.Is(err, boom) {
		t.Fatalf("error %v", err)
	}
	if _, ok := m.Lookup(2); ok {
		t.Fatal("a failed read was kept")
	}
	tk := m.Begin()
	m.KeepFor(tk, 3, 3, time.Hour) // longer than the memo's TTL: capped to it
	m.Keep(tk, 4, 4)
	m.Keep(tk, 5, 5) // size 2: the oldest goes
	if _, ok := m.Lookup(3); ok || m.Len() != 2 {
		t.Fatalf("size not bounded: %d entries", m.Len())
	}
}

// TestMemoConcurrentChangesNeverServeStale races readers against writers that change a value
// and publish its topic (as a service does after its commit): once Publish has returned on
// this instance, no reader gets an older value.
func TestMemoConcurrentChangesNeverServeStale(t *testing.T) {
	t.Parallel()
	in, _ := channel(t)
	ctx := context.Background()
	m := NewMemo[string, int64](in, 4, time.Minute)
	var src source
	var published atomic.Int64 // the newest version whose publication has returned
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := 0; w < 2; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 300; i++ {
				v := src.version.Add(1)
				if err := in.Publish(ctx, CategoriesTopic(1)); err != nil {
					t.Error(err)
					return
				}
				for {
					p := published.Load()
					if v <= p || published.CompareAndSwap(p, v) {
						break
					}
				}
			}
		}()
	}
	errs := make(chan string, 8)
	for r := 0; r < 6; r++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				floor := published.Load()
				v, err := m.Get(ctx, "cats", []Topic{CategoriesTopic(1)}, src.load)
				if err != nil || v < floor {
					select {
					case errs <- fmt.Sprintf("stale read %d < %d (%v), version %d", v, floor, err, src.version.Load()):
					default:
					}
					return
				}
			}
		}()
	}
	deadline := time.Now().Add(30 * time.Second)
	for src.version.Load() < 600 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	close(stop)
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Fatal(e)
	}
}
