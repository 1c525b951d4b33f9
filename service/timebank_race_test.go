package service_test

import (
	"context"
	"sync"
	"testing"

	"linli/app/apptest"
	"linli/config"
	"linli/model"
	"linli/service"
)

// TestCreditingIsExactlyOnce: the same pending records credited by two goroutines of one
// instance and a second instance sharing database and Redis, several rounds each, are each
// posted once; balances equal the points and the ledger reconciles.
func TestCreditingIsExactlyOnce(t *testing.T) {
	t.Parallel()
	b := newBank(t, capAt(0))
	other := apptest.FromConfig(t, b.e.Config) // a second instance behind the same balancer
	const people, each = 6, 5
	var users []uint64
	for i := range people {
		u := b.person("volunteer", i%2)
		users = append(users, u)
		for range each {
			b.record(u, 45, 150, b.e.Clock.Now()) // 45 min at 1.5/h = 1.125 → 1.13 points
		}
	}
	banks := []*service.TimeBank{b.e.App.Services.TimeBank, b.e.App.Services.TimeBank, other.App.Services.TimeBank}
	total := 0
	var mu sync.Mutex
	for range 3 {
		errs := race(len(banks)*2, func(i int) error {
			n, err := banks[i%len(banks)].CreditPending(context.Background())
			mu.Lock()
			total += n
			mu.Unlock()
			return err
		})
		for _, err := range errs {
			if err != nil {
				t.Fatalf("credit: %v", err)
			}
		}
	}
	if total != people*each {
		t.Fatalf("credited %d times, want %d", total, people*each)
	}
	for _, u := range users {
		if got := b.balance(u); got != each*113 {
			t.Fatalf("user %d holds %d, want %d", u, got, each*113)
		}
	}
	if got := b.system(model.AccountIssuing).Balance; got != -people*each*113 {
		t.Fatalf("issued %d, want %d", got, -people*each*113)
	}
	ledgerClean(t, b.e)
}

// TestConcurrentCreditOfOneRecord: many goroutines crediting the same record, through Credit
// directly: exactly one posts.
func TestConcurrentCreditOfOneRecord(t *testing.T) {
	t.Parallel()
	b := newBank(t)
	u := b.person("volunteer", 0)
	id := b.record(u, 60, 100, b.e.Clock.Now())
	var mu sync.Mutex
	posted := 0
	for _, err := range race(20, func(int) error {
		ok, err := b.e.App.Services.TimeBank.Credit(context.Background(), id)
		if ok {
			mu.Lock()
			posted++
			mu.Unlock()
		}
		return err
	}) {
		if err != nil {
			t.Fatal(err)
		}
	}
	if posted != 1 || b.balance(u) != 100 {
		t.Fatalf("posted %d times, balance %d", posted, b.balance(u))
	}
	ledgerClean(t, b.e)
}

// TestConcurrentTransfersNeverOverdraw: 100 transfers of one point at once out of an account
// holding 30: exactly 30 succeed, the rest are 409, and nothing else is written.
func TestConcurrentTransfersNeverOverdraw(t *testing.T) {
	t.Parallel()
	b := newBank(t)
	payer := b.person("payer", 0)
	b.fund(payer, 30)
	var family []uint64
	for i := range 5 {
		family = append(family, b.person("family", i%2))
	}
	p := b.principal(payer)
	errs := race(100, func(i int) error {
		_, err := b.e.App.Services.TimeBank.Transfer(context.Background(), p, service.TransferInput{
			ToUserID: family[i%len(family)], Points: 100, Memo: "给家人"})
		return err
	})
	ok := 0
	for _, err := range errs {
		switch tbKind(err) {
		case -1:
			ok++
		case service.KindConflict:
		default:
			t.Fatalf("unexpected error: %v", err)
		}
	}
	if ok != 30 {
		t.Fatalf("%d transfers succeeded, want 30", ok)
	}
	if b.balance(payer) != 0 {
		t.Fatalf("payer holds %d", b.balance(payer))
	}
	var received int64
	for _, f := range family {
		received += b.balance(f)
	}
	if received != 3000 {
		t.Fatalf("family received %d, want 3000", received)
	}
	ledgerClean(t, b.e)
}

// TestConcurrentRedemptionsRespectStock: 200 residents with enough points redeem a reward with
// 10 in stock at once: exactly 10 vouchers, with distinct codes; stock 0; the winners paid the
// price, the others nothing.
func TestConcurrentRedemptionsRespectStock(t *testing.T) {
	t.Parallel()
	b := newBank(t, func(c *config.Config) { c.TimeBank.CreditBatch = 1000 })
	s := b.e.App.Services
	var people []*service.Principal
	for i := range 200 {
		u := b.person("buyer", i%2)
		b.record(u, 5*60, 100, b.e.Clock.Now())
		people = append(people, b.principal(u))
	}
	if n, err := s.TimeBank.CreditPending(b.ctx); err != nil || n != 200 {
		t.Fatalf("credited %d: %v", n, err)
	}
	r, err := s.Rewards.CreateReward(b.ctx, b.staff, b.community, service.RewardInput{Name: tbPtr("书法课"),
		Kind: tbPtr(model.RewardCourse), Price: tbPtr(service.Points(250)), Stock: tbPtr(10), PerPersonLimit: tbPtr(1)})
	b.must(err)
	var mu sync.Mutex
	codes := map[string]bool{}
	errs := race(len(people), func(i int) error {
		d, err := s.Rewards.Redeem(context.Background(), people[i], r.ID)
		if err == nil {
			mu.Lock()
			codes[d.Code] = true
			mu.Unlock()
		}
		return err
	})
	won := map[uint64]bool{}
	for i, err := range errs {
		switch tbKind(err) {
		case -1:
			won[people[i].UserID] = true
		case service.KindConflict:
		default:
			t.Fatalf("unexpected error: %v", err)
		}
	}
	if len(won) != 10 || len(codes) != 10 {
		t.Fatalf("%d winners, %d codes; want 10", len(won), len(codes))
	}
	left, err := b.e.App.Store.RewardByID(b.ctx, r.ID)
	b.must(err)
	if left.Stock != 0 {
		t.Fatalf("stock %d", left.Stock)
	}
	for _, p := range people {
		want := int64(500)
		if won[p.UserID] {
			want = 250
		}
		if got := b.balance(p.UserID); got != want {
			t.Fatalf("user %d holds %d, want %d", p.UserID, got, want)
		}
	}
	if got := b.system(model.AccountSpending).Balance; got != 2500 {
		t.Fatalf("community account holds %d, want 2500", got)
	}
	ledgerClean(t, b.e)
}

// TestConcurrentRedemptionsOfOnePerson: one person with points for 3 at once tries 10 times at
// once against a per-person limit of 2: exactly 2 vouchers.
func TestConcurrentRedemptionsOfOnePerson(t *testing.T) {
	t.Parallel()
	b := newBank(t)
	s := b.e.App.Services
	u := b.person("buyer", 0)
	b.fund(u, 3)
	r, err := s.Rewards.CreateReward(b.ctx, b.staff, b.community, service.RewardInput{Name: tbPtr("理发"),
		Kind: tbPtr(model.RewardService), Price: tbPtr(service.Points(100)), Stock: tbPtr(50), PerPersonLimit: tbPtr(2)})
	b.must(err)
	p := b.principal(u)
	ok := 0
	for _, err := range race(10, func(int) error {
		_, err := s.Rewards.Redeem(context.Background(), p, r.ID)
		return err
	}) {
		if err == nil {
			ok++
		} else if tbKind(err) != service.KindConflict {
			t.Fatal(err)
		}
	}
	if ok != 2 || b.balance(u) != 100 {
		t.Fatalf("%d vouchers, balance %d", ok, b.balance(u))
	}
	ledgerClean(t, b.e)
}

// TestVerifyOrCancelRace: verifying and cancelling one voucher at once: exactly one wins, and
// the points and stock follow the winner.
func TestVerifyOrCancelRace(t *testing.T) {
	t.Parallel()
	b := newBank(t)
	s := b.e.App.Services
	for round := range 4 {
		u := b.person("buyer", 0)
		b.fund(u, 2)
		r, err := s.Rewards.CreateReward(b.ctx, b.staff, b.community, service.RewardInput{Name: tbPtr("证书"),
			Kind: tbPtr(model.RewardHonour), Price: tbPtr(service.Points(200)), Stock: tbPtr(1)})
		b.must(err)
		d, err := s.Rewards.Redeem(b.ctx, b.principal(u), r.ID)
		b.must(err)
		errs := race(6, func(i int) error {
			var err error
			if i%2 == 0 {
				_, err = s.Rewards.Verify(context.Background(), b.staff, d.Code)
			} else {
				_, err = s.Rewards.Cancel(context.Background(), b.principal(u), d.ID)
			}
			return err
		})
		wins := 0
		for _, err := range errs {
			if err == nil {
				wins++
			} else if tbKind(err) != service.KindConflict {
				t.Fatal(err)
			}
		}
		after, err := b.e.App.Store.RedemptionByID(b.ctx, d.ID)
		b.must(err)
		rw, err := b.e.App.Store.RewardByID(b.ctx, r.ID)
		b.must(err)
		wantBal, wantStock := int64(0), 0
		if after.Status == model.RedemptionCancelled {
			wantBal, wantStock = 200, 1
		}
		if wins != 1 || b.balance(u) != wantBal || rw.Stock != wantStock {
			t.Fatalf("round %d: %d wins, status %s, balance %d, stock %d", round, wins, after.Status, b.balance(u), rw.Stock)
		}
	}
	ledgerClean(t, b.e)
}
