package service_test

import (
	"fmt"
	"testing"
	"time"

	"linli/clock"
	"linli/model"
)

// The dashboard tests build a month of known events row by row through the store, each at
// the time it says, on top of the time-bank fixture (bank): a community of one estate (1号院)
// with two buildings (1栋, 2栋), its staff member and people.

// cst is a wall-clock time in Asia/Shanghai (the dashboard's months are its calendar months).
func cst(month time.Month, day, hour, minute int) time.Time {
	return time.Date(2025, month, day, hour, minute, 0, 0, clock.China)
}

// dash adds dashboard rows to a bank.
type dash struct {
	*bank
	st *model.Store
}

func newDash(t *testing.T, b *bank) *dash { return &dash{bank: b, st: b.e.App.Store} }

// category creates an issue category.
func (d *dash) category(name string) uint64 {
	d.t.Helper()
	c := &model.IssueCategory{CommunityID: d.community, Name: name, RouteTo: model.RouteStaff, Active: true}
	d.must(d.st.CreateCategory(d.ctx, c))
	return c.ID
}

// issue reports an issue at the time given, with its report event.
func (d *dash) issue(building, category, reporter uint64, at time.Time, anonymous bool) uint64 {
	d.t.Helper()
	is := &model.Issue{CommunityID: d.community, BuildingID: building, CategoryID: category, ReporterID: reporter,
		Description: "楼道灯不亮", Location: "3单元", Anonymous: anonymous, Status: model.IssueSubmitted,
		CreatedAt: at, UpdatedAt: at}
	d.must(d.st.CreateIssue(d.ctx, is))
	d.must(d.st.AddIssueEvent(d.ctx, &model.IssueEvent{IssueID: is.ID, ActorID: reporter, Action: "report",
		ToStatus: model.IssueSubmitted, CreatedAt: at}))
	return is.ID
}

// move applies a workflow action to an issue at the time given, as the workflow does (one
// conditional update and its event).
func (d *dash) move(id uint64, action string, at time.Time) {
	d.t.Helper()
	type step struct {
		from []string
		to   string
	}
	steps := map[string]step{
		"acknowledge":    {[]string{model.IssueSubmitted}, model.IssueAcknowledged},
		"start":          {[]string{model.IssueSubmitted, model.IssueAcknowledged}, model.IssueInProgress},
		"resolve":        {[]string{model.IssueAcknowledged, model.IssueInProgress}, model.IssueResolved},
		"reject":         {[]string{model.IssueSubmitted, model.IssueAcknowledged}, model.IssueRejected},
		"mark_duplicate": {[]string{model.IssueSubmitted, model.IssueAcknowledged}, model.IssueDuplicate},
		"reopen":         {[]string{model.IssueResolved}, model.IssueInProgress},
		"close":          {[]string{model.IssueResolved}, model.IssueClosed},
	}
	s := steps[action]
	cur, err := d.st.IssueByID(d.ctx, id)
	d.must(err)
	m := model.IssueMove{Status: s.to, At: at, Acknowledged: action == "acknowledge" || action == "start",
		Resolved: action == "resolve", Reopened: action == "reopen", Closed: action == "close"}
	moved, err := d.st.MoveIssue(d.ctx, id, s.from, m)
	d.must(err)
	if !moved {
		d.t.Fatalf("issue %d: cannot %s from %s", id, action, cur.Status)
	}
	d.must(d.st.AddIssueEvent(d.ctx, &model.IssueEvent{IssueID: id, ActorID: d.staff.UserID, Action: action,
		FromStatus: cur.Status, ToStatus: s.to, CreatedAt: at}))
}

// rate records the reporter's rating (now, as a rating is: the dashboard counts it with the
// resolution it rates).
func (d *dash) rate(id uint64, score int) {
	d.t.Helper()
	is, err := d.st.IssueByID(d.ctx, id)
	d.must(err)
	ok, err := d.st.RateIssue(d.ctx, id, is.ReporterID, score, "", false)
	d.must(err)
	if !ok {
		d.t.Fatalf("issue %d not rated", id)
	}
}

// activity creates an activity starting at the time given, lasting two hours.
func (d *dash) activity(start time.Time, status string, team *uint64) uint64 {
	d.t.Helper()
	types, err := d.e.App.Services.Activities.Types(d.ctx, d.community, true)
	d.must(err)
	a := &model.Activity{CommunityID: d.community, TeamID: team, TypeID: types[0].ID, Title: "楼道清扫",
		Description: "清扫楼道", Place: "1号院", StartAt: start, EndAt: start.Add(2 * time.Hour), Capacity: 10,
		SignupOpensAt: start.AddDate(0, 0, -7), SignupClosesAt: start, CancelCutoffAt: start.Add(-time.Hour),
		Audience: model.AudienceCommunity, PointsPerHour: 100, OrganiserID: d.staff.UserID, Status: status,
		CreatedAt: start.AddDate(0, 0, -7), UpdatedAt: start.AddDate(0, 0, -7)}
	d.must(d.st.CreateActivity(d.ctx, a))
	return a.ID
}

// signup confirms a place; attendance "" leaves it unmarked, else the organiser marks it.
func (d *dash) signup(activity, user uint64, attendance string, minutes int, at time.Time) uint64 {
	d.t.Helper()
	su, err := d.st.AddConfirmed(d.ctx, activity, user, at)
	d.must(err)
	if attendance != "" {
		ok, err := d.st.MarkAttendance(d.ctx, su.ID, attendance, minutes, d.staff.UserID, at)
		d.must(err)
		if !ok {
			d.t.Fatal("attendance not marked")
		}
	}
	return su.ID
}

// served records a confirmed service.
func (d *dash) served(user uint64, kind string, source uint64, minutes int, at time.Time) uint64 {
	d.t.Helper()
	r := &model.ServiceRecord{CommunityID: d.community, UserID: user, SourceKind: kind, SourceID: source,
		Content: "服务", Place: "1号院", ServedAt: at, Minutes: minutes, PointsPerHour: 100,
		OrganiserID: d.staff.UserID, ConfirmerID: d.staff.UserID, CreatedAt: at}
	created, err := d.st.AddServiceRecord(d.ctx, r)
	d.must(err)
	if !created {
		d.t.Fatal("service record not created")
	}
	return r.ID
}

// dispatch creates a dispatch in the state its times say: responded (accepted, or declined),
// completed, confirmed, closed (expired or cancelled).
func (d *dash) dispatch(status string, offered time.Time, responded, completed, confirmed, closed *time.Time) {
	d.t.Helper()
	last := offered
	for _, t := range []*time.Time{responded, completed, confirmed, closed} {
		if t != nil && t.After(last) {
			last = *t
		}
	}
	x := &model.Dispatch{CommunityID: d.community, BuildingID: d.buildings[0], SourceKind: model.DispatchFromHelp,
		SourceID: uint64(d.seq.Add(1)), Title: "电工", VolunteerID: d.staff.UserID, DispatcherID: d.staff.UserID,
		RequesterID: d.staff.UserID, Status: status, OfferedAt: offered, ExpiresAt: offered.Add(24 * time.Hour),
		RespondedAt: responded, CompletedAt: completed, ConfirmedAt: confirmed, ClosedAt: closed, UpdatedAt: last}
	d.must(d.st.CreateDispatch(d.ctx, x))
}

// account returns (making it) an account of the community.
func (d *dash) account(kind, owner string, user uint64) uint64 {
	d.t.Helper()
	a, err := d.st.EnsureAccount(d.ctx, &model.Account{CommunityID: d.community, OwnerKey: owner, Kind: kind,
		Name: owner, UserID: user})
	d.must(err)
	return a.ID
}

// post records a posting of amount (hundredths) from one account to another at the time given.
func (d *dash) post(kind, source string, sourceID *uint64, from, to uint64, amount int64, at time.Time) uint64 {
	d.t.Helper()
	p := &model.Posting{CommunityID: d.community, Kind: kind, SourceKind: source, SourceID: sourceID,
		Memo: kind, CreatedAt: at}
	d.must(d.st.Tx(d.ctx, func(tx *model.Store) error {
		return tx.Post(d.ctx, p, []model.Leg{{AccountID: from, Amount: -amount}, {AccountID: to, Amount: amount}})
	}))
	return p.ID
}

// redemption issues a voucher of a reward at the time given (cancelled at cancelled when set).
func (d *dash) redemption(reward, user, account uint64, price int64, at time.Time, cancelled *time.Time) uint64 {
	d.t.Helper()
	r := &model.Redemption{RewardID: reward, UserID: user, CommunityID: d.community, AccountID: account, Price: price,
		Code: fmt.Sprintf("C%d-%d", d.community, d.seq.Add(1)), Status: model.RedemptionIssued, CreatedAt: at}
	if cancelled != nil {
		r.Status, r.CancelledAt = model.RedemptionCancelled, cancelled
	}
	d.must(d.st.CreateRedemption(d.ctx, r))
	return r.ID
}

func ptr[T any](v T) *T { return &v }
