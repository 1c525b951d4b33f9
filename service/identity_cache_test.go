package service_test

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"

	"linli/app/apptest"
	"linli/config"
	"linli/model"
	"linli/service"
)

// meOf is GET /me as the token's user sees it.
type meOf struct {
	Nickname string `json:"nickname"`
	Phone    string `json:"phone"`
	Roles    []struct {
		Role string `json:"role"`
	} `json:"roles"`
	Residencies []struct {
		Status string `json:"status"`
	} `json:"residencies"`
}

func getMe(t *testing.T, e *apptest.Env, token string) meOf {
	t.Helper()
	var m meOf
	e.Do("GET", "/api/v1/me", nil, apptest.Token(token)).Want(t, 200).Data(t, &m)
	return m
}

// TestIdentityCacheFollowsEveryChange: GET /me and the policy read the cached identity, and
// every change to it shows in the very next request: a claim, its approval, a role granted and
// revoked (the revoked captain is refused at once), a new nickname, a bound phone, and the
// account's deletion.
func TestIdentityCacheFollowsEveryChange(t *testing.T) {
	t.Parallel()
	e := apptest.New(t, manyLogins)
	ctx := context.Background()
	s := e.App.Services
	c := e.MakeCommunity("缓存社区", 1, 2)
	staff := e.MakeStaff(c.ID, "cache-staff")
	u := e.DevLogin("cache-user")
	uid := e.ParseID(u.UserID)

	if m := getMe(t, e, u.Token); len(m.Residencies) != 0 || len(m.Roles) != 0 {
		t.Fatalf("new user: %+v", m)
	}
	if !s.Identities.Cached(ctx, uid) {
		t.Fatal("GET /me did not cache the identity")
	}
	claim := e.Claim(u.UserID, c.BuildingIDs[0], "101")
	if m := getMe(t, e, u.Token); len(m.Residencies) != 1 || m.Residencies[0].Status != model.ResidencyPending {
		t.Fatalf("after the claim: %+v", m)
	}
	// Not yet a resident: the building's issues are closed to them.
	e.Do("GET", "/api/v1/issues?scope=building", nil, apptest.Token(u.Token)).Want(t, 403)
	e.Do("POST", "/api/v1/residencies/"+claim+"/approve", nil, apptest.Token(staff.Token)).Want(t, 200)
	if m := getMe(t, e, u.Token); m.Residencies[0].Status != model.ResidencyApproved {
		t.Fatalf("after the approval: %+v", m)
	}
	e.Do("GET", "/api/v1/issues?scope=building", nil, apptest.Token(u.Token)).Want(t, 200)

	var grant struct {
		ID string `json:"id"`
	}
	e.Do("POST", "/api/v1/communities/"+c.ID+"/roles", map[string]any{"user_id": u.UserID, "role": "captain",
		"building_ids": []string{c.BuildingIDs[1]}}, apptest.Token(staff.Token)).Want(t, 201).Data(t, &grant)
	if m := getMe(t, e, u.Token); len(m.Roles) != 1 || m.Roles[0].Role != model.RoleCaptain {
		t.Fatalf("after the grant: %+v", m)
	}
	e.Do("GET", "/api/v1/residencies?building_id="+c.BuildingIDs[1], nil, apptest.Token(u.Token)).Want(t, 200)
	e.Do("DELETE", "/api/v1/communities/"+c.ID+"/roles/"+grant.ID, nil, apptest.Token(staff.Token)).Want(t, 204)
	e.Do("GET", "/api/v1/residencies?building_id="+c.BuildingIDs[1], nil, apptest.Token(u.Token)).Want(t, 403)
	if m := getMe(t, e, u.Token); len(m.Roles) != 0 {
		t.Fatalf("after the revocation: %+v", m)
	}

	var patched meOf
	e.Do("PATCH", "/api/v1/me", map[string]string{"nickname": "新名字"}, apptest.Token(u.Token)).Want(t, 200).Data(t, &patched)
	if patched.Nickname != "新名字" || getMe(t, e, u.Token).Nickname != "新名字" {
		t.Fatalf("after the rename: %+v", patched)
	}
	e.Do("POST", "/api/v1/me/phone", map[string]string{"code": "13800001234"}, apptest.Token(u.Token)).Want(t, 200)
	if m := getMe(t, e, u.Token); m.Phone != "138****1234" {
		t.Fatalf("after the phone: %+v", m)
	}
	e.Do("DELETE", "/api/v1/me", nil, apptest.Token(u.Token)).Want(t, 204)
	e.Do("GET", "/api/v1/me", nil, apptest.Token(u.Token)).Want(t, 401)
	p, err := s.Principals.Load(ctx, uid)
	if err != nil || p.Related(e.ParseID(c.ID)) {
		t.Fatalf("the erased user still relates to the community: %+v %v", p, err)
	}
}

// TestIdentityCacheRefusesAStaleLoad: a reader that read the generation, then the database,
// before a change committed cannot store what it read once the change has answered.
func TestIdentityCacheRefusesAStaleLoad(t *testing.T) {
	t.Parallel()
	e := apptest.New(t, manyLogins)
	ctx := context.Background()
	s := e.App.Services
	c := e.MakeCommunity("缓存社区", 1, 1)
	u := e.ParseID(e.DevLogin("stale-user").UserID)
	seen := s.Identities.Generation(ctx, u)
	// The reader's load happens here, before the grant; the grant commits and answers…
	if _, _, err := s.Roles.Grant(ctx, service.Grant{UserID: u, Role: model.RoleStaff, CommunityID: e.ParseID(c.ID)}); err != nil {
		t.Fatal(err)
	}
	// …and the reader now offers its (pre-grant) view under the generation it saw.
	if stored, err := s.Identities.FillAs(ctx, u, seen); err != nil || stored {
		t.Fatalf("a load from before the change was stored: %v %v", stored, err)
	}
	p, err := s.Principals.Load(ctx, u)
	if err != nil || !p.Staff[e.ParseID(c.ID)] {
		t.Fatalf("principal after the grant: %+v %v", p, err)
	}
	// A reader that saw the current generation stores.
	if stored, err := s.Identities.FillAs(ctx, u, s.Identities.Generation(ctx, u)); err != nil || !stored {
		t.Fatalf("a current load was refused: %v %v", stored, err)
	}
}

// TestIdentityCacheNeverGrantsARevokedRole: while readers hammer a user's principal (on
// two instances sharing the database and Redis when the tests run on MariaDB + Redis), the
// user's captaincy is granted and revoked again and again; right after each revocation returns,
// no instance lets the user act as captain, and right after each grant every one does.
func TestIdentityCacheNeverGrantsARevokedRole(t *testing.T) {
	t.Parallel()
	instances := sharedInstances(t)
	e := instances[0]
	ctx := context.Background()
	c := e.MakeCommunity("缓存社区", 1, 2)
	cid, b := e.ParseID(c.ID), e.ParseID(c.BuildingIDs[0])
	u := e.ParseID(e.DevLogin("flip-user").UserID)
	scope := service.Scope{CommunityID: cid, BuildingID: b}

	stop := make(chan struct{})
	var wg sync.WaitGroup
	var reads atomic.Int64
	var failed atomic.Value
	for i := range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ps := instances[i%len(instances)].App.Services.Principals
			for {
				select {
				case <-stop:
					return
				default:
				}
				if _, err := ps.Load(ctx, u); err != nil {
					failed.CompareAndSwap(nil, err.Error())
				}
				reads.Add(1)
			}
		}()
	}
	for round := range 15 {
		g, _, err := e.App.Services.Roles.Grant(ctx, service.Grant{UserID: u, Role: model.RoleCaptain, CommunityID: cid,
			BuildingIDs: []uint64{b}})
		if err != nil {
			t.Fatal(err)
		}
		for k, in := range instances {
			if p, err := in.App.Services.Principals.Load(ctx, u); err != nil || !p.Can(service.ActResidencyDecide, scope) {
				t.Fatalf("round %d, instance %d: the granted captain cannot decide (%v)", round, k, err)
			}
		}
		if err := e.App.Services.Roles.Revoke(ctx, cid, g.ID); err != nil {
			t.Fatal(err)
		}
		for k, in := range instances {
			if p, err := in.App.Services.Principals.Load(ctx, u); err != nil || p.Can(service.ActResidencyDecide, scope) {
				t.Fatalf("round %d, instance %d: the revoked captain can still decide (%v)", round, k, err)
			}
		}
	}
	close(stop)
	wg.Wait()
	if v := failed.Load(); v != nil {
		t.Fatalf("a read failed: %v", v)
	}
	if reads.Load() == 0 {
		t.Fatal("no concurrent reads happened")
	}
}

// TestRenameRefreshesLeaderboardCards: the leaderboard caches volunteers' names for a minute;
// a rename or an account's deletion drops the card at once, so the next read shows it.
func TestRenameRefreshesLeaderboardCards(t *testing.T) {
	t.Parallel()
	b := newBank(t)
	s := b.e.App.Services
	v := b.person("v", 0)
	b.record(v, 120, 100, b.e.Clock.Now())
	if _, err := s.TimeBank.CreditPending(b.ctx); err != nil {
		t.Fatal(err)
	}
	name := func() string {
		t.Helper()
		board := boardOf(t, b, b.staff, service.MetricHours, service.PeriodAll, 0)
		if len(board.Items) != 1 {
			t.Fatalf("board: %+v", board.Items)
		}
		return board.Items[0].User.Nickname
	}
	if got := name(); got != fmt.Sprintf("v%d", v) {
		t.Fatalf("before: %q", got)
	}
	key := s.Leaderboards.CardsKey(b.community)
	if n, _ := b.e.App.Redis.Client.HExists(b.ctx, key, strconv.FormatUint(v, 10)).Result(); !n {
		t.Fatal("the card was not cached")
	}
	b.must(s.Users.UpdateMe(b.ctx, v, tbPtr("改名志愿者"), nil))
	if got := name(); got != "改名志愿者" {
		t.Fatalf("after the rename the board shows %q", got)
	}
	b.must(s.Users.Delete(b.ctx, v))
	if got := name(); got != model.DeletedNickname {
		t.Fatalf("after the deletion the board shows %q", got)
	}
}

// TestIdentityWithoutRedis: with Redis unreachable, logins, GET /me and the policy answer from
// the database, and a revoked role is refused at once.
func TestIdentityWithoutRedis(t *testing.T) {
	t.Parallel()
	e := apptest.New(t, manyLogins, func(c *config.Config) { c.Redis.Addr, c.Redis.Cluster = "127.0.0.1:1", false })
	ctx := context.Background()
	c := e.MakeCommunity("无缓存社区", 1, 1)
	u := e.DevLogin("nocache-staff")
	role := e.Grant(u.UserID, model.RoleStaff, c.ID)
	if m := getMe(t, e, u.Token); len(m.Roles) != 1 {
		t.Fatalf("staff without Redis: %+v", m)
	}
	e.Do("GET", "/api/v1/residencies", nil, apptest.Token(u.Token)).Want(t, 200)
	if err := e.App.Services.Roles.Revoke(ctx, e.ParseID(c.ID), e.ParseID(role)); err != nil {
		t.Fatal(err)
	}
	e.Do("GET", "/api/v1/residencies", nil, apptest.Token(u.Token)).Want(t, 403)
	if m := getMe(t, e, u.Token); len(m.Roles) != 0 {
		t.Fatalf("after the revocation without Redis: %+v", m)
	}
}

// sharedInstances is one server, and on MariaDB + Redis a second one sharing its database and
// Redis (the in-process Redis of the embedded back end is one server's own).
func sharedInstances(t *testing.T) []*apptest.Env {
	t.Helper()
	cfg := apptest.Config(t, manyLogins)
	instances := []*apptest.Env{apptest.FromConfig(t, cfg)}
	if apptest.Backend() == "mysql+redis" {
		instances = append(instances, apptest.FromConfig(t, cfg))
	}
	return instances
}
