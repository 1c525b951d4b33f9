package api_test

import (
	"context"
	"time"

	"linli/model"
	"linli/service"
)

// activityRows are the permission matrix rows of volunteer activities (志愿活动), teams and
// activity types. An activity at a place is organised by its community's staff actor, with
// the place's building as its audience. The list and the detail of a published activity are
// public by design (any logged-in user); drafts, rosters and management are not. Rows never
// move the clock (the fixture is shared): activities that must have started or ended are
// given such times directly.
func activityRows() []row {
	community := func(x *attempt) string { return "/api/v1/communities/" + x.community() }
	activity := func(x *attempt) string { return "/api/v1/activities/" + x.activity(actPublished) }
	// view: anyone of the community; manage: its staff and admin.
	view := wants{anon: all(401), user: all(404), residentA1: at(200, 200, 404), captainA1: at(200, 200, 404),
		captainA2: at(200, 200, 404), staffA: at(200, 200, 404), staffB: at(404, 404, 200), admin: all(200)}
	public := loggedIn(200)
	// draftOnly: a draft exists only for those who manage it.
	draftOnly := func(ok outcome) wants {
		return wants{anon: all(401), user: all(404), residentA1: all(404), captainA1: all(404), captainA2: all(404),
			staffA: at(ok, ok, 404), staffB: at(404, 404, ok), admin: all(ok)}
	}
	// attend: only a confirmed volunteer checks in; the activity is public, so others are 403.
	attend := wants{anon: all(401), user: all(403), residentA1: at(200, 403, 403), captainA1: all(403),
		captainA2: all(403), staffA: all(403), staffB: all(403), admin: all(200)}
	return []row{
		{route: "GET /api/v1/communities/:id/activity-types",
			build: func(x *attempt) call { return call{path: community(x) + "/activity-types"} }, want: view},
		{route: "POST /api/v1/communities/:id/activity-types",
			build: func(x *attempt) call {
				return call{path: community(x) + "/activity-types", body: map[string]any{"name": x.name("类"), "points_per_hour": "1.5"}}
			}, want: placeWrite(201)},
		{route: "PATCH /api/v1/communities/:id/activity-types/:type_id",
			build: func(x *attempt) call {
				return call{path: community(x) + "/activity-types/" + x.newActivityType(), body: map[string]any{"points_per_hour": "2"}}
			}, want: placeWrite(200)},
		{route: "POST /api/v1/teams",
			build: func(x *attempt) call {
				return call{path: "/api/v1/teams", body: map[string]any{"community_id": x.community(), "name": x.name("队")}}
			}, want: placeWrite(201)},
		{route: "GET /api/v1/communities/:id/teams",
			build: func(x *attempt) call { x.team(); return call{path: community(x) + "/teams"} }, want: view},
		{route: "POST /api/v1/teams/:id/members", note: "joining by oneself: approved residents, and staff",
			build: func(x *attempt) call {
				uid := x.as.userID
				if uid == "" {
					uid = x.user()
				}
				return call{path: "/api/v1/teams/" + x.team() + "/members", body: map[string]any{"user_id": uid}}
			},
			want: wants{anon: all(401), user: all(404), residentA1: at(200, 200, 404), captainA1: at(403, 403, 404),
				captainA2: at(403, 403, 404), staffA: at(200, 200, 404), staffB: at(404, 404, 200), admin: all(400)}},
		{route: "POST /api/v1/teams/:id/members", note: "adding a resident of the place",
			build: func(x *attempt) call {
				return call{path: "/api/v1/teams/" + x.team() + "/members", body: map[string]any{"user_id": x.resident0(), "role": "leader"}}
			}, want: placeWrite(200)},
		{route: "DELETE /api/v1/teams/:id/members/:user_id",
			build: func(x *attempt) call {
				team, uid := x.team(), x.resident0()
				s := x.e.App.Services
				_, err := s.Teams.SetMember(context.Background(), x.staffPrincipal(), x.e.ParseID(team), x.e.ParseID(uid), model.TeamMember)
				mxMust(x.t, err)
				return call{path: "/api/v1/teams/" + team + "/members/" + uid}
			}, want: placeWrite(204)},
		{route: "POST /api/v1/activities", note: "audience: the place's building",
			build: func(x *attempt) call { return call{path: "/api/v1/activities", body: x.activityBody()} },
			want: wants{anon: all(401), user: all(404), residentA1: at(403, 403, 404), captainA1: at(201, 403, 404),
				captainA2: at(403, 201, 404), staffA: at(201, 201, 404), staffB: at(404, 404, 201), admin: all(201)}},
		{route: "PATCH /api/v1/activities/:id",
			build: func(x *attempt) call { return call{path: activity(x), body: map[string]any{"title": x.name("活动")}} },
			want:  placeWrite(200)},
		{route: "POST /api/v1/activities/:id/publish",
			build: func(x *attempt) call { return call{path: "/api/v1/activities/" + x.activity(actDraft) + "/publish"} },
			want:  draftOnly(200)},
		{route: "POST /api/v1/activities/:id/cancel",
			build: func(x *attempt) call {
				return call{path: activity(x) + "/cancel", body: map[string]any{"reason": "天气原因"}}
			},
			want: placeWrite(200)},
		{route: "GET /api/v1/communities/:id/activities", note: "public by design", public: true,
			build: func(x *attempt) call { x.activity(actPublished); return call{path: community(x) + "/activities"} },
			want:  public},
		{route: "GET /api/v1/communities/:id/activities", note: "drafts: only those the caller manages",
			build: func(x *attempt) call {
				x.activity(actDraft)
				return call{path: community(x) + "/activities?status=draft"}
			}, want: public},
		{route: "GET /api/v1/activities/:id", note: "published: public by design", public: true,
			build: func(x *attempt) call { return call{path: activity(x)} }, want: public},
		{route: "GET /api/v1/activities/:id", note: "a draft",
			build: func(x *attempt) call { return call{path: "/api/v1/activities/" + x.activity(actDraft)} },
			want:  draftOnly(200)},
		{route: "POST /api/v1/activities/:id/signups", note: "approved residents of the audience",
			build: func(x *attempt) call { return call{path: activity(x) + "/signups"} },
			want: wants{anon: all(401), user: all(404), residentA1: at(201, 403, 404), captainA1: at(403, 403, 404),
				captainA2: at(403, 403, 404), staffA: at(403, 403, 404), staffB: at(404, 404, 403), admin: all(201)}},
		{route: "DELETE /api/v1/activities/:id/signups/me", note: "the caller's own sign-up, where they could sign up",
			build: func(x *attempt) call {
				id := x.activity(actPublished)
				x.confirm(id)
				return call{path: "/api/v1/activities/" + id + "/signups/me"}
			},
			want: wants{anon: all(401), user: all(404), residentA1: at(200, 404, 404), captainA1: all(404),
				captainA2: all(404), staffA: all(404), staffB: all(404), admin: all(200)}},
		{route: "GET /api/v1/activities/:id/signups", note: "staff see the volunteers' full numbers",
			build: func(x *attempt) call {
				id := x.activity(actPublished)
				uid := x.resident0()
				x.bindPhone(uid, x.at)
				x.confirmUser(id, uid)
				return call{path: "/api/v1/activities/" + id + "/signups"}
			},
			want: wants{anon: all(401), user: all(404), residentA1: at(403, 403, 404), captainA1: at(403, 403, 404),
				captainA2: at(403, 403, 404), staffA: at(200|full, 200|full, 404), staffB: at(404, 404, 200|full), admin: all(200)}},
		{route: "GET /api/v1/activities/:id/checkin-code", note: "dev mode: the token",
			build: func(x *attempt) call { return call{path: activity(x) + "/checkin-code"} }, want: placeWrite(200)},
		{route: "POST /api/v1/activities/:id/checkin", note: "a confirmed volunteer with the activity's token",
			build: func(x *attempt) call {
				id := x.activity(actStarting)
				x.confirm(id)
				return call{path: "/api/v1/activities/" + id + "/checkin", body: map[string]string{"token": x.token(id)}}
			}, want: attend},
		{route: "POST /api/v1/activities/:id/checkin", note: "another activity's token",
			build: func(x *attempt) call {
				id := x.activity(actStarting)
				x.confirm(id)
				return call{path: "/api/v1/activities/" + id + "/checkin", body: map[string]string{"token": x.token(x.activity(actStarting))}}
			}, want: wants{anon: all(401), user: all(403), residentA1: all(403), captainA1: all(403), captainA2: all(403),
				staffA: all(403), staffB: all(403), admin: all(403)}},
		{route: "POST /api/v1/activities/:id/checkout",
			build: func(x *attempt) call {
				id := x.activity(actStarting)
				if x.confirm(id) {
					p, err := x.e.App.Services.Principals.Load(context.Background(), x.e.ParseID(x.as.userID))
					mxMust(x.t, err)
					_, err = x.e.App.Services.Activities.CheckIn(context.Background(), p, x.e.ParseID(id), x.token(id))
					mxMust(x.t, err)
				}
				return call{path: "/api/v1/activities/" + id + "/checkout", body: map[string]string{"token": x.token(id)}}
			}, want: attend},
		{route: "POST /api/v1/activities/:id/attendance",
			build: func(x *attempt) call {
				id, uid := x.activity(actStarted), x.resident0()
				x.confirmUser(id, uid)
				return call{path: "/api/v1/activities/" + id + "/attendance", body: map[string]any{"user_id": uid, "status": "no_show"}}
			}, want: placeWrite(200)},
		{route: "POST /api/v1/activities/:id/settle",
			build: func(x *attempt) call { return call{path: "/api/v1/activities/" + x.activity(actEnded) + "/settle"} },
			want:  placeWrite(200)},
	}
}

// When a matrix activity happens.
type actKind int

const (
	actDraft     actKind = iota // a draft, days ahead
	actPublished                // published, days ahead (each its own day: no overlaps)
	actStarting                 // published, starting in 10 minutes (check-in is open)
	actStarted                  // published, started 10 minutes ago
	actEnded                    // published, ended an hour ago
)

// staffPrincipal is the staff actor of the place's community.
func (x *attempt) staffPrincipal() *service.Principal {
	x.t.Helper()
	who := map[int]actorID{0: staffA, 1: staffB}[x.places[x.at].community]
	p, err := x.e.App.Services.Principals.Load(context.Background(), x.e.ParseID(x.actors[who].userID))
	mxMust(x.t, err)
	return p
}

// activityType is the first activity type of the place's community.
func (x *attempt) activityType() string {
	x.t.Helper()
	types, err := x.e.App.Services.Activities.Types(context.Background(), x.e.ParseID(x.community()), true)
	mxMust(x.t, err)
	return mxID(types[0].ID)
}

// newActivityType adds a fresh activity type to the place's community.
func (x *attempt) newActivityType() string {
	x.t.Helper()
	name := x.name("类")
	t, err := x.e.App.Services.Activities.CreateType(context.Background(), x.e.ParseID(x.community()),
		service.ActivityTypeInput{Name: &name})
	mxMust(x.t, err)
	return mxID(t.ID)
}

// team makes a fresh team in the place's community.
func (x *attempt) team() string {
	x.t.Helper()
	v, err := x.e.App.Services.Teams.Create(context.Background(), x.staffPrincipal(), x.e.ParseID(x.community()),
		x.name("队"), "", nil)
	mxMust(x.t, err)
	return mxID(v.ID)
}

// resident0 is a fresh approved resident of the place.
func (x *attempt) resident0() string {
	uid := x.user()
	x.resident(x.t, uid, x.at)
	return uid
}

// activityBody is a creation request for an activity at the place, a day of its own ahead.
func (x *attempt) activityBody() map[string]any {
	start := x.e.Clock.Now().Add(time.Duration(24*x.seq.Add(1)) * time.Hour).UTC()
	return map[string]any{"community_id": x.community(), "type_id": x.activityType(), "title": x.name("活动"),
		"place": x.name("门口"), "start_at": start.Format(time.RFC3339), "end_at": start.Add(2 * time.Hour).Format(time.RFC3339),
		"capacity": 50, "audience": "building", "audience_id": x.building()}
}

// activity makes an activity of the kind at the place, organised by its staff.
func (x *attempt) activity(kind actKind) string {
	x.t.Helper()
	ctx := context.Background()
	s := x.e.App.Services.Activities
	now := x.e.Clock.Now()
	start := now.Add(time.Duration(24*x.seq.Add(1)) * time.Hour)
	switch kind {
	case actStarting:
		start = now.Add(10 * time.Minute)
	case actStarted, actEnded:
		start = now.Add(-10 * time.Minute)
	}
	end, opens, cut := start.Add(time.Hour), now.Add(-time.Minute), start
	typeID, bid := x.e.ParseID(x.activityType()), x.e.ParseID(x.building())
	title, place, capacity, audience := x.name("活动"), x.name("门口"), 50, model.AudienceBuilding
	staff := x.staffPrincipal()
	if kind == actStarted || kind == actEnded {
		opens, cut = start.Add(-time.Hour), start.Add(-time.Hour)
	}
	a, err := s.Create(ctx, staff, service.ActivityInput{CommunityID: x.e.ParseID(x.community()), TypeID: &typeID,
		Title: &title, Place: &place, StartAt: &start, EndAt: &end, Capacity: &capacity, SignupOpensAt: &opens,
		CancelCutoffAt: &cut, Audience: &audience, AudienceID: &bid})
	mxMust(x.t, err)
	if kind != actDraft {
		_, err = s.Publish(ctx, staff, a.ID)
		mxMust(x.t, err)
	}
	if kind == actEnded {
		mxMust(x.t, x.e.App.Store.UpdateActivity(ctx, a.ID, map[string]any{"start_at": now.Add(-3 * time.Hour).Truncate(time.Second),
			"end_at": now.Add(-time.Hour).Truncate(time.Second)}))
	}
	return mxID(a.ID)
}

// confirm gives the caller a confirmed place when the policy lets them sign up for the
// activity (an approved resident of its building, or admin); it reports whether it did. The
// place is written directly, so that the matrix's many activities at the same hours do not
// trip the overlap rule.
func (x *attempt) confirm(id string) bool {
	x.t.Helper()
	if x.as.userID == "" {
		return false
	}
	p, err := x.e.App.Services.Principals.Load(context.Background(), x.e.ParseID(x.as.userID))
	mxMust(x.t, err)
	if !p.Can(service.ActResidentAct, service.Scope{CommunityID: x.e.ParseID(x.community()), BuildingID: x.e.ParseID(x.building())}) {
		return false
	}
	x.confirmUser(id, x.as.userID)
	return true
}

// confirmUser writes a confirmed sign-up of the user for the activity.
func (x *attempt) confirmUser(id, userID string) {
	x.t.Helper()
	ctx := context.Background()
	st := x.e.App.Store
	took, err := st.TakePlace(ctx, x.e.ParseID(id))
	mxMust(x.t, err)
	if !took {
		x.t.Fatalf("matrix fixture: activity %s is full", id)
	}
	_, err = st.AddConfirmed(ctx, x.e.ParseID(id), x.e.ParseID(userID), x.e.Clock.Now().UTC())
	mxMust(x.t, err)
}

// token is the check-in token of the activity, as its staff would print it.
func (x *attempt) token(id string) string {
	x.t.Helper()
	c, err := x.e.App.Services.Activities.CheckinCode(context.Background(), x.staffPrincipal(), x.e.ParseID(id))
	mxMust(x.t, err)
	return c.Token
}
