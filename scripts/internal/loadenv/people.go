package loadenv

import (
	"context"
	"fmt"

	"linli/model"
	"linli/service"
)

// Buildings makes estates "1号院", "2号院", … of the community, each of perEstate buildings
// "1栋", "2栋", …, and returns the buildings' ids and, at the same index, their estate's.
func Buildings(ctx context.Context, s *service.Services, communityID uint64, estates, perEstate int) (buildings, estateOf []uint64, err error) {
	for i := range estates {
		est, err := s.Places.CreateEstate(ctx, communityID, fmt.Sprintf("%d号院", i+1))
		if err != nil {
			return nil, nil, err
		}
		for j := range perEstate {
			b, err := s.Places.CreateBuilding(ctx, communityID, est.ID, fmt.Sprintf("%d栋", j+1))
			if err != nil {
				return nil, nil, err
			}
			buildings, estateOf = append(buildings, b.ID), append(estateOf, est.ID)
		}
	}
	return buildings, estateOf, nil
}

// Staff makes openid a user and staff of the community, and returns them as the services see
// them.
func Staff(ctx context.Context, s *service.Services, openid string, communityID uint64) (*service.Principal, error) {
	u, err := s.Auth.EnsureUser(ctx, openid)
	if err != nil {
		return nil, err
	}
	if _, _, err := s.Roles.Grant(ctx, service.Grant{UserID: u.ID, Role: model.RoleStaff, CommunityID: communityID}); err != nil {
		return nil, err
	}
	return s.Principals.Load(ctx, u.ID)
}

// Approve makes the user an approved resident of room in the building.
func Approve(ctx context.Context, s *service.Services, userID, building uint64, room string) error {
	v, err := s.Residencies.Claim(ctx, userID, building, room)
	if err != nil {
		return err
	}
	_, err = s.Residencies.Approve(ctx, 0, v.ID)
	return err
}

// Resident makes openid a user and an approved resident of room in the building, and logs
// them in through dev login when login is set; it returns the user's id and the session token.
func Resident(ctx context.Context, s *service.Services, openid string, building uint64, room string, login bool) (uint64, string, error) {
	u, err := s.Auth.EnsureUser(ctx, openid)
	if err != nil {
		return 0, "", err
	}
	if err := Approve(ctx, s, u.ID, building, room); err != nil {
		return 0, "", err
	}
	return devLogin(ctx, s, u.ID, openid, login)
}

// Member makes openid a user and an approved member of the household, and logs them in through
// dev login when login is set; it returns the user's id and the session token.
func Member(ctx context.Context, s *service.Services, openid string, household uint64, login bool) (uint64, string, error) {
	u, err := s.Auth.EnsureUser(ctx, openid)
	if err != nil {
		return 0, "", err
	}
	r, err := s.Residencies.ClaimHousehold(ctx, u.ID, household)
	if err != nil {
		return 0, "", err
	}
	if _, err := s.Residencies.Approve(ctx, 0, r.ID); err != nil {
		return 0, "", err
	}
	return devLogin(ctx, s, u.ID, openid, login)
}

func devLogin(ctx context.Context, s *service.Services, userID uint64, openid string, login bool) (uint64, string, error) {
	if !login {
		return userID, "", nil
	}
	res, err := s.Auth.DevLogin(ctx, openid, "127.0.0.1")
	return userID, res.Token, err
}
