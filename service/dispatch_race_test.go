package service_test

import (
	"context"
	"fmt"
	"testing"

	"linli/app/apptest"
	"linli/config"
	"linli/model"
	"linli/service"
)

// dispatchWorld is a community with a captain, a requester and a skill, for racing dispatches.
type dispatchWorld struct {
	e         *apptest.Env
	s         *service.Services
	c         apptest.Community
	captain   *service.Principal
	requester *service.Principal
	skill     uint64
}

func newDispatchWorld(t *testing.T, name string, opts ...apptest.Option) *dispatchWorld {
	t.Helper()
	e := apptest.New(t, append([]apptest.Option{manyLogins}, opts...)...)
	w := &dispatchWorld{e: e, s: e.App.Services, c: e.MakeCommunity(name, 1, 2)}
	w.captain = w.principal(t, e.MakeCaptain(w.c.ID, "captain", w.c.BuildingIDs...).UserID)
	w.requester = w.principal(t, e.MakeResident("requester", w.c.BuildingIDs[0], "101").UserID)
	skills, err := w.s.Skills.List(context.Background(), e.ParseID(w.c.ID))
	if err != nil {
		t.Fatal(err)
	}
	w.skill = skills[0].ID
	return w
}

func (w *dispatchWorld) principal(t *testing.T, userID string) *service.Principal {
	t.Helper()
	p, err := w.s.Principals.Load(context.Background(), w.e.ParseID(userID))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// volunteer makes a listed electrician living in the first building.
func (w *dispatchWorld) volunteer(t *testing.T, openid string) *service.Principal {
	t.Helper()
	p := w.principal(t, w.e.MakeResident(openid, w.c.BuildingIDs[0], openid).UserID)
	_, err := w.s.Skills.SaveProfile(context.Background(), p, service.ProfileInput{SkillIDs: []uint64{w.skill},
		Reach: "community", Visible: true, Windows: []service.WindowInput{{Weekday: 6, Start: "08:00", End: "20:00"}}})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// help files a fresh help request of the requester and returns its id.
func (w *dispatchWorld) help(t *testing.T) uint64 {
	t.Helper()
	h, err := w.s.HelpRequests.Create(context.Background(), w.requester, service.HelpInput{
		BuildingID: w.e.ParseID(w.c.BuildingIDs[0]), SkillID: w.skill, Description: "灯不亮了"})
	if err != nil {
		t.Fatal(err)
	}
	return h.ID
}

// checkCounter: the volunteer's counter equals their offered and accepted dispatches, within
// the cap.
func (w *dispatchWorld) checkCounter(t *testing.T, v *service.Principal, limit int) int64 {
	t.Helper()
	ctx := context.Background()
	prof, err := w.e.App.Store.SkillProfileOf(ctx, v.UserID)
	if err != nil {
		t.Fatal(err)
	}
	open, err := w.e.App.Store.Count(ctx, "dispatches", "volunteer_id = ? AND status IN ?", v.UserID, model.DispatchOpenStatuses)
	if err != nil {
		t.Fatal(err)
	}
	if int64(prof.OpenDispatches) != open || open > int64(limit) {
		t.Fatalf("counter %d, open dispatches %d, cap %d", prof.OpenDispatches, open, limit)
	}
	return open
}

func kinds(errs []error) map[service.Kind]int {
	out := map[service.Kind]int{}
	for _, err := range errs {
		if err == nil {
			out[-1]++
			continue
		}
		out[service.KindOf(err)]++
	}
	return out
}

// TestConcurrentOffersRespectTheCap: 24 captains' offers to one volunteer at once (cap 3):
// exactly three succeed, the rest get 409 and leave their help requests open; then accepting,
// declining and new offers racing each other never let the counter drift from the truth.
func TestConcurrentOffersRespectTheCap(t *testing.T) {
	t.Parallel()
	// One requester files all 24 help requests: the cap on one's open requests is not under test.
	w := newDispatchWorld(t, "锦山源社区", func(c *config.Config) { c.Limits.HelpOpenPerUser = 0 })
	ctx := context.Background()
	v := w.volunteer(t, "liu")
	const n = 24
	helps := make([]uint64, n)
	for i := range helps {
		helps[i] = w.help(t)
	}
	offered := make([]uint64, n)
	errs := race(n, func(i int) error {
		x, err := w.s.Dispatches.Offer(ctx, w.captain, service.OfferInput{HelpRequestID: helps[i], VolunteerID: v.UserID})
		if err == nil {
			offered[i] = x.ID
		}
		return err
	})
	if k := kinds(errs); k[-1] != 3 || k[service.KindConflict] != n-3 {
		t.Fatalf("outcomes %v, want 3 successes and %d conflicts (%v)", k, n-3, errs)
	}
	w.checkCounter(t, v, 3)
	if open, _ := w.e.App.Store.Count(ctx, "help_requests", "status = ?", model.HelpOpen); open != n-3 {
		t.Fatalf("%d help requests still open, want %d", open, n-3)
	}
	var first uint64
	for _, id := range offered {
		first = max(first, id)
	}
	// The volunteer accepts one from many devices at once: one success.
	errs = race(8, func(int) error { return w.s.Dispatches.Accept(ctx, v, first) })
	if k := kinds(errs); k[-1] != 1 || k[service.KindConflict] != 7 {
		t.Fatalf("double accept: %v", k)
	}
	// Declines free slots while new offers race for them; the counter never drifts.
	for round := range 3 {
		rows, err := w.e.App.Store.Dispatches(ctx, model.ScopeFilter{PersonColumn: "volunteer_id", PersonID: v.UserID,
			Statuses: []string{model.DispatchOffered}, Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		fresh := []uint64{w.help(t), w.help(t), w.help(t), w.help(t)}
		errs := race(len(rows)+len(fresh), func(i int) error {
			if i < len(rows) {
				return w.s.Dispatches.Decline(ctx, v, rows[i].ID, "临时有事")
			}
			_, err := w.s.Dispatches.Offer(ctx, w.captain, service.OfferInput{HelpRequestID: fresh[i-len(rows)], VolunteerID: v.UserID})
			return err
		})
		for i, err := range errs {
			if err != nil && (i < len(rows) || service.KindOf(err) != service.KindConflict) {
				t.Fatalf("round %d: %v", round, err)
			}
		}
		for open := w.checkCounter(t, v, 3); open < 3; open++ {
			if _, err := w.s.Dispatches.Offer(ctx, w.captain, service.OfferInput{HelpRequestID: w.help(t), VolunteerID: v.UserID}); err != nil {
				t.Fatalf("round %d: refill: %v", round, err)
			}
		}
		w.checkCounter(t, v, 3)
	}
}

// TestOneLiveDispatchPerSource: offering the same help request or the same issue to several
// volunteers at once leaves exactly one live dispatch; the others get 409 and keep their slots.
func TestOneLiveDispatchPerSource(t *testing.T) {
	t.Parallel()
	w := newDispatchWorld(t, "东亭社区")
	ctx := context.Background()
	const n = 8
	vols := make([]*service.Principal, n)
	for i := range vols {
		vols[i] = w.volunteer(t, fmt.Sprintf("vol-%d", i))
	}
	cats, err := w.s.IssueCategories.List(ctx, w.e.ParseID(w.c.ID), true)
	if err != nil {
		t.Fatal(err)
	}
	is, err := w.s.Issues.Report(ctx, w.requester, service.Report{BuildingID: w.e.ParseID(w.c.BuildingIDs[0]),
		CategoryID: cats[0].ID, Description: "楼道灯坏了"})
	if err != nil {
		t.Fatal(err)
	}
	for _, in := range []service.OfferInput{{HelpRequestID: w.help(t)}, {IssueID: is.ID}} {
		errs := race(n, func(i int) error {
			in := in
			in.VolunteerID = vols[i].UserID
			_, err := w.s.Dispatches.Offer(ctx, w.captain, in)
			return err
		})
		if k := kinds(errs); k[-1] != 1 || k[service.KindConflict] != n-1 {
			t.Fatalf("offers of %+v: %v (%v)", in, k, errs)
		}
	}
	total := int64(0)
	for _, v := range vols {
		total += w.checkCounter(t, v, 3)
	}
	if total != 2 {
		t.Fatalf("%d open dispatches, want 2", total)
	}
}
