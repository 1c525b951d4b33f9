package model

import (
	"context"
	"time"

	"gorm.io/gorm"
)

// UnreachedHousehold is a household of an announcement's audience none of whose members has
// read it, with where it is and whether a member can be called.
type UnreachedHousehold struct {
	ID           uint64
	BuildingID   uint64
	EstateName   string
	BuildingName string
	Unit, Room   string
	// Members counts its approved residents; PhoneBound is true when one of them has a phone
	// number bound (staff or the captain can call instead of knocking).
	Members    int
	PhoneBound bool
}

// audienceHouseholds is the query of the households of the announcement's audience, as h.
func (s *Store) audienceHouseholds(ctx context.Context, a *Announcement) *gorm.DB {
	q := s.db.WithContext(ctx).Table("households AS h").Where("h.community_id = ?", a.CommunityID)
	switch a.Audience {
	case AudienceEstate:
		q = q.Where("h.estate_id = ?", a.EstateID)
	case AudienceBuilding:
		q = q.Where("h.building_id = ?", a.BuildingID)
	}
	return q
}

// readBy is the condition "a member of household h read the announcement (by the time, when
// set)".
func readBy(a *Announcement, by *time.Time) (string, []any) {
	q := "EXISTS (SELECT 1 FROM residencies r JOIN announcement_reads ar ON ar.user_id = r.user_id AND ar.announcement_id = ? " +
		"WHERE r.household_id = h.id AND r.status = ?"
	args := []any{a.ID, ResidencyApproved}
	if by != nil {
		q, args = q+" AND ar.read_at <= ?", append(args, *by)
	}
	return q + ")", args
}

// AnnouncementReach counts the households of the announcement's audience (now) and those of
// them where a member has read it (by the time, when set): a household with two readers
// counts once.
func (s *Store) AnnouncementReach(ctx context.Context, a *Announcement, by *time.Time) (reached, households int64, err error) {
	if err := s.audienceHouseholds(ctx, a).Count(&households).Error; err != nil {
		return 0, 0, translate(err)
	}
	cond, args := readBy(a, by)
	err = s.audienceHouseholds(ctx, a).Where(cond, args...).Count(&reached).Error
	return reached, households, translate(err)
}

// UnreachedHouseholds lists up to limit households of the audience with an id above after
// that no member has read the announcement in, in the register's order.
func (s *Store) UnreachedHouseholds(ctx context.Context, a *Announcement, after uint64, limit int) ([]UnreachedHousehold, error) {
	cond, args := readBy(a, nil)
	var out []UnreachedHousehold
	err := s.audienceHouseholds(ctx, a).
		Select("h.id, h.building_id, h.unit, h.room, buildings.name AS building_name, estates.name AS estate_name, "+
			"(SELECT COUNT(*) FROM residencies m WHERE m.household_id = h.id AND m.status = ?) AS members, "+
			"EXISTS (SELECT 1 FROM residencies m JOIN users u ON u.id = m.user_id WHERE m.household_id = h.id "+
			"AND m.status = ? AND u.phone_masked <> '') AS phone_bound", ResidencyApproved, ResidencyApproved).
		Joins("JOIN buildings ON buildings.id = h.building_id").
		Joins("JOIN estates ON estates.id = h.estate_id").
		Where("h.id > ?", after).Where("NOT "+cond, args...).
		Order("h.id").Limit(limit).Scan(&out).Error
	return out, translate(err)
}

// DashAnnouncements is a month of a community's announcements: how many were published in
// [from, to), and the sum over them of the share of their households reached within 24 hours
// (its mean is the average reach).
type DashAnnouncements struct {
	Published int64
	// Reach24h sums reached/households of each announcement with households; Measured counts them.
	Reach24h float64
	Measured int64
}

// DashAnnouncementsMonth counts the month's published announcements (by staff and captains,
// and the system's) and their reach within 24 hours of publication.
func (s *Store) DashAnnouncementsMonth(ctx context.Context, communityID uint64, from, to time.Time) (DashAnnouncements, error) {
	var out DashAnnouncements
	var as []Announcement
	c, args := s.timeCond("published_at", from, to)
	err := s.db.WithContext(ctx).Where("community_id = ? AND status <> ?", communityID, AnnouncementWithdrawn).
		Where(c, args...).Order("id").Find(&as).Error
	if err != nil {
		return out, translate(err)
	}
	for i := range as {
		a := &as[i]
		out.Published++
		if a.Households == 0 {
			continue
		}
		by := a.PublishedAt.Add(24 * time.Hour)
		cond, args := readBy(a, &by)
		var reached int64
		if err := s.audienceHouseholds(ctx, a).Where(cond, args...).Count(&reached).Error; err != nil {
			return out, translate(err)
		}
		out.Reach24h += float64(reached) / float64(a.Households)
		out.Measured++
	}
	return out, nil
}
