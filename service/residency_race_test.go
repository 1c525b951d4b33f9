package service_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"linli/app/apptest"
	"linli/config"
	"linli/model"
	"linli/service"
)

// manyLogins lifts the login limit for tests that log many people in.
func manyLogins(c *config.Config) { c.Limits.LoginPerIP, c.Limits.LoginPerUser = 0, 0 }

// race runs f(i) for i in [0, n) at once and returns the errors in order.
func race(n int, f func(i int) error) []error {
	errs := make([]error, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			errs[i] = f(i)
		}()
	}
	close(start)
	wg.Wait()
	return errs
}

// TestConcurrentDecisionsHaveOneWinner: deciders approving and rejecting the same claim at
// once get exactly one success; every other gets a 409 naming the state the winner left.
func TestConcurrentDecisionsHaveOneWinner(t *testing.T) {
	t.Parallel()
	e := apptest.New(t)
	ctx := context.Background()
	c := e.MakeCommunity("东亭社区", 1, 1)
	u := e.DevLogin("claimant")
	res := e.App.Services.Residencies
	const deciders = 12
	for round := range 5 {
		id := e.ParseID(e.Claim(u.UserID, c.BuildingIDs[0], fmt.Sprint(100+round)))
		var mu sync.Mutex
		var winner string
		errs := race(deciders, func(i int) error {
			var v *model.ResidencyView
			var err error
			if i%2 == 0 {
				v, err = res.Approve(ctx, uint64(i+1000), id)
			} else {
				v, err = res.Reject(ctx, uint64(i+1000), id, "理由")
			}
			if err == nil {
				mu.Lock()
				winner = v.Status
				mu.Unlock()
			}
			return err
		})
		wins := 0
		for _, err := range errs {
			if err == nil {
				wins++
				continue
			}
			var se *service.Error
			if !errors.As(err, &se) || se.Kind != service.KindConflict {
				t.Fatalf("round %d: want a conflict, got %v", round, err)
			}
			want := map[string]string{model.ResidencyApproved: "已通过", model.ResidencyRejected: "已驳回"}[winner]
			if !strings.Contains(se.Message, want) {
				t.Fatalf("round %d: conflict %q does not name the state %s", round, se.Message, winner)
			}
		}
		if wins != 1 {
			t.Fatalf("round %d: %d deciders succeeded, want 1", round, wins)
		}
		got, err := e.App.Store.ResidencyByID(ctx, id)
		if err != nil || got.Status != winner || got.DecidedBy == nil {
			t.Fatalf("round %d: stored %+v (%v), winner %s", round, got, err, winner)
		}
	}
}

// TestConcurrentClaimsMakeOneClaim: the same claim sent many times at once (a phone retrying)
// makes one pending claim; reopening a rejected one at once does too.
func TestConcurrentClaimsMakeOneClaim(t *testing.T) {
	t.Parallel()
	e := apptest.New(t)
	ctx := context.Background()
	c := e.MakeCommunity("东亭社区", 1, 1)
	u := e.DevLogin("claimant")
	uid, bid := e.ParseID(u.UserID), e.ParseID(c.BuildingIDs[0])
	res := e.App.Services.Residencies
	const n = 10
	check := func(what string, errs []error) {
		t.Helper()
		ok := 0
		for _, err := range errs {
			if err == nil {
				ok++
			} else if service.KindOf(err) != service.KindConflict {
				t.Fatalf("%s: %v", what, err)
			}
		}
		if ok != 1 {
			t.Fatalf("%s: %d successes, want 1", what, ok)
		}
		if k, err := e.App.Store.Count(ctx, "residencies", "user_id = ? AND status = ?", uid, model.ResidencyPending); err != nil || k != 1 {
			t.Fatalf("%s: %d pending claims (%v)", what, k, err)
		}
	}
	var first *model.ResidencyView
	check("claim", race(n, func(int) error {
		v, err := res.Claim(ctx, uid, bid, "1201")
		if err == nil {
			first = v
		}
		return err
	}))
	if _, err := res.Reject(ctx, 0, first.ID, "请核对房号"); err != nil {
		t.Fatal(err)
	}
	check("reopen", race(n, func(int) error {
		_, err := res.Claim(ctx, uid, bid, "1201")
		return err
	}))
}
