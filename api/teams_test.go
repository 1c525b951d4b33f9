package api_test

import (
	"fmt"
	"testing"

	"linli/app/apptest"
)

func TestTeams(t *testing.T) {
	t.Parallel()
	w := newActivityWorld(t, "")
	e := w.e
	var team struct {
		ID      string
		Members int
		Leaders []struct{ ID string }
		MyRole  string `json:"my_role"`
	}
	body := map[string]any{"community_id": w.c.ID, "name": "红帽队", "description": "夜间巡逻", "leader_ids": []string{w.leader.UserID}}
	e.Do("POST", "/api/v1/teams", body, apptest.Token(w.r1.Token)).Want(t, 403)
	e.Do("POST", "/api/v1/teams", body, apptest.Token(w.foreignStaff.Token)).Want(t, 404)
	e.Do("POST", "/api/v1/teams", map[string]any{"community_id": w.c.ID, "name": "外人队", "leader_ids": []string{w.foreignRes.UserID}},
		apptest.Token(w.staff.Token)).Want(t, 400)
	e.Do("POST", "/api/v1/teams", body, apptest.Token(w.staff.Token)).Want(t, 201).Data(t, &team)
	if team.Members != 1 || len(team.Leaders) != 1 || team.Leaders[0].ID != w.leader.UserID {
		t.Fatalf("team %+v", team)
	}
	e.Do("POST", "/api/v1/teams", body, apptest.Token(w.staff.Token)).Want(t, 409)
	member := func(s apptest.Session, uid, role string, want int) {
		e.Do("POST", "/api/v1/teams/"+team.ID+"/members", map[string]string{"user_id": uid, "role": role}, apptest.Token(s.Token)).Want(t, want)
	}
	member(w.r1, w.r1.UserID, "member", 200) // joins by themselves
	member(w.r1, w.r2.UserID, "member", 403) // not for others
	member(w.r1, w.r1.UserID, "leader", 403) // nor as leader
	member(w.leader, w.r2.UserID, "member", 200)
	member(w.leader, w.r3.UserID, "leader", 403)
	member(w.staff, w.foreignRes.UserID, "member", 400)
	member(w.user, w.user.UserID, "member", 404)
	var page struct {
		Items []struct {
			Members int
			MyRole  string `json:"my_role"`
		}
	}
	e.Do("GET", "/api/v1/communities/"+w.c.ID+"/teams", nil, apptest.Token(w.r1.Token)).Want(t, 200).Data(t, &page)
	if len(page.Items) != 1 || page.Items[0].Members != 3 || page.Items[0].MyRole != "member" {
		t.Fatalf("teams %+v", page)
	}
	e.Do("GET", "/api/v1/communities/"+w.c.ID+"/teams", nil, apptest.Token(w.foreignRes.Token)).Want(t, 404)
	// The leader organises the team's activities (any audience of the community) and manages them.
	var act activityData
	e.Do("POST", "/api/v1/activities", w.body(nil), apptest.Token(w.leader.Token)).Want(t, 403)
	e.Do("POST", "/api/v1/activities", w.body(map[string]any{"team_id": team.ID}), apptest.Token(w.leader.Token)).Want(t, 201).Data(t, &act)
	e.Do("POST", "/api/v1/activities/"+act.ID+"/publish", nil, apptest.Token(w.leader.Token)).Want(t, 200)
	e.Do("POST", "/api/v1/activities/"+act.ID+"/publish", nil, apptest.Token(w.r1.Token)).Want(t, 403)
	if a := w.get(act.ID, w.leader); !a.CanManage {
		t.Fatalf("the leader cannot manage %+v", a)
	}
	e.Do("DELETE", fmt.Sprintf("/api/v1/teams/%s/members/%s", team.ID, w.r2.UserID), nil, apptest.Token(w.r1.Token)).Want(t, 403)
	e.Do("DELETE", fmt.Sprintf("/api/v1/teams/%s/members/%s", team.ID, w.r1.UserID), nil, apptest.Token(w.r1.Token)).Want(t, 204)
	e.Do("DELETE", fmt.Sprintf("/api/v1/teams/%s/members/%s", team.ID, w.r1.UserID), nil, apptest.Token(w.r1.Token)).Want(t, 404)
	e.Do("DELETE", fmt.Sprintf("/api/v1/teams/%s/members/%s", team.ID, w.leader.UserID), nil, apptest.Token(w.staff.Token)).Want(t, 204)
}

func TestActivityTypes(t *testing.T) {
	t.Parallel()
	w := newActivityWorld(t, "")
	e := w.e
	path := "/api/v1/communities/" + w.c.ID + "/activity-types"
	e.Do("POST", path, map[string]any{"name": "义诊"}, apptest.Token(w.r1.Token)).Want(t, 403)
	e.Do("POST", path, map[string]any{"name": "义诊", "points_per_hour": "x"}, apptest.Token(w.staff.Token)).Want(t, 400)
	e.Do("POST", path, map[string]any{"name": "义诊", "points_per_hour": "11"}, apptest.Token(w.staff.Token)).Want(t, 400)
	var ty struct {
		ID string `json:"id"`
	}
	e.Do("POST", path, map[string]any{"name": "义诊", "points_per_hour": "2"}, apptest.Token(w.staff.Token)).Want(t, 201).Data(t, &ty)
	e.Do("POST", path, map[string]any{"name": "义诊"}, apptest.Token(w.staff.Token)).Want(t, 409)
	e.Do("PATCH", path+"/"+ty.ID, map[string]any{"points_per_hour": "2.5"}, apptest.Token(w.staff.Token)).Want(t, 200)
	var a activityData
	e.Do("POST", "/api/v1/activities", w.body(map[string]any{"type_id": ty.ID}), apptest.Token(w.staff.Token)).Want(t, 201).Data(t, &a)
	if a.PointsPerHour != "2.50" {
		t.Fatalf("the type's rule is not the default: %+v", a)
	}
	e.Do("PATCH", path+"/"+ty.ID, map[string]any{"active": false}, apptest.Token(w.staff.Token)).Want(t, 200)
	e.Do("POST", "/api/v1/activities", w.body(map[string]any{"type_id": ty.ID}), apptest.Token(w.staff.Token)).Want(t, 400)
	e.Do("GET", path+"?all=true", nil, apptest.Token(w.r1.Token)).Want(t, 403)
	e.Do("GET", path, nil, apptest.Token(w.foreignRes.Token)).Want(t, 404)
}
