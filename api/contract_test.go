package api_test

import (
	"encoding/json"
	"strings"
	"testing"

	"linli/app/apptest"
)

// contractRoutes are the endpoints of ../shared/docs/api.md, the contract the mini-program is
// written against (API paths without the /api/v1 prefix). The list is copied here so that the
// test needs nothing outside the repository; a route renamed or dropped by mistake fails it.
var contractRoutes = `
GET /healthz
GET /readyz
POST /auth/login
POST /auth/dev-login
POST /auth/logout
POST /console/tickets
POST /console/tickets/:id/approve
GET /console/tickets/:id
GET /me
PATCH /me
POST /me/phone
DELETE /me
GET /communities
GET /communities/:id/buildings
POST /me/residencies
GET /residencies
POST /residencies/:id/approve
POST /residencies/:id/reject
POST /communities/:id/roles
DELETE /communities/:id/roles/:role_id
POST /communities/:id/estates
POST /communities/:id/buildings
GET /communities/:id/issue-categories
POST /communities/:id/issue-categories
POST /uploads
GET /issues/similar
POST /issues
GET /issues
GET /issues/:id
POST /issues/:id/follow
DELETE /issues/:id/follow
POST /issues/:id/transitions
POST /issues/:id/comments
POST /issues/:id/rating
GET /communities/:id/skills
GET /me/skill-profile
PUT /me/skill-profile
DELETE /me/skill-profile
GET /communities/:id/skill-directory
POST /help-requests
GET /help-requests
POST /dispatches
GET /dispatches
POST /dispatches/:id/accept
POST /dispatches/:id/decline
POST /dispatches/:id/complete
POST /dispatches/:id/confirm
POST /teams
GET /communities/:id/teams
POST /teams/:id/members
POST /activities
PATCH /activities/:id
POST /activities/:id/publish
POST /activities/:id/cancel
GET /communities/:id/activities
GET /activities/:id
POST /activities/:id/signups
DELETE /activities/:id/signups/me
GET /activities/:id/signups
GET /activities/:id/checkin-code
POST /activities/:id/checkin
POST /activities/:id/checkout
POST /activities/:id/attendance
POST /activities/:id/settle
GET /me/account
GET /me/ledger
GET /me/service-records
POST /transfers
GET /communities/:id/rewards
POST /communities/:id/rewards
PATCH /rewards/:id
POST /rewards/:id/redeem
GET /me/redemptions
POST /redemptions/verify
POST /redemptions/:id/cancel
GET /communities/:id/accounts
POST /communities/:id/accounts
GET /communities/:id/leaderboard
GET /communities/:id/dashboard
GET /communities/:id/dashboard/export
GET /me/notifications
POST /me/notifications/read
POST /me/subscriptions
GET /api/docs/*path
`

// TestContractRoutesAreServed: every endpoint of the contract is registered, and every API
// endpoint among them is in the OpenAPI document.
func TestContractRoutesAreServed(t *testing.T) {
	t.Parallel()
	e := apptest.New(t)
	registered := map[string]bool{}
	for _, r := range e.App.API.Routes() {
		registered[r.Method+" "+r.Path] = true
	}
	var doc struct {
		Paths map[string]map[string]any `json:"paths"`
	}
	if err := json.Unmarshal(e.Do("GET", "/api/docs/openapi.json", nil).Want(t, 200).Body, &doc); err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(strings.TrimSpace(contractRoutes), "\n") {
		method, path, _ := strings.Cut(line, " ")
		full := path
		if !operational(path) {
			full = "/api/v1" + path
		}
		if !registered[method+" "+full] {
			t.Errorf("%s %s is in the contract but not served", method, full)
			continue
		}
		if operational(path) {
			continue
		}
		if _, ok := doc.Paths[openAPIPath(full)][strings.ToLower(method)]; !ok {
			t.Errorf("%s %s is served but missing from the OpenAPI document", method, full)
		}
	}
}

// operational tells the endpoints outside /api/v1. (GET /metrics is in the contract too, but
// on a listener of its own: TestMetricsNotOnThePublicHandler.)
func operational(path string) bool {
	return path == "/healthz" || path == "/readyz" || strings.HasPrefix(path, "/api/docs")
}

// openAPIPath writes gin's :param as OpenAPI's {param}.
func openAPIPath(p string) string {
	parts := strings.Split(p, "/")
	for i, s := range parts {
		if strings.HasPrefix(s, ":") {
			parts[i] = "{" + s[1:] + "}"
		}
	}
	return strings.Join(parts, "/")
}
