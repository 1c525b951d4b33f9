package service

import (
	"time"

	"linli/clock"
)

// utcClock reads c in UTC (what every service writes).
func utcClock(c clock.Clock) func() time.Time {
	return func() time.Time { return c.Now().UTC() }
}

// microClock reads c in UTC to the microsecond (what both databases keep), for services that
// compare what they wrote with what they read back.
func microClock(c clock.Clock) func() time.Time {
	return func() time.Time { return c.Now().UTC().Truncate(time.Microsecond) }
}

// useClock gives every service the one clock of the process, so that what they write agrees
// with what the store writes and a test moves time for all of them at once.
func (s *Services) useClock(c clock.Clock) {
	s.Clock = c
	utc, micro := utcClock(c), microClock(c)
	s.Auth.now = utc
	s.Notifier.now = utc
	s.Uploads.now = micro
	s.Idempotency.now = utc
	s.IssueCategories.now = utc
	s.Issues.now = utc
	s.Skills.now = micro
	s.HelpRequests.now = micro
	s.Dispatches.SetClock(micro)
	s.Residencies.now = micro
	s.Households.now = micro
	s.Council.now = micro
	s.Announcements.now = micro
	s.Teams.now = micro
	s.Activities.useClock(c.Now)
	s.TimeBank.now = utc
	s.Rewards.now = utc
	s.Dashboard.opt.Now = c.Now
	s.Leaderboards.now = utc
	s.Audit.now = utc
	s.Certificates.now = micro
	s.ConsoleTickets.now = utc
}
