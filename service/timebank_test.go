package service_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"linli/clock"
	"linli/model"
	"linli/service"
)

// TestPointsArithmetic: points are exact hundredths; minutes × rate / 60 rounds half up.
func TestPointsArithmetic(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		minutes, rate int
		want          string
	}{
		{60, 100, "1.00"}, {90, 100, "1.50"}, {10, 100, "0.17"}, {1, 100, "0.02"}, // 0.0166… → 0.02
		{45, 150, "1.13"}, // 1.125 exactly: half up
		{20, 250, "0.83"}, // 0.8333…
		{3, 10, "0.01"},   // 0.005 exactly: half up
		{1, 29, "0.00"},   // 0.00483…
		{0, 100, "0.00"}, {60, 0, "0.00"}, {600, 1000, "100.00"},
	} {
		if got := service.PointsFor(c.minutes, c.rate).String(); got != c.want {
			t.Errorf("PointsFor(%d, %d) = %s, want %s", c.minutes, c.rate, got, c.want)
		}
	}
	for in, want := range map[string]service.Points{"2": 200, "2.5": 250, "2.50": 250, "0.01": 1, "1500": 150000} {
		if got, err := service.ParsePoints(in); err != nil || got != want {
			t.Errorf("ParsePoints(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "-1", "1.234", "1e3", "abc", ".5", "5.", "+1", " 1", "1,5", "100000000"} {
		if _, err := service.ParsePoints(in); err == nil {
			t.Errorf("ParsePoints(%q) accepted", in)
		}
	}
	if s := service.Points(-5).String(); s != "-0.05" {
		t.Errorf("-5 hundredths = %s", s)
	}
	if h := service.HoursString(100); h != "1.67" {
		t.Errorf("100 minutes = %s hours", h)
	}
}

// TestBalanceCapDivertsToCommunity: a credit beyond the cap goes to the community's account,
// split exactly, with a notice; the volunteer's earned points still count in full.
func TestBalanceCapDivertsToCommunity(t *testing.T) {
	t.Parallel()
	b := newBank(t, capAt(10))
	s := b.e.App.Services
	u := b.person("volunteer", 0)
	b.fund(u, 8)
	id := b.record(u, 5*60, 100, b.e.Clock.Now()) // 5 points, 2 fit
	ok, err := s.TimeBank.Credit(b.ctx, id)
	if err != nil || !ok {
		t.Fatalf("credit: %v %v", ok, err)
	}
	if b.balance(u) != 1000 || b.system(model.AccountSpending).Balance != 300 {
		t.Fatalf("balance %d, community %d", b.balance(u), b.system(model.AccountSpending).Balance)
	}
	page, err := s.Notifier.Inbox(b.ctx, service.InboxQuery{UserID: u, Limit: 10})
	b.must(err)
	found := false
	for _, n := range page.Items {
		found = found || n.Kind == service.NoticePointsCapped && strings.Contains(n.Body, "3.00")
	}
	if !found {
		t.Fatalf("no capped notice in %+v", page.Items)
	}
	sum, err := s.TimeBank.Summary(b.ctx, u, b.community)
	b.must(err)
	if sum.Earned != 1300 || sum.Minutes != 13*60 || sum.Balance != 1000 {
		t.Fatalf("summary %+v", sum)
	}
	// A transfer that would lift a resident above the cap is refused.
	giver := b.person("giver", 1)
	b.fund(giver, 5)
	_, err = s.TimeBank.Transfer(b.ctx, b.principal(giver), service.TransferInput{ToUserID: u, Points: 100})
	if tbKind(err) != service.KindUnprocessable {
		t.Fatalf("transfer over the cap: %v", err)
	}
	ledgerClean(t, b.e)
}

// TestTransferPolicies: family and donations are allowed; collective accounts only donate;
// insufficient balance writes nothing; strangers and other communities are refused.
func TestTransferPolicies(t *testing.T) {
	t.Parallel()
	b := newBank(t)
	s := b.e.App.Services.TimeBank
	a, c := b.person("alice", 0), b.person("carol", 1)
	b.fund(a, 10)
	pa := b.principal(a)
	res, err := s.Transfer(b.ctx, pa, service.TransferInput{ToUserID: c, Points: 250, Memo: "给妈妈"})
	b.must(err)
	if res.BalanceAfter != 750 || res.To.Name == "" || b.balance(c) != 250 {
		t.Fatalf("family transfer: %+v, carol %d", res, b.balance(c))
	}
	card, err := s.CreateCollective(b.ctx, b.staff, b.community, service.CollectiveInput{Name: "甲单位卡", Card: model.CardUnit,
		ManagerIDs: []uint64{c}})
	b.must(err)
	_, err = s.Transfer(b.ctx, pa, service.TransferInput{ToAccountID: card.ID, Points: 300})
	b.must(err)
	// From the collective account: to a person refused by the policy; to the community allowed.
	_, err = s.Transfer(b.ctx, b.staff, service.TransferInput{FromAccountID: card.ID, ToUserID: a, Points: 100})
	if tbKind(err) != service.KindUnprocessable {
		t.Fatalf("collective to a person: %v", err)
	}
	spending := b.system(model.AccountSpending)
	_, err = s.Transfer(b.ctx, b.principal(c), service.TransferInput{FromAccountID: card.ID, ToAccountID: spending.ID, Points: 100})
	b.must(err) // carol manages the card
	_, err = s.Transfer(b.ctx, pa, service.TransferInput{FromAccountID: card.ID, ToAccountID: spending.ID, Points: 100})
	if tbKind(err) != service.KindForbidden {
		t.Fatalf("a resident moving a card's points: %v", err)
	}
	// Insufficient: 409, nothing written.
	before, err := b.e.App.Services.TimeBank.CheckLedger(b.ctx)
	b.must(err)
	_, err = s.Transfer(b.ctx, pa, service.TransferInput{ToUserID: c, Points: 100000})
	if tbKind(err) != service.KindConflict {
		t.Fatalf("overdraft: %v", err)
	}
	after, err := b.e.App.Services.TimeBank.CheckLedger(b.ctx)
	b.must(err)
	if after.Counts != before.Counts {
		t.Fatalf("a refused transfer wrote: %+v → %+v", before.Counts, after.Counts)
	}
	// Not a resident of the community, the issuing account, oneself, another community.
	stranger := b.person("stranger", -1)
	for name, in := range map[string]service.TransferInput{
		"stranger": {ToUserID: stranger, Points: 100},
		"issuing":  {ToAccountID: b.system(model.AccountIssuing).ID, Points: 100},
		"self":     {ToUserID: a, Points: 100},
		"zero":     {ToUserID: c, Points: 0},
		"both":     {ToUserID: c, ToAccountID: card.ID, Points: 100},
	} {
		if _, err := s.Transfer(b.ctx, pa, in); tbKind(err) != service.KindInvalid {
			t.Errorf("%s: %v", name, err)
		}
	}
	other := bankOn(t, b.e, "另一个社区")
	if _, err := s.Transfer(b.ctx, other.staff, service.TransferInput{FromAccountID: card.ID, ToAccountID: spending.ID, Points: 1}); tbKind(err) != service.KindNotFound {
		t.Errorf("another community's staff: %v", err)
	}
	ledgerClean(t, b.e)
}

// TestReversal: staff reverse a credit once; the volunteer's balance, hours and the
// leaderboard follow; a second reversal is 409; a reversal the account cannot pay is 409.
func TestReversal(t *testing.T) {
	t.Parallel()
	b := newBank(t)
	s := b.e.App.Services
	u := b.person("volunteer", 0)
	id := b.record(u, 120, 100, b.e.Clock.Now())
	_, err := s.TimeBank.Credit(b.ctx, id)
	b.must(err)
	credit, err := b.e.App.Store.PostingOf(b.ctx, model.SourceServiceRecord, id)
	b.must(err)
	if _, err := s.TimeBank.Reverse(b.ctx, b.principal(u), credit.ID, "重复登记"); tbKind(err) != service.KindForbidden {
		t.Fatalf("a resident reversing: %v", err)
	}
	rev, err := s.TimeBank.Reverse(b.ctx, b.staff, credit.ID, "重复登记")
	b.must(err)
	if rev.Points != -200 || rev.Minutes != -120 || b.balance(u) != 0 {
		t.Fatalf("reversal %+v, balance %d", rev, b.balance(u))
	}
	if _, err := s.TimeBank.Reverse(b.ctx, b.staff, credit.ID, "再来"); tbKind(err) != service.KindConflict {
		t.Fatalf("second reversal: %v", err)
	}
	if _, err := s.TimeBank.Reverse(b.ctx, b.staff, rev.ID, "撤销更正"); tbKind(err) != service.KindConflict {
		t.Fatalf("reversing a reversal: %v", err)
	}
	board, err := s.Leaderboards.Read(b.ctx, b.staff, service.BoardQuery{CommunityID: b.community, Metric: service.MetricHours,
		Period: service.PeriodAll, Limit: 10, UserID: u})
	b.must(err)
	if len(board.Items) != 0 {
		t.Fatalf("a reversed credit is still ranked: %+v", board.Items)
	}
	// Spent points cannot be reversed away.
	v := b.person("spender", 0)
	id2 := b.record(v, 60, 100, b.e.Clock.Now())
	_, err = s.TimeBank.Credit(b.ctx, id2)
	b.must(err)
	_, err = s.TimeBank.Transfer(b.ctx, b.principal(v), service.TransferInput{ToUserID: u, Points: 100})
	b.must(err)
	credit2, err := b.e.App.Store.PostingOf(b.ctx, model.SourceServiceRecord, id2)
	b.must(err)
	if _, err := s.TimeBank.Reverse(b.ctx, b.staff, credit2.ID, "错误"); tbKind(err) != service.KindConflict {
		t.Fatalf("reversing spent points: %v", err)
	}
	ledgerClean(t, b.e)
}

// TestRewardRules: the active window, inactive rewards, the merchant (a resident of the
// community) verifying once, another community's staff refused, and a user of another
// community refused as merchant (and as verifier, were they made one behind the service's
// back); a cancelled voucher refunds and restocks.
func TestRewardRules(t *testing.T) {
	t.Parallel()
	b := newBank(t)
	s := b.e.App.Services.Rewards
	u := b.person("buyer", 0)
	b.fund(u, 20)
	p := b.principal(u)
	merchant := b.person("merchant", 1)
	later := b.e.Clock.Now().Add(time.Hour)
	r, err := s.CreateReward(b.ctx, b.staff, b.community, service.RewardInput{Name: tbPtr("洗车"), Kind: tbPtr(model.RewardMerchant),
		MerchantName: tbPtr("好邻居洗车行"), MerchantUserID: &merchant, Price: tbPtr(service.Points(500)), Stock: tbPtr(3),
		StartsAt: &later})
	b.must(err)
	if _, err := s.Redeem(b.ctx, p, r.ID); tbKind(err) != service.KindConflict {
		t.Fatalf("before the window: %v", err)
	}
	_, err = s.UpdateReward(b.ctx, b.staff, r.ID, service.RewardInput{ClearWindow: true})
	b.must(err)
	d, err := s.Redeem(b.ctx, p, r.ID)
	b.must(err)
	if len(d.Code) != 10 || d.Status != model.RedemptionIssued || b.balance(u) != 1500 {
		t.Fatalf("voucher %+v, balance %d", d, b.balance(u))
	}
	other := bankOn(t, b.e, "乙社区")
	if _, err := s.Verify(b.ctx, other.staff, d.Code); tbKind(err) != service.KindNotFound {
		t.Fatalf("another community's staff: %v", err)
	}
	outsider, nobody := other.person("merchant", 0), b.person("no-residency", -1)
	for _, m := range []uint64{outsider, nobody, 1 << 40} {
		in := service.RewardInput{Name: tbPtr("理发"), Kind: tbPtr(model.RewardService), Price: tbPtr(service.Points(100)), MerchantUserID: &m}
		if _, err := s.CreateReward(b.ctx, b.staff, b.community, in); tbKind(err) != service.KindUnprocessable {
			t.Fatalf("merchant %d outside the community on create: %v", m, err)
		}
		if _, err := s.UpdateReward(b.ctx, b.staff, r.ID, service.RewardInput{MerchantUserID: &m}); tbKind(err) != service.KindUnprocessable {
			t.Fatalf("merchant %d outside the community on update: %v", m, err)
		}
	}
	b.must(b.e.App.Store.UpdateReward(b.ctx, r.ID, map[string]any{"merchant_user_id": outsider}))
	if _, err := s.Verify(b.ctx, b.principal(outsider), d.Code); tbKind(err) != service.KindNotFound {
		t.Fatalf("a merchant of another community verifying: %v", err)
	}
	b.must(b.e.App.Store.UpdateReward(b.ctx, r.ID, map[string]any{"merchant_user_id": merchant}))
	if _, err := s.Verify(b.ctx, p, d.Code); tbKind(err) != service.KindForbidden {
		t.Fatalf("the holder verifying: %v", err)
	}
	used, err := s.Verify(b.ctx, b.principal(merchant), strings.ToLower(d.Code[:5])+"-"+d.Code[5:])
	b.must(err)
	if used.Status != model.RedemptionUsed {
		t.Fatalf("verified: %+v", used)
	}
	if _, err := s.Verify(b.ctx, b.staff, d.Code); tbKind(err) != service.KindConflict {
		t.Fatalf("second verify: %v", err)
	}
	if _, err := s.Cancel(b.ctx, p, d.ID); tbKind(err) != service.KindConflict {
		t.Fatalf("cancelling a used voucher: %v", err)
	}
	d2, err := s.Redeem(b.ctx, p, r.ID)
	b.must(err)
	c, err := s.Cancel(b.ctx, p, d2.ID)
	b.must(err)
	rw, err := b.e.App.Store.RewardByID(b.ctx, r.ID)
	b.must(err)
	if c.Status != model.RedemptionCancelled || b.balance(u) != 1500 || rw.Stock != 2 {
		t.Fatalf("cancelled %+v, balance %d, stock %d", c, b.balance(u), rw.Stock)
	}
	_, err = s.UpdateReward(b.ctx, b.staff, r.ID, service.RewardInput{Active: tbPtr(false)})
	b.must(err)
	if _, err := s.Redeem(b.ctx, p, r.ID); tbKind(err) != service.KindConflict {
		t.Fatalf("an inactive reward: %v", err)
	}
	poor := b.principal(b.person("poor", 1))
	_, err = s.UpdateReward(b.ctx, b.staff, r.ID, service.RewardInput{Active: tbPtr(true)})
	b.must(err)
	if _, err := s.Redeem(b.ctx, poor, r.ID); tbKind(err) != service.KindConflict {
		t.Fatalf("without points: %v", err)
	}
	ledgerClean(t, b.e)
}

// TestServiceRecordsAndPassbook: the records carry what a certificate needs; staff list them
// by person and by month; the passbook names counterparties and balances after each line.
func TestServiceRecordsAndPassbook(t *testing.T) {
	t.Parallel()
	b := newBank(t)
	s := b.e.App.Services.TimeBank
	u := b.person("volunteer", 0)
	may := time.Date(2024, 5, 31, 23, 30, 0, 0, clock.China) // 15:30 UTC: still May in Shanghai
	b.record(u, 90, 100, may)
	b.record(u, 30, 200, may.Add(time.Hour))
	list, more, err := s.MyServiceRecords(b.ctx, u, 0, 10)
	b.must(err)
	if len(list) != 2 || more || list[0].Organiser.Nickname == "" || list[1].Points != 150 || list[0].Volunteer.ID != u {
		t.Fatalf("records %+v", list)
	}
	for month, want := range map[string]int{"2024-05": 1, "2024-06": 1, "2024-07": 0} {
		got, _, err := s.CommunityServiceRecords(b.ctx, b.staff, service.RecordQuery{CommunityID: b.community, UserID: u, Month: month, Limit: 10})
		b.must(err)
		if len(got) != want {
			t.Errorf("month %s: %d records, want %d", month, len(got), want)
		}
	}
	if _, _, err := s.CommunityServiceRecords(b.ctx, b.principal(u), service.RecordQuery{CommunityID: b.community, Limit: 10}); tbKind(err) != service.KindForbidden {
		t.Fatalf("a resident listing records: %v", err)
	}
	lines, _, err := s.Passbook(b.ctx, u, b.community, 0, 10) // credits the waiting records first
	b.must(err)
	if len(lines) != 2 || lines[0].Counterparty.Kind != model.AccountIssuing || lines[0].BalanceAfter != 250 || lines[1].BalanceAfter != 150 {
		t.Fatalf("passbook %+v", lines)
	}
	sum, err := s.Summary(b.ctx, u, b.community)
	b.must(err)
	if sum.Balance != 250 || sum.Minutes != 120 || sum.Earned != 250 {
		t.Fatalf("summary %+v", sum)
	}
	cid, err := s.MyCommunity(context.Background(), b.principal(u), 0)
	if err != nil || cid != b.community {
		t.Fatalf("my community %d %v", cid, err)
	}
}

// TestHoursWithoutPoints: service at no points still counts its hours (a posting without
// entries), and a free reward needs no account.
func TestHoursWithoutPoints(t *testing.T) {
	t.Parallel()
	b := newBank(t)
	s := b.e.App.Services
	u := b.person("volunteer", 0)
	id := b.record(u, 45, 0, b.e.Clock.Now())
	if ok, err := s.TimeBank.Credit(b.ctx, id); err != nil || !ok {
		t.Fatalf("credit: %v %v", ok, err)
	}
	sum, err := s.TimeBank.Summary(b.ctx, u, b.community)
	b.must(err)
	if sum.Minutes != 45 || sum.Earned != 0 || sum.Balance != 0 {
		t.Fatalf("summary %+v", sum)
	}
	board := boardOf(t, b, b.principal(u), service.MetricHours, service.PeriodAll, 0)
	if board.MeRank != 1 || board.MeValue != 45 {
		t.Fatalf("board %+v", board)
	}
	newcomer := b.principal(b.person("newcomer", 1))
	r, err := s.Rewards.CreateReward(b.ctx, b.staff, b.community, service.RewardInput{Name: tbPtr("荣誉证书"),
		Kind: tbPtr(model.RewardHonour), Price: tbPtr(service.Points(0)), Stock: tbPtr(1)})
	b.must(err)
	d, err := s.Rewards.Redeem(b.ctx, newcomer, r.ID)
	b.must(err)
	if _, err := s.Rewards.Cancel(b.ctx, newcomer, d.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := b.e.App.Store.AccountOf(b.ctx, b.community, model.ResidentOwnerKey(newcomer.UserID)); err == nil {
		t.Fatal("a free reward opened an account")
	}
	ledgerClean(t, b.e)
}
