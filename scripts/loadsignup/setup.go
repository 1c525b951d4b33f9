package main

import (
	"context"
	"fmt"
	"time"

	"linli/scripts/internal/loadenv"
	"linli/scripts/internal/loadrun"
	"linli/service"
)

// setUp makes a community with staff, o.n approved residents with sessions, and a published
// activity of o.capacity places whose sign-up is open.
func setUp(ctx context.Context, s *service.Services, o options) (uint64, []string, error) {
	c, err := s.Places.CreateCommunity(ctx, "压测社区"+loadenv.RandomHex(3), "压测街道")
	if err != nil {
		return 0, nil, err
	}
	buildings, _, err := loadenv.Buildings(ctx, s, c.ID, 1, o.buildings)
	if err != nil {
		return 0, nil, err
	}
	staff, err := loadenv.Staff(ctx, s, "load-staff", c.ID)
	if err != nil {
		return 0, nil, err
	}
	tokens := make([]string, o.n)
	err = loadrun.Parallel(ctx, 16, o.n, func(i int) (err error) {
		_, tokens[i], err = loadenv.Resident(ctx, s, fmt.Sprintf("load-%d", i), buildings[i%len(buildings)], fmt.Sprint(1000+i), true)
		if err != nil {
			return fmt.Errorf("resident %d: %w", i, err)
		}
		return nil
	})
	if err != nil {
		return 0, nil, err
	}
	types, err := s.Activities.Types(ctx, c.ID, true)
	if err != nil {
		return 0, nil, err
	}
	id, err := loadenv.PublishActivity(ctx, s, staff, c.ID, types[0].ID, "压测：周末平安巡逻", "东门岗亭",
		time.Now().Add(2*time.Hour), o.capacity)
	return id, tokens, err
}
