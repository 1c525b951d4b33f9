package apptest

import (
	"context"
	"fmt"
	"strconv"

	"linli/model"
	"linli/service"
)

// The fixtures below build places, roles and residents through the same service functions the
// API and the command line use (no hand-written rows), and fail the test on any error. Ids
// are strings, as the API spells them. Each helper that logs someone in uses dev login, which
// counts towards the login limits: per address (600 a minute by default, every test request
// comes from one) and per openid (10 a minute), which a test that logs one person in more
// often raises.

// Community is a community made by MakeCommunity.
type Community struct {
	ID   string
	Name string
	// EstateIDs lists its estates in the order they were made ("1号院", "2号院", …).
	EstateIDs []string
	// BuildingIDs lists every building, estate by estate ("1栋", "2栋", … in each).
	BuildingIDs []string
	// Buildings maps each estate id to the ids of its buildings.
	Buildings map[string][]string
}

// MakeCommunity creates a community with estates estates, each with perEstate buildings.
// Names of communities are unique per database, so give each community of a test its own.
func (e *Env) MakeCommunity(name string, estates, perEstate int) Community {
	e.T.Helper()
	ctx := context.Background()
	p := e.App.Services.Places
	cm, err := p.CreateCommunity(ctx, name, "测试街道")
	e.must("create community", err)
	out := Community{ID: idString(cm.ID), Name: cm.Name, Buildings: map[string][]string{}}
	for i := 1; i <= estates; i++ {
		est, err := p.CreateEstate(ctx, cm.ID, fmt.Sprintf("%d号院", i))
		e.must("create estate", err)
		eid := idString(est.ID)
		out.EstateIDs = append(out.EstateIDs, eid)
		for j := 1; j <= perEstate; j++ {
			b, err := p.CreateBuilding(ctx, cm.ID, est.ID, fmt.Sprintf("%d栋", j))
			e.must("create building", err)
			out.BuildingIDs = append(out.BuildingIDs, idString(b.ID))
			out.Buildings[eid] = append(out.Buildings[eid], idString(b.ID))
		}
	}
	return out
}

// Grant gives userID a role ("admin", "staff" or "captain") as `linli admin grant` does;
// communityID is "" for admin, buildingIDs are a captain's. It returns the role's id.
func (e *Env) Grant(userID, role, communityID string, buildingIDs ...string) string {
	e.T.Helper()
	g := service.Grant{UserID: e.ParseID(userID), Role: role}
	if communityID != "" {
		g.CommunityID = e.ParseID(communityID)
	}
	for _, b := range buildingIDs {
		g.BuildingIDs = append(g.BuildingIDs, e.ParseID(b))
	}
	r, _, err := e.App.Services.Roles.Grant(context.Background(), g)
	e.must("grant "+role, err)
	return idString(r.ID)
}

// MakeAdmin logs openid in and makes the user a platform admin.
func (e *Env) MakeAdmin(openid string) Session {
	e.T.Helper()
	s := e.DevLogin(openid)
	e.Grant(s.UserID, model.RoleAdmin, "")
	return s
}

// MakeStaff logs openid in and makes the user staff of the community.
func (e *Env) MakeStaff(communityID, openid string) Session {
	e.T.Helper()
	s := e.DevLogin(openid)
	e.Grant(s.UserID, model.RoleStaff, communityID)
	return s
}

// MakeCaptain logs openid in and makes the user captain of the buildings (at least one) of
// the community.
func (e *Env) MakeCaptain(communityID, openid string, buildingIDs ...string) Session {
	e.T.Helper()
	s := e.DevLogin(openid)
	e.Grant(s.UserID, model.RoleCaptain, communityID, buildingIDs...)
	return s
}

// Claim files the user's pending residency claim to a room of the building and returns its id.
func (e *Env) Claim(userID, buildingID, room string) string {
	e.T.Helper()
	r, err := e.App.Services.Residencies.Claim(context.Background(), e.ParseID(userID), e.ParseID(buildingID), room)
	e.must("claim residency", err)
	return idString(r.ID)
}

// Approve approves a pending residency claim, decided by the system (no decider recorded).
func (e *Env) Approve(residencyID string) {
	e.T.Helper()
	_, err := e.App.Services.Residencies.Approve(context.Background(), 0, e.ParseID(residencyID))
	e.must("approve residency", err)
}

// MakeResident logs openid in and gives the user an approved residency in the room of the
// building: an approved resident of the building's community.
func (e *Env) MakeResident(openid, buildingID, room string) Session {
	e.T.Helper()
	s := e.DevLogin(openid)
	e.Approve(e.Claim(s.UserID, buildingID, room))
	return s
}

// ParseID reads an id as the API spells it; the test fails on anything else.
func (e *Env) ParseID(id string) uint64 {
	e.T.Helper()
	v, err := strconv.ParseUint(id, 10, 64)
	if err != nil || v == 0 {
		e.T.Fatalf("not an id: %q", id)
	}
	return v
}

func (e *Env) must(what string, err error) {
	e.T.Helper()
	if err != nil {
		e.T.Fatalf("fixture: %s: %v", what, err)
	}
}

func idString(id uint64) string { return strconv.FormatUint(id, 10) }
