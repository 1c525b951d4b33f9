package app_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"linli/app"
	"linli/app/apptest"
	"linli/config"
	"linli/model"
	"linli/service"
)

// threeInstances builds three servers over one database and one Redis, as behind a load
// balancer, reading one clock: on MariaDB + Redis one schema and one key prefix; on the
// embedded back end one SQLite file, and the first instance's in-process Redis announced in
// the data directory and attached to by the other two.
func threeInstances(t *testing.T) []*apptest.Env {
	t.Helper()
	cfg := apptest.Config(t, func(c *config.Config) { c.Limits.LoginPerIP, c.Limits.LoginPerUser = 0, 0 })
	clk := apptest.SuiteClock(t)
	out := []*apptest.Env{apptest.FromConfigWith(t, cfg, clk, app.AnnounceEmbeddedRedis())}
	for range 2 {
		out = append(out, apptest.FromConfigWith(t, cfg, clk, app.AttachEmbeddedRedis()))
	}
	return out
}

// at returns the instance that serves request i: round robin, like the balancer.
func at(envs []*apptest.Env, i int) *apptest.Env { return envs[i%len(envs)] }

// rushAll sends f(i) for i in [0, n) at once, each from its own goroutine, and waits for all.
func rushAll(n int, f func(i int)) {
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			f(i)
		}()
	}
	close(start)
	wg.Wait()
}

// resident is one resident to make: where they live.
type resident struct {
	openid, building, room string
}

// makeResidents logs each resident in (dev login) and approves their claim through the
// services of instance i%3 for resident i, eight at a time (the set-up, not what is tested,
// so it should not dominate the test's time), and returns their sessions in order.
func makeResidents(t *testing.T, envs []*apptest.Env, people []resident) []apptest.Session {
	t.Helper()
	ctx := context.Background()
	out := make([]apptest.Session, len(people))
	errs := make([]error, len(people))
	next := make(chan int)
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				s, r := at(envs, i).App.Services, people[i]
				login, err := s.Auth.DevLogin(ctx, r.openid, "127.0.0.1")
				if err == nil {
					var v *model.ResidencyView
					if v, err = s.Residencies.Claim(ctx, login.UserID, envs[0].ParseID(r.building), r.room); err == nil {
						_, err = s.Residencies.Approve(ctx, 0, v.ID)
					}
				}
				out[i], errs[i] = apptest.Session{Token: login.Token, UserID: fmt.Sprint(login.UserID)}, err
			}
		}()
	}
	for i := range people {
		next <- i
	}
	close(next)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("resident %d: %v", i, err)
		}
	}
	return out
}

// principal loads a user's principal through an instance's services.
func principal(t *testing.T, e *apptest.Env, userID string) *service.Principal {
	t.Helper()
	p, err := e.App.Services.Principals.Load(context.Background(), e.ParseID(userID))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestThreeInstancesSignupRush: 60 residents (logged in on the three instances in turn) sign
// up at once for an activity of 20 places, their requests spread over the instances: every
// answer is a 201, exactly 20 are confirmed and 40 waitlisted at 1..40, and the stored roster
// and the activity's count agree.
func TestThreeInstancesSignupRush(t *testing.T) {
	t.Parallel()
	const people, places = 60, 20
	envs := threeInstances(t)
	e, ctx := envs[0], context.Background()
	c := e.MakeCommunity("三机报名社区", 1, 3)
	staff := e.MakeStaff(c.ID, "multi-signup-staff")
	var who []resident
	for i := range people {
		who = append(who, resident{fmt.Sprintf("multi-signup-%d", i), c.BuildingIDs[i%3], fmt.Sprint(101 + i)})
	}
	residents := makeResidents(t, envs, who)
	act := e.App.Services.Activities
	types, err := act.Types(ctx, e.ParseID(c.ID), true)
	if err != nil {
		t.Fatal(err)
	}
	now := e.Clock.Now()
	start, end, opens, cut := now.Add(2*time.Hour), now.Add(4*time.Hour), now.Add(-time.Minute), now.Add(time.Hour)
	title, place, capacity := "三机报名巡逻", "东门岗亭", places
	sp := principal(t, e, staff.UserID)
	a, err := act.Create(ctx, sp, service.ActivityInput{CommunityID: e.ParseID(c.ID), TypeID: &types[0].ID,
		Title: &title, Place: &place, StartAt: &start, EndAt: &end, Capacity: &capacity, SignupOpensAt: &opens, CancelCutoffAt: &cut})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := act.Publish(ctx, sp, a.ID); err != nil {
		t.Fatal(err)
	}
	path := fmt.Sprintf("/api/v1/activities/%d/signups", a.ID)
	codes, status, began := make([]int, people), make([]string, people), time.Now()
	rushAll(people, func(i int) {
		r := at(envs, i+1).Do("POST", path, nil, apptest.Token(residents[i].Token))
		codes[i] = r.Status
		if r.Status == 201 {
			var out struct {
				Status string `json:"status"`
			}
			r.Data(t, &out)
			status[i] = out.Status
		}
	})
	t.Logf("%d sign-ups over 3 instances in %s", people, time.Since(began).Round(time.Millisecond))
	got := map[string]int{}
	for i, code := range codes {
		if code != 201 {
			t.Fatalf("sign-up %d: status %d", i, code)
		}
		got[status[i]]++
	}
	if got[model.SignupConfirmed] != places || got[model.SignupWaitlisted] != people-places {
		t.Fatalf("answers %v, want %d confirmed and %d waitlisted", got, places, people-places)
	}
	rows, err := e.App.Store.Roster(ctx, a.ID, model.RosterCursor{}, 0)
	if err != nil {
		t.Fatal(err)
	}
	stored, positions := map[string]int{}, map[int]bool{}
	for _, r := range rows {
		stored[r.Status]++
		if r.Status == model.SignupWaitlisted {
			positions[r.Position] = true
		}
	}
	for p := 1; p <= people-places; p++ {
		if !positions[p] {
			t.Fatalf("waitlist positions %v are not 1..%d", positions, people-places)
		}
	}
	cur, err := e.App.Store.ActivityByID(ctx, a.ID)
	if err != nil || stored[model.SignupConfirmed] != places || cur.Confirmed != places {
		t.Fatalf("stored %v, activity counts %d confirmed (%v)", stored, cur.Confirmed, err)
	}
}

// TestThreeInstancesHouseholdBallots: ten households of three members each vote at once on
// one council vote, every member of a household on a different instance: exactly one ballot
// per household counts (the others are 409 本户已投票), the raw ballots number ten, and the
// closed vote's tally and turnout equal them.
func TestThreeInstancesHouseholdBallots(t *testing.T) {
	t.Parallel()
	const households, members = 10, 3
	envs := threeInstances(t)
	e, ctx := envs[0], context.Background()
	c := e.MakeCommunity("三机议事社区", 1, 1)
	b := c.BuildingIDs[0]
	staff := principal(t, e, e.MakeStaff(c.ID, "multi-vote-staff").UserID)
	var who []resident
	for h := range households {
		for m := range members {
			who = append(who, resident{fmt.Sprintf("multi-vote-%d-%d", h, m), b, fmt.Sprint(101 + h)})
		}
	}
	voters := makeResidents(t, envs, who)
	council := e.App.Services.Council
	tp, err := council.Propose(ctx, principal(t, e, voters[0].UserID), service.Proposal{CommunityID: e.ParseID(c.ID),
		Scope: "building", ScopeID: e.ParseID(b), Title: "楼道加装声控灯", Body: "3 单元楼道晚上太黑，老人上下楼不安全。"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := council.Transition(ctx, staff, tp.ID, "accept", ""); err != nil {
		t.Fatal(err)
	}
	v, err := council.OpenVote(ctx, staff, tp.ID, service.VoteSpec{Question: "是否同意在 1 栋楼道加装声控灯？",
		Options: []string{"同意", "不同意", "弃权"}, ClosesAt: e.Clock.Now().Add(time.Hour), QuorumPercent: 50, PassPercent: 50})
	if err != nil {
		t.Fatal(err)
	}
	path := fmt.Sprintf("/api/v1/votes/%d/ballots", v.ID)
	codes, msgs := make([]int, len(voters)), make([]string, len(voters))
	rushAll(len(voters), func(i int) {
		// Member m of each household votes on instance m.
		r := at(envs, i%members).Do("POST", path, map[string]any{"option": i % 3}, apptest.Token(voters[i].Token))
		codes[i] = r.Status
		if r.Status == 409 {
			msgs[i] = r.Err(t).Message
		}
	})
	won := map[int]int{}
	for i, code := range codes {
		switch {
		case code == 201:
			won[i/members]++
		case code != 409 || msgs[i] != "本户已投票":
			t.Fatalf("ballot %d: %d %q", i, code, msgs[i])
		}
	}
	for h := range households {
		if won[h] != 1 {
			t.Fatalf("household %d: %d ballots counted, want 1 (%v)", h, won[h], codes)
		}
	}
	raw, err := e.App.Store.Count(ctx, "council_ballots", "vote_id = ?", v.ID)
	if err != nil || raw != households {
		t.Fatalf("%d ballots stored (%v), want %d", raw, err, households)
	}
	e.Clock.Add(2 * time.Hour)
	if _, err := at(envs, 1).App.Services.Council.CloseDue(ctx); err != nil {
		t.Fatal(err)
	}
	var res struct {
		Turnout int `json:"turnout"`
		Options []struct {
			Count *int `json:"count"`
		} `json:"options"`
	}
	at(envs, 2).Do("GET", fmt.Sprintf("/api/v1/votes/%d/result", v.ID), nil, apptest.Token(e.DevLogin("multi-vote-staff").Token)).
		Want(t, 200).Data(t, &res)
	sum := 0
	for _, o := range res.Options {
		sum += *o.Count
	}
	if int64(res.Turnout) != raw || int64(sum) != raw {
		t.Fatalf("result: turnout %d, counts sum %d, raw ballots %d", res.Turnout, sum, raw)
	}
}

// TestThreeInstancesRevokedRoleRefusedEverywhere: staff of a community list its residency
// claims on all three instances (each answering from memory after the first reads); the role
// is revoked on instance 1, which refuses at once, and instances 2 and 3 refuse once the
// invalidation reaches them (polled, with a deadline) and never grant it again.
func TestThreeInstancesRevokedRoleRefusedEverywhere(t *testing.T) {
	t.Parallel()
	envs := threeInstances(t)
	e, ctx := envs[0], context.Background()
	c := e.MakeCommunity("三机权限社区", 1, 1)
	// A resident of the community: refused as such (403), not as a stranger (404).
	s := e.MakeResident("multi-revoke-staff", c.BuildingIDs[0], "101")
	list := func(in *apptest.Env) int {
		return in.Do("GET", "/api/v1/residencies?community_id="+c.ID, nil, apptest.Token(s.Token)).Status
	}
	for round := range 3 {
		role := e.Grant(s.UserID, model.RoleStaff, c.ID)
		for k, in := range envs {
			apptest.Eventually(t, fmt.Sprintf("round %d: the grant to show on instance %d", round, k+1), func() bool { return list(in) == 200 })
			for range 3 { // read again: answered from memory now
				if got := list(in); got != 200 {
					t.Fatalf("round %d, instance %d: granted role answered %d", round, k+1, got)
				}
			}
		}
		revoker := envs[round%len(envs)]
		if err := revoker.App.Services.Roles.Revoke(ctx, e.ParseID(c.ID), e.ParseID(role)); err != nil {
			t.Fatal(err)
		}
		if got := list(revoker); got != 403 {
			t.Fatalf("round %d: the revoking instance answered %d after the revoke", round, got)
		}
		began := time.Now()
		for k, in := range envs {
			apptest.Eventually(t, fmt.Sprintf("round %d: instance %d to refuse the revoked role", round, k+1), func() bool { return list(in) == 403 })
			for range 20 {
				if got := list(in); got != 403 {
					t.Fatalf("round %d, instance %d: the refused role was honoured again (%d)", round, k+1, got)
				}
			}
		}
		t.Logf("round %d: revoked on instance %d, refused everywhere within %s", round, round%3+1, time.Since(began).Round(time.Millisecond))
	}
}
