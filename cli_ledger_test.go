package main

import (
	"bytes"
	"context"
	"database/sql"
	"strings"
	"testing"

	"linli/app/apptest"
	"linli/config"
	"linli/model"
)

// rawExec runs one statement on the test's database behind the application's back (to break
// the ledger on purpose).
func rawExec(t *testing.T, cfg config.Config, query string) {
	t.Helper()
	driver, dsn := "sqlite3", model.SQLiteDSN(model.SQLitePath(cfg.DataDir))
	if cfg.DB.Driver == "mysql" {
		driver, dsn = "mysql", cfg.DB.DSN
	}
	db, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(query); err != nil {
		t.Fatal(err)
	}
}

func TestCheckLedgerAndRebuildLeaderboards(t *testing.T) {
	e := apptest.New(t)
	ctx := context.Background()
	c := e.MakeCommunity("对账社区", 1, 1)
	alice := e.MakeResident("ledger-alice", c.BuildingIDs[0], "101")
	r := &model.ServiceRecord{CommunityID: e.ParseID(c.ID), UserID: e.ParseID(alice.UserID), SourceKind: model.SourceActivity,
		SourceID: 1, Content: "巡逻", Place: "东门", ServedAt: e.Clock.Now(), Minutes: 90, PointsPerHour: 100,
		OrganiserID: e.ParseID(alice.UserID), ConfirmerID: e.ParseID(alice.UserID)}
	if _, err := e.App.Store.AddServiceRecord(ctx, r); err != nil {
		t.Fatal(err)
	}
	if n, err := e.App.Services.TimeBank.CreditPending(ctx); err != nil || n != 1 {
		t.Fatalf("credited %d: %v", n, err)
	}
	env := cliEnviron(e.Config)
	cli := func(args ...string) (string, error) {
		var out, errOut bytes.Buffer
		err := run(ctx, args, env, &out, &errOut)
		return out.String(), err
	}
	out, err := cli("check-ledger")
	if err != nil || !strings.Contains(out, "ledger ok") || !strings.Contains(out, "1 postings") {
		t.Fatalf("clean ledger: %v\n%s", err, out)
	}
	out, err = cli("rebuild-leaderboards", "--community", c.ID)
	if err != nil || !strings.Contains(out, "community "+c.ID+": 4 leaderboards rebuilt") {
		t.Fatalf("rebuild: %v\n%s", err, out)
	}
	if _, err := cli("rebuild-leaderboards", "extra"); err == nil {
		t.Fatal("an unexpected argument was accepted")
	}
	rawExec(t, e.Config, "UPDATE accounts SET balance = balance + 7 WHERE kind = 'resident'")
	out, err = cli("check-ledger")
	if err == nil || !strings.Contains(err.Error(), "1 problems") || !strings.Contains(out, "balance_mismatch: account") ||
		!strings.Contains(out, "balance 1.57 but its entries sum to 1.50") {
		t.Fatalf("broken ledger: %v\n%s", err, out)
	}
}
