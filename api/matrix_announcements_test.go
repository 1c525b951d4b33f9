package api_test

import (
	"context"
	"time"

	"linli/model"
	"linli/service"
)

// announcementRows are the permission matrix rows of announcements (公告). Every announcement
// is a fresh one to the place's building, published by the platform admin through the service
// (or, for the held one, written held by a fresh user).
func announcementRows() []row {
	// addressed: who sees a building announcement of the place: its residents and captain, the
	// community's staff, an admin.
	addressed := func(ok outcome) wants {
		return wants{anon: all(401), user: all(404), residentA1: at(ok, 404, 404), captainA1: at(ok, 404, 404),
			captainA2: at(404, ok, 404), staffA: at(ok, ok, 404), staffB: at(404, 404, ok), admin: all(ok)}
	}
	// staffOrAuthor: receipts and withdrawing; those who see it otherwise get 403.
	staffOrAuthor := func(ok outcome) wants {
		return wants{anon: all(401), user: all(404), residentA1: at(403, 404, 404), captainA1: at(403, 404, 404),
			captainA2: at(404, 403, 404), staffA: at(ok, ok, 404), staffB: at(404, 404, ok), admin: all(ok)}
	}
	community := func(x *attempt) string { return "/api/v1/communities/" + x.community() }
	announcement := func(x *attempt) string { return "/api/v1/announcements/" + x.announcement(false) }
	return []row{
		{route: "POST /api/v1/communities/:id/announcements", note: "to the place's building: staff, its captain",
			build: func(x *attempt) call {
				return call{path: community(x) + "/announcements", body: map[string]any{"title": x.name("公告"),
					"body": "明天上午 9 点到 12 点停水，请提前储水。", "audience": "building", "audience_id": x.building()}}
			},
			want: wants{anon: all(401), user: all(404), residentA1: at(403, 403, 404), captainA1: at(201, 403, 404),
				captainA2: at(403, 201, 404), staffA: at(201, 201, 404), staffB: at(404, 404, 201), admin: all(201)}},
		{route: "GET /api/v1/communities/:id/announcements",
			build: func(x *attempt) call {
				x.announcement(false)
				return call{path: community(x) + "/announcements?limit=10"}
			},
			want: wants{anon: all(401), user: all(404), residentA1: at(200, 200, 404), captainA1: at(200, 200, 404),
				captainA2: at(200, 200, 404), staffA: at(200, 200, 404), staffB: at(404, 404, 200), admin: all(200)}},
		{route: "GET /api/v1/announcements/:id",
			build: func(x *attempt) call { return call{path: announcement(x)} }, want: addressed(200)},
		{route: "GET /api/v1/announcements/:id/receipts",
			build: func(x *attempt) call { return call{path: announcement(x) + "/receipts?limit=10"} }, want: staffOrAuthor(200)},
		{route: "POST /api/v1/announcements/:id/withdraw",
			build: func(x *attempt) call { return call{path: announcement(x) + "/withdraw"} }, want: staffOrAuthor(200)},
		{route: "POST /api/v1/announcements/:id/release", note: "held for review: only staff see it",
			build: func(x *attempt) call { return call{path: "/api/v1/announcements/" + x.announcement(true) + "/release"} },
			want: wants{anon: all(401), user: all(404), residentA1: all(404), captainA1: all(404), captainA2: all(404),
				staffA: at(200, 200, 404), staffB: at(404, 404, 200), admin: all(200)}},
	}
}

// announcement is a fresh announcement to the place's building: published by the admin, or
// held for review (written by a fresh user, as a captain's held text is).
func (x *attempt) announcement(held bool) string {
	x.t.Helper()
	ctx := context.Background()
	if held {
		now := x.e.Clock.Now().UTC()
		b := x.e.ParseID(x.building())
		bv, err := x.e.App.Services.Places.Building(ctx, b)
		mxMust(x.t, err)
		a := &model.Announcement{CommunityID: bv.CommunityID, Audience: model.AudienceBuilding, EstateID: bv.EstateID,
			BuildingID: b, AuthorID: x.e.ParseID(x.user()), Title: x.name("公告"), Body: "请大家看看",
			Status: model.AnnouncementPendingReview, ExpiresAt: now.Add(24 * time.Hour), CreatedAt: now, UpdatedAt: now}
		mxMust(x.t, x.e.App.Store.CreateAnnouncement(ctx, a))
		return mxID(a.ID)
	}
	a, err := x.e.App.Services.Announcements.Publish(ctx, x.principal(x.actors[admin].userID), service.Announce{
		CommunityID: x.e.ParseID(x.community()), Audience: "building", AudienceID: x.e.ParseID(x.building()),
		Title: x.name("公告"), Body: "周六上午楼道大扫除，请把杂物收回家。"})
	mxMust(x.t, err)
	return mxID(a.ID)
}
