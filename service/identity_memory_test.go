package service_test

import (
	"context"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"linli/app/apptest"
	"linli/model"
	"linli/service"
)

// TestMemoryFollowsInvalidations: an instance answers a known session from memory, and drops
// it when any instance (itself or another sharing Redis, on MariaDB + Redis) revokes a role,
// logs the session out or renames the user: the revoking instance before it answers, the
// others as soon as the message reaches them; a role once refused is never granted again.
func TestMemoryFollowsInvalidations(t *testing.T) {
	t.Parallel()
	instances := sharedInstances(t)
	e := instances[0]
	ctx := context.Background()
	c := e.MakeCommunity("内存社区", 1, 2)
	cid, b := e.ParseID(c.ID), e.ParseID(c.BuildingIDs[0])
	token := e.DevLogin("memory-user").Token
	u := e.ParseID(e.DevLogin("memory-user").UserID)
	scope := service.Scope{CommunityID: cid, BuildingID: b}
	can := func(in *apptest.Env) bool {
		who, err := in.App.Services.Auth.Identify(ctx, token)
		if err != nil {
			t.Fatal(err)
		}
		p, err := in.App.Services.Principals.Of(ctx, who)
		if err != nil {
			t.Fatal(err)
		}
		return p.Can(service.ActResidencyDecide, scope)
	}
	warm := func(in *apptest.Env) {
		t.Helper()
		deadline := time.Now().Add(5 * time.Second)
		for _ = can(in); !in.App.Services.Auth.InMemory(token); _ = can(in) {
			if time.Now().After(deadline) {
				t.Fatal("a session read twice is never answered from memory")
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	for round := range 10 {
		g, _, err := e.App.Services.Roles.Grant(ctx, service.Grant{UserID: u, Role: model.RoleCaptain, CommunityID: cid,
			BuildingIDs: []uint64{b}})
		if err != nil {
			t.Fatal(err)
		}
		for k, in := range instances {
			if k == 0 && !can(in) {
				t.Fatalf("round %d: the granting instance does not grant at once", round)
			}
			eventually(t, func() bool { return can(in) }, "round %d, instance %d: the grant never shows", round, k)
			warm(in)
		}
		revoker := instances[round%len(instances)]
		if err := revoker.App.Services.Roles.Revoke(ctx, cid, g.ID); err != nil {
			t.Fatal(err)
		}
		if can(revoker) {
			t.Fatalf("round %d: the revoking instance still grants after answering", round)
		}
		for k, in := range instances {
			eventually(t, func() bool { return !can(in) }, "round %d, instance %d: the revoked role still grants", round, k)
			for range 20 {
				if can(in) {
					t.Fatalf("round %d, instance %d: a refused role was granted again", round, k)
				}
			}
		}
	}
	// Logging out drops the session everywhere.
	for _, in := range instances {
		warm(in)
	}
	if err := instances[len(instances)-1].App.Services.Auth.Logout(ctx, token); err != nil {
		t.Fatal(err)
	}
	for k, in := range instances {
		eventually(t, func() bool {
			_, err := in.App.Services.Auth.Identify(ctx, token)
			return service.KindOf(err) == service.KindUnauthorized
		}, "instance %d still admits a logged-out session", k)
	}
}

// TestMemoryRefusesWhatWasReadBeforeAMessage: a session read while an invalidation arrived is
// not kept in memory (the message could have been about it); one read in quiet times is.
func TestMemoryRefusesWhatWasReadBeforeAMessage(t *testing.T) {
	t.Parallel()
	e := apptest.New(t, manyLogins)
	ctx := context.Background()
	token := e.DevLogin("racing-reader").Token
	auth := e.App.Services.Auth
	readUntilKept(t, auth, token)
	// A message about someone else does not concern this session: what was read is used.
	// (First: the message about this user below comes back from Redis later, and then drops
	// what is read meanwhile, as it should.)
	if kept, err := auth.RememberAfterMessage(ctx, token, false); err != nil || !kept {
		t.Fatalf("a read overtaken by a message about another user was not kept (%v)", err)
	}
	kept, err := auth.RememberAfterMessage(ctx, token, true)
	if err != nil {
		t.Fatal(err)
	}
	if kept {
		t.Fatal("a read overtaken by a message about its user was used from memory")
	}
}

// TestMemoryOffWhenTheChannelIsLost: when the instance's subscription is cut, nothing is
// answered from memory until it is back (messages may have been missed meanwhile).
func TestMemoryOffWhenTheChannelIsLost(t *testing.T) {
	if apptest.Backend() != "mysql+redis" {
		t.Skip("cuts the subscription with CLIENT KILL, which the in-process Redis lacks; runs on MariaDB + Redis")
	}
	e := apptest.New(t, manyLogins)
	ctx := context.Background()
	token := e.DevLogin("cut-reader").Token
	auth := e.App.Services.Auth
	readUntilKept(t, auth, token)
	kill := func(ctx context.Context, c *redis.Client) error {
		return c.Do(ctx, "CLIENT", "KILL", "TYPE", "pubsub").Err()
	}
	var err error
	if cc, ok := e.App.Redis.Client.(*redis.ClusterClient); ok {
		err = cc.ForEachMaster(ctx, kill) // the sharded subscription is on its slot's master
	} else {
		err = kill(ctx, e.App.Redis.Client.(*redis.Client))
	}
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, func() bool { return !auth.InMemory(token) }, "memory still answers after the channel was cut")
	readUntilKept(t, auth, token) // back once resubscribed
}

// readUntilKept reads the token's session until the instance keeps it in memory (once it hears
// the invalidation channel).
func readUntilKept(t *testing.T, auth *service.Auth, token string) {
	t.Helper()
	eventually(t, func() bool {
		_, _ = auth.Identify(context.Background(), token)
		return auth.InMemory(token)
	}, "a quiet read is never kept in memory")
}

// eventually waits up to two seconds for ok.
func eventually(t *testing.T, ok func() bool, format string, args ...any) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf(format, args...)
		}
		time.Sleep(2 * time.Millisecond)
	}
}
