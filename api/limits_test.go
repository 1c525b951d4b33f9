package api_test

import (
	"context"
	"strconv"
	"testing"

	"linli/app/apptest"
	"linli/config"
)

// want429 checks a rate-limited answer: 429, an error envelope and a Retry-After of at least
// one second.
func want429(t *testing.T, res *apptest.Response) {
	t.Helper()
	res.Want(t, 429).Err(t)
	if s, err := strconv.Atoi(res.Header.Get("Retry-After")); err != nil || s < 1 || s > 60 {
		t.Fatalf("Retry-After %q", res.Header.Get("Retry-After"))
	}
}

func count(t *testing.T, e *apptest.Env, table string) int64 {
	t.Helper()
	n, err := e.App.Store.Count(context.Background(), table, "")
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestReportLimitsPerUserAndAddress: neighbours behind one address share the per-address
// limit, and each user has their own; a refused report writes nothing; a request refused for
// the user's own count still spends the address's (a spammer's address pays), one refused for
// the address leaves the user's count alone; another address is not held back.
func TestReportLimitsPerUserAndAddress(t *testing.T) {
	t.Parallel()
	w := newIssueWorld(t, func(c *config.Config) { c.Limits.ReportPerIP, c.Limits.ReportPerUser = 3, 2 })
	before := count(t, w.e, "issues")
	w.report(t, w.reporter, nil).Want(t, 201)
	w.report(t, w.reporter, nil).Want(t, 201)
	want429(t, w.report(t, w.reporter, nil))  // the reporter's own limit (the address's third)
	want429(t, w.report(t, w.neighbour, nil)) // the address's limit
	if n := count(t, w.e, "issues"); n != before+2 {
		t.Fatalf("%d issues, want %d: a refused report was written", n, before+2)
	}
	req := map[string]any{"building_id": w.c.BuildingIDs[0], "category_id": w.category, "description": "电梯异响"}
	w.e.Do("POST", "/api/v1/issues", req, tok(w.neighbour), from("198.51.100.20:5000")).Want(t, 201)
	w.e.Do("POST", "/api/v1/issues", req, tok(w.neighbour), from("198.51.100.20:5000")).Want(t, 201)
	want429(t, w.e.Do("POST", "/api/v1/issues", req, tok(w.neighbour), from("198.51.100.20:5000")))
	// Comments have limits of their own.
	var issue struct{ ID string }
	req["building_id"] = w.c.BuildingIDs[1]
	w.e.Do("POST", "/api/v1/issues", req, tok(w.farResident), from("198.51.100.21:5000")).Want(t, 201).Data(t, &issue)
	for range 30 {
		w.e.Do("POST", "/api/v1/issues/"+issue.ID+"/comments", map[string]any{"body": "同样的问题"}, tok(w.farResident),
			from("198.51.100.21:5000")).Want(t, 201)
	}
	want429(t, w.e.Do("POST", "/api/v1/issues/"+issue.ID+"/comments", map[string]any{"body": "还在"}, tok(w.farResident),
		from("198.51.100.21:5000")))
}

// TestCommunityLimitOverrides: limits.communities changes the limits in that community only;
// the community is found from the report's building and from the commented issue.
func TestCommunityLimitOverrides(t *testing.T) {
	t.Parallel()
	cfg := apptest.Config(t, func(c *config.Config) { c.Limits.LoginPerIP, c.Limits.LoginPerUser = 0, 0 })
	first := apptest.FromConfig(t, cfg)
	strict, lax := first.MakeCommunity("严格社区", 1, 1), first.MakeCommunity("宽松社区", 1, 1)
	one, zero := 1, 0
	cfg.Limits.Communities = map[string]config.CommunityLimits{strict.ID: {ReportPerUser: &one, CommentPerUser: &one},
		lax.ID: {ReportPerIP: &zero}}
	cfg.Limits.ReportPerIP = 3
	e := apptest.FromConfig(t, cfg) // a second instance on the same data, with the overrides
	a := e.MakeResident("strict-a", strict.BuildingIDs[0], "101")
	b := e.MakeResident("lax-b", lax.BuildingIDs[0], "101")
	var cats []struct{ ID string }
	onePage(t, e.Do("GET", "/api/v1/communities/"+strict.ID+"/issue-categories", nil, tok(a)).Want(t, 200), &cats)
	var laxCats []struct{ ID string }
	onePage(t, e.Do("GET", "/api/v1/communities/"+lax.ID+"/issue-categories", nil, tok(b)).Want(t, 200), &laxCats)
	report := func(s apptest.Session, building, category string) *apptest.Response {
		return e.Do("POST", "/api/v1/issues", map[string]any{"building_id": building, "category_id": category,
			"description": "楼道堆物"}, tok(s))
	}
	var issue struct{ ID string }
	report(a, strict.BuildingIDs[0], cats[0].ID).Want(t, 201).Data(t, &issue)
	want429(t, report(a, strict.BuildingIDs[0], cats[0].ID))
	e.Do("POST", "/api/v1/issues/"+issue.ID+"/comments", map[string]any{"body": "补充"}, tok(a)).Want(t, 201)
	want429(t, e.Do("POST", "/api/v1/issues/"+issue.ID+"/comments", map[string]any{"body": "再补充"}, tok(a)))
	// In the lax community the per-address limit is off and the per-user one is the global 10.
	for range 5 {
		report(b, lax.BuildingIDs[0], laxCats[0].ID).Want(t, 201)
	}
}

// TestSignupAndRedeemLimits: sign-ups and redemptions are limited per user and per address,
// before anything is written; refusals beyond limits.refused_per_user count like the rest.
func TestSignupAndRedeemLimits(t *testing.T) {
	t.Parallel()
	w := newActivityWorld(t, "lim-", func(c *config.Config) {
		c.Limits.SignupPerUser, c.Limits.SignupPerIP = 1, 2
		c.Limits.RedeemPerUser, c.Limits.RedeemPerIP = 2, 0
		c.Limits.RefusedPerUser = 1 // one refusal a minute is given back; the rest count
	})
	first, second := w.published(map[string]any{"capacity": 5}), w.published(map[string]any{"capacity": 5,
		"start_at": w.ts(6 * 3600e9), "end_at": w.ts(7 * 3600e9), "cancel_cutoff_at": w.ts(5 * 3600e9)})
	w.signUp(first, w.r1, 201)
	before := count(t, w.e, "signups")
	want429(t, w.e.Do("POST", "/api/v1/activities/"+second+"/signups", nil, tok(w.r1))) // per user
	want429(t, w.e.Do("POST", "/api/v1/activities/"+first+"/signups", nil, tok(w.r2)))  // per address
	if n := count(t, w.e, "signups"); n != before {
		t.Fatalf("%d sign-ups, want %d", n, before)
	}
	w.e.Do("POST", "/api/v1/activities/"+first+"/signups", nil, tok(w.r2), from("198.51.100.30:1")).Want(t, 201)

	var reward struct{ ID string }
	w.e.Do("POST", "/api/v1/communities/"+w.c.ID+"/rewards", map[string]any{"name": "理发一次", "kind": "service",
		"price": "1", "stock": 5}, tok(w.staff)).Want(t, 201).Data(t, &reward)
	redeem := "/api/v1/rewards/" + reward.ID + "/redeem"
	w.e.Do("POST", redeem, nil, tok(w.r1)).Want(t, 409) // no points: refused, and given back
	w.e.Do("POST", redeem, nil, tok(w.r1)).Want(t, 409) // beyond the refusals given back: counts
	w.e.Do("POST", redeem, nil, tok(w.r1)).Want(t, 409)
	want429(t, w.e.Do("POST", redeem, nil, tok(w.r1)))
	w.e.Do("POST", redeem, nil, tok(w.r2)).Want(t, 409) // r2 has a count of its own
}

// TestLimiterFailsOpenWithoutRedis: with Redis unreachable, limited writes go through (the
// limiter fails open), sessions work from the database, and staff actions are still audited.
func TestLimiterFailsOpenWithoutRedis(t *testing.T) {
	t.Parallel()
	e := apptest.New(t, func(c *config.Config) {
		c.Redis.Addr, c.Redis.Prefix = "127.0.0.1:1", "down:"
		c.Limits.ReportPerUser, c.Limits.ReportPerIP = 1, 1
		c.Limits.LoginPerIP, c.Limits.LoginPerUser = 0, 0
	})
	c := e.MakeCommunity("断缓存社区", 1, 1)
	staff := e.MakeStaff(c.ID, "nr-staff")
	r := e.MakeResident("nr-resident", c.BuildingIDs[0], "101")
	var cats []struct{ ID string }
	onePage(t, e.Do("GET", "/api/v1/communities/"+c.ID+"/issue-categories", nil, tok(r)).Want(t, 200), &cats)
	for range 3 {
		e.Do("POST", "/api/v1/issues", map[string]any{"building_id": c.BuildingIDs[0], "category_id": cats[0].ID,
			"description": "路灯不亮"}, tok(r)).Want(t, 201)
	}
	e.Do("POST", "/api/v1/communities/"+c.ID+"/estates", map[string]any{"name": "二号院"}, tok(staff)).Want(t, 201)
	p := readAudit(t, e, c.ID, staff, nil)
	if len(p.Items) != 1 || p.Items[0].Route != "/api/v1/communities/:id/estates" {
		t.Fatalf("audit without Redis: %+v", p.Items)
	}
}
