package loadenv

import (
	"bytes"
	"context"
	"fmt"
	"strconv"

	"linli/model"
	"linli/service"
)

// ImportRegister imports a register of n rooms into the community through the households
// service — buildings of 2 units, 9 floors and 6 rooms (43 buildings for 东亭's 4,644), 15 to an
// estate — and returns the households' ids in the register's order.
func ImportRegister(ctx context.Context, s *service.Services, communityID uint64, n int) ([]uint64, error) {
	var rows []service.RegisterRow
	for b := 1; len(rows) < n; b++ {
		for u := 1; u <= 2 && len(rows) < n; u++ {
			for f := 1; f <= 9 && len(rows) < n; f++ {
				for r := 1; r <= 6 && len(rows) < n; r++ {
					rows = append(rows, service.RegisterRow{Estate: fmt.Sprintf("%d区", 1+b/15), Building: fmt.Sprintf("%d栋", b),
						Unit: strconv.Itoa(u), Room: fmt.Sprintf("%d%02d", f, r)})
				}
			}
		}
	}
	wb, err := service.RegisterWorkbook(rows)
	if err != nil {
		return nil, err
	}
	if _, err := s.Households.Import(ctx, 0, communityID, bytes.NewReader(wb), false); err != nil {
		return nil, err
	}
	var households []uint64
	for after := uint64(0); ; {
		page, more, err := s.Households.InScope(ctx, model.HouseholdScope{CommunityID: communityID}, after, 1000)
		if err != nil {
			return nil, err
		}
		for _, h := range page {
			households = append(households, h.ID)
		}
		if !more {
			break
		}
		after = page[len(page)-1].ID
	}
	if len(households) != n {
		return nil, fmt.Errorf("register holds %d households, want %d", len(households), n)
	}
	return households, nil
}
