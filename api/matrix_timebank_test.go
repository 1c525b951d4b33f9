package api_test

import (
	"context"

	"linli/model"
	"linli/service"
)

// timeBankRows are the permission matrix rows of the time bank (时间银行), the 爱心超市 and the
// leaderboards. Resources of a place are made by the platform admin (rewards, collective
// accounts) or belong to fresh residents of the place (credits, vouchers), so that no actor of
// the fixture gains an account it did not have: the "me" rows depend on which communities an
// actor belongs to. Only residentA1 is ever given points (in 甲社区).
func timeBankRows() []row {
	community := func(x *attempt) string { return "/api/v1/communities/" + x.community() }
	// view: anyone of the community; staffOnly: its staff and admin.
	view := wants{anon: all(401), user: all(404), residentA1: at(200, 200, 404), captainA1: at(200, 200, 404),
		captainA2: at(200, 200, 404), staffA: at(200, 200, 404), staffB: at(404, 404, 200), admin: all(200)}
	staffOnly := func(ok outcome) wants {
		return wants{anon: all(401), user: all(404), residentA1: at(403, 403, 404),
			captainA1: at(403, 403, 404), captainA2: at(403, 403, 404),
			staffA: at(ok, ok, 404), staffB: at(404, 404, ok), admin: all(ok)}
	}
	// mine: about the caller's own account in the place's community.
	mine := wants{anon: all(401), user: all(404), residentA1: at(200, 200, 404), captainA1: at(200, 200, 404),
		captainA2: at(200, 200, 404), staffA: at(200, 200, 404), staffB: at(404, 404, 200), admin: all(200)}
	// mineAnywhere: without community_id, the only community the caller belongs to (none: 404;
	// a platform admin belongs to none).
	mineAnywhere := wants{anon: all(401), user: all(404), residentA1: all(200), captainA1: all(200), captainA2: all(200),
		staffA: all(200), staffB: all(200), admin: all(404)}
	// resident: approved residents of the community act (admin too); others inside it 403.
	resident := func(ok, adminOK outcome) wants {
		return wants{anon: all(401), user: all(404), residentA1: at(ok, ok, 404), captainA1: at(403, 403, 404),
			captainA2: at(403, 403, 404), staffA: at(403, 403, 404), staffB: at(404, 404, 403), admin: all(adminOK)}
	}
	return []row{
		{route: "GET /api/v1/me/account", note: "in the place's community",
			build: func(x *attempt) call { return call{path: "/api/v1/me/account?community_id=" + x.community()} }, want: mine},
		{route: "GET /api/v1/me/account", note: "the only community", noPlace: true,
			build: func(x *attempt) call { return call{path: "/api/v1/me/account"} }, want: mineAnywhere},
		{route: "GET /api/v1/me/ledger", note: "in the place's community",
			build: func(x *attempt) call { return call{path: "/api/v1/me/ledger?community_id=" + x.community()} }, want: mine},
		{route: "GET /api/v1/me/ledger", note: "the only community", noPlace: true,
			build: func(x *attempt) call { return call{path: "/api/v1/me/ledger"} }, want: mineAnywhere},
		{route: "GET /api/v1/me/service-records", noPlace: true,
			build: func(x *attempt) call { return call{path: "/api/v1/me/service-records"} }, want: loggedIn(200)},
		{route: "POST /api/v1/transfers", note: "from one's own account to a resident of the place",
			build: func(x *attempt) call {
				if x.as.id == residentA1 && x.at != B1 {
					x.fund(x.as.userID)
				}
				return call{path: "/api/v1/transfers", body: map[string]any{"community_id": x.community(),
					"to_user_id": x.freshResident(), "points": "0.01"}}
			},
			// admin may act as a resident but holds no points.
			want: resident(201, 409)},
		{route: "POST /api/v1/transfers", note: "from a collective account to the community: its staff",
			build: func(x *attempt) call {
				card := x.collective(true)
				return call{path: "/api/v1/transfers", body: map[string]any{"from_account_id": card,
					"to_account_id": x.spending(), "points": "0.01"}}
			},
			want: staffOnly(201)},
		{route: "POST /api/v1/postings/:id/reverse",
			build: func(x *attempt) call {
				return call{path: "/api/v1/postings/" + x.credit() + "/reverse", body: map[string]any{"reason": "登记错误"}}
			},
			want: staffOnly(201)},
		{route: "GET /api/v1/communities/:id/accounts",
			build: func(x *attempt) call { x.collective(false); return call{path: community(x) + "/accounts"} },
			want:  staffOnly(200)},
		{route: "POST /api/v1/communities/:id/accounts",
			build: func(x *attempt) call {
				return call{path: community(x) + "/accounts", body: map[string]any{"name": x.name("单位卡"), "card": "unit"}}
			},
			want: staffOnly(201)},
		{route: "PATCH /api/v1/accounts/:id",
			build: func(x *attempt) call {
				return call{path: "/api/v1/accounts/" + x.collective(false), body: map[string]any{"name": x.name("企业卡")}}
			},
			want: staffOnly(200)},
		{route: "GET /api/v1/accounts/:id/ledger",
			build: func(x *attempt) call { return call{path: "/api/v1/accounts/" + x.collective(true) + "/ledger"} },
			want:  staffOnly(200)},
		{route: "GET /api/v1/communities/:id/service-records",
			build: func(x *attempt) call { x.credit(); return call{path: community(x) + "/service-records"} },
			want:  staffOnly(200)},
		{route: "GET /api/v1/communities/:id/rewards", note: "the shelf: anyone of the community",
			build: func(x *attempt) call { x.reward(); return call{path: community(x) + "/rewards"} }, want: view},
		{route: "GET /api/v1/communities/:id/rewards", note: "with inactive ones: staff",
			build: func(x *attempt) call { return call{path: community(x) + "/rewards?all=true"} }, want: staffOnly(200)},
		{route: "POST /api/v1/communities/:id/rewards",
			build: func(x *attempt) call {
				return call{path: community(x) + "/rewards", body: map[string]any{"name": x.name("课"), "kind": "course",
					"price": "1", "stock": 5}}
			},
			want: staffOnly(201)},
		{route: "PATCH /api/v1/rewards/:id",
			build: func(x *attempt) call {
				return call{path: "/api/v1/rewards/" + x.reward(), body: map[string]any{"stock": 9}}
			},
			want: staffOnly(200)},
		{route: "POST /api/v1/rewards/:id/redeem", note: "a free reward: approved residents",
			build: func(x *attempt) call { return call{path: "/api/v1/rewards/" + x.reward() + "/redeem"} },
			want:  resident(201, 201)},
		{route: "GET /api/v1/me/redemptions", noPlace: true,
			build: func(x *attempt) call { return call{path: "/api/v1/me/redemptions"} }, want: loggedIn(200)},
		{route: "POST /api/v1/redemptions/verify", note: "staff (the merchant is tested apart)",
			build: func(x *attempt) call {
				_, code := x.voucher()
				return call{path: "/api/v1/redemptions/verify", body: map[string]any{"voucher_code": code}}
			},
			want: staffOnly(200)},
		{route: "POST /api/v1/redemptions/:id/cancel", note: "someone else's voucher: staff",
			build: func(x *attempt) call {
				id, _ := x.voucher()
				return call{path: "/api/v1/redemptions/" + id + "/cancel"}
			},
			want: staffOnly(200)},
		{route: "GET /api/v1/communities/:id/leaderboard",
			build: func(x *attempt) call {
				x.credit()
				return call{path: community(x) + "/leaderboard?metric=points&period=month"}
			},
			want: view},
	}
}

// bankAdmin is the platform admin's principal, who makes the time bank's resources of a place.
func (x *attempt) bankAdmin() *service.Principal {
	x.t.Helper()
	p, err := x.e.App.Services.Principals.Load(context.Background(), x.e.ParseID(x.actors[admin].userID))
	mxMust(x.t, err)
	return p
}

// freshResident makes a fresh approved resident of the place and returns their id.
func (x *attempt) freshResident() string {
	x.t.Helper()
	u := x.user()
	x.resident(x.t, u, x.at)
	return u
}

// serviceRecord records an hour of confirmed service of the user in the place's community.
func (x *attempt) serviceRecord(userID string) uint64 {
	x.t.Helper()
	r := &model.ServiceRecord{CommunityID: x.e.ParseID(x.community()), UserID: x.e.ParseID(userID),
		SourceKind: model.SourceActivity, SourceID: uint64(x.seq.Add(1)) + 1<<40, Content: x.name("巡逻"), Place: "东门",
		ServedAt: x.e.Clock.Now(), Minutes: 60, PointsPerHour: 100, OrganiserID: x.e.ParseID(x.actors[admin].userID),
		ConfirmerID: x.e.ParseID(x.actors[admin].userID)}
	_, err := x.e.App.Store.AddServiceRecord(context.Background(), r)
	mxMust(x.t, err)
	return r.ID
}

// fund gives the user a point in the place's community.
func (x *attempt) fund(userID string) {
	x.t.Helper()
	_, err := x.e.App.Services.TimeBank.Credit(context.Background(), x.serviceRecord(userID))
	mxMust(x.t, err)
}

// credit credits an hour of a fresh resident of the place and returns the credit's posting id.
func (x *attempt) credit() string {
	x.t.Helper()
	ctx := context.Background()
	id := x.serviceRecord(x.freshResident())
	_, err := x.e.App.Services.TimeBank.Credit(ctx, id)
	mxMust(x.t, err)
	p, err := x.e.App.Store.PostingOf(ctx, model.SourceServiceRecord, id)
	mxMust(x.t, err)
	return mxID(p.ID)
}

// collective opens a fresh collective account in the place's community, funded with a point
// donated by a fresh resident when funded.
func (x *attempt) collective(funded bool) string {
	x.t.Helper()
	ctx := context.Background()
	tb := x.e.App.Services.TimeBank
	a, err := tb.CreateCollective(ctx, x.bankAdmin(), x.e.ParseID(x.community()),
		service.CollectiveInput{Name: x.name("院落卡"), Card: model.CardCourtyard})
	mxMust(x.t, err)
	if funded {
		donor := x.freshResident()
		x.fund(donor)
		p, err := x.e.App.Services.Principals.Load(ctx, x.e.ParseID(donor))
		mxMust(x.t, err)
		_, err = tb.Transfer(ctx, p, service.TransferInput{ToAccountID: a.ID, Points: 100})
		mxMust(x.t, err)
	}
	return mxID(a.ID)
}

// spending is the id of the place's community's own account.
func (x *attempt) spending() string {
	x.t.Helper()
	list, _, err := x.e.App.Services.TimeBank.ListAccounts(context.Background(), x.bankAdmin(), x.e.ParseID(x.community()),
		[]string{model.AccountSpending}, 0, 1)
	mxMust(x.t, err)
	if len(list) == 0 {
		x.t.Fatal("no community account yet")
	}
	return mxID(list[0].ID)
}

// reward puts a fresh free reward on the place's community's shelf and returns its id.
func (x *attempt) reward() string {
	x.t.Helper()
	name, kind := x.name("礼"), model.RewardHonour
	r, err := x.e.App.Services.Rewards.CreateReward(context.Background(), x.bankAdmin(), x.e.ParseID(x.community()),
		service.RewardInput{Name: &name, Kind: &kind, Price: new(service.Points), Stock: new(int)})
	mxMust(x.t, err)
	stock := 100
	_, err = x.e.App.Services.Rewards.UpdateReward(context.Background(), x.bankAdmin(), r.ID, service.RewardInput{Stock: &stock})
	mxMust(x.t, err)
	return mxID(r.ID)
}

// voucher has a fresh resident of the place redeem a fresh reward; it returns the voucher's id
// and code.
func (x *attempt) voucher() (string, string) {
	x.t.Helper()
	ctx := context.Background()
	p, err := x.e.App.Services.Principals.Load(ctx, x.e.ParseID(x.freshResident()))
	mxMust(x.t, err)
	d, err := x.e.App.Services.Rewards.Redeem(ctx, p, x.e.ParseID(x.reward()))
	mxMust(x.t, err)
	return mxID(d.ID), d.Code
}
