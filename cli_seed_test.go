package main

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"linli/app/apptest"
	"linli/service"
)

// seed runs `linli seed args...` and returns its standard output and error output.
func seed(env []string, args ...string) (string, string, error) {
	var out, errOut bytes.Buffer
	err := run(context.Background(), append([]string{"seed"}, args...), env, &out, &errOut)
	return out.String(), errOut.String(), err
}

func TestSeedDemoTwice(t *testing.T) {
	cfg := apptest.Config(t)
	env := cliEnviron(cfg)

	out, _, err := seed(env, "--demo")
	if err != nil {
		t.Fatalf("seed --demo: %v\n%s", err, out)
	}
	if !strings.Contains(out, "created the demo community "+service.DemoCommunityName) {
		t.Fatalf("first run output:\n%s", out)
	}
	for _, openid := range []string{"demo-admin", "demo-staff", "demo-captain-1", "demo-captain-5",
		"demo-resident-1", "demo-resident-30", "demo-newcomer-3"} {
		if !strings.Contains(out, "  "+openid+" ") {
			t.Errorf("output does not list %s:\n%s", openid, out)
		}
	}
	again, _, err := seed(env, "--demo")
	if err != nil || !strings.Contains(again, "already exists") || !strings.Contains(again, "demo-captain-1") {
		t.Fatalf("second run: %v\n%s", err, again)
	}

	e := apptest.FromConfig(t, cfg)
	ctx := context.Background()
	for _, c := range []struct {
		table, where string
		args         []any
		want         int64
	}{
		{"communities", "", nil, 1},
		{"estates", "", nil, 7},
		{"buildings", "", nil, 100},
		// admin, staff, 5 captains, 30 residents, 3 newcomers
		{"users", "", nil, 40},
		{"roles", "", nil, 7},
		{"roles", "role = ?", []any{"captain"}, 5},
		// 30 residents and the 5 captains, who live in one of their buildings
		{"residencies", "status = ?", []any{"approved"}, 35},
		{"residencies", "status = ?", []any{"pending"}, 3},
		{"residencies", "status = ?", []any{"rejected"}, 0},
		// staff, 5 captains, every third resident, 2 newcomers; only sealed numbers and masks
		{"users", "phone_masked <> ''", nil, 18},
		{"users", "phone_masked LIKE ?", []any{"139****%"}, 18},
	} {
		if n, err := e.App.Store.Count(ctx, c.table, c.where, c.args...); err != nil || n != c.want {
			t.Errorf("%s where %q %v: %d rows (%v), want %d", c.table, c.where, c.args, n, err, c.want)
		}
	}

	// The staff member logs in and is staff of the demo community.
	var me struct {
		Roles []struct {
			Role        string `json:"role"`
			CommunityID string `json:"community_id"`
		} `json:"roles"`
	}
	staff := e.DevLogin("demo-staff")
	e.Do("GET", "/api/v1/me", nil, apptest.Token(staff.Token)).Want(t, 200).Data(t, &me)
	if len(me.Roles) != 1 || me.Roles[0].Role != "staff" || me.Roles[0].CommunityID == "" {
		t.Fatalf("demo-staff roles: %+v", me.Roles)
	}

	// The first captain's queue holds the first newcomer's claim, with the number in full
	// (decrypted: it was sealed like a real binding); staff see all three pending claims.
	var queue struct {
		Items []struct {
			Nickname string `json:"nickname"`
			Phone    string `json:"phone"`
			Status   string `json:"status"`
		} `json:"items"`
	}
	captain := e.DevLogin("demo-captain-1")
	e.Do("GET", "/api/v1/residencies", nil, apptest.Token(captain.Token)).Want(t, 200).Data(t, &queue)
	if len(queue.Items) != 1 || queue.Items[0].Nickname != "蒋一帆" || queue.Items[0].Phone != "13900003001" {
		t.Fatalf("demo-captain-1 queue: %+v", queue.Items)
	}
	e.Do("GET", "/api/v1/residencies", nil, apptest.Token(staff.Token)).Want(t, 200).Data(t, &queue)
	if len(queue.Items) != 3 {
		t.Fatalf("demo-staff queue: %+v", queue.Items)
	}

	// A resident is an approved resident of one building of the demo.
	var res struct {
		Residencies []struct {
			Status        string `json:"status"`
			CommunityName string `json:"community_name"`
		} `json:"residencies"`
	}
	resident := e.DevLogin("demo-resident-7")
	e.Do("GET", "/api/v1/me", nil, apptest.Token(resident.Token)).Want(t, 200).Data(t, &res)
	if len(res.Residencies) != 1 || res.Residencies[0].Status != "approved" ||
		res.Residencies[0].CommunityName != service.DemoCommunityName {
		t.Fatalf("demo-resident-7 residencies: %+v", res.Residencies)
	}
}

func TestSeedNeedsDemoFlag(t *testing.T) {
	env := cliEnviron(apptest.Config(t))
	for _, args := range [][]string{nil, {"--demo", "extra"}, {"--bogus"}} {
		_, stderr, err := seed(env, args...)
		if err == nil || !strings.Contains(stderr, "linli seed --demo") {
			t.Errorf("seed %v: error %v, stderr %q; want the usage", args, err, stderr)
		}
	}
	if _, _, err := seed(env); !errors.Is(err, errUsage) {
		t.Errorf("seed without --demo: %v, want errUsage", err)
	}
}

// TestSeedDemoRefusesWithWeChat: the demo users log in by dev login, so a server configured
// for WeChat gets no demo.
func TestSeedDemoRefusesWithWeChat(t *testing.T) {
	cfg := apptest.Config(t, apptest.WithWeChat())
	_, _, err := seed(cliEnviron(cfg), "--demo")
	if err == nil || !strings.Contains(err.Error(), "dev mode") {
		t.Fatalf("seed with WeChat configured: %v", err)
	}
	e := apptest.FromConfig(t, cfg)
	if n, err := e.App.Store.Count(context.Background(), "communities", ""); err != nil || n != 0 {
		t.Fatalf("communities after a refused seed: %d (%v)", n, err)
	}
}
