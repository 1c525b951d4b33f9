package model

import (
	"context"
	"time"
)

// Attendance is recorded on the sign-up row by conditional updates: each one names the state
// it expects (confirmed, not yet settled, …), so a racing check-out, organiser mark or
// settlement cannot leave a mixed state, and nothing changes once a service record exists.

// SignupByID returns a sign-up.
func (s *Store) SignupByID(ctx context.Context, id uint64) (*Signup, error) {
	var out Signup
	err := s.db.WithContext(ctx).First(&out, id).Error
	return &out, translate(err)
}

// CheckIn records the first check-in of a confirmed, live sign-up whose attendance the
// organiser has not marked and that is not settled; it reports whether it did.
func (s *Store) CheckIn(ctx context.Context, id uint64, at time.Time) (bool, error) {
	res := s.db.WithContext(ctx).Model(&Signup{}).
		Where("id = ? AND live = ? AND status = ? AND checkin_at IS NULL AND marked_by IS NULL AND recorded_at IS NULL",
			id, true, SignupConfirmed).
		Updates(map[string]any{"checkin_at": at, "updated_at": at})
	return res.RowsAffected == 1, translate(res.Error)
}

// CheckOut records a check-out with the minutes served, for a checked-in sign-up not marked by
// the organiser and not settled; a later check-out replaces an earlier one.
func (s *Store) CheckOut(ctx context.Context, id uint64, at time.Time, minutes int) (bool, error) {
	res := s.db.WithContext(ctx).Model(&Signup{}).
		Where("id = ? AND live = ? AND status = ? AND checkin_at IS NOT NULL AND marked_by IS NULL AND recorded_at IS NULL",
			id, true, SignupConfirmed).
		Updates(map[string]any{"checkout_at": at, "minutes": minutes, "attendance": AttendanceAttended, "updated_at": at})
	return res.RowsAffected == 1, translate(res.Error)
}

// MarkAttendance records the organiser's word (attended with minutes, or no_show) on a
// confirmed, live sign-up that is not settled; it reports whether it did.
func (s *Store) MarkAttendance(ctx context.Context, id uint64, attendance string, minutes int, by uint64, at time.Time) (bool, error) {
	res := s.db.WithContext(ctx).Model(&Signup{}).
		Where("id = ? AND live = ? AND status = ? AND recorded_at IS NULL", id, true, SignupConfirmed).
		Updates(map[string]any{"attendance": attendance, "minutes": minutes, "marked_by": by, "updated_at": at})
	return res.RowsAffected == 1, translate(res.Error)
}

// MarkNoShows marks as no_show every confirmed sign-up of the activity that never checked in
// and has no attendance recorded; it returns how many.
func (s *Store) MarkNoShows(ctx context.Context, activityID uint64, at time.Time) (int64, error) {
	res := s.db.WithContext(ctx).Model(&Signup{}).
		Where("activity_id = ? AND live = ? AND status = ? AND attendance = ? AND checkin_at IS NULL AND recorded_at IS NULL",
			activityID, true, SignupConfirmed, AttendanceUnknown).
		Updates(map[string]any{"attendance": AttendanceNoShow, "updated_at": at})
	return res.RowsAffected, translate(res.Error)
}

// SignupsToRecord lists the attended sign-ups of the activity with minutes that have no
// service record yet.
func (s *Store) SignupsToRecord(ctx context.Context, activityID uint64) ([]Signup, error) {
	var out []Signup
	err := s.db.WithContext(ctx).
		Where("activity_id = ? AND live = ? AND status = ? AND attendance = ? AND minutes > 0 AND recorded_at IS NULL",
			activityID, true, SignupConfirmed, AttendanceAttended).
		Order("id").Find(&out).Error
	return out, err
}

// MarkRecorded freezes a sign-up whose service record exists.
func (s *Store) MarkRecorded(ctx context.Context, id uint64, at time.Time) error {
	return translate(s.db.WithContext(ctx).Model(&Signup{}).Where("id = ? AND recorded_at IS NULL", id).
		Updates(map[string]any{"recorded_at": at, "updated_at": at}).Error)
}

// ActivityRecords counts the service records made from the activity's sign-ups.
func (s *Store) ActivityRecords(ctx context.Context, activityID uint64) (int64, error) {
	var n int64
	err := s.db.WithContext(ctx).Table("service_records").
		Joins("JOIN signups ON signups.id = service_records.source_id").
		Where("service_records.source_kind = ? AND signups.activity_id = ?", SourceActivity, activityID).Count(&n).Error
	return n, err
}
