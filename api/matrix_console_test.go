package api_test

import (
	"context"
	"net/http"

	"linli/app/apptest"
)

// consoleRows are the staff console's login by mini-program code and logging out everywhere.
// Asking for a code, polling it and loading its image need no login (the browser's ticket
// cookie is the proof): the same for everyone. Confirming one takes someone the console admits.
func consoleRows() []row {
	everyone := func(s outcome) wants {
		return wants{anon: all(s), user: all(s), residentA1: all(s), captainA1: all(s), captainA2: all(s),
			staffA: all(s), staffB: all(s), admin: all(s)}
	}
	return []row{
		{route: "POST /api/v1/console/tickets", noPlace: true,
			build: func(x *attempt) call { return call{path: "/api/v1/console/tickets"} }, want: everyone(201)},
		{route: "GET /api/v1/console/tickets/:id", note: "pending, with the ticket cookie", noPlace: true,
			build: func(x *attempt) call {
				id, cookie := x.ticket()
				return call{path: "/api/v1/console/tickets/" + id, opts: []apptest.Req{withCookies("", cookie)}}
			}, want: everyone(200)},
		{route: "GET /api/v1/console/tickets/:id/image", noPlace: true, binary: true,
			build: func(x *attempt) call {
				id, cookie := x.ticket()
				return call{path: "/api/v1/console/tickets/" + id + "/image", opts: []apptest.Req{withCookies("", cookie)}}
			}, want: everyone(200)},
		{route: "POST /api/v1/console/tickets/:id/approve", noPlace: true,
			build: func(x *attempt) call {
				id, _ := x.ticket()
				return call{path: "/api/v1/console/tickets/" + id + "/approve"}
			},
			want: wants{anon: all(401), user: all(403), residentA1: all(403), captainA1: all(200), captainA2: all(200),
				staffA: all(200), staffB: all(200), admin: all(200)}},
		{route: "POST /api/v1/console/logout-all", noPlace: true, self: true,
			build: func(x *attempt) call { return call{path: "/api/v1/console/logout-all"} }, want: loggedIn(204)},
	}
}

// ticket makes a fresh pending console login ticket and returns its id and the cookie of the
// browser that asked for it.
func (x *attempt) ticket() (string, *http.Cookie) {
	x.t.Helper()
	// An address of its own: the tickets of the matrix are no flood of one office.
	t, err := x.e.App.Services.ConsoleTickets.Create(context.Background(), x.unique("matrix-"))
	mxMust(x.t, err)
	return t.ID, &http.Cookie{Name: "linli_ticket", Value: t.Secret}
}
