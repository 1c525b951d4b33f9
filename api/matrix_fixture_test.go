package api_test

// The fixture of the permission matrix (matrix_test.go): two communities, the actors, the
// people whose phone numbers must not leak, and the helpers that row builders use to make fresh
// resources for each attempt. Add helpers for a new capability's resources here or next to
// its rows.

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/png"
	"mime/multipart"
	"testing"

	"linli/app/apptest"
	"linli/config"
	"linli/model"
	"linli/service"
)

// newMatrix builds the two communities, the actors and the people whose phones must not leak;
// opts adjust the configuration further.
func newMatrix(t *testing.T, opts ...apptest.Option) *matrix {
	e := apptest.New(t, append([]apptest.Option{func(c *config.Config) {
		c.Limits.LoginPerIP, c.Limits.LoginPerUser, c.Limits.PhonePerIP, c.Limits.PhonePerUser = 0, 0, 0, 0
	}}, opts...)...)
	m := &matrix{e: e, phones: map[string]place{}}
	ctx := context.Background()
	pl := e.App.Services.Places
	next := A1
	for i, spec := range []struct {
		name, marker string
		estates      []string
	}{{"甲社区", "甲", []string{"甲东苑", "甲西苑"}}, {"乙社区", "乙", []string{"乙苑"}}} {
		c, err := pl.CreateCommunity(ctx, spec.name, "测试街道")
		mxMust(t, err)
		m.comms[i] = mxCommunity{id: mxID(c.ID), name: spec.name, marker: spec.marker, ids: map[string]map[string]bool{
			"community_id": {mxID(c.ID): true}, "estate_id": {}, "building_id": {}}}
		for j, en := range spec.estates {
			est, err := pl.CreateEstate(ctx, c.ID, en)
			mxMust(t, err)
			b, err := pl.CreateBuilding(ctx, c.ID, est.ID, fmt.Sprintf("%s%d栋", spec.marker, j+1))
			mxMust(t, err)
			m.comms[i].ids["estate_id"][mxID(est.ID)], m.comms[i].ids["building_id"][mxID(b.ID)] = true, true
			m.places[next] = mxPlace{community: i, estate: mxID(est.ID), building: mxID(b.ID)}
			next++
		}
	}
	for a := range numActors {
		m.actors[a] = m.newActor(t, a, a.String())
		if a != anon {
			x := &attempt{matrix: m, t: t, as: m.actors[a]}
			x.notice(m.actors[a].userID, x.noticeTitle())
		}
	}
	// The resident binds a phone the way the mini-program does.
	e.Do("POST", "/api/v1/me/phone", map[string]string{"code": "13800001234"},
		apptest.Token(m.actors[residentA1].token)).Want(t, 200)
	m.phones["13800001234"] = A1
	// In every place: a pending claimant and an approved neighbour, both with phones, so that
	// queues have numbers to show or to leak.
	for p := range numPlaces {
		x := &attempt{matrix: m, t: t, at: p}
		claimant := x.user()
		_, err := e.App.Services.Residencies.Claim(ctx, e.ParseID(claimant), e.ParseID(x.building()), "101")
		mxMust(t, err)
		x.bindPhone(claimant, p)
		neighbour := x.user()
		m.resident(t, neighbour, p)
		x.bindPhone(neighbour, p)
	}
	return m
}

// newActor makes a user with the roles and residency of actor a (anon: none) and a session.
func (m *matrix) newActor(t *testing.T, a actorID, openid string) *mxActor {
	t.Helper()
	out := &mxActor{id: a, home: -1, lives: nowhere}
	if a == anon {
		return out
	}
	ctx := context.Background()
	s := m.e.App.Services
	login, err := s.Auth.DevLogin(ctx, openid, "192.0.2.1")
	mxMust(t, err)
	out.token, out.userID = login.Token, mxID(login.UserID)
	grant := func(role string, c int, buildings ...place) {
		g := service.Grant{UserID: login.UserID, Role: role}
		if c >= 0 {
			g.CommunityID = m.e.ParseID(m.comms[c].id)
		}
		for _, b := range buildings {
			g.BuildingIDs = append(g.BuildingIDs, m.e.ParseID(m.places[b].building))
		}
		_, _, err := s.Roles.Grant(ctx, g)
		mxMust(t, err)
	}
	switch a {
	case residentA1:
		m.resident(t, out.userID, A1)
		out.home, out.lives = 0, A1
	case captainA1, captainA2:
		b := map[actorID]place{captainA1: A1, captainA2: A2}[a]
		grant(model.RoleCaptain, 0, b)
		out.home, out.calls = 0, []place{b}
	case staffA:
		grant(model.RoleStaff, 0)
		out.home, out.calls = 0, []place{A1, A2}
	case staffB:
		grant(model.RoleStaff, 1)
		out.home, out.calls = 1, []place{B1}
	case admin:
		grant(model.RoleAdmin, -1)
	}
	return out
}

// resident gives the user an approved residency in a fresh room of the place.
func (m *matrix) resident(t *testing.T, userID string, p place) {
	t.Helper()
	ctx := context.Background()
	r := m.e.App.Services.Residencies
	v, err := r.Claim(ctx, m.e.ParseID(userID), m.e.ParseID(m.places[p].building), fmt.Sprintf("R%d", m.seq.Add(1)))
	mxMust(t, err)
	_, err = r.Approve(ctx, 0, v.ID)
	mxMust(t, err)
}

// community is the id of the place's community.
func (x *attempt) community() string { return x.comms[x.places[x.at].community].id }

// estate is the id of the place's estate.
func (x *attempt) estate() string { return x.places[x.at].estate }

// building is the id of the place's building.
func (x *attempt) building() string { return x.places[x.at].building }

// unique is prefix followed by a number no other attempt gets.
func (x *attempt) unique(prefix string) string { return fmt.Sprintf("%s%d", prefix, x.seq.Add(1)) }

// name is a fresh name of a place in the place's community: it carries the community's marker
// (甲 or 乙), so the leak check recognises it.
func (x *attempt) name(kind string) string {
	return x.unique(x.comms[x.places[x.at].community].marker + kind)
}

// user makes a fresh user, as a first login would, and returns its id.
func (x *attempt) user() string {
	x.t.Helper()
	u, err := x.e.App.Services.Auth.EnsureUser(context.Background(), x.unique("someone-"))
	mxMust(x.t, err)
	return mxID(u.ID)
}

// claim files a fresh user's pending claim to a room of the place and returns its id.
func (x *attempt) claim() string {
	x.t.Helper()
	v, err := x.e.App.Services.Residencies.Claim(context.Background(), x.e.ParseID(x.user()),
		x.e.ParseID(x.building()), "101")
	mxMust(x.t, err)
	return mxID(v.ID)
}

// ownClaim files the caller's own pending claim to a fresh room of the place (anon: a fresh
// user's) and returns its id.
func (x *attempt) ownClaim() string {
	x.t.Helper()
	if x.as.userID == "" {
		return x.claim()
	}
	v, err := x.e.App.Services.Residencies.Claim(context.Background(), x.e.ParseID(x.as.userID),
		x.e.ParseID(x.building()), x.unique("R"))
	mxMust(x.t, err)
	return mxID(v.ID)
}

// role makes a fresh user captain of the place's building and returns the role's id.
func (x *attempt) role() string {
	x.t.Helper()
	g, _, err := x.e.App.Services.Roles.Grant(context.Background(), service.Grant{
		UserID: x.e.ParseID(x.user()), Role: model.RoleCaptain, CommunityID: x.e.ParseID(x.community()),
		BuildingIDs: []uint64{x.e.ParseID(x.building())}})
	mxMust(x.t, err)
	return mxID(g.ID)
}

// phone is a fresh mobile number, registered as belonging to someone in p (nowhere: to nobody
// anyone may call), so that the matrix notices wherever it shows in full.
func (x *attempt) phone(p place) string {
	n := fmt.Sprintf("1390%07d", x.seq.Add(1))
	x.mu.Lock()
	defer x.mu.Unlock()
	x.phones[n] = p
	return n
}

// bindPhone binds a fresh number to the user (dev mode: the code is the number), as someone
// in p.
func (x *attempt) bindPhone(userID string, p place) {
	x.t.Helper()
	_, err := x.e.App.Services.Users.BindPhone(context.Background(), x.e.ParseID(userID), x.phone(p), "192.0.2.1")
	mxMust(x.t, err)
}

// noticeTitle is the title of the one notification each actor of the fixture has: it carries
// the actor's community's marker, so that another community's actors must never see it.
func (x *attempt) noticeTitle() string {
	if x.as.home < 0 {
		return "通知" + x.as.id.String()
	}
	return x.comms[x.as.home].marker + "通知" + x.as.id.String()
}

// notice puts a notification with this title in the user's inbox and returns its id.
func (x *attempt) notice(userID, title string) string {
	x.t.Helper()
	ctx := context.Background()
	uid := x.e.ParseID(userID)
	n := x.e.App.Services.Notifier
	mxMust(x.t, n.Enqueue(ctx, nil, service.Notice{UserID: uid, Kind: "matrix", Title: title, Body: "正文"}))
	page, err := n.Inbox(ctx, service.InboxQuery{UserID: uid, Limit: 1})
	mxMust(x.t, err)
	return mxID(page.Items[0].ID)
}

// upload stores a small PNG for a fresh user and returns its signed link.
func (x *attempt) upload() string {
	x.t.Helper()
	u := x.e.App.Services.Uploads
	up, err := u.Save(context.Background(), x.e.ParseID(x.user()), bytes.NewReader(tinyPNG(x.t)), -1)
	mxMust(x.t, err)
	return u.URL(up.ID)
}

// tinyPNG is a 4×4 PNG image.
func tinyPNG(t *testing.T) []byte {
	var b bytes.Buffer
	mxMust(t, png.Encode(&b, image.NewGray(image.Rect(0, 0, 4, 4))))
	return b.Bytes()
}

// uploadForm is a multipart body with a PNG in the field file, as wx.uploadFile sends it.
func uploadForm(t *testing.T) apptest.Raw {
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	f, err := w.CreateFormFile("file", "photo.png")
	mxMust(t, err)
	_, err = f.Write(tinyPNG(t))
	mxMust(t, err)
	mxMust(t, w.Close())
	return apptest.Raw{ContentType: w.FormDataContentType(), Body: b.String()}
}

func mxMust(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("matrix fixture: %v", err)
	}
}

func mxID(id uint64) string { return fmt.Sprint(id) }
