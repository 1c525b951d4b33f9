package api_test

import (
	"fmt"
	"testing"

	"linli/app/apptest"
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
