package api_test

import (
	"fmt"
	"strings"
	"testing"

	"linli/app/apptest"
)

type residencyData struct {
	ID           string `json:"id"`
	UserID       string `json:"user_id"`
	CommunityID  string `json:"community_id"`
	BuildingID   string `json:"building_id"`
	BuildingName string `json:"building_name"`
	EstateName   string `json:"estate_name"`
	Room         string `json:"room"`
	Status       string `json:"status"`
	Reason       string `json:"reason"`
	DecidedAt    string `json:"decided_at"`
	Nickname     string `json:"nickname"`
	Phone        string `json:"phone"`
}

func claimRoom(t *testing.T, e *apptest.Env, s apptest.Session, buildingID, room string) *apptest.Response {
	t.Helper()
	return e.Do("POST", "/api/v1/me/residencies", map[string]string{"building_id": buildingID, "room": room},
		apptest.Token(s.Token))
}

func myResidencies(t *testing.T, e *apptest.Env, s apptest.Session) []residencyData {
	t.Helper()
	var me struct {
		Residencies []residencyData `json:"residencies"`
	}
	e.Do("GET", "/api/v1/me", nil, apptest.Token(s.Token)).Want(t, 200).Data(t, &me)
	return me.Residencies
}

func TestClaimResidency(t *testing.T) {
	t.Parallel()
	e := apptest.New(t)
	c := e.MakeCommunity("东亭社区", 1, 2)
	staff := e.MakeStaff(c.ID, "staff")
	u := e.DevLogin("claimant")
	b := c.BuildingIDs[0]

	claimRoom(t, e, apptest.Session{Token: "nope"}, b, "101").Want(t, 401)
	e.Do("POST", "/api/v1/me/residencies", map[string]string{"building_id": b, "room": "101"}).Want(t, 401)
	wantInvalid(t, e.Do("POST", "/api/v1/me/residencies", map[string]string{"room": "101"}, apptest.Token(u.Token)), "building_id")
	wantInvalid(t, claimRoom(t, e, u, "x1", "101"), "building_id")
	wantInvalid(t, claimRoom(t, e, u, b, ""), "room")
	wantInvalid(t, claimRoom(t, e, u, b, "   "), "room")
	wantInvalid(t, claimRoom(t, e, u, b, strings.Repeat("1", 33)), "room")
	if eb := claimRoom(t, e, u, "999999", "101").Want(t, 404).Err(t); strings.Contains(eb.Message, "999999") {
		t.Fatalf("404 message: %s", eb.Message)
	}

	var r residencyData
	claimRoom(t, e, u, b, " a-１０１ ").Want(t, 201).Data(t, &r)
	if r.Status != "pending" || r.Room != "A-101" || r.BuildingID != b || r.CommunityID != c.ID || r.UserID != u.UserID ||
		r.BuildingName != "1栋" || r.EstateName != "1号院" {
		t.Fatalf("claim: %+v", r)
	}
	// The same room again, however spelled, while pending.
	if eb := claimRoom(t, e, u, b, "A-101").Want(t, 409).Err(t); !strings.Contains(eb.Message, "待审核") {
		t.Fatalf("409 should say pending: %s", eb.Message)
	}
	// Another room or building is another claim.
	claimRoom(t, e, u, c.BuildingIDs[1], "A-101").Want(t, 201)

	// Rejected, then claimed again: the same claim reopens as pending.
	e.Do("POST", "/api/v1/residencies/"+r.ID+"/reject", map[string]string{"reason": "房号不存在"},
		apptest.Token(staff.Token)).Want(t, 200)
	var again residencyData
	claimRoom(t, e, u, b, "a-101").Want(t, 201).Data(t, &again)
	if again.ID != r.ID || again.Status != "pending" || again.Reason != "" || again.DecidedAt != "" {
		t.Fatalf("reopened: %+v", again)
	}
	e.Do("POST", "/api/v1/residencies/"+r.ID+"/approve", nil, apptest.Token(staff.Token)).Want(t, 200)
	if eb := claimRoom(t, e, u, b, "A-101").Want(t, 409).Err(t); !strings.Contains(eb.Message, "已通过") {
		t.Fatalf("409 should say approved: %s", eb.Message)
	}
	got := myResidencies(t, e, u)
	if len(got) != 2 {
		t.Fatalf("GET /me residencies: %+v", got)
	}
}

func TestResidencyQueueScope(t *testing.T) {
	t.Parallel()
	e := apptest.New(t)
	c1 := e.MakeCommunity("东亭社区", 1, 2)
	c2 := e.MakeCommunity("东环路社区", 1, 1)
	b1, b2, b3 := c1.BuildingIDs[0], c1.BuildingIDs[1], c2.BuildingIDs[0]
	captain := e.MakeCaptain(c1.ID, "captain", b1)
	staff1 := e.MakeStaff(c1.ID, "staff1")
	staff2 := e.MakeStaff(c2.ID, "staff2")
	admin := e.MakeAdmin("admin")
	resident := e.MakeResident("resident", b2, "902")

	alice := e.DevLogin("alice")
	e.Do("POST", "/api/v1/me/phone", map[string]string{"code": "13812345678"}, apptest.Token(alice.Token)).Want(t, 200)
	claimRoom(t, e, alice, b1, "101").Want(t, 201)
	claimRoom(t, e, alice, b1, "102").Want(t, 201)
	bob := e.DevLogin("bob")
	claimRoom(t, e, bob, b2, "201").Want(t, 201)
	claimRoom(t, e, bob, b3, "301").Want(t, 201)

	list := func(s apptest.Session, query string) []residencyData {
		t.Helper()
		var p placesPage[residencyData]
		e.Do("GET", "/api/v1/residencies"+query, nil, apptest.Token(s.Token)).Want(t, 200).Data(t, &p)
		return p.Items
	}
	rooms := func(items []residencyData) string {
		var out []string
		for _, r := range items {
			out = append(out, r.Room)
		}
		return strings.Join(out, ",")
	}
	if got := rooms(list(captain, "")); got != "101,102" {
		t.Fatalf("captain sees %s", got)
	}
	if got := rooms(list(staff1, "")); got != "101,102,201" {
		t.Fatalf("staff sees %s", got)
	}
	if got := rooms(list(staff2, "?status=pending")); got != "301" {
		t.Fatalf("other staff sees %s", got)
	}
	if got := rooms(list(admin, "")); got != "101,102,201,301" {
		t.Fatalf("admin sees %s", got)
	}
	if got := rooms(list(staff1, "?building_id="+b2)); got != "201" {
		t.Fatalf("staff filtered by building sees %s", got)
	}
	if got := rooms(list(staff1, "?status=approved")); got != "902" {
		t.Fatalf("staff approved list: %s", got)
	}

	// The phone, in full, for those in scope who may call; the nickname for all.
	items := list(captain, "")
	if items[0].Phone != "13812345678" || items[0].Nickname == "" || items[0].UserID != alice.UserID {
		t.Fatalf("captain's item: %+v", items[0])
	}
	for _, it := range list(admin, "") {
		if it.Phone != "" {
			t.Fatalf("admin outside staff/captain scope sees a phone: %+v", it)
		}
	}

	// Paging, oldest first.
	var p placesPage[residencyData]
	e.Do("GET", "/api/v1/residencies?limit=2", nil, apptest.Token(staff1.Token)).Want(t, 200).Data(t, &p)
	if rooms(p.Items) != "101,102" || p.NextCursor == "" {
		t.Fatalf("page 1: %+v", p)
	}
	e.Do("GET", "/api/v1/residencies?limit=2&cursor="+p.NextCursor, nil, apptest.Token(staff1.Token)).Want(t, 200).Data(t, &p)
	if rooms(p.Items) != "201" || p.NextCursor != "" {
		t.Fatalf("page 2: %+v", p)
	}

	e.Do("GET", "/api/v1/residencies", nil).Want(t, 401)
	e.Do("GET", "/api/v1/residencies", nil, apptest.Token(resident.Token)).Want(t, 403)
	e.Do("GET", "/api/v1/residencies", nil, apptest.Token(alice.Token)).Want(t, 403)
	e.Do("GET", "/api/v1/residencies?community_id="+c1.ID, nil, apptest.Token(resident.Token)).Want(t, 403)
	e.Do("GET", "/api/v1/residencies?building_id="+b2, nil, apptest.Token(captain.Token)).Want(t, 403)
	e.Do("GET", "/api/v1/residencies?community_id="+c1.ID, nil, apptest.Token(staff2.Token)).Want(t, 404)
	e.Do("GET", "/api/v1/residencies?building_id="+b1, nil, apptest.Token(staff2.Token)).Want(t, 404)
	e.Do("GET", "/api/v1/residencies?building_id=999999", nil, apptest.Token(staff1.Token)).Want(t, 404)
	wantInvalid(t, e.Do("GET", "/api/v1/residencies?status=done", nil, apptest.Token(staff1.Token)), "status")
	wantInvalid(t, e.Do("GET", "/api/v1/residencies?building_id=b1", nil, apptest.Token(staff1.Token)), "building_id")
	wantInvalid(t, e.Do("GET", "/api/v1/residencies?community_id=-1", nil, apptest.Token(staff1.Token)), "community_id")
	wantInvalid(t, e.Do("GET", "/api/v1/residencies?community_id="+c2.ID+"&building_id="+b1, nil,
		apptest.Token(admin.Token)), "building_id")
	wantInvalid(t, e.Do("GET", "/api/v1/residencies?limit=101", nil, apptest.Token(staff1.Token)), "limit")
}

func TestDecideResidency(t *testing.T) {
	t.Parallel()
	e := apptest.New(t)
	c1 := e.MakeCommunity("雨湖社区", 1, 2)
	c2 := e.MakeCommunity("锦山源社区", 1, 1)
	b1, b2 := c1.BuildingIDs[0], c1.BuildingIDs[1]
	captain1 := e.MakeCaptain(c1.ID, "captain1", b1)
	captain2 := e.MakeCaptain(c1.ID, "captain2", b2)
	captainElsewhere := e.MakeCaptain(c2.ID, "captain3", c2.BuildingIDs[0])
	staff1 := e.MakeStaff(c1.ID, "staff1")
	staff2 := e.MakeStaff(c2.ID, "staff2")
	resident := e.MakeResident("resident", b1, "999")
	u := e.DevLogin("claimant")
	var r1, r2 residencyData
	claimRoom(t, e, u, b1, "101").Want(t, 201).Data(t, &r1)
	claimRoom(t, e, u, b1, "102").Want(t, 201).Data(t, &r2)
	approve := "/api/v1/residencies/" + r1.ID + "/approve"
	reject := "/api/v1/residencies/" + r2.ID + "/reject"
	reason := map[string]string{"reason": "该房间已有认证住户"}

	e.Do("POST", approve, nil).Want(t, 401)
	e.Do("POST", approve, nil, apptest.Token(captain2.Token)).Want(t, 403)
	e.Do("POST", approve, nil, apptest.Token(resident.Token)).Want(t, 403)
	e.Do("POST", approve, nil, apptest.Token(u.Token)).Want(t, 404) // a pending claim is no relation
	e.Do("POST", approve, nil, apptest.Token(staff2.Token)).Want(t, 404)
	e.Do("POST", approve, nil, apptest.Token(captainElsewhere.Token)).Want(t, 404)
	e.Do("POST", "/api/v1/residencies/999999/approve", nil, apptest.Token(staff1.Token)).Want(t, 404)
	wantInvalid(t, e.Do("POST", "/api/v1/residencies/abc/approve", nil, apptest.Token(staff1.Token)), "id")

	var got residencyData
	e.Do("POST", approve, nil, apptest.Token(captain1.Token)).Want(t, 200).Data(t, &got)
	if got.ID != r1.ID || got.Status != "approved" || got.DecidedAt == "" {
		t.Fatalf("approved: %+v", got)
	}
	if eb := e.Do("POST", approve, nil, apptest.Token(staff1.Token)).Want(t, 409).Err(t); !strings.Contains(eb.Message, "已通过") {
		t.Fatalf("409 should name the state: %s", eb.Message)
	}
	e.Do("POST", "/api/v1/residencies/"+r1.ID+"/reject", reason, apptest.Token(staff1.Token)).Want(t, 409)

	e.Do("POST", reject, reason).Want(t, 401)
	e.Do("POST", reject, reason, apptest.Token(captain2.Token)).Want(t, 403)
	e.Do("POST", reject, reason, apptest.Token(staff2.Token)).Want(t, 404)
	wantInvalid(t, e.Do("POST", reject, map[string]string{}, apptest.Token(staff1.Token)), "reason")
	wantInvalid(t, e.Do("POST", reject, map[string]string{"reason": "  "}, apptest.Token(staff1.Token)), "reason")
	wantInvalid(t, e.Do("POST", reject, map[string]string{"reason": strings.Repeat("长", 201)}, apptest.Token(staff1.Token)), "reason")
	e.Do("POST", reject, reason, apptest.Token(staff1.Token)).Want(t, 200).Data(t, &got)
	if got.Status != "rejected" || got.Reason != reason["reason"] {
		t.Fatalf("rejected: %+v", got)
	}

	// The claimant sees both outcomes; the approval makes them a resident of the building.
	statuses := map[string]string{}
	for _, r := range myResidencies(t, e, u) {
		statuses[r.Room] = r.Status + "/" + r.Reason
	}
	if statuses["101"] != "approved/" || statuses["102"] != "rejected/"+reason["reason"] {
		t.Fatalf("claimant sees %v", statuses)
	}
	e.Do("POST", "/api/v1/residencies/"+r1.ID+"/approve", nil, apptest.Token(u.Token)).Want(t, 403)
}

// TestResidencyDecisionsRaceOverHTTP: several deciders at once through the router; one wins.
func TestResidencyDecisionsRaceOverHTTP(t *testing.T) {
	t.Parallel()
	e := apptest.New(t)
	c := e.MakeCommunity("东亭社区", 1, 1)
	staff := e.MakeStaff(c.ID, "staff")
	captain := e.MakeCaptain(c.ID, "captain", c.BuildingIDs[0])
	u := e.DevLogin("claimant")
	id := e.Claim(u.UserID, c.BuildingIDs[0], "101")
	const n = 8
	statuses := make(chan int, n)
	for i := range n {
		tok, action, body := staff.Token, "approve", any(nil)
		if i%2 == 1 {
			tok, action, body = captain.Token, "reject", map[string]string{"reason": fmt.Sprint("理由", i)}
		}
		go func() {
			statuses <- e.Do("POST", "/api/v1/residencies/"+id+"/"+action, body, apptest.Token(tok)).Status
		}()
	}
	count := map[int]int{}
	for range n {
		count[<-statuses]++
	}
	if count[200] != 1 || count[409] != n-1 {
		t.Fatalf("statuses: %v", count)
	}
}

func TestCaptainCannotApproveOwnClaim(t *testing.T) {
	t.Parallel()
	e := apptest.New(t)
	c := e.MakeCommunity("自审社区", 1, 1)
	capt := e.MakeCaptain(c.ID, "self-captain", c.BuildingIDs[0])
	id := e.Claim(capt.UserID, c.BuildingIDs[0], "101")
	e.Do("POST", "/api/v1/residencies/"+id+"/approve", nil, apptest.Token(capt.Token)).Want(t, 403)
	staff := e.MakeStaff(c.ID, "other-staff")
	e.Do("POST", "/api/v1/residencies/"+id+"/approve", nil, apptest.Token(staff.Token)).Want(t, 200)
}

func TestPendingClaimsAreCapped(t *testing.T) {
	t.Parallel()
	e := apptest.New(t)
	c := e.MakeCommunity("上限社区", 1, 1)
	u := e.DevLogin("many-claims")
	for i := range 5 {
		e.Do("POST", "/api/v1/me/residencies", map[string]any{"building_id": c.BuildingIDs[0], "room": fmt.Sprint(200 + i)},
			apptest.Token(u.Token)).Want(t, 201)
	}
	e.Do("POST", "/api/v1/me/residencies", map[string]any{"building_id": c.BuildingIDs[0], "room": "999"},
		apptest.Token(u.Token)).Want(t, 409)
}
