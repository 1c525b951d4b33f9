package api_test

import (
	"bytes"
	"context"
	"mime/multipart"

	"linli/app/apptest"
	"linli/service"
)

// householdRows are the permission matrix rows of the register of households (房屋台账).
func householdRows() []row {
	community := func(x *attempt) string { return "/api/v1/communities/" + x.community() }
	staff := func(ok outcome) wants {
		return wants{anon: all(401), user: all(404), residentA1: at(403, 403, 404), captainA1: at(403, 403, 404),
			captainA2: at(403, 403, 404), staffA: at(ok, ok, 404), staffB: at(404, 404, ok), admin: all(ok)}
	}
	everyone := func(ok outcome) wants {
		return wants{anon: all(401), user: all(ok), residentA1: all(ok), captainA1: all(ok), captainA2: all(ok),
			staffA: all(ok), staffB: all(ok), admin: all(ok)}
	}
	return []row{
		{route: "GET /api/v1/communities/:id/households/template", binary: true,
			build: func(x *attempt) call { return call{path: community(x) + "/households/template"} }, want: staff(200)},
		{route: "POST /api/v1/communities/:id/households/import",
			build: func(x *attempt) call {
				return call{path: community(x) + "/households/import", body: x.registerForm(x.unique("M"))}
			}, want: staff(200)},
		{route: "POST /api/v1/communities/:id/households/import", note: "dry run",
			build: func(x *attempt) call {
				return call{path: community(x) + "/households/import?dry_run=true", body: x.registerForm(x.unique("D"))}
			}, want: staff(200)},
		{route: "GET /api/v1/buildings/:id/households",
			build: func(x *attempt) call { return call{path: "/api/v1/buildings/" + x.building() + "/households"} },
			want:  everyone(200)},
		{route: "GET /api/v1/households/:id",
			build: func(x *attempt) call { return call{path: "/api/v1/households/" + x.household()} },
			want: wants{anon: all(401), user: all(404), residentA1: at(403, 403, 404), captainA1: at(200|full, 403, 404),
				captainA2: at(403, 200|full, 404), staffA: at(200|full, 200|full, 404), staffB: at(404, 404, 200|full),
				admin: all(200)}},
		{route: "POST /api/v1/me/residencies", note: "a registered household", self: true, public: true,
			build: func(x *attempt) call {
				return call{path: "/api/v1/me/residencies", body: map[string]string{"household_id": x.household()}}
			}, want: everyone(201)},
	}
}

// household makes a household in the place with an approved member who bound a phone there,
// and returns its id.
func (x *attempt) household() string {
	x.t.Helper()
	ctx := context.Background()
	member := x.user()
	x.resident(x.t, member, x.at)
	x.bindPhone(member, x.at)
	hh, err := x.e.App.Services.Households.OfUser(ctx, x.e.ParseID(member), x.e.ParseID(x.community()))
	mxMust(x.t, err)
	return mxID(hh.ID)
}

// registerForm is a multipart body with a register workbook of one room in the place's
// building.
func (x *attempt) registerForm(room string) apptest.Raw {
	x.t.Helper()
	b, err := x.e.App.Services.Places.Building(context.Background(), x.e.ParseID(x.building()))
	mxMust(x.t, err)
	wb, err := service.RegisterWorkbook([]service.RegisterRow{{Estate: b.EstateName, Building: b.Name, Unit: "1", Room: room}})
	mxMust(x.t, err)
	return xlsxForm(x.t, wb)
}

// xlsxForm is a multipart body with the workbook in the field file.
func xlsxForm(t interface {
	Helper()
	Fatalf(string, ...any)
}, wb []byte) apptest.Raw {
	t.Helper()
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	f, err := w.CreateFormFile("file", "房屋台账.xlsx")
	if err == nil {
		_, err = f.Write(wb)
	}
	if err == nil {
		err = w.Close()
	}
	if err != nil {
		t.Fatalf("form: %v", err)
	}
	return apptest.Raw{ContentType: w.FormDataContentType(), Body: b.String()}
}
