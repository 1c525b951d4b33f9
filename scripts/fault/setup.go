package main

import (
	"context"
	"fmt"
	"time"

	"linli/app"
	"linli/model"
	"linli/scripts/internal/loadenv"
	"linli/service"
	"linli/wechat/wechattest"
)

// person is a logged-in user of the run.
type person struct {
	id       uint64
	token    string
	building uint64
}

// world is the community the load acts in.
type world struct {
	community  uint64
	category   uint64
	residents  []person
	captain    person
	activities []uint64
}

// setUp makes, through the services (fast, and the same rules as the API), a community with
// four buildings, residents logged in through the fake WeChat and funded with points from
// confirmed service, a captain of every building holding subscription grants (so that each
// report's notice goes out through the outbox), and published activities on distinct days.
func setUp(ctx context.Context, a *app.App, wx *wechattest.Server, template string, residents, activities int) (*world, error) {
	s := a.Services
	w := &world{}
	c, err := s.Places.CreateCommunity(ctx, "故障演练社区"+loadenv.RandomHex(3), "演练街道")
	if err != nil {
		return nil, err
	}
	w.community = c.ID
	buildings, _, err := loadenv.Buildings(ctx, s, c.ID, 1, 4)
	if err != nil {
		return nil, err
	}
	login := func(openid string) (person, error) {
		code := "fault-" + loadenv.RandomHex(12)
		wx.AddCode(code, openid, "")
		res, err := s.Auth.Login(ctx, code, "127.0.0.1")
		if err != nil {
			return person{}, fmt.Errorf("login %s: %w", openid, err)
		}
		return person{id: res.UserID, token: res.Token}, nil
	}
	if w.captain, err = login("fault-captain"); err != nil {
		return nil, err
	}
	if _, _, err := s.Roles.Grant(ctx, service.Grant{UserID: w.captain.id, Role: model.RoleCaptain, CommunityID: c.ID,
		BuildingIDs: buildings}); err != nil {
		return nil, err
	}
	grants := make([]model.SubscriptionGrant, 20000)
	for i := range grants {
		grants[i] = model.SubscriptionGrant{UserID: w.captain.id, TemplateID: template, CreatedAt: time.Now().UTC()}
	}
	for i := 0; i < len(grants); i += 1000 {
		if err := a.Store.CreateGrants(ctx, grants[i:i+1000]); err != nil {
			return nil, err
		}
	}
	staff, err := login("fault-staff")
	if err != nil {
		return nil, err
	}
	if _, _, err := s.Roles.Grant(ctx, service.Grant{UserID: staff.id, Role: model.RoleStaff, CommunityID: c.ID}); err != nil {
		return nil, err
	}
	for i := range residents {
		p, err := login(fmt.Sprintf("fault-resident-%d", i))
		if err != nil {
			return nil, err
		}
		p.building = buildings[i%len(buildings)]
		if err := loadenv.Approve(ctx, s, p.id, p.building, fmt.Sprint(101+i)); err != nil {
			return nil, err
		}
		// Confirmed service of 1–10 hours at 2 points an hour, credited now.
		r := &model.ServiceRecord{CommunityID: c.ID, UserID: p.id, SourceKind: model.SourceActivity, SourceID: uint64(1<<40 + i),
			Content: "演练前的巡逻", Place: "东门", ServedAt: time.Now(), Minutes: 60 * (i%10 + 1), PointsPerHour: 200,
			OrganiserID: staff.id, ConfirmerID: staff.id}
		if _, err := a.Store.AddServiceRecord(ctx, r); err != nil {
			return nil, err
		}
		if _, err := s.TimeBank.Credit(ctx, r.ID); err != nil {
			return nil, err
		}
		w.residents = append(w.residents, p)
	}
	cats, err := s.IssueCategories.List(ctx, c.ID, false)
	if err != nil || len(cats) == 0 {
		return nil, fmt.Errorf("categories: %v", err)
	}
	w.category = cats[0].ID
	sp, err := s.Principals.Load(ctx, staff.id)
	if err != nil {
		return nil, err
	}
	types, err := s.Activities.Types(ctx, c.ID, false)
	if err != nil || len(types) == 0 {
		return nil, fmt.Errorf("activity types: %v", err)
	}
	day := time.Now().Add(24 * time.Hour).Truncate(time.Hour)
	for i := range activities {
		id, err := loadenv.PublishActivity(ctx, s, sp, c.ID, types[0].ID, fmt.Sprintf("演练活动%d", i+1), "东门岗亭",
			day.Add(time.Duration(i)*24*time.Hour), 10000)
		if err != nil {
			return nil, err
		}
		w.activities = append(w.activities, id)
	}
	return w, nil
}
