package main

import (
	"context"
	"fmt"
	"sync"
	"time"

	"linli/model"
	"linli/scripts/internal/loadenv"
	"linli/service"
)

// setUp makes a community with staff, o.n approved residents with sessions, and a published
// activity of o.capacity places whose sign-up is open.
func setUp(ctx context.Context, s *service.Services, o options) (uint64, []string, error) {
	c, err := s.Places.CreateCommunity(ctx, "压测社区"+loadenv.RandomHex(3), "压测街道")
	if err != nil {
		return 0, nil, err
	}
	est, err := s.Places.CreateEstate(ctx, c.ID, "1号院")
	if err != nil {
		return 0, nil, err
	}
	buildings := make([]uint64, o.buildings)
	for i := range buildings {
		b, err := s.Places.CreateBuilding(ctx, c.ID, est.ID, fmt.Sprintf("%d栋", i+1))
		if err != nil {
			return 0, nil, err
		}
		buildings[i] = b.ID
	}
	staffUser, err := s.Auth.EnsureUser(ctx, "load-staff")
	if err != nil {
		return 0, nil, err
	}
	if _, _, err := s.Roles.Grant(ctx, service.Grant{UserID: staffUser.ID, Role: model.RoleStaff, CommunityID: c.ID}); err != nil {
		return 0, nil, err
	}
	staff, err := s.Principals.Load(ctx, staffUser.ID)
	if err != nil {
		return 0, nil, err
	}
	tokens := make([]string, o.n)
	errs := make(chan error, o.n)
	next := make(chan int)
	var wg sync.WaitGroup
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				if err := resident(ctx, s, i, buildings[i%len(buildings)], &tokens[i]); err != nil {
					errs <- fmt.Errorf("resident %d: %w", i, err)
				}
			}
		}()
	}
	for i := range o.n {
		next <- i
	}
	close(next)
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return 0, nil, err
	}
	types, err := s.Activities.Types(ctx, c.ID, true)
	if err != nil {
		return 0, nil, err
	}
	now := time.Now()
	start, end, opens := now.Add(2*time.Hour), now.Add(4*time.Hour), now.Add(-time.Minute)
	title, place, capacity := "压测：周末平安巡逻", "东门岗亭", o.capacity
	act, err := s.Activities.Create(ctx, staff, service.ActivityInput{CommunityID: c.ID, TypeID: &types[0].ID,
		Title: &title, Place: &place, StartAt: &start, EndAt: &end, Capacity: &capacity, SignupOpensAt: &opens})
	if err != nil {
		return 0, nil, err
	}
	if _, err := s.Activities.Publish(ctx, staff, act.ID); err != nil {
		return 0, nil, err
	}
	return act.ID, tokens, nil
}

// resident creates one approved resident of the building and logs them in.
func resident(ctx context.Context, s *service.Services, i int, building uint64, token *string) error {
	openid := fmt.Sprintf("load-%d", i)
	u, err := s.Auth.EnsureUser(ctx, openid)
	if err != nil {
		return err
	}
	v, err := s.Residencies.Claim(ctx, u.ID, building, fmt.Sprint(1000+i))
	if err != nil {
		return err
	}
	if _, err := s.Residencies.Approve(ctx, 0, v.ID); err != nil {
		return err
	}
	login, err := s.Auth.DevLogin(ctx, openid, "127.0.0.1")
	if err != nil {
		return err
	}
	*token = login.Token
	return nil
}
