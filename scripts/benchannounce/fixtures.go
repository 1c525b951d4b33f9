package main

import (
	"context"
	"fmt"

	"linli/scripts/internal/loadenv"
	"linli/scripts/internal/loadrun"
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
	err = loadrun.Parallel(ctx, 16, o.residents, func(i int) (err error) {
		var token string
		if _, token, err = loadenv.Member(ctx, s, fmt.Sprintf("announce-%d", i), home(i), i < o.readers); err != nil {
			return fmt.Errorf("resident %d: %w", i, err)
		}
		if i < o.readers {
			f.readers[i] = token
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if _, err := loadenv.Staff(ctx, s, "announce-staff", c.ID); err != nil {
		return nil, err
	}
	login, err := s.Auth.DevLogin(ctx, "announce-staff", "127.0.0.1")
	if err != nil {
		return nil, err
	}
	f.staff = login.Token
	return f, nil
}
