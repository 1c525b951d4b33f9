package app_test

import (
	"context"
	"net"
	"testing"
	"time"

	"linli/app/apptest"
	"linli/config"
	"linli/model"
)

// TestCreditJobCreditsConfirmedService: with two instances serving, confirmed service that
// nobody looks at is credited by the background job, once; records confirmed before the job
// first ran (the catch-up) are credited the same way.
func TestCreditJobCreditsConfirmedService(t *testing.T) {
	t.Parallel()
	e := apptest.New(t, func(c *config.Config) { c.TimeBank.CreditInterval = 100 * time.Millisecond })
	other := apptest.FromConfig(t, e.Config)
	ctx := context.Background()
	c := e.MakeCommunity("作业社区", 1, 1)
	u := e.MakeResident("job-volunteer", c.BuildingIDs[0], "101")
	record := func(source uint64) {
		r := &model.ServiceRecord{CommunityID: e.ParseID(c.ID), UserID: e.ParseID(u.UserID), SourceKind: model.SourceDispatch,
			SourceID: source, Content: "修水管", Place: "1栋", ServedAt: e.Clock.Now(), Minutes: 60, PointsPerHour: 100,
			OrganiserID: e.ParseID(u.UserID), ConfirmerID: e.ParseID(u.UserID)}
		if _, err := e.App.Store.AddServiceRecord(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	record(1) // confirmed before the time bank runs: the catch-up
	balance := func() int64 {
		a, err := e.App.Store.AccountOf(ctx, e.ParseID(c.ID), model.ResidentOwnerKey(e.ParseID(u.UserID)))
		if err != nil {
			return 0
		}
		return a.Balance
	}
	runCtx, stop := context.WithCancel(ctx)
	var done []chan error
	for _, env := range []*apptest.Env{e, other} {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		ch := make(chan error, 1)
		go func() { ch <- env.App.ServeListener(runCtx, ln) }()
		done = append(done, ch)
	}
	waitFor(t, "the catch-up credit", func() bool { return balance() == 100 })
	record(2)
	record(3)
	waitFor(t, "the job's credits", func() bool { return balance() == 300 })
	// A few more runs on both instances change nothing.
	for _, env := range []*apptest.Env{e, other} {
		n := env.App.Jobs.Runs("timebank.credit")
		waitFor(t, "three more runs of the time bank", func() bool { return env.App.Jobs.Runs("timebank.credit") >= n+3 })
	}
	stop()
	for _, ch := range done {
		if err := <-ch; err != nil {
			t.Fatal(err)
		}
	}
	if balance() != 300 {
		t.Fatalf("balance %d after more runs", balance())
	}
	rep, err := e.App.Services.TimeBank.CheckLedger(ctx)
	if err != nil || !rep.OK() {
		t.Fatalf("check-ledger: %v %+v", err, rep)
	}
}
