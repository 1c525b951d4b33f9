package api_test

import (
	"fmt"
	"strings"
	"testing"

	"linli/app/apptest"
	"linli/config"
)

// hall is the address of the community hall's Wi-Fi (or a carrier's NAT): many neighbours,
// one address.
const hall = "203.0.113.50:40000"

// TestACrowdBehindOneAddressGetsIn: during an activity's sign-up 120 neighbours log in and
// bind their phones within a minute from the hall's one address, with the default limits, and
// every one of them gets in; the limits that hold are each person's own: one person hammering
// the login is refused (429) after their own allowance, from any address, while the next
// neighbour still gets in. The limiter counts on Redis's clock, so the test counts requests
// rather than waiting: 120 logins are far below the address's allowance however slowly they run,
// and one person's burst far above their own.
func TestACrowdBehindOneAddressGetsIn(t *testing.T) {
	t.Parallel()
	e := apptest.New(t)
	for i := range 120 {
		var s struct {
			Token string `json:"token"`
		}
		e.Do("POST", "/api/v1/auth/dev-login", map[string]string{"openid": fmt.Sprintf("hall-%03d", i)}, from(hall)).
			Want(t, 200).Data(t, &s)
		e.Do("POST", "/api/v1/me/phone", map[string]string{"code": fmt.Sprintf("13800%06d", i)}, apptest.Token(s.Token),
			from(hall)).Want(t, 200)
	}
	perUser := e.Config.Limits.LoginPerUser
	refused := 0
	for i := range 3 * perUser {
		addr := hall
		if i%2 == 1 {
			addr = fmt.Sprintf("198.51.100.%d:5000", i) // another address buys no more attempts
		}
		res := e.Do("POST", "/api/v1/auth/dev-login", map[string]string{"openid": "hammer"}, from(addr))
		switch {
		case i < perUser:
			res.Want(t, 200)
		case res.Status == 429:
			want429(t, res)
			refused++
		default:
			res.Want(t, 200) // the allowance refills as the test runs (Redis's clock): a few may pass
		}
	}
	if refused < perUser {
		t.Fatalf("%d logins of one person in a burst: only %d refused", 3*perUser, refused)
	}
	e.Do("POST", "/api/v1/auth/dev-login", map[string]string{"openid": "hall-late"}, from(hall)).Want(t, 200)
}

// TestRefusedReportsDoNotSpendTheLimit: a resident who gets the report wrong fifteen times
// (a description too long, no category, another building, words content safety refuses) can
// still file it once it is right, and then as many as their limit allows: only what was
// accepted counts. The limit of 3 a minute does not refill while the test runs.
func TestRefusedReportsDoNotSpendTheLimit(t *testing.T) {
	t.Parallel()
	w := newIssueWorld(t, func(c *config.Config) { c.Limits.ReportPerUser = 3 })
	before := count(t, w.e, "issues")
	for i := range 15 {
		switch i % 4 {
		case 0:
			w.report(t, w.reporter, map[string]any{"description": strings.Repeat("长", 1001)}).Want(t, 400)
		case 1:
			w.report(t, w.reporter, map[string]any{"category_id": nil}).Want(t, 400)
		case 2:
			w.report(t, w.reporter, map[string]any{"building_id": w.c.BuildingIDs[1]}).Want(t, 403)
		case 3:
			w.report(t, w.reporter, map[string]any{"description": "有人在楼道赌博"}).Want(t, 422)
		}
	}
	for range 3 {
		w.report(t, w.reporter, nil).Want(t, 201)
	}
	want429(t, w.report(t, w.reporter, nil))
	if n := count(t, w.e, "issues"); n != before+3 {
		t.Fatalf("%d issues, want %d", n, before+3)
	}
}
