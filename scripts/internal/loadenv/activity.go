package loadenv

import (
	"context"
	"time"

	"linli/service"
)

// PublishActivity has staff create and publish an activity of the type in the community, of
// capacity places, from start for two hours, its sign-up open since a minute ago; it returns
// the activity's id.
func PublishActivity(ctx context.Context, s *service.Services, staff *service.Principal, communityID, typeID uint64,
	title, place string, start time.Time, capacity int) (uint64, error) {
	end, opens := start.Add(2*time.Hour), time.Now().Add(-time.Minute)
	act, err := s.Activities.Create(ctx, staff, service.ActivityInput{CommunityID: communityID, TypeID: &typeID,
		Title: &title, Place: &place, StartAt: &start, EndAt: &end, Capacity: &capacity, SignupOpensAt: &opens})
	if err != nil {
		return 0, err
	}
	if _, err := s.Activities.Publish(ctx, staff, act.ID); err != nil {
		return 0, err
	}
	return act.ID, nil
}
