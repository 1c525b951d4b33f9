package service

import (
	"context"

	"linli/model"
)

// Receipts is who an announcement reached: Reached of Households households of its
// audience (a household is reached when any member has read it), the people it was sent to
// (Recipients, so far while Delivering), and a page of the households not reached yet.
type Receipts struct {
	Announcement *model.Announcement
	Reached      int64
	Households   int64
	Recipients   int
	Delivering   bool
	Unreached    []model.UnreachedHousehold
	More         bool
}

// Receipts answers its author and staff of its community: read by N of M households, and the
// households not reached yet with their building, unit and room and whether a member has a
// phone bound (where to knock or call), limit of them after the household id after.
func (s *Announcements) Receipts(ctx context.Context, p *Principal, id, after uint64, limit int) (*Receipts, error) {
	a, err := s.visible(ctx, p, id)
	if err != nil {
		return nil, err
	}
	if !authorOrStaff(p, a) {
		return nil, Errorf(KindForbidden, "只有发布人和社区工作者可以查看公告的阅读情况")
	}
	reached, households, err := s.store.AnnouncementReach(ctx, a, nil)
	if err != nil {
		return nil, err
	}
	rows, err := s.store.UnreachedHouseholds(ctx, a, after, limit+1)
	if err != nil {
		return nil, err
	}
	r := &Receipts{Announcement: a, Reached: reached, Households: households, Recipients: a.Recipients,
		Delivering: a.Delivering, Unreached: rows}
	if len(rows) > limit {
		r.Unreached, r.More = rows[:limit], true
	}
	return r, nil
}
