package api_test

import (
	"context"

	"linli/model"
	"linli/service"
)

// certificateRows are the permission matrix rows of volunteer certificates (志愿服务证明). A
// certificate belongs to a fresh resident of the place, so no actor of the fixture gains a
// real name or a record.
func certificateRows() []row {
	community := func(x *attempt) string { return "/api/v1/communities/" + x.community() }
	staffOnly := func(ok outcome) wants {
		return wants{anon: all(401), user: all(404), residentA1: at(403, 403, 404),
			captainA1: at(403, 403, 404), captainA2: at(403, 403, 404),
			staffA: at(ok, ok, 404), staffB: at(404, 404, ok), admin: all(ok)}
	}
	// holderOrStaff: the holder (a fresh resident) and staff of the community; anyone else
	// learns nothing (404).
	holderOrStaff := wants{anon: all(401), user: all(404), residentA1: all(404), captainA1: all(404),
		captainA2: all(404), staffA: at(200, 200, 404), staffB: at(404, 404, 200), admin: all(200)}
	everyone := func(ok outcome) wants {
		return wants{anon: all(ok), user: all(ok), residentA1: all(ok), captainA1: all(ok), captainA2: all(ok),
			staffA: all(ok), staffB: all(ok), admin: all(ok)}
	}
	return []row{
		{route: "PATCH /api/v1/communities/:id", note: "certificate issuer",
			build: func(x *attempt) call {
				return call{path: community(x), body: map[string]any{"certificate_issuer": x.name("居民委员会")}}
			}, want: staffOnly(200)},
		{route: "POST /api/v1/communities/:id/certificates",
			build: func(x *attempt) call {
				holder := x.certHolder()
				from, to := certPeriodOf(x)
				return call{path: community(x) + "/certificates",
					body: map[string]any{"user_id": holder, "from": from, "to": to}}
			}, want: staffOnly(201)},
		{route: "POST /api/v1/me/certificates", note: "the caller has no real name: 409 names it",
			build: func(x *attempt) call {
				return call{path: "/api/v1/me/certificates",
					body: map[string]any{"community_id": x.community(), "from": "2020-01-01", "to": "2020-12-31"}}
			}, want: func() wants { w := everyone(409); w[anon] = all(401); return w }()},
		{route: "GET /api/v1/certificates/:file", binary: true,
			build: func(x *attempt) call {
				return call{path: "/api/v1/certificates/" + x.certificate() + ".pdf"}
			}, want: holderOrStaff},
		{route: "GET /verify/:code",
			build: func(x *attempt) call { return call{path: "/verify/" + x.certificate()} }, want: everyone(200)},
	}
}

// certHolder makes a fresh resident of the place with a real name and an hour of service, and
// gives the place's community a recording unit; it returns the resident's id.
func (x *attempt) certHolder() string {
	x.t.Helper()
	ctx := context.Background()
	u := x.freshResident()
	x.serviceRecord(u)
	mxMust(x.t, x.e.App.Services.Certificates.SetRealName(ctx, x.e.ParseID(u), "刘晓芳"))
	mxMust(x.t, x.e.App.Store.SetCertificateIssuer(ctx, &model.CertificateIssuer{
		CommunityID: x.e.ParseID(x.community()), Issuer: "居民委员会"}))
	return u
}

// certificate issues a certificate of a fresh holder in the place and returns its code.
func (x *attempt) certificate() string {
	x.t.Helper()
	holder := x.certHolder()
	from, to := certPeriodOf(x)
	v, err := x.e.App.Services.Certificates.Issue(context.Background(), x.bankAdmin(), service.IssueRequest{
		CommunityID: x.e.ParseID(x.community()), UserID: x.e.ParseID(holder), From: from, To: to,
		VerifyBase: "http://example.com"})
	mxMust(x.t, err)
	return v.Code
}

// certPeriodOf is the year up to tomorrow (the records are of now, in any zone).
func certPeriodOf(x *attempt) (from, to string) {
	now := x.e.Clock.Now()
	return now.AddDate(-1, 0, 0).Format("2006-01-02"), now.AddDate(0, 0, 1).Format("2006-01-02")
}
