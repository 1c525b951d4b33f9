package api_test

import (
	"fmt"
	"testing"

	"linli/app/apptest"
)

// placesPage is a page of a list response.
type placesPage[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"next_cursor"`
}

type communityData struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	District string `json:"district"`
}

type buildingData struct {
	ID          string `json:"id"`
	CommunityID string `json:"community_id"`
	EstateID    string `json:"estate_id"`
	EstateName  string `json:"estate_name"`
	Name        string `json:"name"`
}

// wantInvalid checks a 400 that names field.
func wantInvalid(t *testing.T, r *apptest.Response, field string) {
	t.Helper()
	if eb := r.Want(t, 400).Err(t); !eb.HasField(field) {
		t.Fatalf("400 should name %q: %s", field, r.Body)
	}
}

func TestCommunityDirectoryIsPublicAndPaged(t *testing.T) {
	t.Parallel()
	e := apptest.New(t)
	admin := e.MakeAdmin("admin")
	for i := 1; i <= 3; i++ {
		var c communityData
		e.Do("POST", "/api/v1/communities", map[string]string{"name": fmt.Sprintf("社区%d", i), "district": "东亭街道"},
			apptest.Token(admin.Token)).Want(t, 201).Data(t, &c)
		if c.ID == "" || c.Name != fmt.Sprintf("社区%d", i) || c.District != "东亭街道" {
			t.Fatalf("created: %+v", c)
		}
	}
	var p placesPage[communityData]
	e.Do("GET", "/api/v1/communities?limit=2", nil).Want(t, 200).Data(t, &p)
	if len(p.Items) != 2 || p.Items[0].Name != "社区1" || p.NextCursor == "" {
		t.Fatalf("first page: %+v", p)
	}
	var p2 placesPage[communityData]
	e.Do("GET", "/api/v1/communities?limit=2&cursor="+p.NextCursor, nil).Want(t, 200).Data(t, &p2)
	if len(p2.Items) != 1 || p2.Items[0].Name != "社区3" || p2.NextCursor != "" {
		t.Fatalf("last page: %+v", p2)
	}
	wantInvalid(t, e.Do("GET", "/api/v1/communities?limit=500", nil), "limit")
	wantInvalid(t, e.Do("GET", "/api/v1/communities?cursor=abc", nil), "cursor")
}

func TestCreateCommunity(t *testing.T) {
	t.Parallel()
	e := apptest.New(t)
	admin := e.MakeAdmin("admin")
	c := e.MakeCommunity("东亭社区", 1, 1)
	staff := e.MakeStaff(c.ID, "staff")
	body := map[string]string{"name": "东环路社区"}

	e.Do("POST", "/api/v1/communities", body).Want(t, 401).Err(t)
	e.Do("POST", "/api/v1/communities", body, apptest.Token(staff.Token)).Want(t, 403).Err(t)
	wantInvalid(t, e.Do("POST", "/api/v1/communities", map[string]string{"district": "x"}, apptest.Token(admin.Token)), "name")
	wantInvalid(t, e.Do("POST", "/api/v1/communities", map[string]string{"name": "   "}, apptest.Token(admin.Token)), "name")
	e.Do("POST", "/api/v1/communities", body, apptest.Token(admin.Token)).Want(t, 201)
	e.Do("POST", "/api/v1/communities", map[string]string{"name": " 东环路社区 "}, apptest.Token(admin.Token)).Want(t, 409).Err(t)
}

func TestEstates(t *testing.T) {
	t.Parallel()
	e := apptest.New(t)
	c1 := e.MakeCommunity("雨湖社区", 1, 2)
	c2 := e.MakeCommunity("禾缘社区", 1, 1)
	staff := e.MakeStaff(c1.ID, "staff1")
	other := e.MakeStaff(c2.ID, "staff2")
	captain := e.MakeCaptain(c1.ID, "captain", c1.BuildingIDs[0])
	resident := e.MakeResident("resident", c1.BuildingIDs[1], "101")
	admin := e.MakeAdmin("admin")
	path := "/api/v1/communities/" + c1.ID + "/estates"
	body := map[string]string{"name": "锦山源"}

	e.Do("POST", path, body).Want(t, 401)
	e.Do("POST", path, body, apptest.Token(captain.Token)).Want(t, 403)
	e.Do("POST", path, body, apptest.Token(resident.Token)).Want(t, 403)
	e.Do("POST", path, body, apptest.Token(other.Token)).Want(t, 404)
	wantInvalid(t, e.Do("POST", path, map[string]string{"name": ""}, apptest.Token(staff.Token)), "name")
	wantInvalid(t, e.Do("POST", "/api/v1/communities/x/estates", body, apptest.Token(admin.Token)), "id")
	e.Do("POST", "/api/v1/communities/999999/estates", body, apptest.Token(admin.Token)).Want(t, 404)
	e.Do("POST", "/api/v1/communities/999999/estates", body, apptest.Token(staff.Token)).Want(t, 404)
	var est struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	}
	e.Do("POST", path, body, apptest.Token(staff.Token)).Want(t, 201).Data(t, &est)
	if est.ID == "" || est.Name != "锦山源" {
		t.Fatalf("created: %+v", est)
	}
	e.Do("POST", path, body, apptest.Token(admin.Token)).Want(t, 409)
	e.Do("POST", "/api/v1/communities/"+c2.ID+"/estates", body, apptest.Token(admin.Token)).Want(t, 201)

	var p placesPage[struct {
		ID          string `json:"id"`
		CommunityID string `json:"community_id"`
		Name        string `json:"name"`
	}]
	e.Do("GET", path, nil).Want(t, 200).Data(t, &p)
	if len(p.Items) != 2 || p.Items[1].Name != "锦山源" || p.Items[1].CommunityID != c1.ID || p.NextCursor != "" {
		t.Fatalf("estates: %+v", p)
	}
	e.Do("GET", path+"?limit=1", nil).Want(t, 200).Data(t, &p)
	if len(p.Items) != 1 || p.NextCursor == "" {
		t.Fatalf("estates page 1: %+v", p)
	}
	e.Do("GET", path+"?limit=1&cursor="+p.NextCursor, nil).Want(t, 200).Data(t, &p)
	if len(p.Items) != 1 || p.Items[0].Name != "锦山源" || p.NextCursor != "" {
		t.Fatalf("estates page 2: %+v", p)
	}
	e.Do("GET", "/api/v1/communities/999999/estates", nil).Want(t, 404)
	e.Do("GET", path+"?limit=0x", nil).Want(t, 400)
}

func TestBuildings(t *testing.T) {
	t.Parallel()
	e := apptest.New(t)
	c1 := e.MakeCommunity("东亭社区", 2, 2)
	c2 := e.MakeCommunity("东环路社区", 1, 1)
	staff := e.MakeStaff(c1.ID, "staff1")
	other := e.MakeStaff(c2.ID, "staff2")
	captain := e.MakeCaptain(c1.ID, "captain", c1.BuildingIDs[0])
	path := "/api/v1/communities/" + c1.ID + "/buildings"
	est1, est2 := c1.EstateIDs[0], c1.EstateIDs[1]

	body := map[string]string{"estate_id": est1, "name": "3栋"}
	e.Do("POST", path, body).Want(t, 401)
	e.Do("POST", path, body, apptest.Token(captain.Token)).Want(t, 403)
	e.Do("POST", path, body, apptest.Token(other.Token)).Want(t, 404)
	wantInvalid(t, e.Do("POST", path, map[string]string{"name": "3栋"}, apptest.Token(staff.Token)), "estate_id")
	wantInvalid(t, e.Do("POST", path, map[string]string{"estate_id": "abc", "name": "3栋"}, apptest.Token(staff.Token)), "estate_id")
	wantInvalid(t, e.Do("POST", path, map[string]string{"estate_id": c2.EstateIDs[0], "name": "3栋"}, apptest.Token(staff.Token)), "estate_id")
	wantInvalid(t, e.Do("POST", path, map[string]string{"estate_id": est1}, apptest.Token(staff.Token)), "name")
	var b buildingData
	e.Do("POST", path, body, apptest.Token(staff.Token)).Want(t, 201).Data(t, &b)
	if b.EstateID != est1 || b.EstateName != "1号院" || b.CommunityID != c1.ID || b.Name != "3栋" {
		t.Fatalf("created: %+v", b)
	}
	e.Do("POST", path, body, apptest.Token(staff.Token)).Want(t, 409)
	// The same name in another estate is another building.
	e.Do("POST", path, map[string]string{"estate_id": est2, "name": "3栋"}, apptest.Token(staff.Token)).Want(t, 201)

	// Public, estate by estate, in the order entered, paged across the estate boundary.
	var all []buildingData
	cursor := ""
	for pages := 0; ; pages++ {
		var p placesPage[buildingData]
		e.Do("GET", path+"?limit=2&cursor="+cursor, nil).Want(t, 200).Data(t, &p)
		all = append(all, p.Items...)
		if cursor = p.NextCursor; cursor == "" || pages > 5 {
			break
		}
	}
	want := []string{"1号院/1栋", "1号院/2栋", "1号院/3栋", "2号院/1栋", "2号院/2栋", "2号院/3栋"}
	if len(all) != len(want) {
		t.Fatalf("buildings: %+v", all)
	}
	for i, w := range want {
		if got := all[i].EstateName + "/" + all[i].Name; got != w {
			t.Fatalf("building %d: %s, want %s", i, got, w)
		}
	}
	var p placesPage[buildingData]
	e.Do("GET", path+"?estate_id="+est2, nil).Want(t, 200).Data(t, &p)
	if len(p.Items) != 3 || p.Items[0].EstateID != est2 {
		t.Fatalf("estate filter: %+v", p)
	}
	wantInvalid(t, e.Do("GET", path+"?estate_id=abc", nil), "estate_id")
	wantInvalid(t, e.Do("GET", path+"?estate_id="+c2.EstateIDs[0], nil), "estate_id")
	wantInvalid(t, e.Do("GET", path+"?cursor=1", nil), "cursor")
	e.Do("GET", "/api/v1/communities/999999/buildings", nil).Want(t, 404)
}
