package service

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"linli/clock"
	"linli/model"
)

// topN is the length of the dashboard's lists (oldest open issues, top volunteers, teams and
// rewards).
const topN = 10

// compute reads the month [from, to) of a community from the database: the sections run at
// once, each through the indexes migration 0010 added. now is the moment of the reading
// (the month's end, for the figures "at the month's end", when the month is still running).
// prev, when set, are the final figures of the month before, from which the points held at
// this month's end follow without reading the ledger since (see timeBankFigures).
func (d *Dashboard) compute(ctx context.Context, communityID uint64, month string, from, to, now time.Time,
	prev *MonthFigures) (*MonthFigures, error) {
	f := &MonthFigures{Month: month, ComputedAt: now.UTC()}
	sections := []func() error{
		func() error { return d.issueFigures(ctx, communityID, from, to, now, &f.Issues) },
		func() error { return d.signupFigures(ctx, communityID, from, to, &f.Volunteering) },
		func() error { return d.lateFigures(ctx, communityID, to, now, &f.Volunteering) },
		func() error { return d.serviceFigures(ctx, communityID, from, to, &f.Volunteering) },
		func() error { return d.skillFigures(ctx, communityID, from, to, &f.Skills) },
		func() error { return d.timeBankFigures(ctx, communityID, from, to, prev, &f.TimeBank) },
		func() error { return d.councilFigures(ctx, communityID, from, to, &f.Council) },
		func() error { return d.announcementFigures(ctx, communityID, from, to, &f.Announcements) },
	}
	errs := make([]error, len(sections))
	var wg sync.WaitGroup
	for i, run := range sections {
		wg.Go(func() { errs[i] = run() })
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, fmt.Errorf("dashboard %s of community %d: %w", month, communityID, err)
		}
	}
	return f, nil
}

// issueFigures: see IssueFigures and the definitions in the API description.
func (d *Dashboard) issueFigures(ctx context.Context, cid uint64, from, to, now time.Time, f *IssueFigures) error {
	touched, err := d.store.DashIssuesTouched(ctx, cid, from, to)
	if err != nil {
		return err
	}
	moves, err := d.store.DashIssueMoves(ctx, cid, from, to, []string{model.IssueResolved, model.IssueClosed,
		model.IssueRejected, model.IssueDuplicate, model.IssueInProgress})
	if err != nil {
		return err
	}
	statusThen := map[uint64]string{}
	if !to.After(now) { // a finished month: statuses of issues moved since its end, as they were
		if statusThen, err = d.store.DashStatusAt(ctx, cid, to); err != nil {
			return err
		}
	}
	untouched, err := d.store.DashOpenUntouched(ctx, cid, from)
	if err != nil {
		return err
	}
	oldest, err := d.store.DashOldestUntouched(ctx, cid, from, topN)
	if err != nil {
		return err
	}
	categories, err := d.store.DashCategoryNames(ctx, cid)
	if err != nil {
		return err
	}
	in := func(t time.Time) bool { return !t.Before(from) && t.Before(to) }
	atEnd := func(is model.DashIssue) string {
		if is.UpdatedAt.Before(to) {
			return is.Status
		}
		if s, ok := statusThen[is.ID]; ok {
			return s
		}
		return is.Status
	}
	byCat, byBuilding := map[uint64]*IssueBy{}, map[uint64]*IssueBy{}
	group := func(is model.DashIssue) (*IssueBy, *IssueBy) {
		c, b := byCat[is.CategoryID], byBuilding[is.BuildingID]
		if c == nil {
			c = &IssueBy{ID: is.CategoryID, Name: categories[is.CategoryID]}
			byCat[is.CategoryID] = c
		}
		if b == nil {
			b = &IssueBy{ID: is.BuildingID}
			byBuilding[is.BuildingID] = b
		}
		return c, b
	}
	issues := make(map[uint64]model.DashIssue, len(touched))
	var toAck []int64
	var open []model.DashIssue
	for _, is := range touched {
		issues[is.ID] = is
		c, b := group(is)
		status := atEnd(is)
		if in(is.CreatedAt) {
			f.Reported++
			c.Reported++
			b.Reported++
			if status == model.IssueResolved || status == model.IssueClosed {
				f.Settled++
			}
		}
		if is.AcknowledgedAt != nil && in(*is.AcknowledgedAt) {
			f.Acknowledged++
			toAck = append(toAck, seconds(is.CreatedAt, *is.AcknowledgedAt))
		}
		if slices.Contains(model.IssueOpenStatuses, status) {
			f.OpenAtEnd++
			c.OpenAtEnd++
			b.OpenAtEnd++
			is.Status = status
			open = append(open, is)
		}
	}
	for _, g := range untouched {
		c, b := group(model.DashIssue{CategoryID: g.CategoryID, BuildingID: g.BuildingID})
		f.OpenAtEnd += g.N
		c.OpenAtEnd += g.N
		b.OpenAtEnd += g.N
	}
	lastResolve := map[uint64]time.Time{}
	seen := map[string]map[uint64]bool{}
	for _, m := range moves {
		if seen[m.ToStatus] == nil {
			seen[m.ToStatus] = map[uint64]bool{}
		}
		if m.ToStatus == model.IssueInProgress && m.FromStatus != model.IssueResolved {
			continue // started, not reopened
		}
		if m.ToStatus == model.IssueResolved {
			lastResolve[m.IssueID] = m.CreatedAt
		}
		seen[m.ToStatus][m.IssueID] = true
	}
	f.Closed, f.Rejected = int64(len(seen[model.IssueClosed])), int64(len(seen[model.IssueRejected]))
	f.Duplicates, f.Reopened = int64(len(seen[model.IssueDuplicate])), int64(len(seen[model.IssueInProgress]))
	f.Resolved = int64(len(lastResolve))
	toResolve := make([]int64, 0, len(lastResolve))
	for id, at := range lastResolve {
		is := issues[id]
		toResolve = append(toResolve, seconds(is.CreatedAt, at))
		c, b := group(is)
		c.Resolved++
		b.Resolved++
		if is.Rating != nil {
			f.Rated++
			f.RatingSum += int64(*is.Rating)
		}
	}
	f.ToAck, f.ToResolve = durationsOf(toAck), durationsOf(toResolve)
	end := to
	if now.Before(end) {
		end = now
	}
	open = append(open, oldest...)
	slices.SortFunc(open, func(a, b model.DashIssue) int {
		return cmp.Or(a.CreatedAt.Compare(b.CreatedAt), cmp.Compare(a.ID, b.ID))
	})
	for _, is := range open[:min(len(open), topN)] {
		f.OldestOpen = append(f.OldestOpen, OpenItem{ID: is.ID, BuildingID: is.BuildingID,
			CategoryName: categories[is.CategoryID], Status: is.Status, CreatedAt: is.CreatedAt.UTC(),
			AgeDays: int64(end.Sub(is.CreatedAt) / (24 * time.Hour))})
	}
	return d.issueGroups(ctx, f, byCat, byBuilding)
}

// issueGroups orders the breakdowns (most reported first, then most open, then by id) and
// names the buildings ("东亭花园 3栋").
func (d *Dashboard) issueGroups(ctx context.Context, f *IssueFigures, byCat, byBuilding map[uint64]*IssueBy) error {
	var ids []uint64
	for id := range byBuilding {
		ids = append(ids, id)
	}
	for _, it := range f.OldestOpen {
		ids = append(ids, it.BuildingID)
	}
	buildings, err := d.store.BuildingsByIDs(ctx, ids)
	if err != nil {
		return err
	}
	name := func(id uint64) string {
		if b, ok := buildings[id]; ok {
			return b.EstateName + " " + b.Name
		}
		return ""
	}
	for id, b := range byBuilding {
		b.Name = name(id)
	}
	for i := range f.OldestOpen {
		f.OldestOpen[i].BuildingName = name(f.OldestOpen[i].BuildingID)
	}
	f.ByCategory, f.ByBuilding = sortedGroups(byCat), sortedGroups(byBuilding)
	return nil
}

func sortedGroups(m map[uint64]*IssueBy) []IssueBy {
	out := []IssueBy{}
	for _, g := range m {
		if g.Reported+g.Resolved+g.OpenAtEnd > 0 {
			out = append(out, *g)
		}
	}
	slices.SortFunc(out, func(a, b IssueBy) int {
		return cmp.Or(cmp.Compare(b.Reported, a.Reported), cmp.Compare(b.OpenAtEnd, a.OpenAtEnd), cmp.Compare(a.ID, b.ID))
	})
	return out
}

// signupFigures: the activities and sign-ups of VolunteeringFigures (serviceFigures fills the
// other fields, at the same time).
func (d *Dashboard) signupFigures(ctx context.Context, cid uint64, from, to time.Time, f *VolunteeringFigures) error {
	var err error
	if f.Activities, err = d.store.DashActivitiesHeld(ctx, cid, from, to); err != nil {
		return err
	}
	counts, err := d.store.DashSignups(ctx, cid, from, to)
	if err != nil {
		return err
	}
	for _, c := range counts {
		switch c.Status {
		case model.SignupCancelled:
			f.Cancelled += c.N
		case model.SignupWaitlisted:
			f.Waitlisted += c.N
		case model.SignupConfirmed:
			f.Signups += c.N
			switch c.Attendance {
			case model.AttendanceAttended:
				f.Attended += c.N
			case model.AttendanceNoShow:
				f.NoShows += c.N
			default:
				f.Unmarked += c.N
			}
		}
	}
	return nil
}

// serviceFigures: the service records of VolunteeringFigures.
func (d *Dashboard) serviceFigures(ctx context.Context, cid uint64, from, to time.Time, f *VolunteeringFigures) error {
	served, err := d.store.DashServedBy(ctx, cid, from, to)
	if err != nil {
		return err
	}
	f.ActiveVolunteers = int64(len(served))
	for _, s := range served {
		f.MinutesServed += s.Minutes
		f.Services += s.N
	}
	slices.SortFunc(served, func(a, b model.DashServed) int {
		return cmp.Or(cmp.Compare(b.Minutes, a.Minutes), cmp.Compare(b.N, a.N), cmp.Compare(a.UserID, b.UserID))
	})
	f.TopVolunteers = []VolunteerTop{}
	for _, s := range served[:min(len(served), topN)] {
		f.TopVolunteers = append(f.TopVolunteers, VolunteerTop{UserID: s.UserID, Minutes: s.Minutes, Services: s.N})
	}
	if f.NewVolunteers, err = d.store.DashNewVolunteers(ctx, cid, from, to); err != nil {
		return err
	}
	teams, err := d.store.DashTeamsServed(ctx, cid, from, to, topN)
	if err != nil {
		return err
	}
	f.TopTeams = []TeamTop{}
	for _, t := range teams {
		f.TopTeams = append(f.TopTeams, TeamTop{TeamID: t.TeamID, Name: t.Name, Minutes: t.Minutes, Services: t.N,
			Volunteers: t.Volunteers})
	}
	return nil
}

// skillFigures: see SkillFigures.
func (d *Dashboard) skillFigures(ctx context.Context, cid uint64, from, to time.Time, f *SkillFigures) error {
	listed, people, err := d.store.DashSkillsListed(ctx, cid)
	if err != nil {
		return err
	}
	f.ListedPeople, f.BySkill = people, []SkillListed{}
	for _, l := range listed {
		f.BySkill = append(f.BySkill, SkillListed{SkillID: l.SkillID, Name: l.Name, Listed: l.Listed, Verified: l.Verified})
	}
	list, err := d.store.DashDispatchesTouched(ctx, cid, from, to)
	if err != nil {
		return err
	}
	in := func(t *time.Time) bool { return t != nil && !t.Before(from) && t.Before(to) }
	var toAccept []int64
	for _, x := range list {
		if in(&x.OfferedAt) {
			f.Offered++
		}
		switch {
		case x.Status == model.DispatchDeclined && in(x.RespondedAt):
			f.Declined++
		case x.Status != model.DispatchDeclined && in(x.RespondedAt):
			f.Accepted++
			toAccept = append(toAccept, seconds(x.OfferedAt, *x.RespondedAt))
		}
		if x.Status == model.DispatchExpired && in(x.ClosedAt) {
			f.Expired++
		}
		if x.Status == model.DispatchCancelled && in(x.ClosedAt) {
			f.Cancelled++
		}
		if in(x.CompletedAt) {
			f.Completed++
		}
		if in(x.ConfirmedAt) {
			f.Confirmed++
		}
	}
	f.ToAccept = durationsOf(toAccept)
	return nil
}

// timeBankFigures: see TimeBankFigures. The points held at the month's end are those held at
// the previous month's end plus what came into the holders' accounts during the month, when
// the previous month's final figures are at hand: postings are never changed, and each is
// dated when it committed, so a settled month's total never moves. Otherwise they are what the
// holders hold now less what came in since the month's end (for an old month, a long read).
func (d *Dashboard) timeBankFigures(ctx context.Context, cid uint64, from, to time.Time, prev *MonthFigures,
	f *TimeBankFigures) error {
	issuing, spending, err := d.store.DashSystemAccounts(ctx, cid)
	if err != nil {
		return err
	}
	flows, err := d.flows(ctx, cid, issuing, spending, from, to)
	if err != nil {
		return err
	}
	var holders int64
	for _, fl := range flows {
		f.Issued -= fl.IssuingNet
		holders += fl.HoldersNet
		switch fl.Kind {
		case model.PostingCredit:
			f.Credited, f.Credits = fl.Moved, fl.Postings
		case model.PostingReversal:
			f.Reversed, f.Reversals = fl.Moved, fl.Postings
		case model.PostingRedeem:
			f.Redeemed += fl.Moved
			f.Redemptions = fl.Postings
		case model.PostingRefund:
			f.Redeemed -= fl.Moved
			f.Refunded = fl.Moved
		case model.PostingTransfer:
			f.Transferred, f.Transfers = fl.Moved, fl.Postings
		}
	}
	if prev != nil && prev.Final && prev.Month == MonthOf(from.AddDate(0, -1, 0)) {
		f.Outstanding = prev.TimeBank.Outstanding + holders
	} else if f.Outstanding, err = d.store.DashHeldAt(ctx, cid, issuing, spending, to); err != nil {
		return err
	}
	rewards, err := d.store.DashRewards(ctx, cid, from, to, topN)
	if err != nil {
		return err
	}
	f.TopRewards = []RewardTop{}
	for _, r := range rewards {
		f.TopRewards = append(f.TopRewards, RewardTop{RewardID: r.RewardID, Name: r.Name, Redemptions: r.Redemptions,
			Points: r.Points})
	}
	return nil
}

// lateFigures: see VolunteeringFigures.UnsettledLate. Its own field of the section, so it
// runs beside the others.
func (d *Dashboard) lateFigures(ctx context.Context, cid uint64, to, now time.Time, f *VolunteeringFigures) error {
	at := to
	if now.Before(at) {
		at = now
	}
	n, err := d.store.DashUnsettledLate(ctx, cid, WorkingDaysBefore(at, 10), at)
	f.UnsettledLate = n
	return err
}

// WorkingDaysBefore is the instant n working days (Monday to Friday in China) before t: t
// moved back a day at a time until n of the days it lands on are working days. Public
// holidays and their swapped working weekends (调休) are not known to it: they are set by the
// State Council each year, and a weekday holiday only makes the figure stricter.
func WorkingDaysBefore(t time.Time, n int) time.Time {
	d := t.In(clock.China)
	for n > 0 {
		d = d.AddDate(0, 0, -1)
		if wd := d.Weekday(); wd != time.Saturday && wd != time.Sunday {
			n--
		}
	}
	return d.UTC()
}

// announcementFigures: see AnnouncementFigures.
func (d *Dashboard) announcementFigures(ctx context.Context, cid uint64, from, to time.Time, f *AnnouncementFigures) error {
	a, err := d.store.DashAnnouncementsMonth(ctx, cid, from, to)
	*f = AnnouncementFigures{Published: a.Published, Measured: a.Measured, ReachSum: a.Reach24h}
	return err
}

// councilFigures: see CouncilFigures.
func (d *Dashboard) councilFigures(ctx context.Context, cid uint64, from, to time.Time, f *CouncilFigures) error {
	c, err := d.store.DashCouncilMonth(ctx, cid, from, to)
	*f = CouncilFigures{Raised: c.Raised, OnAgenda: c.OnAgenda, Decided: c.Decided, Resolved: c.Resolved,
		VotesClosed: c.VotesClosed, Ballots: c.Ballots, Electors: c.Electors}
	return err
}
