package service_test

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"linli/app/apptest"
	"linli/model"
	"linli/service"
)

// TestConcurrentGrants: grants to many users at once all succeed (no deadlock on MariaDB's gap
// locks), and grants of captain to one user at once leave one role with one of the sets.
func TestConcurrentGrants(t *testing.T) {
	t.Parallel()
	e := apptest.New(t, manyLogins)
	ctx := context.Background()
	c := e.MakeCommunity("东亭社区", 2, 5)
	cid := e.ParseID(c.ID)
	roles := e.App.Services.Roles
	var buildings []uint64
	for _, b := range c.BuildingIDs {
		buildings = append(buildings, e.ParseID(b))
	}
	const n = 12
	users := make([]uint64, n)
	for i := range users {
		users[i] = e.ParseID(e.DevLogin(fmt.Sprint("user", i)).UserID)
	}

	errs := race(n, func(i int) error {
		g := service.Grant{UserID: users[i], Role: model.RoleCaptain, CommunityID: cid,
			BuildingIDs: []uint64{buildings[i%len(buildings)], buildings[(i+3)%len(buildings)]}}
		if i%3 == 0 {
			g.Role, g.BuildingIDs = model.RoleStaff, nil
		}
		_, _, err := roles.Grant(ctx, g)
		return err
	})
	for i, err := range errs {
		if err != nil {
			t.Fatalf("grant %d: %v", i, err)
		}
	}

	sets := make([][]uint64, n)
	created := make([]bool, n)
	errs = race(n, func(i int) error {
		sets[i] = []uint64{buildings[i%len(buildings)], buildings[(i+1)%len(buildings)], buildings[(i+5)%len(buildings)]}
		slices.Sort(sets[i])
		_, cr, err := roles.Grant(ctx, service.Grant{UserID: users[1], Role: model.RoleCaptain, CommunityID: cid,
			BuildingIDs: sets[i]})
		created[i] = cr
		return err
	})
	for i, err := range errs {
		if err != nil {
			t.Fatalf("regrant %d: %v", i, err)
		}
		if created[i] {
			t.Fatalf("regrant %d created a second role", i)
		}
	}
	got, err := e.App.Store.RolesOfUser(ctx, users[1])
	if err != nil || len(got) != 1 {
		t.Fatalf("roles of user 1: %+v (%v)", got, err)
	}
	if !slices.ContainsFunc(sets, func(s []uint64) bool { return slices.Equal(s, got[0].BuildingIDs) }) {
		t.Fatalf("building set %v is none of those granted", got[0].BuildingIDs)
	}
}

// TestGrantRacingAccountDeletion: a grant and the account's deletion at once never leave a
// role (or a captain's building) behind for the deleted user.
func TestGrantRacingAccountDeletion(t *testing.T) {
	t.Parallel()
	e := apptest.New(t, manyLogins)
	ctx := context.Background()
	c := e.MakeCommunity("东亭社区", 1, 3)
	cid := e.ParseID(c.ID)
	const n = 8
	users := make([]uint64, n)
	for i := range users {
		users[i] = e.ParseID(e.DevLogin(fmt.Sprint("user", i)).UserID)
	}
	errs := race(2*n, func(i int) error {
		u := users[i/2]
		if i%2 == 0 {
			return e.App.Services.Users.Delete(ctx, u)
		}
		_, _, err := e.App.Services.Roles.Grant(ctx, service.Grant{UserID: u, Role: model.RoleCaptain, CommunityID: cid,
			BuildingIDs: []uint64{e.ParseID(c.BuildingIDs[0]), e.ParseID(c.BuildingIDs[2])}})
		if service.KindOf(err) == service.KindNotFound {
			return nil // deleted first
		}
		return err
	})
	for i, err := range errs {
		if err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
	}
	for _, table := range []string{"roles", "role_buildings"} {
		if k, err := e.App.Store.Count(ctx, table, ""); err != nil || k != 0 {
			t.Fatalf("%s: %d rows left for deleted users (%v)", table, k, err)
		}
	}
}
