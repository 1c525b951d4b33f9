package api_test

// The rows of the permission matrix (see matrix_test.go for the format), one function per
// capability. A new capability's rows go in a file of their own (matrix_<capability>_test.go),
// with their function listed in matrixRows; the fixture and the builders' helpers are in
// matrix_fixture_test.go.

import (
	"net/url"
	"strings"

	"linli/app/apptest"
)

// matrixRows lists every row; add your capability's function here.
func matrixRows() []row {
	var rows []row
	for _, f := range []func() []row{identityRows, placesRows, residencyRows, rolesRows,
		notificationRows, inboxIsolationRows, uploadLinkRows, issueRows, skillRows,
		activityRows, exportRows, timeBankRows, auditRows, dashboardRows, householdRows, certificateRows, councilRows, announcementRows, correctionRows, consoleRows} {
		rows = append(rows, f()...)
	}
	return rows
}

// loggedIn is the outcome of a request about the caller's own account: ok for everyone with a
// session, 401 without.
func loggedIn(ok outcome) wants {
	return wants{anon: all(401), user: all(ok), residentA1: all(ok), captainA1: all(ok), captainA2: all(ok),
		staffA: all(ok), staffB: all(ok), admin: all(ok)}
}

func identityRows() []row {
	everyone200, everyone204 := loggedIn(200), loggedIn(204)
	return []row{
		{route: "POST /api/v1/auth/login", note: "dev mode: no WeChat configured", noPlace: true,
			build: func(x *attempt) call {
				return call{path: "/api/v1/auth/login", body: map[string]string{"code": "c0de"}}
			},
			want: wants{anon: all(404), user: all(404), residentA1: all(404), captainA1: all(404), captainA2: all(404),
				staffA: all(404), staffB: all(404), admin: all(404)}},
		{route: "POST /api/v1/auth/dev-login", noPlace: true,
			build: func(x *attempt) call {
				return call{path: "/api/v1/auth/dev-login", body: map[string]string{"openid": x.unique("newcomer-")}}
			},
			want: wants{anon: all(200), user: all(200), residentA1: all(200), captainA1: all(200), captainA2: all(200),
				staffA: all(200), staffB: all(200), admin: all(200)}},
		{route: "POST /api/v1/auth/logout", noPlace: true, self: true,
			build: func(x *attempt) call { return call{path: "/api/v1/auth/logout"} }, want: everyone204},
		{route: "POST /api/v1/console/dev-login", note: "a new openid has no role: refused", noPlace: true,
			build: func(x *attempt) call {
				return call{path: "/api/v1/console/dev-login", body: map[string]string{"openid": x.unique("newcomer-")}}
			},
			want: wants{anon: all(403), user: all(403), residentA1: all(403), captainA1: all(403), captainA2: all(403),
				staffA: all(403), staffB: all(403), admin: all(403)}},
		{route: "POST /api/v1/console/logout", noPlace: true, self: true,
			build: func(x *attempt) call { return call{path: "/api/v1/console/logout"} }, want: everyone204},
		{route: "GET /api/v1/me", noPlace: true,
			build: func(x *attempt) call { return call{path: "/api/v1/me"} }, want: everyone200},
		{route: "PATCH /api/v1/me", noPlace: true, self: true,
			build: func(x *attempt) call {
				return call{path: "/api/v1/me", body: map[string]string{"nickname": x.unique("邻居")}}
			}, want: everyone200},
		{route: "DELETE /api/v1/me", noPlace: true, self: true,
			build: func(x *attempt) call { return call{path: "/api/v1/me"} }, want: everyone204},
		{route: "POST /api/v1/me/phone", noPlace: true, self: true,
			build: func(x *attempt) call {
				return call{path: "/api/v1/me/phone", body: map[string]string{"code": x.phone(x.as.lives)}}
			}, want: everyone200},
	}
}

// placeWrite is who may add estates and buildings, or grant and revoke roles, in the place's
// community: its staff and admin; others inside it are refused, outsiders told it is not there.
func placeWrite(ok outcome) wants {
	return wants{anon: all(401), user: all(404), residentA1: at(403, 403, 404), captainA1: at(403, 403, 404),
		captainA2: at(403, 403, 404), staffA: at(ok, ok, 404), staffB: at(404, 404, ok), admin: all(ok)}
}

// inA is the same write with 甲社区 in the path and a resource of the place: for 甲社区's staff
// and admin, B1's resource gives foreign (400 naming the field when it is not one of 甲社区's,
// 404 for another community's role); 乙社区's staff are outsiders to 甲社区 (404).
func inA(ok, foreign outcome) wants {
	return wants{anon: all(401), user: all(404), residentA1: all(403), captainA1: all(403), captainA2: all(403),
		staffA: at(ok, ok, foreign), staffB: all(404), admin: at(ok, ok, foreign)}
}

func placesRows() []row {
	public := wants{anon: all(200), user: all(200), residentA1: all(200), captainA1: all(200), captainA2: all(200),
		staffA: all(200), staffB: all(200), admin: all(200)}
	return []row{
		{route: "GET /api/v1/communities", noPlace: true, public: true,
			build: func(x *attempt) call { return call{path: "/api/v1/communities"} }, want: public},
		{route: "POST /api/v1/communities", noPlace: true,
			build: func(x *attempt) call {
				return call{path: "/api/v1/communities", body: map[string]string{"name": x.unique("丙社区")}}
			},
			want: wants{anon: all(401), user: all(403), residentA1: all(403), captainA1: all(403), captainA2: all(403),
				staffA: all(403), staffB: all(403), admin: all(201)}},
		{route: "GET /api/v1/communities/:id/estates", public: true,
			build: func(x *attempt) call { return call{path: "/api/v1/communities/" + x.community() + "/estates"} },
			want:  public},
		{route: "GET /api/v1/communities/:id/buildings", public: true,
			build: func(x *attempt) call { return call{path: "/api/v1/communities/" + x.community() + "/buildings"} },
			want:  public},
		{route: "POST /api/v1/communities/:id/estates",
			build: func(x *attempt) call {
				return call{path: "/api/v1/communities/" + x.community() + "/estates", body: map[string]string{"name": x.name("苑")}}
			}, want: placeWrite(201)},
		{route: "POST /api/v1/communities/:id/buildings",
			build: func(x *attempt) call {
				return call{path: "/api/v1/communities/" + x.community() + "/buildings",
					body: map[string]string{"estate_id": x.estate(), "name": x.name("栋")}}
			}, want: placeWrite(201)},
		{route: "POST /api/v1/communities/:id/buildings", note: "甲社区 in the path, the estate of the place",
			build: func(x *attempt) call {
				return call{path: "/api/v1/communities/" + x.comms[0].id + "/buildings",
					body: map[string]string{"estate_id": x.estate(), "name": x.name("栋")}}
			}, want: inA(201, 400)},
	}
}

func residencyRows() []row {
	// The queue of a building: its captain and its community's staff see the claimants' phones.
	building := wants{anon: all(401), user: all(404), residentA1: at(403, 403, 404),
		captainA1: at(200|full, 403, 404), captainA2: at(403, 200|full, 404),
		staffA: at(200|full, 200|full, 404), staffB: at(404, 404, 200|full), admin: all(200)}
	decide := wants{anon: all(401), user: all(404), residentA1: at(403, 403, 404),
		captainA1: at(200, 403, 404), captainA2: at(403, 200, 404),
		staffA: at(200, 200, 404), staffB: at(404, 404, 200), admin: all(200)}
	return []row{
		{route: "POST /api/v1/me/residencies", self: true, public: true,
			build: func(x *attempt) call {
				return call{path: "/api/v1/me/residencies",
					body: map[string]string{"building_id": x.building(), "room": x.unique("R")}}
			},
			want: wants{anon: all(401), user: all(201), residentA1: all(201), captainA1: all(201), captainA2: all(201),
				staffA: all(201), staffB: all(201), admin: all(201)}},
		{route: "GET /api/v1/residencies", note: "no filter: the caller's whole scope", noPlace: true,
			build: func(x *attempt) call { return call{path: "/api/v1/residencies"} },
			want: wants{anon: all(401), user: all(403), residentA1: all(403), captainA1: all(200 | full),
				captainA2: all(200 | full), staffA: all(200 | full), staffB: all(200 | full), admin: all(200)}},
		{route: "GET /api/v1/residencies", note: "building_id of the place",
			build: func(x *attempt) call { return call{path: "/api/v1/residencies?building_id=" + x.building()} },
			want:  building},
		{route: "GET /api/v1/residencies", note: "approved residents of the place",
			build: func(x *attempt) call {
				return call{path: "/api/v1/residencies?status=approved&building_id=" + x.building()}
			}, want: building},
		{route: "GET /api/v1/residencies", note: "community_id of the place",
			build: func(x *attempt) call { return call{path: "/api/v1/residencies?community_id=" + x.community()} },
			want: wants{anon: all(401), user: all(404), residentA1: at(403, 403, 404),
				captainA1: at(200|full, 200|full, 404), captainA2: at(200|full, 200|full, 404),
				staffA: at(200|full, 200|full, 404), staffB: at(404, 404, 200|full), admin: all(200)}},
		{route: "GET /api/v1/residencies", note: "community_id of 甲社区, building_id of the place",
			build: func(x *attempt) call {
				return call{path: "/api/v1/residencies?community_id=" + x.comms[0].id + "&building_id=" + x.building()}
			},
			want: wants{anon: all(401), user: at(404, 404, 400), residentA1: at(403, 403, 400),
				captainA1: at(200|full, 403, 400), captainA2: at(403, 200|full, 400),
				staffA: at(200|full, 200|full, 400), staffB: at(404, 404, 400), admin: at(200, 200, 400)}},
		{route: "POST /api/v1/residencies/:id/approve",
			build: func(x *attempt) call { return call{path: "/api/v1/residencies/" + x.claim() + "/approve"} },
			want:  decide},
		{route: "POST /api/v1/residencies/:id/approve", note: "the caller's own claim", self: true,
			build: func(x *attempt) call { return call{path: "/api/v1/residencies/" + x.ownClaim() + "/approve"} },
			want: wants{anon: all(401), user: all(404), residentA1: at(403, 403, 404), captainA1: at(403, 403, 404),
				captainA2: at(403, 403, 404), staffA: at(403, 403, 404), staffB: at(404, 404, 403), admin: all(403)}},
		{route: "POST /api/v1/residencies/:id/reject",
			build: func(x *attempt) call {
				return call{path: "/api/v1/residencies/" + x.claim() + "/reject", body: map[string]string{"reason": "房号不符"}}
			}, want: decide},
	}
}

func rolesRows() []row {
	grant := func(community string, x *attempt) call {
		return call{path: "/api/v1/communities/" + community + "/roles",
			body: map[string]any{"user_id": x.user(), "role": "captain", "building_ids": []string{x.building()}}}
	}
	return []row{
		{route: "POST /api/v1/communities/:id/roles",
			build: func(x *attempt) call { return grant(x.community(), x) }, want: placeWrite(201)},
		{route: "POST /api/v1/communities/:id/roles", note: "甲社区 in the path, a building of the place",
			build: func(x *attempt) call { return grant(x.comms[0].id, x) }, want: inA(201, 400)},
		{route: "DELETE /api/v1/communities/:id/roles/:role_id",
			build: func(x *attempt) call {
				return call{path: "/api/v1/communities/" + x.community() + "/roles/" + x.role()}
			}, want: placeWrite(204)},
		{route: "DELETE /api/v1/communities/:id/roles/:role_id", note: "甲社区 in the path, a role of the place",
			build: func(x *attempt) call {
				return call{path: "/api/v1/communities/" + x.comms[0].id + "/roles/" + x.role()}
			}, want: inA(204, 404)},
	}
}

// inboxIsolationRows: everyone's inbox holds their own notifications only, and marking
// someone else's read changes nothing. (notificationRows, in notifications_test.go, has the
// notification routes' main rows.)
func inboxIsolationRows() []row {
	// read checks how many notifications a mark-read changed; for someone else's, also that
	// theirs (x.ref) is still unread.
	read := func(want int64) func(x *attempt, res *apptest.Response) {
		return func(x *attempt, res *apptest.Response) {
			var out struct {
				Updated int64 `json:"updated"`
			}
			if res.Status != 200 {
				return
			}
			if res.Data(x.t, &out); out.Updated != want {
				x.t.Errorf("mark read as %s: updated %d, want %d", x.as.id, out.Updated, want)
			}
			if x.ref != "" {
				var page struct {
					UnreadCount int64 `json:"unread_count"`
				}
				x.e.Do("GET", "/api/v1/me/notifications", nil, apptest.Token(x.ref)).Data(x.t, &page)
				if page.UnreadCount != 1 {
					x.t.Errorf("mark read as %s changed someone else's notification", x.as.id)
				}
			}
		}
	}
	return []row{
		{route: "GET /api/v1/me/notifications", note: "only the caller's own", noPlace: true, want: loggedIn(200),
			build: func(x *attempt) call { return call{path: "/api/v1/me/notifications"} },
			check: func(x *attempt, res *apptest.Response) {
				var page struct {
					Items []struct {
						Title string `json:"title"`
					} `json:"items"`
				}
				if res.Status != 200 {
					return
				}
				// Other rows make issues that notify captains and staff; what must never show is
				// another actor's notification (their titles are 通知<actor>).
				res.Data(x.t, &page)
				for _, it := range page.Items {
					if strings.Contains(it.Title, "通知") && it.Title != x.noticeTitle() {
						x.t.Errorf("inbox of %s shows someone else's notification %q", x.as.id, it.Title)
					}
				}
			}},
		{route: "POST /api/v1/me/notifications/read", note: "the caller's own notification", noPlace: true, self: true,
			build: func(x *attempt) call {
				owner := x.as.userID
				if owner == "" {
					owner = x.user()
				}
				return call{path: "/api/v1/me/notifications/read",
					body: map[string]any{"ids": []string{x.notice(owner, "通知")}}}
			}, want: loggedIn(200), check: read(1)},
		{route: "POST /api/v1/me/notifications/read", note: "someone else's notification", noPlace: true,
			build: func(x *attempt) call {
				other := x.newActor(x.t, user, x.unique("other-"))
				x.ref = other.token
				return call{path: "/api/v1/me/notifications/read",
					body: map[string]any{"ids": []string{x.notice(other.userID, "通知")}}}
			}, want: loggedIn(200), check: read(0)},
	}
}

// uploadLinkRows: uploading needs a login; an image is read by its signed link alone.
func uploadLinkRows() []row {
	anyone := func(s outcome) wants {
		return wants{anon: all(s), user: all(s), residentA1: all(s), captainA1: all(s), captainA2: all(s),
			staffA: all(s), staffB: all(s), admin: all(s)}
	}
	return []row{
		{route: "POST /api/v1/uploads", noPlace: true,
			build: func(x *attempt) call { return call{path: "/api/v1/uploads", body: uploadForm(x.t)} },
			want:  loggedIn(201)},
		// An image is read by its signed link alone (an <image src> sends no token); whoever may
		// see the thing it is attached to is given the link.
		{route: "GET /files/:id", note: "a signed link", noPlace: true, binary: true,
			build: func(x *attempt) call { return call{path: x.upload()} }, want: anyone(200)},
		{route: "GET /files/:id", note: "a forged signature", noPlace: true,
			build: func(x *attempt) call {
				u, err := url.Parse(x.upload())
				mxMust(x.t, err)
				q := u.Query()
				q.Set("sig", "AAAA"+q.Get("sig")[4:])
				u.RawQuery = q.Encode()
				return call{path: u.String()}
			}, want: anyone(403)},
	}
}
