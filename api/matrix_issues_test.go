package api_test

import (
	"context"

	"linli/service"
)

// issueRows are the permission matrix rows of issue reporting (报事). An issue at a place is
// reported by a fresh approved resident of that place with a bound phone: the building's
// captain and the community's staff see that number in full (they may have to call); nobody
// else does, not even a platform admin.
func issueRows() []row {
	community := func(x *attempt) string { return "/api/v1/communities/" + x.community() }
	issue := func(x *attempt) string { return "/api/v1/issues/" + x.issue() }
	// Who sees an issue at A1, A2, B1 (a neighbour, a manager) and who is a stranger to it.
	seen := func(ok outcome, okFull outcome, neighbour outcome) wants {
		return wants{anon: all(401), user: all(404), residentA1: at(neighbour, 404, 404),
			captainA1: at(okFull, 404, 404), captainA2: at(404, okFull, 404),
			staffA: at(okFull, okFull, 404), staffB: at(404, 404, okFull), admin: all(ok)}
	}
	staffOnly := func(ok outcome) wants {
		return wants{anon: all(401), user: all(404), residentA1: at(403, 403, 404),
			captainA1: at(403, 403, 404), captainA2: at(403, 403, 404),
			staffA: at(ok, ok, 404), staffB: at(404, 404, ok), admin: all(ok)}
	}
	return []row{
		{route: "GET /api/v1/communities/:id/issue-categories", note: "anyone of the community",
			build: func(x *attempt) call { return call{path: community(x) + "/issue-categories"} },
			want: wants{anon: all(401), user: all(404), residentA1: at(200, 200, 404), captainA1: at(200, 200, 404),
				captainA2: at(200, 200, 404), staffA: at(200, 200, 404), staffB: at(404, 404, 200), admin: all(200)}},
		{route: "GET /api/v1/communities/:id/issue-categories", note: "all, with the inactive ones: staff",
			build: func(x *attempt) call { return call{path: community(x) + "/issue-categories?all=true"} },
			want:  staffOnly(200)},
		{route: "POST /api/v1/communities/:id/issue-categories",
			build: func(x *attempt) call {
				return call{path: community(x) + "/issue-categories", body: map[string]any{"name": x.name("类"), "skills": []string{"电工"}}}
			},
			want: staffOnly(201)},
		{route: "PATCH /api/v1/communities/:id/issue-categories/:category_id",
			build: func(x *attempt) call {
				return call{path: community(x) + "/issue-categories/" + x.newCategory(), body: map[string]any{"active": false}}
			},
			want: staffOnly(200)},
		{route: "GET /api/v1/issues/similar",
			build: func(x *attempt) call {
				x.issue()
				return call{path: "/api/v1/issues/similar?building_id=" + x.building() + "&category_id=" + x.category()}
			},
			want: wants{anon: all(401), user: all(404), residentA1: at(200, 403, 404),
				captainA1: at(200, 403, 404), captainA2: at(403, 200, 404),
				staffA: at(200, 200, 404), staffB: at(404, 404, 200), admin: all(200)}},
		{route: "POST /api/v1/issues", note: "only approved residents of the building report",
			build: func(x *attempt) call {
				return call{path: "/api/v1/issues", body: map[string]any{"building_id": x.building(), "category_id": x.category(),
					"description": "楼道灯坏了"}}
			},
			want: wants{anon: all(401), user: all(403), residentA1: at(201, 403, 403),
				captainA1: all(403), captainA2: all(403), staffA: all(403), staffB: all(403), admin: all(201)}},
		{route: "GET /api/v1/issues", note: "mine", noPlace: true,
			build: func(x *attempt) call { return call{path: "/api/v1/issues?scope=mine"} },
			want: wants{anon: all(401), user: all(200), residentA1: all(200), captainA1: all(200), captainA2: all(200),
				staffA: all(200), staffB: all(200), admin: all(200)}},
		{route: "GET /api/v1/issues", note: "building: residents and captains", noPlace: true,
			build: func(x *attempt) call {
				for p := range numPlaces {
					(&attempt{matrix: x.matrix, t: x.t, at: p}).issue()
				}
				return call{path: "/api/v1/issues?scope=building"}
			},
			want: wants{anon: all(401), user: all(403), residentA1: all(200), captainA1: all(200), captainA2: all(200),
				staffA: all(403), staffB: all(403), admin: all(403)}},
		{route: "GET /api/v1/issues", note: "community: staff",
			build: func(x *attempt) call {
				x.issue()
				return call{path: "/api/v1/issues?scope=community&community_id=" + x.community()}
			},
			want: staffOnly(200)},
		{route: "GET /api/v1/issues/:id",
			build: func(x *attempt) call { return call{path: issue(x)} },
			want:  seen(200, 200|full, 200)},
		{route: "POST /api/v1/issues/:id/follow", note: "residents of the building only",
			build: func(x *attempt) call { return call{path: issue(x) + "/follow"} },
			want: wants{anon: all(401), user: all(404), residentA1: at(200, 404, 404),
				captainA1: at(403, 404, 404), captainA2: at(404, 403, 404),
				staffA: at(403, 403, 404), staffB: at(404, 404, 403), admin: all(403)}},
		{route: "DELETE /api/v1/issues/:id/follow",
			build: func(x *attempt) call { return call{path: issue(x) + "/follow"} },
			want:  seen(200, 200|full, 200)},
		{route: "POST /api/v1/issues/:id/transitions",
			build: func(x *attempt) call {
				return call{path: issue(x) + "/transitions", body: map[string]any{"action": "acknowledge"}}
			},
			want: seen(200, 200|full, 403)},
		{route: "POST /api/v1/issues/:id/comments",
			build: func(x *attempt) call {
				return call{path: issue(x) + "/comments", body: map[string]any{"body": "已联系物业"}}
			},
			want: seen(201, 201, 403)},
		{route: "POST /api/v1/issues/:id/rating", note: "the reporter only, after resolution",
			build: func(x *attempt) call {
				return call{path: "/api/v1/issues/" + x.resolvedIssue() + "/rating", body: map[string]any{"score": 5}}
			},
			want: seen(403, 403, 403)},
	}
}

// category is the first category of the place's community.
func (x *attempt) category() string {
	x.t.Helper()
	cats, err := x.e.App.Services.IssueCategories.List(context.Background(), x.e.ParseID(x.community()), true)
	mxMust(x.t, err)
	return mxID(cats[0].ID)
}

// newCategory adds a fresh category to the place's community and returns its id.
func (x *attempt) newCategory() string {
	x.t.Helper()
	name := x.name("类")
	c, err := x.e.App.Services.IssueCategories.Create(context.Background(), x.e.ParseID(x.community()),
		service.CategoryInput{Name: &name})
	mxMust(x.t, err)
	return mxID(c.ID)
}

// issue has a fresh resident of the place, with a bound phone, report an issue there.
func (x *attempt) issue() string {
	x.t.Helper()
	ctx := context.Background()
	s := x.e.App.Services
	reporter := x.user()
	x.resident(x.t, reporter, x.at)
	x.bindPhone(reporter, x.at)
	p, err := s.Principals.Load(ctx, x.e.ParseID(reporter))
	mxMust(x.t, err)
	cat := x.e.ParseID(x.category())
	is, err := s.Issues.Report(ctx, p, service.Report{BuildingID: x.e.ParseID(x.building()), CategoryID: cat,
		Description: "三单元楼道灯不亮", Location: "三单元"})
	mxMust(x.t, err)
	return mxID(is.ID)
}

// resolvedIssue is an issue of the place that its captain's side has resolved.
func (x *attempt) resolvedIssue() string {
	x.t.Helper()
	ctx := context.Background()
	id := x.issue()
	admin, err := x.e.App.Services.Principals.Load(ctx, x.e.ParseID(x.actors[admin].userID))
	mxMust(x.t, err)
	for _, a := range []string{service.ActionAcknowledge, service.ActionResolve} {
		_, err := x.e.App.Services.Issues.Move(ctx, admin, x.e.ParseID(id), service.Transition{Action: a})
		mxMust(x.t, err)
	}
	return id
}
