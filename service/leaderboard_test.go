package service_test

import (
	"context"
	"reflect"
	"testing"
	"time"

	"linli/service"
)

// boardOf reads a leaderboard as p and returns it in a comparable form.
func boardOf(t *testing.T, b *bank, p *service.Principal, metric, period string, building uint64) *service.Board {
	t.Helper()
	out, err := b.e.App.Services.Leaderboards.Read(context.Background(), p, service.BoardQuery{CommunityID: b.community,
		BuildingID: building, Metric: metric, Period: period, Limit: 50, UserID: p.UserID})
	if err != nil {
		t.Fatalf("read %s %s: %v", metric, period, err)
	}
	out.TopKey = ""            // whether it came from memory is not part of the answer
	for i := range out.Items { // compare who and where, not profile timestamps
		out.Items[i].User.CreatedAt, out.Items[i].User.UpdatedAt = time.Time{}, time.Time{}
	}
	return out
}

// flush deletes every key of this test's Redis namespace: what FLUSHALL does to a server of
// its own (the real Redis is shared by parallel tests).
func flush(t *testing.T, b *bank) {
	t.Helper()
	r := b.e.App.Redis
	ctx := context.Background()
	iter := r.Client.Scan(ctx, 0, r.Prefix+"*", 1000).Iterator()
	var keys []string
	for iter.Next(ctx) {
		keys = append(keys, iter.Val())
	}
	if err := iter.Err(); err != nil {
		t.Fatal(err)
	}
	for _, k := range keys {
		if err := r.Client.Del(ctx, k).Err(); err != nil {
			t.Fatal(err)
		}
	}
	b.e.App.Services.Leaderboards.DropMemory()
}

// TestLeaderboardRanksAndSurvivesAFlush: rankings by hours and points, all time, by month and
// by building, with ties sharing a rank and the reader's own place; after Redis loses every
// key, the next reads (concurrent ones too) rebuild from the ledger and answer identically.
func TestLeaderboardRanksAndSurvivesAFlush(t *testing.T) {
	t.Parallel()
	b := newBank(t, capAt(0))
	s := b.e.App.Services
	now := b.e.Clock.Now()
	this, _, _ := service.ParseMonth(service.MonthOf(now))
	lastMonth := this.Add(-time.Hour) // the last hour of last month, whatever day it is today
	// minutes at 1 point/h except the last, who serves at 2 points/h.
	plan := []struct {
		building int
		minutes  []int
		rate     int
	}{{0, []int{120, 60}, 100}, {0, []int{180}, 100}, {1, []int{180}, 100}, {1, []int{30}, 100}, {1, []int{60}, 400}, {0, nil, 100}}
	var users []uint64
	for _, p := range plan {
		u := b.person("v", p.building)
		users = append(users, u)
		for i, m := range p.minutes {
			when := now
			if i == 1 {
				when = lastMonth
			}
			b.record(u, m, p.rate, when)
		}
	}
	if _, err := s.TimeBank.CreditPending(b.ctx); err != nil {
		t.Fatal(err)
	}
	reader := b.principal(users[3])
	hours := boardOf(t, b, reader, service.MetricHours, service.PeriodAll, 0)
	var ranks []int
	var values []int64
	for _, it := range hours.Items {
		ranks, values = append(ranks, it.Rank), append(values, it.Value)
	}
	if !reflect.DeepEqual(ranks, []int{1, 1, 1, 4, 5}) || !reflect.DeepEqual(values, []int64{180, 180, 180, 60, 30}) {
		t.Fatalf("hours: ranks %v values %v", ranks, values)
	}
	if hours.MeRank != 5 || hours.MeValue != 30 {
		t.Fatalf("me: %d %d", hours.MeRank, hours.MeValue)
	}
	points := boardOf(t, b, b.principal(users[5]), service.MetricPoints, service.PeriodAll, 0)
	if points.Items[0].User.ID != users[4] || points.Items[0].Value != 400 || points.MeRank != 0 || points.Items[0].User.Nickname == "" {
		t.Fatalf("points: %+v", points)
	}
	month := boardOf(t, b, reader, service.MetricHours, service.PeriodMonth, 0)
	if month.Period != service.MonthOf(now) || len(month.Items) != 5 || month.Items[3].Value != 60 {
		t.Fatalf("this month: %+v", month)
	}
	last := boardOf(t, b, reader, service.MetricHours, service.MonthOf(lastMonth), 0)
	if len(last.Items) != 1 || last.Items[0].User.ID != users[0] || last.MeRank != 0 {
		t.Fatalf("last month: %+v", last)
	}
	building := boardOf(t, b, reader, service.MetricHours, service.PeriodAll, b.buildings[1])
	if len(building.Items) != 3 || building.MeRank != 3 {
		t.Fatalf("building: %+v", building)
	}
	type view struct {
		metric, period string
		building       uint64
	}
	views := []view{{service.MetricHours, service.PeriodAll, 0}, {service.MetricPoints, service.PeriodAll, 0},
		{service.MetricHours, service.PeriodMonth, 0}, {service.MetricPoints, service.MonthOf(lastMonth), 0},
		{service.MetricPoints, service.PeriodAll, b.buildings[0]}}
	before := map[view]*service.Board{}
	for _, v := range views {
		before[v] = boardOf(t, b, reader, v.metric, v.period, v.building)
	}
	flush(t, b)
	for round := range 2 {
		race(len(views)*4, func(i int) error {
			v := views[i%len(views)]
			got := boardOf(t, b, reader, v.metric, v.period, v.building)
			if !reflect.DeepEqual(got, before[v]) {
				t.Errorf("round %d, %+v after a flush:\n%+v\nbefore:\n%+v", round, v, got, before[v])
			}
			return nil
		})
		flush(t, b)
	}
	// And by the command line's way: every scope rebuilt at once.
	n, err := s.Leaderboards.RebuildCommunity(b.ctx, b.community)
	if err != nil || n < len(views) {
		t.Fatalf("rebuilt %d scopes: %v", n, err)
	}
	for _, v := range views {
		if got := boardOf(t, b, reader, v.metric, v.period, v.building); !reflect.DeepEqual(got, before[v]) {
			t.Errorf("%+v after rebuild-leaderboards: %+v", v, got)
		}
	}
}

// TestLeaderboardUpdateOwedDuringRebuild: a credit committed while a rebuild holds the scope's
// lock is not applied (the rebuild's older snapshot would overwrite it); it stays owed and
// CatchUp applies it afterwards, without a rebuild.
func TestLeaderboardUpdateOwedDuringRebuild(t *testing.T) {
	t.Parallel()
	b := newBank(t)
	s := b.e.App.Services
	u := b.person("v", 0)
	b.fund(u, 1)
	p := b.principal(u)
	if got := boardOf(t, b, p, service.MetricHours, service.PeriodAll, 0); got.MeValue != 60 {
		t.Fatalf("before: %+v", got)
	}
	lock := s.Leaderboards.ScopeLock(b.community, 0, service.PeriodAll)
	if err := b.e.App.Redis.Client.Set(b.ctx, lock, "someone", time.Minute).Err(); err != nil {
		t.Fatal(err)
	}
	b.fund(u, 2)
	if got := boardOf(t, b, p, service.MetricHours, service.PeriodAll, 0); got.MeValue != 60 {
		t.Fatalf("applied during a rebuild: %+v", got)
	}
	if n, err := s.Leaderboards.CatchUp(b.ctx, b.e.Clock.Now().Add(time.Second)); err != nil || n != 1 {
		t.Fatalf("catch-up while still locked saw %d: %v", n, err)
	}
	if err := b.e.App.Redis.Client.Del(b.ctx, lock).Err(); err != nil {
		t.Fatal(err)
	}
	if n, err := s.Leaderboards.CatchUp(b.ctx, b.e.Clock.Now().Add(time.Second)); err != nil || n != 1 {
		t.Fatalf("catch-up saw %d: %v", n, err)
	}
	if got := boardOf(t, b, p, service.MetricHours, service.PeriodAll, 0); got.MeValue != 180 {
		t.Fatalf("after catch-up: %+v", got)
	}
	if n, err := s.Leaderboards.CatchUp(b.ctx, b.e.Clock.Now().Add(time.Second)); err != nil || n != 0 {
		t.Fatalf("nothing should be owed any more: %d %v", n, err)
	}
}

// TestLeaderboardRefusesStrangersAndBadInput: outsiders get 404, a building of another
// community or a malformed period 400.
func TestLeaderboardRefusesStrangersAndBadInput(t *testing.T) {
	t.Parallel()
	b := newBank(t)
	other := bankOn(t, b.e, "乙社区")
	l := b.e.App.Services.Leaderboards
	q := service.BoardQuery{CommunityID: b.community, Metric: service.MetricHours, Period: service.PeriodAll, Limit: 10}
	if _, err := l.Read(b.ctx, other.staff, q); tbKind(err) != service.KindNotFound {
		t.Fatalf("outsider: %v", err)
	}
	bad := q
	bad.BuildingID = other.buildings[0]
	if _, err := l.Read(b.ctx, b.staff, bad); tbKind(err) != service.KindInvalid {
		t.Fatalf("foreign building: %v", err)
	}
	bad = q
	bad.Period = "2024-13"
	if _, err := l.Read(b.ctx, b.staff, bad); tbKind(err) != service.KindInvalid {
		t.Fatalf("bad period: %v", err)
	}
}

// TestLeaderboardTopInMemoryFollowsChanges: a top read once is reused from memory with each
// reader's own rank read fresh, and a credit, a rename or a flush shows in the very next read.
func TestLeaderboardTopInMemoryFollowsChanges(t *testing.T) {
	t.Parallel()
	b := newBank(t, capAt(0))
	s := b.e.App.Services
	a, c := b.person("a", 0), b.person("c", 1)
	b.record(a, 120, 100, b.e.Clock.Now())
	if _, err := s.TimeBank.CreditPending(b.ctx); err != nil {
		t.Fatal(err)
	}
	var first *service.Board
	eventually(t, func() bool { // once the instance hears the invalidation channel
		first = boardOf(t, b, b.principal(a), service.MetricHours, service.PeriodAll, 0)
		return s.Leaderboards.TopInMemory(b.community, service.MetricHours, 50)
	}, "the ranking read is not kept")
	// Another reader, unranked, gets the same top and their own (absent) rank.
	other := boardOf(t, b, b.principal(c), service.MetricHours, service.PeriodAll, 0)
	if !reflect.DeepEqual(other.Items, first.Items) || other.MeRank != 0 || first.MeRank != 1 {
		t.Fatalf("from memory: %+v (reader ranked %d), first %+v", other, other.MeRank, first)
	}
	b.record(c, 300, 100, b.e.Clock.Now())
	if _, err := s.TimeBank.CreditPending(b.ctx); err != nil {
		t.Fatal(err)
	}
	if s.Leaderboards.TopInMemory(b.community, service.MetricHours, 50) {
		t.Fatal("a credit left the old ranking in memory")
	}
	after := boardOf(t, b, b.principal(a), service.MetricHours, service.PeriodAll, 0)
	if len(after.Items) != 2 || after.Items[0].User.ID != c || after.Items[0].Value != 300 || after.MeRank != 2 {
		t.Fatalf("after a credit: %+v", after)
	}
	name := "新名字"
	if err := s.Users.UpdateMe(b.ctx, c, &name, nil); err != nil {
		t.Fatal(err)
	}
	if got := boardOf(t, b, b.principal(a), service.MetricHours, service.PeriodAll, 0); got.Items[0].User.Nickname != "新名字" {
		t.Fatalf("after a rename: %+v", got.Items[0])
	}
	flush(t, b)
	if got := boardOf(t, b, b.principal(c), service.MetricHours, service.PeriodAll, 0); len(got.Items) != 2 || got.MeRank != 1 {
		t.Fatalf("after a flush: %+v", got)
	}
}
