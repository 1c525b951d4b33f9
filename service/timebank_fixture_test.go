package service_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"linli/app/apptest"
	"linli/config"
	"linli/model"
	"linli/service"
)

// bank is a community with a time bank for the time-bank tests: people are made through the
// same services the API uses; confirmed service is recorded as dispatch confirmation and
// activity settlement record it (model.Store.AddServiceRecord), then credited.
type bank struct {
	t         *testing.T
	e         *apptest.Env
	ctx       context.Context
	community uint64
	buildings []uint64
	staff     *service.Principal
	seq       *atomic.Int64
}

// newBank builds a server (options adjust its configuration) with one community of two
// buildings and a staff member.
func newBank(t *testing.T, opts ...apptest.Option) *bank {
	t.Helper()
	e := apptest.New(t, append([]apptest.Option{manyLogins}, opts...)...)
	return bankOn(t, e, "时间银行社区")
}

// bankOn builds the community on an existing server.
func bankOn(t *testing.T, e *apptest.Env, name string) *bank {
	t.Helper()
	c := e.MakeCommunity(name, 1, 2)
	b := &bank{t: t, e: e, ctx: context.Background(), community: e.ParseID(c.ID), seq: &atomic.Int64{}}
	for _, id := range c.BuildingIDs {
		b.buildings = append(b.buildings, e.ParseID(id))
	}
	b.staff = b.principal(b.person("staff", -1))
	_, _, err := e.App.Services.Roles.Grant(b.ctx, service.Grant{UserID: b.staff.UserID, Role: model.RoleStaff, CommunityID: b.community})
	b.must(err)
	b.staff = b.principal(b.staff.UserID)
	return b
}

func (b *bank) must(err error) {
	b.t.Helper()
	if err != nil {
		b.t.Fatalf("time bank fixture: %v", err)
	}
}

// person makes a user; building ≥ 0 gives them an approved residency in that building.
func (b *bank) person(prefix string, building int) uint64 {
	b.t.Helper()
	s := b.e.App.Services
	u, err := s.Auth.EnsureUser(b.ctx, fmt.Sprintf("%s-%d-%d", prefix, b.community, b.seq.Add(1)))
	b.must(err)
	b.must(s.Users.UpdateMe(b.ctx, u.ID, tbPtr(fmt.Sprintf("%s%d", prefix, u.ID)), nil))
	if building >= 0 {
		v, err := s.Residencies.Claim(b.ctx, u.ID, b.buildings[building], fmt.Sprintf("R%d", b.seq.Add(1)))
		b.must(err)
		_, err = s.Residencies.Approve(b.ctx, 0, v.ID)
		b.must(err)
	}
	return u.ID
}

func (b *bank) principal(userID uint64) *service.Principal {
	b.t.Helper()
	p, err := b.e.App.Services.Principals.Load(b.ctx, userID)
	b.must(err)
	return p
}

// record adds a confirmed service of minutes at pointsPerHour (hundredths) and returns its id.
func (b *bank) record(userID uint64, minutes, pointsPerHour int, servedAt time.Time) uint64 {
	b.t.Helper()
	r := &model.ServiceRecord{CommunityID: b.community, UserID: userID, SourceKind: model.SourceActivity,
		SourceID: uint64(b.seq.Add(1)) + 1_000_000*b.community, Content: "巡逻", Place: "小区东门", ServedAt: servedAt,
		Minutes: minutes, PointsPerHour: pointsPerHour, OrganiserID: b.staff.UserID, ConfirmerID: b.staff.UserID}
	created, err := b.e.App.Store.AddServiceRecord(b.ctx, r)
	b.must(err)
	if !created {
		b.t.Fatal("service record not created")
	}
	return r.ID
}

// fund gives the user points (whole points) by a credited hour-rate service.
func (b *bank) fund(userID uint64, points int) {
	b.t.Helper()
	id := b.record(userID, points*60, 100, b.e.Clock.Now())
	ok, err := b.e.App.Services.TimeBank.Credit(b.ctx, id)
	b.must(err)
	if !ok {
		b.t.Fatal("fund: not credited")
	}
}

// balance is the user's balance in the community (hundredths; 0 without an account).
func (b *bank) balance(userID uint64) int64 {
	b.t.Helper()
	a, err := b.e.App.Store.AccountOf(b.ctx, b.community, model.ResidentOwnerKey(userID))
	if err != nil {
		return 0
	}
	return a.Balance
}

// system returns the community's issuing or spending account.
func (b *bank) system(kind string) *model.Account {
	b.t.Helper()
	a, err := b.e.App.Store.AccountOf(b.ctx, b.community, kind)
	b.must(err)
	return a
}

// ledgerClean fails the test unless check-ledger finds nothing wrong.
func ledgerClean(t *testing.T, e *apptest.Env) {
	t.Helper()
	rep, err := e.App.Services.TimeBank.CheckLedger(context.Background())
	if err != nil {
		t.Fatalf("check-ledger: %v", err)
	}
	for _, p := range rep.Problems {
		t.Errorf("check-ledger: %s: %s", p.What, p.Detail)
	}
}

func tbPtr[T any](v T) *T { return &v }

// capAt sets the balance cap (whole points).
func capAt(points int64) apptest.Option {
	return func(c *config.Config) { c.TimeBank.BalanceCap = points }
}

// tbKind is the service error kind of err (-1 for nil).
func tbKind(err error) service.Kind {
	if err == nil {
		return -1
	}
	return service.KindOf(err)
}
