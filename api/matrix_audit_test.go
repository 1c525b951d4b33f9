package api_test

// The permission matrix rows of the audit log (see matrix_test.go for the format).

import "net/url"

func auditRows() []row {
	return []row{
		{route: "GET /api/v1/communities/:id/audit-log",
			build: func(x *attempt) call {
				return call{path: "/api/v1/communities/" + x.community() + "/audit-log"}
			}, want: placeWrite(200)},
		{route: "GET /api/v1/communities/:id/audit-log", note: "filtered by a person and a day",
			build: func(x *attempt) call {
				q := url.Values{"user_id": {x.actors[staffA].userID}, "from": {"2024-01-01"}, "limit": {"5"}}
				return call{path: "/api/v1/communities/" + x.community() + "/audit-log?" + q.Encode()}
			}, want: placeWrite(200)},
	}
}
