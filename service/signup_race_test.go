package service_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"linli/app/apptest"
	"linli/model"
	"linli/service"
)

// rushWorld is a community with staff and many approved residents, built through the services
// (no HTTP logins: they would count against the login limit and only slow the setup).
type rushWorld struct {
	e         *apptest.Env
	ctx       context.Context
	community uint64
	staff     *service.Principal
	people    []*service.Principal
}

func newRushWorld(t *testing.T, residents int) *rushWorld {
	t.Helper()
	e := apptest.New(t, manyLogins)
	w := &rushWorld{e: e, ctx: context.Background()}
	c := e.MakeCommunity("东亭社区", 1, 4)
	w.community = e.ParseID(c.ID)
	s := e.App.Services
	staff, err := s.Auth.EnsureUser(w.ctx, "rush-staff")
	mustNil(t, err)
	_, _, err = s.Roles.Grant(w.ctx, service.Grant{UserID: staff.ID, Role: model.RoleStaff, CommunityID: w.community})
	mustNil(t, err)
	w.staff = w.principal(t, staff.ID)
	w.people = make([]*service.Principal, residents)
	errs := make(chan error, residents)
	var wg sync.WaitGroup
	next := make(chan int)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				u, err := s.Auth.EnsureUser(w.ctx, fmt.Sprintf("rush-%d", i))
				if err == nil {
					var v *model.ResidencyView
					if v, err = s.Residencies.Claim(w.ctx, u.ID, e.ParseID(c.BuildingIDs[i%4]), fmt.Sprint(100+i)); err == nil {
						if _, err = s.Residencies.Approve(w.ctx, 0, v.ID); err == nil {
							w.people[i], err = s.Principals.Load(w.ctx, u.ID)
						}
					}
				}
				if err != nil {
					errs <- err
				}
			}
		}()
	}
	for i := range residents {
		next <- i
	}
	close(next)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("setup: %v", err)
	}
	return w
}

func (w *rushWorld) principal(t *testing.T, id uint64) *service.Principal {
	t.Helper()
	p, err := w.e.App.Services.Principals.Load(w.ctx, id)
	mustNil(t, err)
	return p
}

// activity publishes an activity of the given capacity starting in two hours, open for
// sign-up now, cancellable for another hour.
func (w *rushWorld) activity(t *testing.T, capacity int) *model.Activity {
	t.Helper()
	s := w.e.App.Services.Activities
	types, err := s.Types(w.ctx, w.community, true)
	mustNil(t, err)
	now := w.e.Clock.Now()
	start, end, opens, cut := now.Add(2*time.Hour), now.Add(4*time.Hour), now.Add(-time.Minute), now.Add(time.Hour)
	title, place := "周末平安巡逻", "东门岗亭"
	a, err := s.Create(w.ctx, w.staff, service.ActivityInput{CommunityID: w.community, TypeID: &types[0].ID,
		Title: &title, Place: &place, StartAt: &start, EndAt: &end, Capacity: &capacity, SignupOpensAt: &opens,
		CancelCutoffAt: &cut})
	mustNil(t, err)
	_, err = s.Publish(w.ctx, w.staff, a.ID)
	mustNil(t, err)
	return a
}

// roster reads every live sign-up of the activity.
func (w *rushWorld) roster(t *testing.T, id uint64) (confirmed []uint64, waitlist map[uint64]int) {
	t.Helper()
	rows, err := w.e.App.Store.Roster(w.ctx, id, model.RosterCursor{}, 0)
	mustNil(t, err)
	waitlist = map[uint64]int{}
	for _, r := range rows {
		switch r.Status {
		case model.SignupConfirmed:
			confirmed = append(confirmed, r.UserID)
		case model.SignupWaitlisted:
			waitlist[r.UserID] = r.Position
		}
	}
	return confirmed, waitlist
}

// checkDense fails unless the waitlist positions are exactly 1..n.
func checkDense(t *testing.T, what string, waitlist map[uint64]int) {
	t.Helper()
	pos := make([]int, 0, len(waitlist))
	for _, p := range waitlist {
		pos = append(pos, p)
	}
	slices.Sort(pos)
	for i, p := range pos {
		if p != i+1 {
			t.Fatalf("%s: waitlist positions are not 1..%d without gaps or repeats: position %d at rank %d", what, len(pos), p, i+1)
		}
	}
}

// TestSignupRushHoldsCapacity is the done-when race: 300 residents sign up for 50 places at
// once → exactly 50 confirmed and 250 waitlisted at 1..250; then 10 confirmed cancel at once
// → exactly the first 10 of the waitlist are confirmed, and the rest move up in order. The
// requests go to three server instances sharing the database, as behind a load balancer: each
// instance groups its own sign-ups into transactions, and the transactions of the instances
// race each other in the database.
func TestSignupRushHoldsCapacity(t *testing.T) {
	t.Parallel()
	const people, capacity, cancels = 300, 50, 10
	w := newRushWorld(t, people)
	a := w.activity(t, capacity)
	instances := []*service.Activities{w.e.App.Services.Activities,
		apptest.FromConfig(t, w.e.Config).App.Services.Activities, apptest.FromConfig(t, w.e.Config).App.Services.Activities}
	results := make([]*model.Signup, people)
	errs := race(people, func(i int) error {
		su, err := instances[i%len(instances)].SignUp(w.ctx, w.people[i], a.ID)
		results[i] = su
		return err
	})
	got := map[string]int{}
	for i, err := range errs {
		if err != nil {
			t.Fatalf("sign-up %d: %v", i, err)
		}
		got[results[i].Status]++
	}
	if got[model.SignupConfirmed] != capacity || got[model.SignupWaitlisted] != people-capacity {
		t.Fatalf("answers: %v, want %d confirmed and %d waitlisted", got, capacity, people-capacity)
	}
	confirmed, waitlist := w.roster(t, a.ID)
	if len(confirmed) != capacity || len(waitlist) != people-capacity {
		t.Fatalf("stored: %d confirmed, %d waitlisted", len(confirmed), len(waitlist))
	}
	checkDense(t, "after the rush", waitlist)
	for i, su := range results { // what each was told is what is stored
		if su.Status == model.SignupWaitlisted && waitlist[w.people[i].UserID] != su.Position {
			t.Fatalf("person %d was told position %d, stored %d", i, su.Position, waitlist[w.people[i].UserID])
		}
	}
	if cur, err := w.e.App.Store.ActivityByID(w.ctx, a.ID); err != nil || cur.Confirmed != capacity {
		t.Fatalf("activity counts %d confirmed (%v)", cur.Confirmed, err)
	}

	byUser := map[uint64]*service.Principal{}
	for _, p := range w.people {
		byUser[p.UserID] = p
	}
	head := map[uint64]bool{}
	for uid, pos := range waitlist {
		if pos <= cancels {
			head[uid] = true
		}
	}
	leaving := confirmed[:cancels]
	for i, err := range race(cancels, func(i int) error {
		_, err := instances[i%len(instances)].CancelSignup(w.ctx, byUser[leaving[i]], a.ID)
		return err
	}) {
		if err != nil {
			t.Fatalf("cancel %d: %v", i, err)
		}
	}
	confirmed2, waitlist2 := w.roster(t, a.ID)
	if len(confirmed2) != capacity || len(waitlist2) != people-capacity-cancels {
		t.Fatalf("after cancelling: %d confirmed, %d waitlisted", len(confirmed2), len(waitlist2))
	}
	promoted := 0
	for _, uid := range confirmed2 {
		if head[uid] {
			promoted++
		}
		if slices.Contains(leaving, uid) {
			t.Fatalf("user %d cancelled but is still confirmed", uid)
		}
	}
	if promoted != cancels {
		t.Fatalf("%d of the first %d on the waitlist were promoted", promoted, cancels)
	}
	checkDense(t, "after the cancellations", waitlist2)
	for uid, pos := range waitlist2 {
		if waitlist[uid] != pos+cancels {
			t.Fatalf("user %d was at %d, now %d: the waitlist did not move up in order", uid, waitlist[uid], pos)
		}
	}
	if n, err := w.e.App.Store.Count(w.ctx, "notifications", "kind = ?", service.NoticeActivityPromoted); err != nil || n != cancels {
		t.Fatalf("%d promotion notices (%v), want %d", n, err, cancels)
	}
}

// TestSettleConcurrentlyCreditsOnce: settlement run by several goroutines at once, then again,
// makes exactly one service record per attended sign-up.
func TestSettleConcurrentlyCreditsOnce(t *testing.T) {
	t.Parallel()
	w := newRushWorld(t, 12)
	a := w.activity(t, 10)
	s := w.e.App.Services.Activities
	for _, p := range w.people {
		if _, err := s.SignUp(w.ctx, p, a.ID); err != nil {
			t.Fatal(err)
		}
	}
	confirmed, _ := w.roster(t, a.ID)
	after := w.e.Clock.Now().Add(5 * time.Hour) // the activity ran from +2h to +4h
	s.SetClock(func() time.Time { return after })
	defer s.SetClock(nil)
	for i, uid := range confirmed[:6] {
		if _, err := s.MarkAttendance(w.ctx, w.staff, a.ID, service.Attendance{UserID: uid, Status: model.AttendanceAttended,
			Minutes: 60 + i}); err != nil {
			t.Fatal(err)
		}
	}
	var mu sync.Mutex
	created := 0
	for _, err := range race(8, func(int) error {
		st, err := s.Settle(w.ctx, w.staff, a.ID)
		if err == nil {
			mu.Lock()
			created += st.Created
			mu.Unlock()
		}
		return err
	}) {
		if err != nil {
			t.Fatal(err)
		}
	}
	again, err := s.Settle(w.ctx, w.staff, a.ID)
	mustNil(t, err)
	n, err := w.e.App.Store.Count(w.ctx, "service_records", "source_kind = ?", model.SourceActivity)
	mustNil(t, err)
	if created != 6 || again.Created != 0 || again.Records != 6 || n != 6 {
		t.Fatalf("created %d, then %d (records %d); %d stored, want 6 once", created, again.Created, again.Records, n)
	}
	if again.NoShows != 0 {
		t.Fatalf("a repeat settlement marked %d no-shows", again.NoShows)
	}
	recs, err := w.e.App.Store.ServiceRecordsOf(w.ctx, confirmed[0], 0, 10)
	mustNil(t, err)
	if len(recs) != 1 || recs[0].Minutes != 60 || recs[0].PointsPerHour != 100 || recs[0].Content != "巡逻：周末平安巡逻" ||
		recs[0].ConfirmerID != w.staff.UserID || recs[0].Place != "东门岗亭" {
		t.Fatalf("service record %+v", recs)
	}
	if n, err := w.e.App.Store.Count(w.ctx, "signups", "activity_id = ? AND attendance = ?", a.ID, model.AttendanceNoShow); err != nil || n != 4 {
		t.Fatalf("%d no-shows (%v), want the 4 confirmed who never came", n, err)
	}
	// Two instances' crediting jobs run at once over the settled records: one posting each.
	tb := w.e.App.Services.TimeBank
	credited := 0
	for _, err := range race(2, func(int) error {
		n, err := tb.CreditPending(w.ctx)
		mu.Lock()
		credited += n
		mu.Unlock()
		return err
	}) {
		mustNil(t, err)
	}
	more, err := tb.CreditPending(w.ctx)
	mustNil(t, err)
	postings, err := w.e.App.Store.Count(w.ctx, "postings", "source_kind = ?", model.SourceServiceRecord)
	mustNil(t, err)
	if credited != 6 || more != 0 || postings != 6 {
		t.Fatalf("credited %d then %d; %d postings, want 6 once", credited, more, postings)
	}
	for i, uid := range confirmed[:6] {
		sum, err := tb.Summary(w.ctx, uid, w.community)
		mustNil(t, err)
		if want := service.PointsFor(60+i, 100); sum.Balance != want {
			t.Fatalf("volunteer %d holds %s, want %s", i, sum.Balance, want)
		}
	}
	ledgerClean(t, w.e)
}

func mustNil(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
