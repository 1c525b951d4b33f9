package api_test

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"linli/app/apptest"
	"linli/config"
	"linli/model"
	"linli/service"
)

type correctionData struct {
	ID         string `json:"id"`
	RecordID   string `json:"record_id"`
	UserID     string `json:"user_id"`
	Volunteer  string `json:"volunteer"`
	OldMinutes int    `json:"old_minutes"`
	Minutes    int    `json:"minutes"`
	Hours      string `json:"hours"`
	Reason     string `json:"reason"`
	Status     string `json:"status"`
	Decision   string `json:"decision"`
}

func recordPath(id uint64) string {
	return "/api/v1/service-records/" + strconv.FormatUint(id, 10) + "/corrections"
}

// request asks for a correction of the record as s and returns the correction.
func (w *bankWorld) request(t *testing.T, s apptest.Session, record uint64, minutes int) correctionData {
	t.Helper()
	var c correctionData
	w.e.Do("POST", recordPath(record), map[string]any{"reason": "签退时忘记扫码，实际服务到 11 点", "minutes": minutes}, tok(s)).
		Want(t, 201).Data(t, &c)
	return c
}

// checkLedger fails the test unless the whole ledger reconciles (balances equal their entries).
func (w *bankWorld) checkLedger(t *testing.T) {
	t.Helper()
	rep, err := w.e.App.Services.TimeBank.CheckLedger(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK() {
		t.Fatalf("ledger problems: %+v", rep.Problems)
	}
}

// balanceFromEntries is what the user's account holds by the sum of its entries.
func (w *bankWorld) balanceFromEntries(t *testing.T, s apptest.Session) int64 {
	t.Helper()
	ctx := context.Background()
	a, err := w.e.App.Store.AccountOf(ctx, w.e.ParseID(w.c.ID), model.ResidentOwnerKey(w.e.ParseID(s.UserID)))
	if err != nil {
		t.Fatal(err)
	}
	lines, err := w.e.App.Store.Passbook(ctx, a.ID, 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	var sum int64
	for _, l := range lines {
		sum += l.Amount
	}
	if sum != a.Balance {
		t.Fatalf("account %d: balance %d, entries sum to %d", a.ID, a.Balance, sum)
	}
	return sum
}

func TestCorrectionsApproveAdjustsRecordAndLedger(t *testing.T) {
	t.Parallel()
	w := newBankWorld(t)
	rec := w.serve(t, w.alice, 60, 100)
	if a := w.account(t, w.alice); a.Balance != "1.00" {
		t.Fatalf("before: %+v", a)
	}
	c := w.request(t, w.alice, rec, 90)
	if c.Status != "pending" || c.OldMinutes != 60 || c.Minutes != 90 || c.RecordID != strconv.FormatUint(rec, 10) {
		t.Fatalf("requested: %+v", c)
	}
	// A second open correction of the record: 409 in Chinese.
	res := w.e.Do("POST", recordPath(rec), map[string]any{"reason": "再申请一次", "minutes": 120}, tok(w.alice)).Want(t, 409)
	if m := res.Err(t).Message; !strings.Contains(m, "待处理") {
		t.Fatalf("409 message %q", m)
	}
	// Staff are told, once, by an inbox notice.
	var inbox struct {
		Items []struct {
			Kind string `json:"kind"`
			Body string `json:"body"`
		} `json:"items"`
	}
	w.e.Do("GET", "/api/v1/me/notifications", nil, tok(w.staff)).Want(t, 200).Data(t, &inbox)
	told := 0
	for _, n := range inbox.Items {
		if n.Kind == "correction_requested" && strings.Contains(n.Body, "1.50") {
			told++
		}
	}
	if told != 1 {
		t.Fatalf("staff inbox: %+v", inbox.Items)
	}
	// Staff see it in the queue.
	var page struct {
		Items      []correctionData `json:"items"`
		NextCursor string           `json:"next_cursor"`
	}
	w.e.Do("GET", "/api/v1/communities/"+w.c.ID+"/corrections", nil, tok(w.staff)).Want(t, 200).Data(t, &page)
	if len(page.Items) != 1 || page.Items[0].ID != c.ID || page.Items[0].Volunteer == "" || page.Items[0].Reason == "" {
		t.Fatalf("queue: %+v", page)
	}
	var got correctionData
	w.e.Do("POST", "/api/v1/corrections/"+c.ID+"/approve", map[string]any{}, tok(w.staff)).Want(t, 200).Data(t, &got)
	if got.Status != "approved" {
		t.Fatalf("approved: %+v", got)
	}
	// Deciding twice: 409, nothing moves.
	w.e.Do("POST", "/api/v1/corrections/"+c.ID+"/approve", map[string]any{}, tok(w.staff)).Want(t, 409)
	w.e.Do("POST", "/api/v1/corrections/"+c.ID+"/reject", map[string]any{"reason": "晚了"}, tok(w.staff)).Want(t, 409)
	a := w.account(t, w.alice)
	if a.Balance != "1.50" || a.Minutes != 90 || a.Hours != "1.50" || a.Earned != "1.50" {
		t.Fatalf("after approval: %+v", a)
	}
	if b := w.balanceFromEntries(t, w.alice); b != 150 {
		t.Fatalf("entries sum to %d", b)
	}
	r, err := w.e.App.Store.ServiceRecordByID(context.Background(), rec)
	if err != nil || r.Minutes != 90 {
		t.Fatalf("record after approval: %+v, %v", r, err)
	}
	w.checkLedger(t)
	w.e.Do("GET", "/api/v1/communities/"+w.c.ID+"/corrections", nil, tok(w.staff)).Want(t, 200).Data(t, &page)
	if len(page.Items) != 0 {
		t.Fatalf("pending after approval: %+v", page.Items)
	}
	w.e.Do("GET", "/api/v1/communities/"+w.c.ID+"/corrections?status=approved", nil, tok(w.staff)).Want(t, 200).Data(t, &page)
	if len(page.Items) != 1 {
		t.Fatalf("approved list: %+v", page.Items)
	}
	// The volunteer is told.
	if n := w.inboxWith(t, w.alice, "correction_decided"); len(n) != 1 || !strings.Contains(n[0], "1.50") {
		t.Fatalf("inbox: %q", n)
	}
	// A second correction of the same record, downwards: the first correction's credit is reversed.
	c2 := w.request(t, w.alice, rec, 30)
	if c2.OldMinutes != 90 {
		t.Fatalf("second request: %+v", c2)
	}
	w.e.Do("POST", "/api/v1/corrections/"+c2.ID+"/approve", map[string]any{"reason": "核对签到表"}, tok(w.staff)).Want(t, 200)
	if a := w.account(t, w.alice); a.Balance != "0.50" || a.Minutes != 30 || a.Hours != "0.50" {
		t.Fatalf("after second approval: %+v", a)
	}
	if b := w.balanceFromEntries(t, w.alice); b != 50 {
		t.Fatalf("entries sum to %d", b)
	}
	w.checkLedger(t)
}

func TestCorrectionsRoundingAndUncredited(t *testing.T) {
	t.Parallel()
	w := newBankWorld(t)
	// 10 → 20 minutes at one point an hour: 0.17 reversed, 0.33 credited (a difference posting
	// of 10 minutes would make 0.34).
	rec := w.serve(t, w.alice, 10, 100)
	w.account(t, w.alice)
	c := w.request(t, w.alice, rec, 20)
	w.e.Do("POST", "/api/v1/corrections/"+c.ID+"/approve", map[string]any{}, tok(w.staff)).Want(t, 200)
	if a := w.account(t, w.alice); a.Balance != "0.33" || a.Hours != "0.33" || a.Minutes != 20 {
		t.Fatalf("after rounding correction: %+v", a)
	}
	// A record not credited yet is corrected in place and credited with its new minutes.
	rec2 := w.serve(t, w.bob, 60, 100)
	c2 := w.request(t, w.bob, rec2, 45)
	w.e.Do("POST", "/api/v1/corrections/"+c2.ID+"/approve", map[string]any{}, tok(w.staff)).Want(t, 200)
	if a := w.account(t, w.bob); a.Balance != "0.75" || a.Minutes != 45 {
		t.Fatalf("uncredited record corrected: %+v", a)
	}
	w.checkLedger(t)
	// Rejection: needs a reason; the record keeps its minutes; the volunteer is told why.
	rec3 := w.serve(t, w.bob, 30, 100)
	c3 := w.request(t, w.bob, rec3, 0)
	w.e.Do("POST", "/api/v1/corrections/"+c3.ID+"/reject", map[string]any{}, tok(w.staff)).Want(t, 400)
	w.e.Do("POST", "/api/v1/corrections/"+c3.ID+"/reject", map[string]any{"reason": "  "}, tok(w.staff)).Want(t, 400)
	var got correctionData
	w.e.Do("POST", "/api/v1/corrections/"+c3.ID+"/reject", map[string]any{"reason": "签到表显示已到场"}, tok(w.staff)).
		Want(t, 200).Data(t, &got)
	if got.Status != "rejected" || got.Decision != "签到表显示已到场" {
		t.Fatalf("rejected: %+v", got)
	}
	if a := w.account(t, w.bob); a.Balance != "1.25" || a.Minutes != 75 {
		t.Fatalf("after rejection: %+v", a)
	}
	if n := w.inboxWith(t, w.bob, "correction_decided"); len(n) != 2 || !strings.Contains(n[0], "签到表显示已到场") {
		t.Fatalf("inbox: %q", n)
	}
	// After a decision a new correction may be asked for.
	w.request(t, w.bob, rec3, 20)
	w.checkLedger(t)
}

func TestCorrectionsBadInputAndRoles(t *testing.T) {
	t.Parallel()
	w := newBankWorld(t)
	captain := w.e.MakeCaptain(w.c.ID, "tb-captain", w.c.BuildingIDs[0])
	rec := w.serve(t, w.alice, 60, 100)
	path := recordPath(rec)
	for _, body := range []map[string]any{
		{"minutes": 90},                         // no reason
		{"reason": "  ", "minutes": 90},         // blank reason
		{"reason": "少记了"},                       // no minutes
		{"reason": "少记了", "minutes": -1},        // negative
		{"reason": "少记了", "minutes": 24*60 + 1}, // over a day
		{"reason": "少记了", "minutes": 60},        // the same as now
		{"reason": strings.Repeat("长", 201), "minutes": 90},
	} {
		if res := w.e.Do("POST", path, body, tok(w.alice)); res.Status != 400 {
			t.Errorf("%v: %d %s", body, res.Status, res.Body)
		}
	}
	good := map[string]any{"reason": "少记了半小时", "minutes": 90}
	// Not the caller's record: 404 for anyone else, staff included; an unknown record too.
	for _, s := range []apptest.Session{w.bob, w.staff, captain, w.otherStaff, w.outsider} {
		w.e.Do("POST", path, good, tok(s)).Want(t, 404)
	}
	w.e.Do("POST", recordPath(999999), good, tok(w.alice)).Want(t, 404)
	w.e.Do("POST", path, good).Want(t, 401)
	var c correctionData
	w.e.Do("POST", path, good, tok(w.alice)).Want(t, 201).Data(t, &c)
	// Deciding: another volunteer or a captain of the community 403, the volunteer themself
	// 403, another community's staff 404, an unknown correction 404.
	for _, s := range []apptest.Session{w.bob, captain, w.alice} {
		w.e.Do("POST", "/api/v1/corrections/"+c.ID+"/approve", map[string]any{}, tok(s)).Want(t, 403)
		w.e.Do("POST", "/api/v1/corrections/"+c.ID+"/reject", map[string]any{"reason": "不符"}, tok(s)).Want(t, 403)
		w.e.Do("GET", "/api/v1/communities/"+w.c.ID+"/corrections", nil, tok(s)).Want(t, 403)
	}
	for _, s := range []apptest.Session{w.otherStaff, w.outsider} {
		w.e.Do("POST", "/api/v1/corrections/"+c.ID+"/approve", map[string]any{}, tok(s)).Want(t, 404)
		w.e.Do("POST", "/api/v1/corrections/"+c.ID+"/reject", map[string]any{"reason": "不符"}, tok(s)).Want(t, 404)
		w.e.Do("GET", "/api/v1/communities/"+w.c.ID+"/corrections", nil, tok(s)).Want(t, 404)
	}
	w.e.Do("POST", "/api/v1/corrections/999999/approve", map[string]any{}, tok(w.staff)).Want(t, 404)
	w.e.Do("GET", "/api/v1/communities/999999/corrections", nil, tok(w.staff)).Want(t, 404)
	w.e.Do("GET", "/api/v1/communities/"+w.c.ID+"/corrections?status=open", nil, tok(w.staff)).Want(t, 400)
	w.e.Do("GET", "/api/v1/communities/"+w.c.ID+"/corrections?cursor=x", nil, tok(w.staff)).Want(t, 400)
	// Nothing moved: still pending, the record unchanged.
	r, err := w.e.App.Store.ServiceRecordByID(context.Background(), rec)
	if err != nil || r.Minutes != 60 {
		t.Fatalf("record: %+v %v", r, err)
	}
	var page struct{ Items []correctionData }
	w.e.Do("GET", "/api/v1/communities/"+w.c.ID+"/corrections?limit=1", nil, tok(w.staff)).Want(t, 200).Data(t, &page)
	if len(page.Items) != 1 || page.Items[0].Status != "pending" {
		t.Fatalf("queue: %+v", page.Items)
	}
}

// TestCorrectionsConcurrentDecisionsAndRequests: two approvals of one correction at once adjust
// the record and the ledger once (one 200, one 409); two requests for one record at once open
// one correction (one 201, one 409).
func TestCorrectionsConcurrentDecisionsAndRequests(t *testing.T) {
	t.Parallel()
	w := newBankWorld(t)
	staff2 := w.e.MakeStaff(w.c.ID, "tb-staff-2")
	for round := range 3 {
		rec := w.serve(t, w.alice, 60, 100)
		w.account(t, w.alice)
		c := w.request(t, w.alice, rec, 120)
		statuses := race(func(i int) int {
			s := []apptest.Session{w.staff, staff2}[i]
			return w.e.Do("POST", "/api/v1/corrections/"+c.ID+"/approve", map[string]any{}, tok(s)).Status
		})
		if !oneOf(statuses, 200, 409) {
			t.Fatalf("round %d approvals: %v", round, statuses)
		}
		postings := 0
		for _, kind := range []string{model.SourceCorrection} {
			if _, err := w.e.App.Store.PostingOf(context.Background(), kind, w.e.ParseID(c.ID)); err == nil {
				postings++
			}
		}
		if postings != 1 {
			t.Fatalf("round %d: %d correction credits", round, postings)
		}
		rec2 := w.serve(t, w.bob, 30, 100)
		statuses = race(func(i int) int {
			return w.e.Do("POST", recordPath(rec2), map[string]any{"reason": "少记了", "minutes": 40 + i}, tok(w.bob)).Status
		})
		if !oneOf(statuses, 201, 409) {
			t.Fatalf("round %d requests: %v", round, statuses)
		}
	}
	if a := w.account(t, w.alice); a.Balance != "6.00" || a.Minutes != 360 {
		t.Fatalf("after three doubled records: %+v", a)
	}
	w.balanceFromEntries(t, w.alice)
	w.checkLedger(t)
}

// race runs f(0) and f(1) at once and returns their results.
func race(f func(i int) int) [2]int {
	var out [2]int
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			out[i] = f(i)
		}()
	}
	close(start)
	wg.Wait()
	return out
}

// oneOf reports whether the two statuses are a and b in some order.
func oneOf(s [2]int, a, b int) bool { return (s[0] == a && s[1] == b) || (s[0] == b && s[1] == a) }

// inboxWith returns the bodies of the user's notifications of the kind, newest first.
func (w *bankWorld) inboxWith(t *testing.T, s apptest.Session, kind string) []string {
	t.Helper()
	var page struct{ Items []struct{ Kind, Body string } }
	w.e.Do("GET", "/api/v1/me/notifications", nil, tok(s)).Want(t, 200).Data(t, &page)
	var out []string
	for _, n := range page.Items {
		if n.Kind == kind {
			out = append(out, n.Body)
		}
	}
	return out
}

// TestCorrectionsUnderTheCapAndSpentPoints: the corrected credit's share above the balance cap
// goes to the community's account, as a first credit would have; a decrease the volunteer has
// already spent is refused (409) and nothing of the approval stays.
func TestCorrectionsUnderTheCapAndSpentPoints(t *testing.T) {
	t.Parallel()
	w := newBankWorldWith(t, func(c *config.Config) { c.TimeBank.BalanceCap = 2 })
	w.serve(t, w.alice, 60, 100)
	rec := w.serve(t, w.alice, 60, 100)
	if a := w.account(t, w.alice); a.Balance != "2.00" {
		t.Fatalf("at the cap: %+v", a)
	}
	c := w.request(t, w.alice, rec, 120)
	w.e.Do("POST", "/api/v1/corrections/"+c.ID+"/approve", map[string]any{}, tok(w.staff)).Want(t, 200)
	// 1.00 reversed (balance 1.00), 2.00 credited: 1.00 to alice up to the cap, 1.00 to the community.
	if a := w.account(t, w.alice); a.Balance != "2.00" || a.Minutes != 180 || a.Earned != "3.00" {
		t.Fatalf("after a correction above the cap: %+v", a)
	}
	w.checkLedger(t)
	// Alice gives everything away; a correction down to 0 would take her below zero.
	w.e.Do("POST", "/api/v1/transfers", map[string]any{"community_id": w.c.ID, "to_user_id": w.bob.UserID, "points": "2"},
		tok(w.alice)).Want(t, 201)
	c2 := w.request(t, w.alice, rec, 0)
	res := w.e.Do("POST", "/api/v1/corrections/"+c2.ID+"/approve", map[string]any{}, tok(w.staff)).Want(t, 409)
	if m := res.Err(t).Message; !strings.Contains(m, "余额不足") {
		t.Fatalf("409 message %q", m)
	}
	r, err := w.e.App.Store.ServiceRecordByID(context.Background(), rec)
	if err != nil || r.Minutes != 120 {
		t.Fatalf("record after a refused approval: %+v %v", r, err)
	}
	var page struct{ Items []correctionData }
	w.e.Do("GET", "/api/v1/communities/"+w.c.ID+"/corrections", nil, tok(w.staff)).Want(t, 200).Data(t, &page)
	if len(page.Items) != 1 || page.Items[0].ID != c2.ID || page.Items[0].Status != "pending" {
		t.Fatalf("the refused correction is still pending: %+v", page.Items)
	}
	// Staff may still reject it.
	w.e.Do("POST", "/api/v1/corrections/"+c2.ID+"/reject", map[string]any{"reason": "积分已使用，请线下处理"}, tok(w.staff)).Want(t, 200)
	w.balanceFromEntries(t, w.alice)
	w.checkLedger(t)
}

// An approved correction of a record of a finished month makes that month's dashboard count the
// new minutes (its rollup is computed again).
func TestCorrectionsRecomputeTheMonthsDashboard(t *testing.T) {
	t.Parallel()
	w := newBankWorld(t)
	served := w.e.Clock.Now().AddDate(0, -2, 0)
	r := &model.ServiceRecord{CommunityID: w.e.ParseID(w.c.ID), UserID: w.e.ParseID(w.alice.UserID), SourceKind: model.SourceDispatch,
		SourceID: 1, Content: "维修楼道灯", Place: "3栋2单元", ServedAt: served, Minutes: 60, PointsPerHour: 100,
		OrganiserID: w.e.ParseID(w.staff.UserID), ConfirmerID: w.e.ParseID(w.staff.UserID)}
	if _, err := w.e.App.Store.AddServiceRecord(context.Background(), r); err != nil {
		t.Fatal(err)
	}
	month := service.MonthOf(served)
	minutes := func() int64 {
		var d struct {
			Final     bool `json:"final"`
			Volunteer struct {
				MinutesServed int64 `json:"minutes_served"`
			} `json:"volunteering"`
		}
		w.e.Do("GET", "/api/v1/communities/"+w.c.ID+"/dashboard?month="+month, nil, tok(w.staff)).Want(t, 200).Data(t, &d)
		if !d.Final {
			t.Fatalf("%s is not final", month)
		}
		return d.Volunteer.MinutesServed
	}
	if m := minutes(); m != 60 {
		t.Fatalf("before: %d minutes", m)
	}
	c := w.request(t, w.alice, r.ID, 90)
	w.e.Do("POST", "/api/v1/corrections/"+c.ID+"/approve", map[string]any{}, tok(w.staff)).Want(t, 200)
	// Instances keep a dashboard they served for a few seconds of the clock (dashboard_memory.go).
	w.e.Clock.Add(time.Minute)
	if m := minutes(); m != 90 {
		t.Fatalf("after the correction: %d minutes", m)
	}
}
