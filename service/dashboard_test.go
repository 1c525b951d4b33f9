package service_test

import (
	"encoding/json"
	"testing"
	"time"

	"linli/model"
	"linli/service"
)

// march2025 builds March 2025 (Asia/Shanghai: [2025-02-28 16:00Z, 2025-03-31 16:00Z)) of a
// community event by event, with events at 23:59 and 00:00 on both of its edges, a reopened
// issue, cancelled sign-ups and vouchers, and a reversed credit; it returns the figures the
// dashboard must show for it, worked out by hand in the comments.
func march2025(t *testing.T, d *dash) *service.MonthFigures {
	t.Helper()
	b1, b2 := d.buildings[0], d.buildings[1]
	water, env := d.category("水电"), d.category("环境")
	reporter := d.person("reporter", 0)
	u := make([]uint64, 7) // u[1]…u[6]
	for i := 1; i <= 6; i++ {
		u[i] = d.person("volunteer", i%2)
	}

	// Issues. Seconds to acknowledge: i1 60, i2 3600, i8 3600, i9 7200 (sorted: median the 2nd,
	// p90 the 4th). Seconds to resolve (last resolution in March): i9 86400, i1 122460,
	// i2 777600, i8 1000740.
	i1 := d.issue(b1, water, reporter, cst(2, 28, 23, 59), false) // February's
	d.move(i1, "acknowledge", cst(3, 1, 0, 0))                    // …acknowledged in March's first minute
	d.move(i1, "resolve", cst(3, 2, 10, 0))
	d.rate(i1, 5)
	i2 := d.issue(b1, water, reporter, cst(3, 1, 0, 0), false)
	d.move(i2, "acknowledge", cst(3, 1, 1, 0))
	d.move(i2, "resolve", cst(3, 3, 0, 0))
	d.move(i2, "reopen", cst(3, 4, 9, 0)) // reopened, resolved again, closed: once of each
	d.move(i2, "resolve", cst(3, 10, 0, 0))
	d.move(i2, "close", cst(3, 12, 0, 0))
	d.rate(i2, 4)
	i3 := d.issue(b2, env, reporter, cst(3, 31, 23, 59), false) // March's last minute
	d.move(i3, "acknowledge", cst(4, 1, 0, 0))                  // April's: open at March's end
	d.issue(b2, env, reporter, cst(4, 1, 0, 0), false)          // April's
	i5 := d.issue(b2, water, reporter, cst(3, 5, 10, 0), false)
	d.move(i5, "reject", cst(3, 5, 12, 0))
	i6 := d.issue(b1, env, reporter, cst(3, 6, 10, 0), false)
	d.move(i6, "mark_duplicate", cst(3, 6, 13, 0))
	i7 := d.issue(b2, water, reporter, cst(1, 10, 10, 0), false) // January's, untouched since: open
	d.move(i7, "acknowledge", cst(1, 11, 10, 0))
	d.move(i7, "start", cst(1, 12, 10, 0))
	i8 := d.issue(b1, water, reporter, cst(3, 20, 10, 0), false)
	d.move(i8, "acknowledge", cst(3, 20, 11, 0))
	d.move(i8, "resolve", cst(3, 31, 23, 59)) // resolved at March's end…
	d.move(i8, "close", cst(4, 1, 0, 0))      // …closed in April
	d.rate(i8, 3)
	i9 := d.issue(b1, env, reporter, cst(3, 15, 10, 0), true)
	d.move(i9, "acknowledge", cst(3, 15, 12, 0))
	d.move(i9, "resolve", cst(3, 16, 10, 0))
	d.move(i9, "reopen", cst(4, 2, 10, 0)) // reopened after March: resolved at its end

	// Activities held: a1 (00:00 on the 1st) and a2 (23:59 on the 31st); not a3 (February's),
	// a4 (April's) nor the cancelled a5.
	team := &model.Team{CommunityID: d.community, Name: "红帽队", CreatedBy: d.staff.UserID}
	d.must(d.st.CreateTeam(d.ctx, team))
	a1 := d.activity(cst(3, 1, 0, 0), model.ActivityFinished, &team.ID)
	a2 := d.activity(cst(3, 31, 23, 59), model.ActivityPublished, nil)
	a3 := d.activity(cst(2, 28, 23, 59), model.ActivityFinished, &team.ID)
	a4 := d.activity(cst(4, 1, 0, 0), model.ActivityPublished, nil)
	a5 := d.activity(cst(3, 10, 10, 0), model.ActivityCancelled, nil)
	s11 := d.signup(a1, u[1], model.AttendanceAttended, 120, cst(2, 25, 9, 0))
	d.signup(a1, u[2], model.AttendanceNoShow, 0, cst(2, 25, 9, 0))
	s13 := d.signup(a1, u[3], "", 0, cst(2, 25, 9, 0))
	if ok, err := d.st.CancelSignup(d.ctx, s13, model.SignupConfirmed, cst(2, 26, 9, 0)); err != nil || !ok {
		t.Fatalf("cancel sign-up: %v", err)
	}
	d.must(d.st.AddWaitlisted(d.ctx, a1, []uint64{u[4]}, cst(2, 27, 9, 0)))
	d.signup(a2, u[1], "", 0, cst(3, 20, 9, 0))
	s25 := d.signup(a2, u[5], model.AttendanceAttended, 60, cst(3, 20, 9, 0))
	s32 := d.signup(a3, u[2], model.AttendanceAttended, 90, cst(2, 20, 9, 0))
	d.signup(a4, u[3], "", 0, cst(3, 20, 9, 0))
	d.signup(a5, u[5], "", 0, cst(3, 1, 9, 0))

	// Service: u1 120 and u5 60 (both new), u2 30 by dispatch (served in February already);
	// u2's 90 in February and u6's 45 in April do not count.
	r1 := d.served(u[1], model.SourceActivity, s11, 120, cst(3, 1, 0, 0))
	r2 := d.served(u[5], model.SourceActivity, s25, 60, cst(3, 31, 23, 59))
	r3 := d.served(u[2], model.SourceActivity, s32, 90, cst(2, 28, 23, 59))
	r4 := d.served(u[2], model.SourceDispatch, 9001, 30, cst(3, 15, 10, 0))
	r5 := d.served(u[6], model.SourceDispatch, 9002, 45, cst(4, 1, 0, 0))

	// Skills: u1 lists 电工 (verified), u2 电工 and 水暖.
	var skills []uint64
	for i, name := range []string{"电工", "水暖"} {
		sk := &model.Skill{CommunityID: d.community, Name: name, SortOrder: i + 1}
		d.must(d.st.CreateSkill(d.ctx, sk))
		skills = append(skills, sk.ID)
	}
	bv, err := d.st.BuildingByID(d.ctx, b1)
	d.must(err)
	for _, l := range []struct {
		user   uint64
		skills []uint64
	}{{u[1], skills[:1]}, {u[2], skills}} {
		p := &model.SkillProfile{UserID: l.user, CommunityID: d.community, EstateID: bv.EstateID, BuildingID: b1,
			Reach: model.ReachCommunity, Visible: true, CreatedAt: d.e.Clock.Now(), UpdatedAt: d.e.Clock.Now()}
		d.must(d.st.SaveSkillProfile(d.ctx, p, l.skills, nil))
	}
	d.must(d.st.VerifySkill(d.ctx, d.community, u[1], skills[0], true, d.staff.UserID, d.e.Clock.Now()))

	// Dispatches: offered in March d2…d6; accepted d1 (3600 s), d2 (1800 s), d6 (7200 s);
	// declined d3; expired d5 (d4 expires in April); cancelled d6.
	d.dispatch(model.DispatchConfirmed, cst(2, 28, 23, 0), ptr(cst(3, 1, 0, 0)), ptr(cst(3, 2, 10, 0)), ptr(cst(3, 3, 10, 0)), nil)
	d.dispatch(model.DispatchConfirmed, cst(3, 14, 10, 0), ptr(cst(3, 14, 10, 30)), ptr(cst(3, 15, 10, 0)), ptr(cst(3, 15, 12, 0)), nil)
	d.dispatch(model.DispatchDeclined, cst(3, 20, 10, 0), ptr(cst(3, 20, 11, 0)), nil, nil, ptr(cst(3, 20, 11, 0)))
	d.dispatch(model.DispatchExpired, cst(3, 31, 23, 0), nil, nil, nil, ptr(cst(4, 1, 0, 0)))
	d.dispatch(model.DispatchExpired, cst(3, 25, 10, 0), nil, nil, nil, ptr(cst(3, 26, 10, 0)))
	d.dispatch(model.DispatchCancelled, cst(3, 28, 10, 0), ptr(cst(3, 28, 12, 0)), nil, nil, ptr(cst(3, 29, 10, 0)))
	d.dispatch(model.DispatchConfirmed, cst(2, 10, 10, 0), ptr(cst(2, 10, 11, 0)), ptr(cst(2, 11, 10, 0)), ptr(cst(2, 11, 12, 0)), nil)
	d.dispatch(model.DispatchOffered, cst(4, 2, 10, 0), nil, nil, nil, nil)

	// Time bank, in the order it happened. Credited in March 2.00 + 0.50 + 1.00; the 0.50
	// reversed; redeemed 0.80 + 0.40 + 0.20 with 0.40 refunded; transferred 0.30. Held at the
	// end: u2 1.50, u1 0.90, u5 0.80, the team's card 0.30.
	issuing, spending := d.account(model.AccountIssuing, "issuing", 0), d.account(model.AccountSpending, "spending", 0)
	acct := map[uint64]uint64{}
	for _, id := range u[1:] {
		acct[id] = d.account(model.AccountResident, model.ResidentOwnerKey(id), id)
	}
	card := d.account(model.AccountCollective, model.CollectiveOwnerKey("红帽队卡"), 0)
	w1 := &model.Reward{CommunityID: d.community, Name: "书法课", Kind: model.RewardCourse, Price: 80, Stock: 10, Active: true, CreatedBy: d.staff.UserID}
	w2 := &model.Reward{CommunityID: d.community, Name: "理发", Kind: model.RewardMerchant, Price: 40, Stock: 10, Active: true, CreatedBy: d.staff.UserID}
	d.must(d.st.CreateReward(d.ctx, w1))
	d.must(d.st.CreateReward(d.ctx, w2))
	credit := func(rec, to uint64, amount int64, at time.Time) uint64 {
		if ok, err := d.st.ClaimServiceRecord(d.ctx, rec, at); err != nil || !ok {
			t.Fatalf("claim service record %d: %v", rec, err)
		}
		return d.post(model.PostingCredit, model.SourceServiceRecord, &rec, issuing, to, amount, at)
	}
	redeem := func(reward *model.Reward, user uint64, price int64, at time.Time, cancelled *time.Time) {
		x := d.redemption(reward.ID, user, acct[user], price, at, cancelled)
		d.post(model.PostingRedeem, model.SourceRedemption, &x, acct[user], spending, price, at)
		if cancelled != nil {
			d.post(model.PostingRefund, model.SourceRedemptionCancel, &x, spending, acct[user], price, *cancelled)
		}
	}
	credit(r3, acct[u[2]], 150, cst(2, 28, 23, 59))
	credit(r1, acct[u[1]], 200, cst(3, 1, 0, 0))
	d.post(model.PostingTransfer, model.SourceTransfer, nil, acct[u[1]], card, 30, cst(3, 10, 10, 0))
	redeem(w1, u[1], 80, cst(3, 12, 10, 0), nil)
	reversed := credit(r4, acct[u[2]], 50, cst(3, 15, 10, 0))
	redeem(w2, u[2], 40, cst(3, 16, 10, 0), ptr(cst(3, 17, 10, 0)))
	d.post(model.PostingReversal, model.SourceReversal, &reversed, acct[u[2]], issuing, 50, cst(3, 20, 10, 0))
	credit(r2, acct[u[5]], 100, cst(3, 31, 23, 59))
	late := cst(4, 2, 10, 0) // cancelled in April: still a voucher of March at its end
	redeem(w1, u[5], 20, cst(3, 31, 23, 59), &late)
	redeem(w1, u[5], 20, cst(4, 1, 0, 0), nil)
	credit(r5, acct[u[6]], 45, cst(4, 1, 0, 0))

	names := func(b uint64) string {
		if b == b1 {
			return "1号院 1栋"
		}
		return "1号院 2栋"
	}
	return &service.MonthFigures{Month: "2025-03", Final: true,
		Issues: service.IssueFigures{Reported: 6, Acknowledged: 4, Resolved: 4, Closed: 1, Rejected: 1, Duplicates: 1,
			OpenAtEnd: 2, Settled: 3, Reopened: 1,
			ToAck:     service.Durations{N: 4, P50: 3600, P90: 7200},
			ToResolve: service.Durations{N: 4, P50: 122460, P90: 1000740},
			Rated:     3, RatingSum: 12,
			ByCategory: []service.IssueBy{{ID: water, Name: "水电", Reported: 3, Resolved: 3, OpenAtEnd: 1},
				{ID: env, Name: "环境", Reported: 3, Resolved: 1, OpenAtEnd: 1}},
			ByBuilding: []service.IssueBy{{ID: b1, Name: names(b1), Reported: 4, Resolved: 4},
				{ID: b2, Name: names(b2), Reported: 2, OpenAtEnd: 2}},
			OldestOpen: []service.OpenItem{
				{ID: i7, BuildingID: b2, BuildingName: names(b2), CategoryName: "水电", Status: model.IssueInProgress,
					CreatedAt: cst(1, 10, 10, 0).UTC(), AgeDays: 80},
				{ID: i3, BuildingID: b2, BuildingName: names(b2), CategoryName: "环境", Status: model.IssueSubmitted,
					CreatedAt: cst(3, 31, 23, 59).UTC(), AgeDays: 0}}},
		Volunteering: service.VolunteeringFigures{Activities: 2, Signups: 4, Cancelled: 1, Waitlisted: 1, Attended: 2,
			NoShows: 1, Unmarked: 1, MinutesServed: 210, Services: 3, ActiveVolunteers: 3, NewVolunteers: 2,
			TopVolunteers: []service.VolunteerTop{{UserID: u[1], Minutes: 120, Services: 1},
				{UserID: u[5], Minutes: 60, Services: 1}, {UserID: u[2], Minutes: 30, Services: 1}},
			TopTeams: []service.TeamTop{{TeamID: team.ID, Name: "红帽队", Minutes: 120, Services: 1, Volunteers: 1}}},
		Skills: service.SkillFigures{ListedPeople: 2,
			BySkill: []service.SkillListed{{SkillID: skills[0], Name: "电工", Listed: 2, Verified: 1},
				{SkillID: skills[1], Name: "水暖", Listed: 1}},
			Offered: 5, Accepted: 3, Declined: 1, Expired: 1, Cancelled: 1, Completed: 2, Confirmed: 2,
			ToAccept: service.Durations{N: 3, P50: 3600, P90: 7200}},
		TimeBank: service.TimeBankFigures{Credited: 350, Credits: 3, Reversed: 50, Reversals: 1, Issued: 300,
			Redeemed: 100, Redemptions: 3, Refunded: 40, Transferred: 30, Transfers: 1, Outstanding: 350,
			TopRewards: []service.RewardTop{{RewardID: w1.ID, Name: "书法课", Redemptions: 2, Points: 100}}},
	}
}

// sameFigures fails unless got equals want, but for the time of computing.
func sameFigures(t *testing.T, what string, got, want *service.MonthFigures) {
	t.Helper()
	g, w := *got, *want
	g.ComputedAt, w.ComputedAt = time.Time{}, time.Time{}
	gj, _ := json.MarshalIndent(g, "", "  ")
	wj, _ := json.MarshalIndent(w, "", "  ")
	if string(gj) != string(wj) {
		t.Errorf("%s:\ngot  %s\nwant %s", what, gj, wj)
	}
}

// TestDashboardKnownMonth: every figure of a hand-built month, exactly, as staff read it (the
// month is long over: the figures are computed once into its rollup), with the trend months
// around it; and the rollup equals a fresh computation, and keeps being served after a late
// change to the month's data.
func TestDashboardKnownMonth(t *testing.T) {
	t.Parallel()
	d := newDash(t, newBank(t))
	want := march2025(t, d)
	ledgerClean(t, d.e)
	dash := d.e.App.Services.Dashboard
	v, err := dash.Month(d.ctx, d.staff, d.community, "2025-03")
	if err != nil {
		t.Fatal(err)
	}
	if v.Source != "rollup" || !v.Figures.Final {
		t.Errorf("a month long over: source %s, final %v; want a rollup", v.Source, v.Figures.Final)
	}
	sameFigures(t, "March 2025", v.Figures, want)
	if got := v.Figures.Issues.ResolutionRate(); got == nil || *got != 0.5 {
		t.Errorf("resolution rate %v, want 0.5", got)
	}
	if got := v.Figures.Volunteering.AttendanceRate(); got == nil || *got != 0.6667 {
		t.Errorf("attendance rate %v, want 0.6667", got)
	}
	if got := v.Figures.Skills.AcceptanceRate(); got == nil || *got != 0.6 {
		t.Errorf("acceptance rate %v, want 0.6", got)
	}
	if got := v.Figures.Issues.AverageRating(); got == nil || *got != 4 {
		t.Errorf("average rating %v, want 4", got)
	}
	if m := v.Figures.Issues.ToResolve.P50Minutes(); m == nil || *m != 2041 {
		t.Errorf("median minutes to resolve %v, want 2041", m)
	}
	if len(v.Trend) != 11 || v.Trend[0].Month != "2024-04" || v.Trend[10].Month != "2025-02" {
		t.Fatalf("trend months: %+v", v.Trend)
	}
	feb, jan := v.Trend[10], v.Trend[9]
	if feb.Reported != 1 || feb.Activities != 1 || feb.Signups != 1 || feb.MinutesServed != 90 || feb.ActiveVolunteers != 1 ||
		feb.Offered != 2 || feb.Issued != 150 || feb.Outstanding != 150 || feb.Redeemed != 0 || feb.AckP50Minutes != nil ||
		feb.AttendanceRate == nil || *feb.AttendanceRate != 1 {
		t.Errorf("February in the trend: %+v", feb)
	}
	if jan.Reported != 1 || jan.AckP50Minutes == nil || *jan.AckP50Minutes != 1440 || jan.Resolved != 0 {
		t.Errorf("January in the trend: %+v", jan)
	}
	if v.Volunteers[want.Volunteering.TopVolunteers[0].UserID] == "" {
		t.Errorf("top volunteer without a name: %v", v.Volunteers)
	}

	// The rollup is stored, and a fresh computation agrees with it.
	rollups, err := d.st.DashboardRollups(d.ctx, d.community, []string{"2025-03", "2025-02", "2024-04"})
	if err != nil || len(rollups) != 3 {
		t.Fatalf("rollups of March, February and April 2024: %d (%v)", len(rollups), err)
	}
	fresh, err := dash.Compute(d.ctx, d.community, "2025-03", d.e.Clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	sameFigures(t, "fresh computation", fresh, v.Figures)

	// A late report of March changes a fresh computation, not the rollup served.
	d.issue(d.buildings[0], want.Issues.ByCategory[0].ID, d.staff.UserID, cst(3, 18, 9, 0), false)
	again, err := dash.Month(d.ctx, d.staff, d.community, "2025-03")
	if err != nil {
		t.Fatal(err)
	}
	sameFigures(t, "served again", again.Figures, want)
	if fresh, _ = dash.Compute(d.ctx, d.community, "2025-03", d.e.Clock.Now()); fresh.Issues.Reported != 7 {
		t.Errorf("a fresh computation after a late report: %d reported, want 7", fresh.Issues.Reported)
	}
}
