package api_test

import "context"

// correctionRows are the permission matrix rows of record corrections (更正申请) and the
// revocation of certificates. Records and certificates belong to fresh residents of the
// place; a request is made on the caller's own record by a fresh copy of the actor (self), so
// that no actor of the fixture gains a record.
func correctionRows() []row {
	community := func(x *attempt) string { return "/api/v1/communities/" + x.community() }
	staffOnly := func(ok outcome) wants {
		return wants{anon: all(401), user: all(404), residentA1: at(403, 403, 404),
			captainA1: at(403, 403, 404), captainA2: at(403, 403, 404),
			staffA: at(ok, ok, 404), staffB: at(404, 404, ok), admin: all(ok)}
	}
	nobody := wants{anon: all(401), user: all(404), residentA1: all(404), captainA1: all(404), captainA2: all(404),
		staffA: all(404), staffB: all(404), admin: all(404)}
	anyOwner := wants{anon: all(401), user: all(201), residentA1: all(201), captainA1: all(201), captainA2: all(201),
		staffA: all(201), staffB: all(201), admin: all(201)}
	return []row{
		{route: "POST /api/v1/service-records/:id/corrections", note: "the caller's own record, wherever it is", self: true, public: true,
			build: func(x *attempt) call {
				owner := x.as.userID
				if owner == "" { // anon: anyone's record; the token is what is missing
					owner = x.freshResident()
				}
				rec := x.serviceRecord(owner)
				return call{path: "/api/v1/service-records/" + mxID(rec) + "/corrections",
					body: map[string]any{"reason": "签退时忘记扫码", "minutes": 90}}
			}, want: anyOwner},
		{route: "POST /api/v1/service-records/:id/corrections", note: "someone else's record: nobody, staff included",
			build: func(x *attempt) call {
				rec := x.serviceRecord(x.freshResident())
				return call{path: "/api/v1/service-records/" + mxID(rec) + "/corrections",
					body: map[string]any{"reason": "签退时忘记扫码", "minutes": 90}}
			}, want: nobody},
		{route: "POST /api/v1/corrections/:id/approve",
			build: func(x *attempt) call {
				return call{path: "/api/v1/corrections/" + x.correction() + "/approve", body: map[string]any{"reason": "核对签到表"}}
			}, want: staffOnly(200)},
		{route: "POST /api/v1/corrections/:id/reject",
			build: func(x *attempt) call {
				return call{path: "/api/v1/corrections/" + x.correction() + "/reject", body: map[string]any{"reason": "签到表不符"}}
			}, want: staffOnly(200)},
		{route: "GET /api/v1/communities/:id/corrections",
			build: func(x *attempt) call { x.correction(); return call{path: community(x) + "/corrections?status=pending"} },
			want:  staffOnly(200)},
		{route: "POST /api/v1/certificates/:code/revoke",
			build: func(x *attempt) call {
				return call{path: "/api/v1/certificates/" + x.certificate() + "/revoke", body: map[string]any{"reason": "信息有误"}}
			}, want: staffOnly(200)},
	}
}

// correction opens a correction of a fresh resident's credited hour in the place and returns
// its id.
func (x *attempt) correction() string {
	x.t.Helper()
	ctx := context.Background()
	u := x.freshResident()
	rec := x.serviceRecord(u)
	_, err := x.e.App.Services.TimeBank.Credit(ctx, rec)
	mxMust(x.t, err)
	p, err := x.e.App.Services.Principals.Load(ctx, x.e.ParseID(u))
	mxMust(x.t, err)
	c, err := x.e.App.Services.TimeBank.RequestCorrection(ctx, p, rec, "少记了半小时", 90)
	mxMust(x.t, err)
	return mxID(c.ID)
}
