package model

import (
	"context"
	"gorm.io/gorm"
	"time"
)

// DeliveringAnnouncements lists up to limit announcements whose delivery has not finished,
// oldest first.
func (s *Store) DeliveringAnnouncements(ctx context.Context, limit int) ([]Announcement, error) {
	var out []Announcement
	err := s.db.WithContext(ctx).Where("delivering = ? AND status = ?", true, AnnouncementPublished).
		Order("id").Limit(limit).Find(&out).Error
	return out, translate(err)
}

// AudienceBatch returns up to limit users of the announcement's audience (approved residents)
// with an id above after, ascending; a person with two homes in it appears once.
func (s *Store) AudienceBatch(ctx context.Context, a *Announcement, after uint64, limit int) ([]uint64, error) {
	var out []uint64
	err := s.audienceResidents(ctx, a).Where("residencies.user_id > ?", after).
		Distinct("residencies.user_id").Order("residencies.user_id").Limit(limit).Pluck("residencies.user_id", &out).Error
	return out, translate(err)
}

// AdvanceDelivery moves the announcement's delivery cursor from from to to and adds told
// recipients; done ends its delivery. False, and nothing changed, when another worker moved the
// cursor first (or the announcement was withdrawn): the caller's batch must not be sent.
func (s *Store) AdvanceDelivery(ctx context.Context, id, from, to uint64, told int, done bool, t time.Time) (bool, error) {
	res := s.db.WithContext(ctx).Model(&Announcement{}).
		Where("id = ? AND delivering = ? AND status = ? AND delivered_through = ?", id, true, AnnouncementPublished, from).
		Updates(map[string]any{"delivered_through": to, "recipients": gorm.Expr("recipients + ?", told),
			"delivering": !done, "updated_at": t})
	return res.RowsAffected == 1, translate(res.Error)
}

// CountAudience counts the approved residents (people) of the announcement's audience.
func (s *Store) CountAudience(ctx context.Context, a *Announcement) (int64, error) {
	var n int64
	err := s.audienceResidents(ctx, a).Distinct("residencies.user_id").Count(&n).Error
	return n, translate(err)
}

// SetAnnouncementDelivered records a delivery finished at once (the demo's history): the last
// user told and how many were.
func (s *Store) SetAnnouncementDelivered(ctx context.Context, id, through uint64, told int) error {
	return translate(s.db.WithContext(ctx).Model(&Announcement{}).Where("id = ?", id).
		Updates(map[string]any{"delivered_through": through, "recipients": told, "delivering": false}).Error)
}
