package api_test

// exportRows: everyone logged in may export their own data, nobody anyone else's (the route
// has no parameter to name someone else).
func exportRows() []row {
	return []row{
		{route: "GET /api/v1/me/export", noPlace: true, self: true,
			build: func(x *attempt) call { return call{path: "/api/v1/me/export"} },
			want: wants{anon: all(401), user: all(200), residentA1: all(200), captainA1: all(200), captainA2: all(200),
				staffA: all(200), staffB: all(200), admin: all(200)}},
	}
}
