package api_test

// The bad-input test's working requests and ids (see badinput_test.go): the requests the
// matrix does not make, the routes with none, another community's value of each id field, and
// the fields where such a value is allowed.

import (
	"bytes"
	"context"
	"testing"

	"linli/service"
)

// noBaseline lists the writes no actor of the matrix can make succeed, and why; they still get
// every mutation, which must then not answer 5xx nor write anything.
var noBaseline = map[string]string{
	"POST /api/v1/me/certificates":   "a certificate needs the volunteer's real name and settled service records; the matrix's people have neither (api/certificates_test.go drives it with both)",
	"POST /api/v1/auth/login":        "dev mode answers 404; real logins are tested against the fake WeChat (identity_test.go, secrets_test.go)",
	"POST /api/v1/console/dev-login": "only an existing admin, staff member or captain may log in, by their own openid; the matrix names a newcomer (refused); working logins are in console_test.go",
}

// foreignAllowed are id fields that may name something of another community, and why.
var foreignAllowed = map[string]string{
	"POST /api/v1/communities/:id/roles user_id": "a role may be given to anyone with an account: staff need not live in the community",
	"POST /api/v1/me/residencies building_id":    "anyone may claim a home in any community; the claim waits for its captain or staff",
	"POST /api/v1/me/residencies household_id":   "anyone may claim a registered home in any community; the claim waits for its captain or staff",
	"POST /api/v1/me/notifications/read ids":     "others' notifications are ignored (documented): the answer counts only one's own",
}

// extraBaselines are working requests of the route the matrix does not make: the matrix's
// actors cannot (only a reporter rates), it needs configuration the matrix lacks, or the route
// has another use whose fields matter (marking a duplicate, dispatching for an issue).
func extraBaselines(key string) []row {
	ok := func(a actorID, status outcome) wants {
		var w wants
		w[a] = all(status)
		return w
	}
	switch key {
	case "POST /api/v1/issues/:id/rating":
		return []row{{route: key, note: "the reporter rates their resolved issue", self: true, want: ok(residentA1, 200),
			build: func(x *attempt) call {
				ctx := context.Background()
				s := x.e.App.Services
				p, err := s.Principals.Load(ctx, x.e.ParseID(x.as.userID))
				mxMust(x.t, err)
				is, err := s.Issues.Report(ctx, p, service.Report{BuildingID: x.e.ParseID(x.building()),
					CategoryID: x.e.ParseID(x.category()), Description: "门禁坏了"})
				mxMust(x.t, err)
				admin, err := s.Principals.Load(ctx, x.e.ParseID(x.actors[admin].userID))
				mxMust(x.t, err)
				for _, act := range []string{service.ActionAcknowledge, service.ActionResolve} {
					_, err := s.Issues.Move(ctx, admin, is.ID, service.Transition{Action: act})
					mxMust(x.t, err)
				}
				return call{path: "/api/v1/issues/" + mxID(is.ID) + "/rating", body: map[string]any{"score": 4, "comment": "修得快"}}
			}}}
	case "POST /api/v1/me/subscriptions":
		return []row{{route: key, note: "a configured template", noPlace: true, want: ok(residentA1, 201),
			build: func(x *attempt) call {
				return call{path: "/api/v1/me/subscriptions", body: map[string]any{"template_ids": []string{badInputTemplate}}}
			}}}
	case "POST /api/v1/issues/:id/transitions":
		return []row{{route: key, note: "mark a duplicate", want: ok(staffA, 200),
			build: func(x *attempt) call {
				return call{path: "/api/v1/issues/" + x.issue() + "/transitions",
					body: map[string]any{"action": "mark_duplicate", "duplicate_of": x.issue(), "note": "同一盏灯"}}
			}}}
	case "POST /api/v1/dispatches":
		return []row{{route: key, note: "for an issue", want: ok(staffA, 201),
			build: func(x *attempt) call {
				return call{path: "/api/v1/dispatches", body: map[string]any{"issue_id": x.issue(),
					"volunteer_id": x.volunteer(false), "note": "请带梯子"}}
			}}}
	}
	return nil
}

// badInputTemplate is the subscription template the bad-input servers configure.
const badInputTemplate = "tmplBadInput-0001"

// foreignKnown are the id fields foreignValue knows another community's value of.
var foreignKnown = map[string]bool{"community_id": true, "building_id": true, "building_ids": true, "audience_id": true, "estate_id": true,
	"category_id": true, "skill_id": true, "skill_ids": true, "type_id": true, "team_id": true, "user_id": true,
	"to_user_id": true, "volunteer_id": true, "merchant_user_id": true, "manager_ids": true, "leader_ids": true,
	"issue_id": true, "duplicate_of": true, "help_request_id": true, "to_account_id": true, "from_account_id": true,
	"photos": true, "seal_upload_id": true, "ids": true, "household_id": true, "scope_id": true, "assignee_id": true}

// foreignValue is a value of the id field from 乙社区 (B1), made once per server.
func (b *badRun) foreignValue(t *testing.T, field string) string {
	if !foreignKnown[field] {
		return ""
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if v, ok := b.foreign[field]; ok {
		return v
	}
	x := &attempt{matrix: b.matrix, t: t, as: b.actors[staffB], at: B1}
	var v string
	switch field {
	case "community_id":
		v = x.community()
	case "building_id", "building_ids", "audience_id", "scope_id":
		v = x.building()
	case "estate_id":
		v = x.estate()
	case "category_id":
		v = x.category()
	case "skill_id", "skill_ids":
		v = x.skillIn(1, "电工")
	case "type_id":
		v = x.activityType()
	case "team_id":
		v = x.team()
	case "issue_id", "duplicate_of":
		v = x.issue()
	case "help_request_id":
		v = x.help(false)
	case "to_account_id", "from_account_id":
		v = x.collective(false)
	case "photos", "seal_upload_id": // another community's person's upload
		u := b.e.App.Services.Uploads
		up, err := u.Save(context.Background(), b.e.ParseID(x.freshResident()), bytes.NewReader(tinyPNG(t)), -1)
		mxMust(t, err)
		v = mxID(up.ID)
	case "ids":
		v = x.notice(b.actors[staffB].userID, "乙通知")
	case "household_id":
		v = x.household()
	default: // people
		v = x.freshResident()
	}
	b.foreign[field] = v
	return v
}
