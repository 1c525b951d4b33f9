package api_test

import (
	"slices"
	"strconv"
	"testing"

	"linli/app/apptest"
)

type roleData struct {
	ID          string   `json:"id"`
	Role        string   `json:"role"`
	CommunityID string   `json:"community_id"`
	BuildingIDs []string `json:"building_ids"`
}

func myRoles(t *testing.T, e *apptest.Env, s apptest.Session) []roleData {
	t.Helper()
	var me struct {
		Roles []roleData `json:"roles"`
	}
	e.Do("GET", "/api/v1/me", nil, apptest.Token(s.Token)).Want(t, 200).Data(t, &me)
	return me.Roles
}

func TestGrantAndRevokeRoles(t *testing.T) {
	t.Parallel()
	e := apptest.New(t)
	c := e.MakeCommunity("东亭社区", 2, 2)
	staff := e.MakeStaff(c.ID, "staff")
	target := e.DevLogin("target")
	path := "/api/v1/communities/" + c.ID + "/roles"
	b := c.BuildingIDs

	var r roleData
	e.Do("POST", path, map[string]any{"user_id": target.UserID, "role": "captain", "building_ids": []string{b[2], b[0], b[0]}},
		apptest.Token(staff.Token)).Want(t, 201).Data(t, &r)
	if r.Role != "captain" || r.CommunityID != c.ID || !slices.Equal(r.BuildingIDs, []string{b[0], b[2]}) {
		t.Fatalf("captain: %+v", r)
	}
	// The new captain decides claims of their buildings at once.
	u := e.DevLogin("claimant")
	e.Do("POST", "/api/v1/residencies/"+e.Claim(u.UserID, b[0], "101")+"/approve", nil, apptest.Token(target.Token)).Want(t, 200)

	// Granting captain again replaces the building set.
	var r2 roleData
	e.Do("POST", path, map[string]any{"user_id": target.UserID, "role": "captain", "building_ids": []string{b[1], b[2]}},
		apptest.Token(staff.Token)).Want(t, 200).Data(t, &r2)
	if r2.ID != r.ID || !slices.Equal(r2.BuildingIDs, []string{b[1], b[2]}) {
		t.Fatalf("replaced: %+v", r2)
	}
	e.Do("POST", "/api/v1/residencies/"+e.Claim(u.UserID, b[0], "102")+"/approve", nil, apptest.Token(target.Token)).Want(t, 403)

	var s roleData
	e.Do("POST", path, map[string]any{"user_id": target.UserID, "role": "staff"}, apptest.Token(staff.Token)).Want(t, 201).Data(t, &s)
	e.Do("POST", path, map[string]any{"user_id": target.UserID, "role": "staff", "building_ids": []string{}},
		apptest.Token(staff.Token)).Want(t, 200)
	if roles := myRoles(t, e, target); len(roles) != 2 || roles[0].Role != "captain" || roles[1].Role != "staff" {
		t.Fatalf("GET /me roles: %+v", roles)
	}

	e.Do("DELETE", path+"/"+r.ID, nil, apptest.Token(staff.Token)).Want(t, 204)
	e.Do("DELETE", path+"/"+r.ID, nil, apptest.Token(staff.Token)).Want(t, 404)
	if roles := myRoles(t, e, target); len(roles) != 1 || roles[0].Role != "staff" {
		t.Fatalf("after revoke: %+v", roles)
	}
	// Revoking oneself is allowed, and the power goes at once: with no role left the user has
	// no relation to the community.
	e.Do("DELETE", path+"/"+s.ID, nil, apptest.Token(target.Token)).Want(t, 204)
	e.Do("POST", path, map[string]any{"user_id": target.UserID, "role": "staff"}, apptest.Token(target.Token)).Want(t, 404)
}

func TestGrantRoleBadInput(t *testing.T) {
	t.Parallel()
	e := apptest.New(t)
	c := e.MakeCommunity("东亭社区", 1, 2)
	other := e.MakeCommunity("东环路社区", 1, 1)
	staff := e.MakeStaff(c.ID, "staff")
	target := e.DevLogin("target")
	path := "/api/v1/communities/" + c.ID + "/roles"
	tok := apptest.Token(staff.Token)
	many := make([]string, 51)
	for i := range many {
		many[i] = strconv.Itoa(i + 1)
	}

	wantInvalid(t, e.Do("POST", path, map[string]any{"role": "staff"}, tok), "user_id")
	wantInvalid(t, e.Do("POST", path, map[string]any{"user_id": "x", "role": "staff"}, tok), "user_id")
	wantInvalid(t, e.Do("POST", path, map[string]any{"user_id": target.UserID}, tok), "role")
	wantInvalid(t, e.Do("POST", path, map[string]any{"user_id": target.UserID, "role": "admin"}, tok), "role")
	wantInvalid(t, e.Do("POST", path, map[string]any{"user_id": target.UserID, "role": "captain"}, tok), "building_ids")
	wantInvalid(t, e.Do("POST", path, map[string]any{"user_id": target.UserID, "role": "captain", "building_ids": []string{}}, tok), "building_ids")
	wantInvalid(t, e.Do("POST", path, map[string]any{"user_id": target.UserID, "role": "captain", "building_ids": many}, tok), "building_ids")
	wantInvalid(t, e.Do("POST", path, map[string]any{"user_id": target.UserID, "role": "captain",
		"building_ids": []string{c.BuildingIDs[0], other.BuildingIDs[0]}}, tok), "building_ids")
	wantInvalid(t, e.Do("POST", path, map[string]any{"user_id": target.UserID, "role": "captain",
		"building_ids": []string{"999999"}}, tok), "building_ids")
	wantInvalid(t, e.Do("POST", path, map[string]any{"user_id": target.UserID, "role": "staff",
		"building_ids": []string{c.BuildingIDs[0]}}, tok), "building_ids")
	wantInvalid(t, e.Do("DELETE", path+"/abc", nil, tok), "role_id")
	e.Do("POST", path, map[string]any{"user_id": "999999", "role": "staff"}, tok).Want(t, 404)

	// A deleted account cannot be granted anything.
	gone := e.DevLogin("gone")
	e.Do("DELETE", "/api/v1/me", nil, apptest.Token(gone.Token)).Want(t, 204)
	e.Do("POST", path, map[string]any{"user_id": gone.UserID, "role": "staff"}, tok).Want(t, 404)
	if roles := myRoles(t, e, target); len(roles) != 0 {
		t.Fatalf("bad requests granted something: %+v", roles)
	}
}

func TestRolesNeedStaffOfTheCommunity(t *testing.T) {
	t.Parallel()
	e := apptest.New(t)
	c1 := e.MakeCommunity("雨湖社区", 1, 1)
	c2 := e.MakeCommunity("禾缘社区", 1, 1)
	staff1 := e.MakeStaff(c1.ID, "staff1")
	staff2 := e.MakeStaff(c2.ID, "staff2")
	captain := e.MakeCaptain(c1.ID, "captain", c1.BuildingIDs[0])
	resident := e.MakeResident("resident", c1.BuildingIDs[0], "101")
	admin := e.MakeAdmin("admin")
	target := e.DevLogin("target")
	path := "/api/v1/communities/" + c1.ID + "/roles"
	body := map[string]any{"user_id": target.UserID, "role": "staff"}

	e.Do("POST", path, body).Want(t, 401)
	e.Do("POST", path, body, apptest.Token(captain.Token)).Want(t, 403)
	e.Do("POST", path, body, apptest.Token(resident.Token)).Want(t, 403)
	e.Do("POST", path, body, apptest.Token(staff2.Token)).Want(t, 404)
	e.Do("POST", path, body, apptest.Token(target.Token)).Want(t, 404)
	e.Do("POST", "/api/v1/communities/999999/roles", body, apptest.Token(admin.Token)).Want(t, 404)

	var r roleData
	e.Do("POST", path, body, apptest.Token(admin.Token)).Want(t, 201).Data(t, &r)
	e.Do("DELETE", path+"/"+r.ID, nil).Want(t, 401)
	e.Do("DELETE", path+"/"+r.ID, nil, apptest.Token(captain.Token)).Want(t, 403)
	e.Do("DELETE", path+"/"+r.ID, nil, apptest.Token(staff2.Token)).Want(t, 404)
	// A role of community 1 addressed through community 2, by community 2's staff: not there.
	e.Do("DELETE", "/api/v1/communities/"+c2.ID+"/roles/"+r.ID, nil, apptest.Token(staff2.Token)).Want(t, 404)
	// The admin role is not a community's to revoke.
	adminRoles := myRoles(t, e, admin)
	e.Do("DELETE", path+"/"+adminRoles[0].ID, nil, apptest.Token(staff1.Token)).Want(t, 404)
	e.Do("DELETE", path+"/"+r.ID, nil, apptest.Token(staff1.Token)).Want(t, 204)
}
