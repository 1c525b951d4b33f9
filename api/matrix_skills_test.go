package api_test

import (
	"context"

	"linli/service"
)

// skillRows are the permission matrix rows of the skill directory and dispatch (能人库 / 派单).
// People made for a row live in the attempt's place and bind phones registered there, so the
// matrix knows whose numbers may show: the searched building's captain and the community's
// staff may call them; nobody else sees a full number (not even admin). Rows where the actor
// must be the volunteer are self rows: a fresh copy of residentA1 lists itself and is sent the
// task (so no volunteer reaches the open-dispatch cap); their requesters bind no phone.
func skillRows() []row {
	community := func(x *attempt) string { return "/api/v1/communities/" + x.community() }
	// inCommunity: anyone of the community (200), with phones for those who may call.
	inCommunity := func(ok, okFull outcome) wants {
		return wants{anon: all(401), user: all(404), residentA1: at(ok, ok, 404), captainA1: at(okFull, ok, 404),
			captainA2: at(ok, okFull, 404), staffA: at(okFull, okFull, 404), staffB: at(404, 404, okFull), admin: all(ok)}
	}
	staff := func(ok, okFull outcome) wants {
		return wants{anon: all(401), user: all(404), residentA1: at(403, 403, 404), captainA1: at(403, 403, 404),
			captainA2: at(403, 403, 404), staffA: at(okFull, okFull, 404), staffB: at(404, 404, okFull), admin: all(ok)}
	}
	// manager: the building's captain and the community's staff (with phones), admin.
	manager := func(ok outcome) wants {
		return wants{anon: all(401), user: all(404), residentA1: at(403, 403, 404), captainA1: at(ok|full, 403, 404),
			captainA2: at(403, ok|full, 404), staffA: at(ok|full, ok|full, 404), staffB: at(404, 404, ok|full), admin: all(ok)}
	}
	// volunteer: only the volunteer (residentA1's copy, listed in 甲社区) may.
	volunteer := wants{anon: all(401), user: all(404), residentA1: at(200, 200, 404), captainA1: at(403, 403, 404),
		captainA2: at(403, 403, 404), staffA: at(403, 403, 404), staffB: at(404, 404, 403), admin: all(403)}
	own := func(ok outcome) wants {
		return wants{anon: all(401), user: all(404), residentA1: all(ok), captainA1: all(404), captainA2: all(404),
			staffA: all(404), staffB: all(404), admin: all(404)}
	}
	managed := wants{anon: all(401), user: all(404), residentA1: at(403, 403, 404), captainA1: at(200, 200, 404),
		captainA2: at(200, 200, 404), staffA: at(200, 200, 404), staffB: at(404, 404, 200), admin: all(200)}
	dispatch := func(x *attempt) string {
		return "/api/v1/dispatches/" + x.dispatchAt("offered", x.volunteer(true), true)
	}
	return []row{
		{route: "GET /api/v1/communities/:id/skills",
			build: func(x *attempt) call { return call{path: community(x) + "/skills"} }, want: inCommunity(200, 200)},
		{route: "POST /api/v1/communities/:id/skills",
			build: func(x *attempt) call {
				return call{path: community(x) + "/skills", body: map[string]string{"name": x.name("技")}}
			}, want: staff(201, 201)},
		{route: "GET /api/v1/me/skill-profile", note: "a resident who listed", noPlace: true, self: true,
			build: func(x *attempt) call { x.selfListing(); return call{path: "/api/v1/me/skill-profile"} }, want: own(200)},
		{route: "PUT /api/v1/me/skill-profile", note: "approved residents only", noPlace: true, self: true,
			build: func(x *attempt) call {
				return call{path: "/api/v1/me/skill-profile", body: map[string]any{"skill_ids": []string{x.skillIn(0, "电工")},
					"windows": []map[string]any{{"weekday": 6, "start": "08:00", "end": "18:00"}}, "reach": "building"}}
			},
			want: wants{anon: all(401), user: all(403), residentA1: all(200), captainA1: all(403), captainA2: all(403),
				staffA: all(403), staffB: all(403), admin: all(403)}},
		{route: "DELETE /api/v1/me/skill-profile", noPlace: true, self: true,
			build: func(x *attempt) call { x.selfListing(); return call{path: "/api/v1/me/skill-profile"} }, want: own(204)},
		{route: "GET /api/v1/communities/:id/skill-directory", note: "masked but for the building's captain and staff",
			build: func(x *attempt) call {
				x.listPerson(x.person(true), "电工", false)
				return call{path: community(x) + "/skill-directory?limit=100&skill=" + x.skillIn(x.places[x.at].community, "电工") +
					"&building_id=" + x.building()}
			}, want: inCommunity(200, 200|full)},
		{route: "GET /api/v1/communities/:id/skill-profiles", note: "held listings, staff",
			build: func(x *attempt) call {
				x.listPerson(x.person(true), "理发", true)
				return call{path: community(x) + "/skill-profiles?held=true&limit=100"}
			}, want: staff(200, 200|full)},
		{route: "POST /api/v1/communities/:id/skill-profiles/:user_id/verify",
			build: func(x *attempt) call {
				p := x.person(true)
				x.listPerson(p, "电工", false)
				return call{path: community(x) + "/skill-profiles/" + p + "/verify",
					body: map[string]any{"skill_id": x.skillIn(x.places[x.at].community, "电工"), "verified": true}}
			}, want: staff(200, 200|full)},
		{route: "POST /api/v1/communities/:id/skill-profiles/:user_id/release",
			build: func(x *attempt) call {
				p := x.person(true)
				x.listPerson(p, "理发", true)
				return call{path: community(x) + "/skill-profiles/" + p + "/release"}
			}, want: staff(200, 200|full)},
		{route: "POST /api/v1/help-requests", note: "for oneself: residents of the building",
			build: func(x *attempt) call {
				return call{path: "/api/v1/help-requests", body: map[string]any{"building_id": x.building(),
					"skill_id": x.skillIn(x.places[x.at].community, "电工"), "description": "灯不亮了"}}
			},
			want: wants{anon: all(401), user: all(404), residentA1: at(201, 403, 404), captainA1: at(400, 403, 404),
				captainA2: at(403, 400, 404), staffA: at(400, 400, 404), staffB: at(404, 404, 400), admin: all(201)}},
		{route: "POST /api/v1/help-requests", note: "on behalf of someone: captain and staff",
			build: func(x *attempt) call {
				return call{path: "/api/v1/help-requests", body: map[string]any{"building_id": x.building(),
					"skill_id": x.skillIn(x.places[x.at].community, "电工"), "description": "灯不亮了",
					"beneficiary_name": "李大爷", "beneficiary_room": "502"}}
			},
			want: wants{anon: all(401), user: all(404), residentA1: at(403, 403, 404), captainA1: at(201, 403, 404),
				captainA2: at(403, 201, 404), staffA: at(201, 201, 404), staffB: at(404, 404, 201), admin: all(201)}},
		{route: "GET /api/v1/help-requests", note: "mine", noPlace: true,
			build: func(x *attempt) call { return call{path: "/api/v1/help-requests?scope=mine"} }, want: loggedIn(200)},
		{route: "GET /api/v1/help-requests", note: "managed, in the place's community",
			build: func(x *attempt) call {
				x.help(true)
				return call{path: "/api/v1/help-requests?scope=managed&community_id=" + x.community()}
			}, want: managed},
		{route: "GET /api/v1/help-requests/:id",
			build: func(x *attempt) call { return call{path: "/api/v1/help-requests/" + x.help(true)} }, want: manager(200)},
		{route: "POST /api/v1/dispatches",
			build: func(x *attempt) call {
				return call{path: "/api/v1/dispatches", body: map[string]any{"help_request_id": x.help(true),
					"volunteer_id": x.volunteer(true)}}
			}, want: manager(201)},
		{route: "GET /api/v1/dispatches", note: "mine", noPlace: true,
			build: func(x *attempt) call { return call{path: "/api/v1/dispatches?scope=mine"} }, want: loggedIn(200)},
		{route: "GET /api/v1/dispatches", note: "managed, in the place's community",
			build: func(x *attempt) call {
				dispatch(x)
				return call{path: "/api/v1/dispatches?scope=managed&community_id=" + x.community()}
			}, want: managed},
		{route: "GET /api/v1/dispatches/:id",
			build: func(x *attempt) call { return call{path: dispatch(x)} }, want: manager(200)},
		{route: "POST /api/v1/dispatches/:id/accept", self: true,
			build: func(x *attempt) call {
				return call{path: "/api/v1/dispatches/" + x.dispatchAt("offered", x.selfVolunteer(), false) + "/accept"}
			}, want: volunteer},
		{route: "POST /api/v1/dispatches/:id/decline", self: true,
			build: func(x *attempt) call {
				return call{path: "/api/v1/dispatches/" + x.dispatchAt("offered", x.selfVolunteer(), false) + "/decline",
					body: map[string]string{"reason": "不在家"}}
			}, want: volunteer},
		{route: "POST /api/v1/dispatches/:id/complete", self: true,
			build: func(x *attempt) call {
				return call{path: "/api/v1/dispatches/" + x.dispatchAt("accepted", x.selfVolunteer(), false) + "/complete",
					body: map[string]any{"minutes": 30}}
			}, want: volunteer},
		{route: "POST /api/v1/dispatches/:id/cancel",
			build: func(x *attempt) call {
				return call{path: dispatch(x) + "/cancel", body: map[string]string{"reason": "已修好"}}
			}, want: manager(200)},
		{route: "POST /api/v1/dispatches/:id/confirm", note: "the building's captain or staff",
			build: func(x *attempt) call {
				return call{path: "/api/v1/dispatches/" + x.dispatchAt("completed", x.volunteer(true), true) + "/confirm",
					body: map[string]any{"score": 5}}
			}, want: manager(200)},
	}
}

// skillIn is the id of the named skill of community c (0 甲社区, 1 乙社区).
func (x *attempt) skillIn(c int, name string) string {
	x.t.Helper()
	list, err := x.e.App.Services.Skills.List(context.Background(), x.e.ParseID(x.comms[c].id))
	mxMust(x.t, err)
	for _, s := range list {
		if s.Name == name {
			return mxID(s.ID)
		}
	}
	x.t.Fatalf("no skill %s", name)
	return ""
}

// person makes a fresh approved resident of the place, with a phone registered there if asked.
func (x *attempt) person(phone bool) string {
	x.t.Helper()
	id := x.user()
	x.resident(x.t, id, x.at)
	if phone {
		x.bindPhone(id, x.at)
	}
	return id
}

// listPerson lists a resident of the place (their own building only) with one skill; held
// makes content safety hold the intro (the dev review word).
func (x *attempt) listPerson(userID, skill string, held bool) {
	x.t.Helper()
	ctx := context.Background()
	s := x.e.App.Services
	p, err := s.Principals.Load(ctx, x.e.ParseID(userID))
	mxMust(x.t, err)
	var home uint64
	for b := range p.Resident {
		home = b
	}
	intro := "热心邻居"
	if held {
		intro = "有事投诉到市长"
	}
	community := 0 // the community of the person's home
	if mxID(p.Resident[home]) == x.comms[1].id {
		community = 1
	}
	_, err = s.Skills.SaveProfile(ctx, p, service.ProfileInput{BuildingID: home, SkillIDs: []uint64{x.e.ParseID(x.skillIn(community, skill))},
		Intro: intro, Reach: "building", Visible: true, Windows: []service.WindowInput{{Weekday: 6, Start: "08:00", End: "18:00"}}})
	mxMust(x.t, err)
}

// volunteer makes a fresh listed plumber of the place and returns the user id.
func (x *attempt) volunteer(phone bool) string {
	x.t.Helper()
	id := x.person(phone)
	x.listPerson(id, "水暖", false)
	return id
}

// selfListing lists the caller when it lives somewhere (a copy of residentA1).
func (x *attempt) selfListing() {
	if x.as.lives != nowhere {
		(&attempt{matrix: x.matrix, t: x.t, as: x.as, at: x.as.lives}).listPerson(x.as.userID, "水暖", false)
	}
}

// selfVolunteer is the caller when it can serve in the place's community (a copy of
// residentA1 in 甲社区), listed now; anyone else gets a fresh volunteer of the place.
func (x *attempt) selfVolunteer() string {
	if x.as.lives != nowhere && x.places[x.as.lives].community == x.places[x.at].community {
		x.selfListing()
		return x.as.userID
	}
	return x.volunteer(false)
}

// help has a fresh resident of the place ask for an electrician and returns the request's id.
func (x *attempt) help(phone bool) string {
	x.t.Helper()
	ctx := context.Background()
	s := x.e.App.Services
	p, err := s.Principals.Load(ctx, x.e.ParseID(x.person(phone)))
	mxMust(x.t, err)
	h, err := s.HelpRequests.Create(ctx, p, service.HelpInput{BuildingID: x.e.ParseID(x.building()),
		SkillID: x.e.ParseID(x.skillIn(x.places[x.at].community, "电工")), Description: "灯不亮了"})
	mxMust(x.t, err)
	return mxID(h.ID)
}

// dispatchAt has the community's staff dispatch a fresh help request of the place to the
// volunteer, who then takes it to state (offered, accepted or completed); it returns its id.
func (x *attempt) dispatchAt(state, volunteerID string, requesterPhone bool) string {
	x.t.Helper()
	ctx := context.Background()
	s := x.e.App.Services
	dispatcher := x.actors[staffA]
	if x.places[x.at].community == 1 {
		dispatcher = x.actors[staffB]
	}
	dp, err := s.Principals.Load(ctx, x.e.ParseID(dispatcher.userID))
	mxMust(x.t, err)
	d, err := s.Dispatches.Offer(ctx, dp, service.OfferInput{HelpRequestID: x.e.ParseID(x.help(requesterPhone)),
		VolunteerID: x.e.ParseID(volunteerID)})
	mxMust(x.t, err)
	vp, err := s.Principals.Load(ctx, x.e.ParseID(volunteerID))
	mxMust(x.t, err)
	if state != "offered" {
		mxMust(x.t, s.Dispatches.Accept(ctx, vp, d.ID))
	}
	if state == "completed" {
		mxMust(x.t, s.Dispatches.Complete(ctx, vp, d.ID, service.Completion{Minutes: 30}))
	}
	return mxID(d.ID)
}
