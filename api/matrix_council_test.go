package api_test

import (
	"context"
	"time"

	"linli/model"
	"linli/service"
)

// councilRows are the permission matrix rows of the council (议事厅). Every topic is a fresh
// one of the place's building, raised by a fresh resident there, and brought to the stage the
// row needs through the service (accepted and voted on by the platform admin).
func councilRows() []row {
	// view: who may read a building topic of the place: its residents (residentA1 at A1), the
	// community's captains and staff, an admin.
	view := func(ok outcome) wants {
		return wants{anon: all(401), user: all(404), residentA1: at(ok, 404, 404), captainA1: at(ok, ok, 404),
			captainA2: at(ok, ok, 404), staffA: at(ok, ok, 404), staffB: at(404, 404, ok), admin: all(ok)}
	}
	// manage: staff, the captain of the building, an admin; others who see it get 403.
	manage := func(ok outcome) wants {
		return wants{anon: all(401), user: all(404), residentA1: at(403, 404, 404), captainA1: at(ok, 403, 404),
			captainA2: at(403, ok, 404), staffA: at(ok, ok, 404), staffB: at(404, 404, ok), admin: all(ok)}
	}
	// member: only residents of the scope (residentA1 at A1); others who see it get 403.
	member := func(ok outcome) wants {
		return wants{anon: all(401), user: all(404), residentA1: at(ok, 404, 404), captainA1: at(403, 403, 404),
			captainA2: at(403, 403, 404), staffA: at(403, 403, 404), staffB: at(404, 404, 403), admin: all(403)}
	}
	// staffOnly: opening a vote.
	staffOnly := func(ok outcome) wants {
		return wants{anon: all(401), user: all(404), residentA1: at(403, 404, 404), captainA1: at(403, 403, 404),
			captainA2: at(403, 403, 404), staffA: at(ok, ok, 404), staffB: at(404, 404, ok), admin: all(ok)}
	}
	community := func(x *attempt) string { return "/api/v1/communities/" + x.community() }
	topic := func(x *attempt, stage string) string { t, _ := x.councilTopic(stage); return "/api/v1/topics/" + t }
	vote := func(x *attempt, stage string) string { _, v := x.councilTopic(stage); return "/api/v1/votes/" + v }
	return []row{
		{route: "POST /api/v1/communities/:id/topics",
			build: func(x *attempt) call {
				return call{path: community(x) + "/topics", body: map[string]any{"title": x.name("议题"),
					"body": "楼下的自行车棚漏雨，建议修缮。", "scope": "building", "scope_id": x.building()}}
			},
			want: wants{anon: all(401), user: all(404), residentA1: at(201, 403, 404), captainA1: at(201, 201, 404),
				captainA2: at(201, 201, 404), staffA: at(201, 201, 404), staffB: at(404, 404, 201), admin: all(201)}},
		{route: "GET /api/v1/communities/:id/topics",
			build: func(x *attempt) call {
				x.councilTopic("proposed")
				return call{path: community(x) + "/topics?status=open"}
			},
			want: wants{anon: all(401), user: all(404), residentA1: at(200, 200, 404), captainA1: at(200, 200, 404),
				captainA2: at(200, 200, 404), staffA: at(200, 200, 404), staffB: at(404, 404, 200), admin: all(200)}},
		{route: "GET /api/v1/topics/:id",
			build: func(x *attempt) call { return call{path: topic(x, "proposed")} }, want: view(200)},
		{route: "POST /api/v1/topics/:id/seconds",
			build: func(x *attempt) call { return call{path: topic(x, "proposed") + "/seconds"} }, want: member(201)},
		{route: "DELETE /api/v1/topics/:id/seconds", note: "residentA1's household seconded it (at A1)",
			build: func(x *attempt) call { return call{path: topic(x, "seconded") + "/seconds"} }, want: member(200)},
		{route: "POST /api/v1/topics/:id/transitions",
			build: func(x *attempt) call {
				return call{path: topic(x, "proposed") + "/transitions", body: map[string]any{"action": "accept"}}
			}, want: manage(200)},
		{route: "POST /api/v1/topics/:id/comments",
			build: func(x *attempt) call {
				return call{path: topic(x, "proposed") + "/comments", body: map[string]any{"body": "赞成，雨天车都淋湿了。"}}
			},
			want: wants{anon: all(401), user: all(404), residentA1: at(201, 404, 404), captainA1: at(201, 403, 404),
				captainA2: at(403, 201, 404), staffA: at(201, 201, 404), staffB: at(404, 404, 201), admin: all(201)}},
		{route: "GET /api/v1/topics/:id/comments",
			build: func(x *attempt) call { return call{path: topic(x, "proposed") + "/comments?limit=10"} }, want: view(200)},
		{route: "POST /api/v1/topics/:id/votes",
			build: func(x *attempt) call {
				return call{path: topic(x, "on_agenda") + "/votes", body: map[string]any{"question": "是否同意修缮车棚？",
					"options": []string{"同意", "不同意"}, "closes_at": x.e.Clock.Now().Add(48 * time.Hour).Format(time.RFC3339)}}
			}, want: staffOnly(201)},
		{route: "GET /api/v1/votes/:id",
			build: func(x *attempt) call { return call{path: vote(x, "voting")} }, want: view(200)},
		{route: "POST /api/v1/votes/:id/ballots",
			build: func(x *attempt) call {
				return call{path: vote(x, "voting") + "/ballots", body: map[string]any{"option": 0}}
			}, want: member(201)},
		{route: "GET /api/v1/votes/:id/result",
			build: func(x *attempt) call { return call{path: vote(x, "decided") + "/result"} }, want: view(200)},
		{route: "POST /api/v1/topics/:id/actions",
			build: func(x *attempt) call {
				return call{path: topic(x, "decided") + "/actions", body: map[string]any{"title": "物业维修车棚顶棚"}}
			}, want: manage(201)},
		{route: "POST /api/v1/actions/:id/done",
			build: func(x *attempt) call { return call{path: "/api/v1/actions/" + x.topicAction() + "/done"} },
			want:  manage(200)},
	}
}

// councilTopic makes a building topic of the place at a stage: proposed; seconded (by
// residentA1's household when the place is A1); on_agenda; voting (with an open vote of
// 48 hours); decided (its vote closed). It returns the topic's id and its vote's ("" before
// voting).
func (x *attempt) councilTopic(stage string) (topicID, voteID string) {
	x.t.Helper()
	ctx := context.Background()
	c := x.e.App.Services.Council
	proposer := x.principal(x.freshResident())
	t, err := c.Propose(ctx, proposer, service.Proposal{CommunityID: x.e.ParseID(x.community()), Scope: "building",
		ScopeID: x.e.ParseID(x.building()), Title: x.name("议题"), Body: "小区东门的路灯坏了一个月，晚上很黑。"})
	mxMust(x.t, err)
	switch stage {
	case "proposed":
		return mxID(t.ID), ""
	case "seconded":
		if x.at == A1 {
			_, _, err := c.Second(ctx, x.principal(x.actors[residentA1].userID), t.ID)
			mxMust(x.t, err)
		}
		return mxID(t.ID), ""
	}
	admin := x.principal(x.actors[admin].userID)
	_, err = c.Transition(ctx, admin, t.ID, service.TopicAccept, "")
	mxMust(x.t, err)
	if stage == "on_agenda" {
		return mxID(t.ID), ""
	}
	closes := x.e.Clock.Now().Add(48 * time.Hour)
	v, err := c.OpenVote(ctx, admin, t.ID, service.VoteSpec{Question: "是否同意维修路灯？", Options: []string{"同意", "不同意"},
		ClosesAt: closes})
	mxMust(x.t, err)
	if stage == "decided" {
		// The window ends now: the closing job counts it.
		_, err := x.e.App.Store.SQL().Exec("UPDATE council_votes SET closes_at = ? WHERE id = ?", x.e.Clock.Now().Add(-time.Second).UTC(), v.ID)
		mxMust(x.t, err)
		_, err = c.CloseDue(ctx)
		mxMust(x.t, err)
		got, err := x.e.App.Store.VoteByID(ctx, v.ID)
		mxMust(x.t, err)
		if got.Status != model.VoteClosed {
			x.t.Fatalf("vote %d not closed", v.ID)
		}
	}
	return mxID(t.ID), mxID(v.ID)
}

// topicAction makes a follow-up item of a decided topic of the place.
func (x *attempt) topicAction() string {
	x.t.Helper()
	t, _ := x.councilTopic("decided")
	a, err := x.e.App.Services.Council.AddAction(context.Background(), x.principal(x.actors[admin].userID),
		x.e.ParseID(t), service.ActionItem{Title: x.name("落实")})
	mxMust(x.t, err)
	return mxID(a.ID)
}

// principal loads a user's roles and residencies as the policy sees them.
func (x *attempt) principal(userID string) *service.Principal {
	x.t.Helper()
	p, err := service.LoadPrincipal(context.Background(), x.e.App.Store, x.e.ParseID(userID))
	mxMust(x.t, err)
	return p
}
