package service_test

import (
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"linli/clock"
	"linli/model"
	"linli/service"
)

func (d *dash) reported(v *service.DashboardView) int64 { return v.Figures.Issues.Reported }

// TestDashboardRollupOnlyWhenSettled: a month read while it runs is computed live and cached
// (its ledger flows of the days already over too); when it ends while cached, the cached answer
// is served but never stored; the month is rolled up — from a fresh computation, with what
// came in at its last second — only once it has been over for RollupAfter. The background job
// then rolls up the settled months nobody read.
func TestDashboardRollupOnlyWhenSettled(t *testing.T) {
	t.Parallel()
	d := newDash(t, newBank(t))
	cat := d.category("水电")
	for _, day := range []int{3, 9, 27} {
		d.issue(d.buildings[0], cat, d.staff.UserID, cst(3, day, 10, 0), false)
	}
	issuing := d.account(model.AccountIssuing, "issuing", 0)
	volunteer := d.account(model.AccountResident, model.ResidentOwnerKey(d.staff.UserID), d.staff.UserID)
	credit := func(amount int64, at time.Time) {
		d.post(model.PostingCredit, model.SourceServiceRecord, ptr(uint64(d.seq.Add(1))), issuing, volunteer, amount, at)
	}
	credit(100, cst(3, 10, 9, 0)) // a day over when March is read on its last day
	credit(50, cst(3, 31, 9, 0))  // that day
	c := clock.NewFake(time.Date(2025, 3, 31, 23, 59, 30, 0, clock.China))
	c.Freeze(true)
	dash := service.NewDashboard(d.st, d.e.App.Redis, service.DashboardOptions{Now: c.Now, CacheTTL: time.Hour,
		RollupAfter: 72 * time.Hour}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	read := func(month, source string, reported int64) {
		t.Helper()
		v, err := dash.Month(d.ctx, d.staff, d.community, month)
		if err != nil {
			t.Fatal(err)
		}
		if v.Source != source || d.reported(v) != reported || v.Figures.Final != (source == "rollup") {
			t.Fatalf("%s at %s: source %s, reported %d, final %v; want %s, %d", month, c.Now().Format(time.RFC3339),
				v.Source, d.reported(v), v.Figures.Final, source, reported)
		}
	}
	rolledUp := func(month string) bool {
		t.Helper()
		r, err := d.st.DashboardRollups(d.ctx, d.community, []string{month})
		if err != nil {
			t.Fatal(err)
		}
		return len(r) == 1
	}

	read("", "live", 3) // the current month, March
	read("2025-03", "cache", 3)
	if v, _ := dash.Month(d.ctx, d.staff, d.community, "2025-03"); v.Figures.TimeBank.Issued != 150 ||
		v.Figures.TimeBank.Outstanding != 150 {
		t.Fatalf("March's points while it runs: %+v", v.Figures.TimeBank)
	}
	d.issue(d.buildings[0], cat, d.staff.UserID, c.Now().Add(15*time.Second), false) // its last second
	credit(25, c.Now().Add(10*time.Second))

	c.Set(cst(4, 1, 0, 0).Add(30 * time.Second)) // March ended while cached
	read("2025-03", "cache", 3)
	if rolledUp("2025-03") {
		t.Fatal("March rolled up from its cached answer")
	}
	v, err := dash.Month(d.ctx, d.staff, d.community, "") // April, whose trend computes March live
	if err != nil {
		t.Fatal(err)
	}
	if v.Figures.Month != "2025-04" || v.Trend[10].Month != "2025-03" || v.Trend[10].Reported != 4 ||
		v.Trend[10].Issued != 175 || v.Trend[10].Outstanding != 175 || rolledUp("2025-03") {
		t.Fatalf("April's trend: %+v (March rolled up: %v)", v.Trend[10], rolledUp("2025-03"))
	}

	c.Set(cst(4, 4, 0, 0).Add(-time.Second)) // not settled yet: kept in memory, but only for a second
	read("2025-03", "cache", 3)
	c.Set(cst(4, 4, 0, 0)) // 72 hours after March's end
	read("2025-03", "rollup", 4)
	if !rolledUp("2025-03") {
		t.Fatal("March not rolled up once settled")
	}
	if v, _ := dash.Month(d.ctx, d.staff, d.community, "2025-03"); v.Figures.TimeBank.Issued != 175 {
		t.Fatalf("March's rollup: %+v", v.Figures.TimeBank)
	}
	read("2025-03", "rollup", 4)

	// The job rolls up every settled month of the last year nobody has read.
	c.Set(time.Date(2025, 5, 10, 12, 0, 0, 0, time.UTC))
	if rolledUp("2025-04") {
		t.Fatal("April rolled up before the job ran")
	}
	n, err := dash.RollupSettled(d.ctx)
	if err != nil || n == 0 || !rolledUp("2025-04") {
		t.Fatalf("job: %d rolled up (%v); April rolled up: %v", n, err, rolledUp("2025-04"))
	}
	if n, err = dash.RollupSettled(d.ctx); err != nil || n != 0 {
		t.Fatalf("job again: %d rolled up (%v), want 0", n, err)
	}
}

// TestDashboardConcurrentFirstReads: many staff reading a settled month for the first time at
// once all get the same figures, and the month has one rollup.
func TestDashboardConcurrentFirstReads(t *testing.T) {
	t.Parallel()
	d := newDash(t, newBank(t))
	cat := d.category("环境")
	for day := 1; day <= 28; day += 3 {
		id := d.issue(d.buildings[day%2], cat, d.staff.UserID, cst(2, day, 9, 0), day%4 == 0)
		d.move(id, "acknowledge", cst(2, day, 10, day))
	}
	dash := d.e.App.Services.Dashboard
	const readers = 8
	views := make([]*service.DashboardView, readers)
	errs := make([]error, readers)
	var wg sync.WaitGroup
	for i := range readers {
		wg.Go(func() { views[i], errs[i] = dash.Month(d.ctx, d.staff, d.community, "2025-02") })
	}
	wg.Wait()
	for i := range readers {
		if errs[i] != nil {
			t.Fatalf("reader %d: %v", i, errs[i])
		}
		sameFigures(t, "concurrent reader", views[i].Figures, views[0].Figures)
	}
	if views[0].Figures.Issues.Reported != 10 || views[0].Figures.Issues.Acknowledged != 10 {
		t.Errorf("February: %+v", views[0].Figures.Issues)
	}
	n, err := d.st.Count(d.ctx, "dashboard_rollups", "community_id = ? AND month = ?", d.community, "2025-02")
	if err != nil || n != 1 {
		t.Errorf("rollups of February: %d (%v), want 1", n, err)
	}
}
