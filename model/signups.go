package model

import (
	"context"
	"strings"
	"time"

	"gorm.io/gorm/clause"
)

// Sign-up statuses.
const (
	SignupConfirmed  = "confirmed"
	SignupWaitlisted = "waitlisted"
	SignupCancelled  = "cancelled"
)

// Attendance of a confirmed sign-up.
const (
	AttendanceUnknown  = ""
	AttendanceAttended = "attended"
	AttendanceNoShow   = "no_show"
)

// Signup is one person's sign-up for an activity. Live is true until it is cancelled and NULL
// after: the unique key (activity, user, live) allows one live sign-up per person and
// activity, while cancelled ones stay as history (NULLs never collide, on SQLite and MySQL
// alike). Position is the place on the waitlist (1 = next), kept dense: whoever leaves the
// waitlist closes the gap behind them. It is 0 for everyone not waitlisted.
type Signup struct {
	ID         uint64 `gorm:"primaryKey"`
	ActivityID uint64 `gorm:"not null;uniqueIndex:ux_signups_live,priority:1;index:ix_signups_queue,priority:1"`
	UserID     uint64 `gorm:"not null;uniqueIndex:ux_signups_live,priority:2;index:ix_signups_user,priority:1"`
	Live       *bool  `gorm:"uniqueIndex:ux_signups_live,priority:3"`
	Status     string `gorm:"size:16;not null;index:ix_signups_queue,priority:2;index:ix_signups_user,priority:2"`
	Position   int    `gorm:"not null;index:ix_signups_queue,priority:3"`
	Attendance string `gorm:"size:16;not null"`
	CheckinAt  *time.Time
	CheckoutAt *time.Time
	// Minutes is the service time inside the activity window (check-out, or the organiser).
	Minutes int `gorm:"not null"`
	// MarkedBy is the organiser who recorded the attendance by hand (nil: check-in/out).
	MarkedBy *uint64
	// RecordedAt is set when settlement turned the sign-up into a service record; attendance
	// is frozen from then on.
	RecordedAt  *time.Time
	CancelledAt *time.Time
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// live is the value of Signup.Live for a sign-up that is not cancelled.
func live() *bool { v := true; return &v }

// LiveSignup returns the user's sign-up for the activity that is not cancelled.
func (s *Store) LiveSignup(ctx context.Context, activityID, userID uint64) (*Signup, error) {
	var out Signup
	err := s.db.WithContext(ctx).Where("activity_id = ? AND user_id = ? AND live = ?", activityID, userID, true).
		First(&out).Error
	return &out, translate(err)
}

// TakePlace counts one more confirmed sign-up if a place is left: the conditional update that
// makes capacity hold. It reports whether a place was taken.
func (s *Store) TakePlace(ctx context.Context, activityID uint64) (bool, error) {
	res := s.db.WithContext(ctx).Exec("UPDATE activities SET confirmed = confirmed + 1 WHERE id = ? AND confirmed < capacity", activityID)
	return res.RowsAffected == 1, translate(res.Error)
}

// ReleasePlace counts one confirmed sign-up less.
func (s *Store) ReleasePlace(ctx context.Context, activityID uint64) error {
	return translate(s.db.WithContext(ctx).Exec("UPDATE activities SET confirmed = confirmed - 1 WHERE id = ? AND confirmed > 0", activityID).Error)
}

// AddConfirmed inserts a confirmed sign-up (after TakePlace); a live sign-up of the same
// person is ErrConflict.
func (s *Store) AddConfirmed(ctx context.Context, activityID, userID uint64, at time.Time) (*Signup, error) {
	su := &Signup{ActivityID: activityID, UserID: userID, Live: live(), Status: SignupConfirmed, CreatedAt: at, UpdatedAt: at}
	if err := s.db.WithContext(ctx).Create(su).Error; err != nil {
		return nil, translate(err)
	}
	return su, nil
}

// AddWaitlisted puts the users, in this order, at the end of the waitlist, in one statement.
// Their positions are computed by the database inside the INSERT (MAX(position) over the
// waitlist, plus each one's rank in the list), under the activity's row lock, so they are
// never computed from a stale read. A live sign-up of one of them is ErrConflict and nothing
// is inserted. Read the rows back with LiveSignups.
func (s *Store) AddWaitlisted(ctx context.Context, activityID uint64, userIDs []uint64, at time.Time) error {
	if len(userIDs) == 0 {
		return nil
	}
	var rank strings.Builder
	args := []any{activityID, true, SignupWaitlisted, at, at, activityID, SignupWaitlisted}
	for i, uid := range userIDs {
		if i > 0 {
			rank.WriteString(" UNION ALL ")
		}
		rank.WriteString("SELECT ? AS user_id, ? AS rnk")
		args = append(args, uid, i+1)
	}
	return translate(s.db.WithContext(ctx).Exec(`INSERT INTO signups (activity_id, user_id, live, status, position, attendance, minutes, created_at, updated_at)
		SELECT ?, joining.user_id, ?, ?, waitlist.last + joining.rnk, '', 0, ?, ?
		FROM (SELECT COALESCE(MAX(position), 0) AS last FROM signups WHERE activity_id = ? AND status = ?) waitlist
		CROSS JOIN (`+rank.String()+`) joining
		ORDER BY joining.rnk`, args...).Error)
}

// LiveSignups returns the live sign-ups of these users for the activity, by user id.
func (s *Store) LiveSignups(ctx context.Context, activityID uint64, userIDs []uint64) (map[uint64]Signup, error) {
	out := make(map[uint64]Signup, len(userIDs))
	if len(userIDs) == 0 {
		return out, nil
	}
	var rows []Signup
	err := s.db.WithContext(ctx).Where("activity_id = ? AND user_id IN ? AND live = ?", activityID, userIDs, true).Find(&rows).Error
	for _, r := range rows {
		out[r.UserID] = r
	}
	return out, err
}

// NthWaitlisted returns the waitlisted sign-up with n others ahead of it (0: the next in
// line); ErrNotFound when the waitlist is shorter.
func (s *Store) NthWaitlisted(ctx context.Context, activityID uint64, n int) (*Signup, error) {
	var out []Signup
	err := s.db.WithContext(ctx).Where("activity_id = ? AND status = ?", activityID, SignupWaitlisted).
		Order("position").Offset(n).Limit(1).Find(&out).Error
	if err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, ErrNotFound
	}
	return &out[0], nil
}

// PromoteSignups confirms waitlisted sign-ups (after TakePlace for each).
func (s *Store) PromoteSignups(ctx context.Context, ids []uint64, at time.Time) error {
	return translate(s.db.WithContext(ctx).Model(&Signup{}).Where("id IN ? AND status = ?", ids, SignupWaitlisted).
		Updates(map[string]any{"status": SignupConfirmed, "position": 0, "updated_at": at}).Error)
}

// CloseGap moves everyone on the waitlist behind position up by places: what keeps the
// positions 1..n without gaps when someone leaves it.
func (s *Store) CloseGap(ctx context.Context, activityID uint64, position, places int) error {
	return translate(s.db.WithContext(ctx).Exec("UPDATE signups SET position = position - ? WHERE activity_id = ? AND status = ? AND position > ?",
		places, activityID, SignupWaitlisted, position).Error)
}

// CancelSignup cancels a live sign-up that still has the status from; it reports whether it did.
func (s *Store) CancelSignup(ctx context.Context, id uint64, from string, at time.Time) (bool, error) {
	res := s.db.WithContext(ctx).Model(&Signup{}).Where("id = ? AND status = ? AND live = ?", id, from, true).
		Updates(map[string]any{"status": SignupCancelled, "live": nil, "position": 0, "cancelled_at": at, "updated_at": at})
	return res.RowsAffected == 1, translate(res.Error)
}

// ConfirmedOverlaps returns, for each of these users who is confirmed for a published
// activity other than exclude that overlaps [start, end), the earliest such activity.
func (s *Store) ConfirmedOverlaps(ctx context.Context, userIDs []uint64, exclude uint64, start, end time.Time) (map[uint64]Activity, error) {
	out := map[uint64]Activity{}
	if len(userIDs) == 0 {
		return out, nil
	}
	start, end = wholeSecond(start), wholeSecond(end)
	var rows []struct {
		Activity
		OverlapUser uint64
	}
	err := s.db.WithContext(ctx).Table("activities").Select("activities.*, signups.user_id AS overlap_user").
		Joins("JOIN signups ON signups.activity_id = activities.id").
		Where("signups.user_id IN ? AND signups.status = ? AND activities.id <> ? AND activities.status = ?",
			userIDs, SignupConfirmed, exclude, ActivityPublished).
		Where("activities.start_at < ? AND activities.end_at > ?", end, start).
		Order("activities.start_at DESC").Scan(&rows).Error
	for _, r := range rows { // the earliest wins: it comes last
		out[r.OverlapUser] = r.Activity
	}
	return out, err
}

// NoShowsSince counts the user's no-shows at activities that started at or after since.
func (s *Store) NoShowsSince(ctx context.Context, userID uint64, since time.Time) (int64, error) {
	since = wholeSecond(since)
	var n int64
	err := s.db.WithContext(ctx).Table("signups").
		Joins("JOIN activities ON activities.id = signups.activity_id").
		Where("signups.user_id = ? AND signups.status = ? AND signups.attendance = ? AND activities.start_at >= ?",
			userID, SignupConfirmed, AttendanceNoShow, since).Count(&n).Error
	return n, err
}

// SignupUsers lists the users with a live sign-up of one of these statuses.
func (s *Store) SignupUsers(ctx context.Context, activityID uint64, statuses ...string) ([]uint64, error) {
	var out []uint64
	err := s.db.WithContext(ctx).Model(&Signup{}).Where("activity_id = ? AND live = ? AND status IN ?", activityID, true, statuses).
		Order("id").Pluck("user_id", &out).Error
	return out, err
}

// MySignups returns the user's live sign-ups for these activities, by activity id.
func (s *Store) MySignups(ctx context.Context, userID uint64, activityIDs []uint64) (map[uint64]Signup, error) {
	out := make(map[uint64]Signup, len(activityIDs))
	if len(activityIDs) == 0 {
		return out, nil
	}
	var rows []Signup
	err := s.db.WithContext(ctx).Where("user_id = ? AND activity_id IN ? AND live = ?", userID, activityIDs, true).Find(&rows).Error
	for _, r := range rows {
		out[r.ActivityID] = r
	}
	return out, err
}

// SignupRow is a sign-up on a roster, with the volunteer's name and sealed phone.
type SignupRow struct {
	Signup
	Nickname    string
	PhoneMasked string
	PhoneCipher []byte
}

// RosterCursor is a position in a roster's order: the confirmed (position 0) by id, then the
// waitlisted by position, then id. The zero value is the start.
type RosterCursor struct {
	Waitlisted bool
	Position   int
	ID         uint64
}

// Cursor is the row's position in the roster.
func (r *SignupRow) Cursor() RosterCursor {
	return RosterCursor{Waitlisted: r.Status == SignupWaitlisted, Position: r.Position, ID: r.ID}
}

// Roster lists up to limit (0: all) live sign-ups of an activity after the cursor: confirmed
// first (in sign-up order), then the waitlist in order. A live sign-up is confirmed or
// waitlisted, and a confirmed one has position 0, so the order is (waitlisted, position, id)
// and the keyset below follows it exactly.
func (s *Store) Roster(ctx context.Context, activityID uint64, after RosterCursor, limit int) ([]SignupRow, error) {
	q := s.db.WithContext(ctx).Table("signups").
		Select("signups.*, users.nickname AS nickname, users.phone_masked AS phone_masked, users.phone_cipher AS phone_cipher").
		Joins("JOIN users ON users.id = signups.user_id").
		Where("signups.activity_id = ? AND signups.live = ?", activityID, true)
	switch {
	case after.Waitlisted:
		q = q.Where("(signups.status = ? AND (signups.position > ? OR (signups.position = ? AND signups.id > ?)))",
			SignupWaitlisted, after.Position, after.Position, after.ID)
	case after.ID != 0:
		q = q.Where("((signups.status = ? AND signups.id > ?) OR signups.status = ?)", SignupConfirmed, after.ID, SignupWaitlisted)
	}
	q = q.Order("CASE WHEN signups.status = '" + SignupConfirmed + "' THEN 0 ELSE 1 END, signups.position, signups.id")
	if limit > 0 {
		q = q.Limit(limit)
	}
	var out []SignupRow
	err := q.Scan(&out).Error
	return out, err
}

// LockLiveUsers locks the rows of these users in one statement (ascending id, the order every
// such lock is taken in, so two transactions never wait on each other in a cycle) and reports
// which of them are live (exist and did not delete their account).
func (s *Store) LockLiveUsers(ctx context.Context, ids []uint64) (map[uint64]bool, error) {
	var live []uint64
	err := s.db.WithContext(ctx).Model(&User{}).Clauses(clause.Locking{Strength: "UPDATE"}).
		Where("id IN ? AND deleted_at IS NULL", ids).Order("id").Pluck("id", &live).Error
	out := make(map[uint64]bool, len(live))
	for _, id := range live {
		out[id] = true
	}
	return out, err
}
