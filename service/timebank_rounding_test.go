package service_test

import (
	"testing"

	"linli/service"
)

// TestAccountHoursAndPointsRoundAlike: three 10-minute services at one point an hour earn
// 0.17 points each (rounded per record); the account's hours are rounded the same way, so it
// says 0.51 hours and 0.51 points — not 0.50 hours (30 minutes rounded once) next to 0.51.
func TestAccountHoursAndPointsRoundAlike(t *testing.T) {
	b := newBank(t)
	s := b.e.App.Services.TimeBank
	u := b.person("round", 0)
	for range 3 {
		b.record(u, 10, 100, b.e.Clock.Now())
	}
	sum, err := s.Summary(b.ctx, u, b.community)
	b.must(err)
	if got, want := service.HundredthsString(sum.HourHundredths), sum.Earned.String(); got != "0.51" || want != "0.51" {
		t.Fatalf("hours %s, earned %s: want 0.51 and 0.51 (minutes %d)", got, want, sum.Minutes)
	}
	if sum.Minutes != 30 {
		t.Fatalf("minutes %d, want 30", sum.Minutes)
	}
	for _, c := range []struct {
		minutes int64
		want    string
	}{{10, "0.17"}, {-10, "-0.17"}, {90, "1.50"}, {0, "0.00"}, {1, "0.02"}} {
		if got := service.HoursString(c.minutes); got != c.want {
			t.Errorf("HoursString(%d) = %s, want %s", c.minutes, got, c.want)
		}
	}
}
