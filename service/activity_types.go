package service

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"linli/model"
)

// defaultActivityTypes is every community's starting list of activity types, each at the
// seeds' rule of one point per hour (staff may change the rule and add types).
var defaultActivityTypes = []string{"巡逻", "助老", "环境整治", "文明养犬", "课程", "其他"}

// defaultPointsPerHour is one point per hour, in hundredths.
const defaultPointsPerHour = 100

// maxActivityTypeName is the longest name of an activity type, in characters.
const maxActivityTypeName = 16

// ActivityTypeInput is what staff set on an activity type; nil fields stay on update.
type ActivityTypeInput struct {
	Name *string
	// PointsPerHour is in hundredths of a point.
	PointsPerHour *int
	SortOrder     *int
	Active        *bool
}

// Types returns the community's activity types, creating the defaults the first time.
func (s *Activities) Types(ctx context.Context, communityID uint64, activeOnly bool) ([]model.ActivityType, error) {
	types, err := s.store.ActivityTypes(ctx, communityID, false)
	if err != nil {
		return nil, err
	}
	if len(types) == 0 {
		now := s.now()
		defs := make([]model.ActivityType, len(defaultActivityTypes))
		for i, name := range defaultActivityTypes {
			defs[i] = model.ActivityType{CommunityID: communityID, Name: name, PointsPerHour: defaultPointsPerHour,
				SortOrder: (i + 1) * 10, Active: true, CreatedAt: now}
		}
		if err := s.store.EnsureActivityTypes(ctx, defs); err != nil {
			return nil, err
		}
		if types, err = s.store.ActivityTypes(ctx, communityID, false); err != nil {
			return nil, err
		}
	}
	if !activeOnly {
		return types, nil
	}
	out := types[:0]
	for _, t := range types {
		if t.Active {
			out = append(out, t)
		}
	}
	return out, nil
}

// CreateType adds an activity type to the community (the caller asked the policy).
func (s *Activities) CreateType(ctx context.Context, communityID uint64, in ActivityTypeInput) (*model.ActivityType, error) {
	types, err := s.Types(ctx, communityID, false)
	if err != nil {
		return nil, err
	}
	t := &model.ActivityType{CommunityID: communityID, PointsPerHour: defaultPointsPerHour, Active: true,
		SortOrder: (len(types) + 1) * 10, CreatedAt: s.now()}
	if in.Name == nil {
		return nil, Invalid("name", "类型名称不能为空")
	}
	if err := applyType(t, in); err != nil {
		return nil, err
	}
	if err := s.store.CreateActivityType(ctx, t); err != nil {
		if errors.Is(err, model.ErrConflict) {
			return nil, Errorf(KindConflict, "已有名为「%s」的活动类型", t.Name)
		}
		return nil, err
	}
	return t, nil
}

// UpdateType changes an activity type of the community. A new points rule applies to
// activities created afterwards; existing ones keep theirs.
func (s *Activities) UpdateType(ctx context.Context, communityID, id uint64, in ActivityTypeInput) (*model.ActivityType, error) {
	t, err := s.store.ActivityTypeByID(ctx, id)
	if errors.Is(err, model.ErrNotFound) || (err == nil && t.CommunityID != communityID) {
		return nil, Errorf(KindNotFound, "活动类型不存在")
	}
	if err != nil {
		return nil, err
	}
	if err := applyType(t, in); err != nil {
		return nil, err
	}
	err = s.store.UpdateActivityType(ctx, communityID, id, map[string]any{"name": t.Name,
		"points_per_hour": t.PointsPerHour, "sort_order": t.SortOrder, "active": t.Active})
	if errors.Is(err, model.ErrConflict) {
		return nil, Errorf(KindConflict, "已有名为「%s」的活动类型", t.Name)
	}
	if err != nil {
		return nil, err
	}
	return t, nil
}

func applyType(t *model.ActivityType, in ActivityTypeInput) error {
	if in.Name != nil {
		name, err := activityText("name", "类型名称", *in.Name, maxActivityTypeName, true)
		if err != nil {
			return err
		}
		t.Name = name
	}
	if in.PointsPerHour != nil {
		if *in.PointsPerHour < 0 || *in.PointsPerHour > maxPointsPerHour {
			return Invalid("points_per_hour", "每小时积分须在 0 到 10 之间")
		}
		t.PointsPerHour = *in.PointsPerHour
	}
	if in.SortOrder != nil {
		t.SortOrder = *in.SortOrder
	}
	if in.Active != nil {
		t.Active = *in.Active
	}
	return nil
}

// FormatRate writes a points-per-hour rule, given in hundredths of a point, as a decimal
// string: 150 → "1.50".
func FormatRate(hundredths int) string {
	sign := ""
	if hundredths < 0 {
		sign, hundredths = "-", -hundredths
	}
	return fmt.Sprintf("%s%d.%02d", sign, hundredths/100, hundredths%100)
}

// ParseRate reads a points-per-hour rule, a non-negative decimal of at most two places ("1",
// "1.5", "0.25"), as hundredths; ok is false for anything else.
func ParseRate(s string) (hundredths int, ok bool) {
	whole, frac, dotted := strings.Cut(strings.TrimSpace(s), ".")
	if whole == "" || len(whole) > 4 || (dotted && (frac == "" || len(frac) > 2)) {
		return 0, false
	}
	for _, r := range whole + frac {
		if r < '0' || r > '9' {
			return 0, false
		}
	}
	n := 0
	for _, r := range whole {
		n = n*10 + int(r-'0')
	}
	n *= 100
	if len(frac) == 1 {
		frac += "0"
	}
	for i, r := range frac {
		n += int(r-'0') * []int{10, 1}[i]
	}
	return n, true
}
