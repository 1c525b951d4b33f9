package main

import (
	"context"
	"fmt"
	"sync"

	"linli/model"
	"linli/scripts/internal/loadenv"
	"linli/service"
)

// fixture is what the measurements need: the community, the staff member's session, and the
// sessions of the residents who read (the first o.readers residents, in household order).
type fixture struct {
	communityID uint64
	staff       string
	readers     []string
	// reached is how many households the readers live in: what the receipts must count.
	reached int
}

// setUp imports a register of o.households rooms (43 buildings of 2 units, 9 floors, 6 rooms
// for 东亭's 4,644, as scripts/benchvote), makes o.residents approved residents spread evenly
// over them (resident i in household i × households / residents, so neighbours share a home),
// logs in the first o.readers of them and a staff member of the community, all through the
// services.
func setUp(ctx context.Context, s *service.Services, o options) (*fixture, error) {
	c, err := s.Places.CreateCommunity(ctx, "公告压测社区"+loadenv.RandomHex(3), "压测街道")
	if err != nil {
		return nil, err
	}
	households, err := loadenv.ImportRegister(ctx, s, c.ID, o.households)
	if err != nil {
		return nil, err
	}
	home := func(i int) uint64 { return households[i*o.households/o.residents] }
	f := &fixture{communityID: c.ID, readers: make([]string, o.readers)}
	seen := map[uint64]bool{}
	for i := range o.readers {
		if !seen[home(i)] {
			seen[home(i)], f.reached = true, f.reached+1
		}
	}
	errs := make(chan error, o.residents)
	next := make(chan int)
	var wg sync.WaitGroup
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				var token *string
				if i < o.readers {
					token = &f.readers[i]
				}
				if err := resident(ctx, s, fmt.Sprintf("announce-%d", i), home(i), token); err != nil {
					errs <- fmt.Errorf("resident %d: %w", i, err)
				}
			}
		}()
	}
	for i := range o.residents {
		next <- i
	}
	close(next)
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return nil, err
	}
	staffUser, err := s.Auth.EnsureUser(ctx, "announce-staff")
	if err != nil {
		return nil, err
	}
	if _, _, err := s.Roles.Grant(ctx, service.Grant{UserID: staffUser.ID, Role: model.RoleStaff, CommunityID: c.ID}); err != nil {
		return nil, err
	}
	login, err := s.Auth.DevLogin(ctx, "announce-staff", "127.0.0.1")
	if err != nil {
		return nil, err
	}
	f.staff = login.Token
	return f, nil
}

// resident makes an approved resident of the household and, when token is not nil, logs
// them in.
func resident(ctx context.Context, s *service.Services, openid string, household uint64, token *string) error {
	u, err := s.Auth.EnsureUser(ctx, openid)
	if err != nil {
		return err
	}
	r, err := s.Residencies.ClaimHousehold(ctx, u.ID, household)
	if err != nil {
		return err
	}
	if _, err := s.Residencies.Approve(ctx, 0, r.ID); err != nil {
		return err
	}
	if token == nil {
		return nil
	}
	login, err := s.Auth.DevLogin(ctx, openid, "127.0.0.1")
	if err != nil {
		return err
	}
	*token = login.Token
	return nil
}
