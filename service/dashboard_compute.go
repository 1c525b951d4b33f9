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
