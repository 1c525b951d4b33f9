package model

import (
	"context"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Activity statuses (志愿活动状态): draft → published → (cancelled | finished).
const (
	ActivityDraft     = "draft"
	ActivityPublished = "published"
	ActivityCancelled = "cancelled"
	ActivityFinished  = "finished" // settled: attended sign-ups became service records
)

// Audiences of an activity: who may sign up.
const (
	AudienceCommunity = "community"
	AudienceEstate    = "estate"   // AudienceID is the estate
	AudienceBuilding  = "building" // AudienceID is the building
)

// ActivityType is one of a community's kinds of activity (巡逻, 助老, …) with its points rule.
type ActivityType struct {
	ID          uint64 `gorm:"primaryKey"`
	CommunityID uint64 `gorm:"not null;uniqueIndex:ux_activity_types_name,priority:1"`
	Name        string `gorm:"size:16;not null;uniqueIndex:ux_activity_types_name,priority:2"`
	// PointsPerHour is the community's rule, in hundredths of a point (100 = 1 point per hour).
	PointsPerHour int  `gorm:"not null"`
	SortOrder     int  `gorm:"not null"`
	Active        bool `gorm:"not null"`
	CreatedAt     time.Time
}

// Activity is a volunteer activity (志愿活动). Confirmed counts the confirmed sign-ups: it is
// changed only under the row lock, by conditional updates that keep it within Capacity.
type Activity struct {
	ID          uint64    `gorm:"primaryKey"`
	CommunityID uint64    `gorm:"not null;index:ix_activities_list,priority:1"`
	TeamID      *uint64   `gorm:"index"`
	TypeID      uint64    `gorm:"not null"`
	Title       string    `gorm:"size:64;not null"`
	Description string    `gorm:"type:text;not null"`
	Place       string    `gorm:"size:100;not null"`
	StartAt     time.Time `gorm:"not null;index:ix_activities_list,priority:3;index:ix_activities_due,priority:2"`
	EndAt       time.Time `gorm:"not null"`
	Capacity    int       `gorm:"not null"`
	Confirmed   int       `gorm:"not null"`
	// Sign-up is open in [SignupOpensAt, SignupClosesAt); a confirmed volunteer may cancel
	// before CancelCutoffAt.
	SignupOpensAt  time.Time `gorm:"not null"`
	SignupClosesAt time.Time `gorm:"not null"`
	CancelCutoffAt time.Time `gorm:"not null"`
	Audience       string    `gorm:"size:16;not null"`
	AudienceID     uint64    `gorm:"not null"`
	// PointsPerHour is this activity's rule in hundredths (from its type unless staff set it).
	PointsPerHour int    `gorm:"not null"`
	OrganiserID   uint64 `gorm:"not null;index"`
	Status        string `gorm:"size:16;not null;index:ix_activities_list,priority:2;index:ix_activities_due,priority:1"`
	// Held: content safety could not clear the text; only staff may publish it (releasing it).
	Held         bool   `gorm:"not null"`
	CancelReason string `gorm:"size:200;not null"`
	RemindedAt   *time.Time
	SettledAt    *time.Time
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// ActivityRow is an activity with the names a list or detail shows.
type ActivityRow struct {
	Activity
	TypeName          string
	TeamName          string
	OrganiserNickname string
}

// PlaceCounts are an activity's confirmed sign-ups and waitlist length.
type PlaceCounts struct {
	Confirmed  int
	Waitlisted int
}

// EnsureActivityTypes inserts the default types a community lacks (by name); concurrent
// callers cannot create duplicates (the unique key decides).
func (s *Store) EnsureActivityTypes(ctx context.Context, defaults []ActivityType) error {
	if len(defaults) == 0 {
		return nil
	}
	return translate(s.db.WithContext(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&defaults).Error)
}

// ActivityTypes lists a community's activity types in display order.
func (s *Store) ActivityTypes(ctx context.Context, communityID uint64, activeOnly bool) ([]ActivityType, error) {
	var out []ActivityType
	q := s.db.WithContext(ctx).Where("community_id = ?", communityID)
	if activeOnly {
		q = q.Where("active = ?", true)
	}
	err := q.Order("sort_order, id").Find(&out).Error
	return out, err
}

// ActivityTypeByID returns an activity type.
func (s *Store) ActivityTypeByID(ctx context.Context, id uint64) (*ActivityType, error) {
	var t ActivityType
	err := s.db.WithContext(ctx).First(&t, id).Error
	return &t, translate(err)
}

// CreateActivityType inserts t; a name already used in the community is ErrConflict.
func (s *Store) CreateActivityType(ctx context.Context, t *ActivityType) error {
	return translate(s.db.WithContext(ctx).Create(t).Error)
}

// UpdateActivityType changes the given columns of a type of the community.
func (s *Store) UpdateActivityType(ctx context.Context, communityID, id uint64, set map[string]any) error {
	res := s.db.WithContext(ctx).Model(&ActivityType{}).Where("id = ? AND community_id = ?", id, communityID).Updates(set)
	if res.Error != nil {
		return translate(res.Error)
	}
	if res.RowsAffected == 0 {
		// MySQL counts the rows an update changed, not those it matched: setting the values
		// a type already has changes none, and the type is still there.
		var n int64
		if err := s.db.WithContext(ctx).Model(&ActivityType{}).Where("id = ? AND community_id = ?", id, communityID).
			Count(&n).Error; err != nil {
			return translate(err)
		}
		if n == 0 {
			return ErrNotFound
		}
	}
	return nil
}

// CreateActivity inserts an activity.
func (s *Store) CreateActivity(ctx context.Context, a *Activity) error {
	return translate(s.db.WithContext(ctx).Create(a).Error)
}

// ActivityByID returns an activity.
func (s *Store) ActivityByID(ctx context.Context, id uint64) (*Activity, error) {
	var a Activity
	err := s.db.WithContext(ctx).First(&a, id).Error
	return &a, translate(err)
}

// LockActivity reads the activity and locks its row for the rest of the transaction. It must
// be the transaction's first statement: on InnoDB a plain read before it would fix the
// snapshot, and later reads would miss rows other sign-ups committed meanwhile. On SQLite the
// locking clause is dropped and BEGIN IMMEDIATE gives the same exclusion.
func (s *Store) LockActivity(ctx context.Context, id uint64) (*Activity, error) {
	var a Activity
	err := s.db.WithContext(ctx).Clauses(clause.Locking{Strength: "UPDATE"}).First(&a, id).Error
	return &a, translate(err)
}

// UpdateActivity sets columns of an activity (under its lock).
func (s *Store) UpdateActivity(ctx context.Context, id uint64, set map[string]any) error {
	return translate(s.db.WithContext(ctx).Model(&Activity{}).Where("id = ?", id).Updates(set).Error)
}

// MoveActivity sets columns only while the status is one of from; it reports whether it did.
func (s *Store) MoveActivity(ctx context.Context, id uint64, from []string, set map[string]any) (bool, error) {
	res := s.db.WithContext(ctx).Model(&Activity{}).Where("id = ? AND status IN ?", id, from).Updates(set)
	return res.RowsAffected == 1, translate(res.Error)
}

// SetCapacity changes the capacity only if it stays at or above the confirmed count; it
// reports whether it did.
func (s *Store) SetCapacity(ctx context.Context, id uint64, capacity int, at time.Time) (bool, error) {
	res := s.db.WithContext(ctx).Model(&Activity{}).Where("id = ? AND confirmed <= ?", id, capacity).
		Updates(map[string]any{"capacity": capacity, "updated_at": at})
	return res.RowsAffected == 1, translate(res.Error)
}

// ActivityCursor is a position in a list ordered by start time, then id.
type ActivityCursor struct {
	StartAt time.Time
	ID      uint64
}

// ActivityFilter selects activities of a community.
type ActivityFilter struct {
	CommunityID uint64
	// Statuses of the activity; with Now, Window narrows published ones by time.
	Statuses []string
	// Window is "upcoming" (not started), "ongoing" (started, not ended), "past" (ended, or
	// finished or cancelled) or "" (any time).
	Window string
	Now    time.Time
	// OrganiserID limits to one organiser's activities (0: anyone's).
	OrganiserID uint64
	// Descending lists the latest start first.
	Descending bool
	After      ActivityCursor
	Limit      int
}

// wholeSecond is t as activity times are stored: UTC, whole seconds. Comparing SQLite's text
// times is exact only between values of the same form ("…:54Z" sorts after "…:54.2Z"), so
// every time compared with an activity's is cut to the second first; on whole seconds that
// changes no comparison's outcome.
func wholeSecond(t time.Time) time.Time { return t.UTC().Truncate(time.Second) }

// Activities lists activities by f with their names.
func (s *Store) Activities(ctx context.Context, f ActivityFilter) ([]ActivityRow, error) {
	f.Now, f.After.StartAt = wholeSecond(f.Now), wholeSecond(f.After.StartAt)
	q := s.activityRows(ctx).Where("activities.community_id = ?", f.CommunityID)
	switch f.Window {
	case "upcoming":
		q = q.Where("activities.status = ? AND activities.start_at > ?", ActivityPublished, f.Now)
	case "ongoing":
		q = q.Where("activities.status = ? AND activities.start_at <= ? AND activities.end_at > ?", ActivityPublished, f.Now, f.Now)
	case "past":
		q = q.Where("(activities.status IN ? OR (activities.status = ? AND activities.end_at <= ?))",
			[]string{ActivityFinished, ActivityCancelled}, ActivityPublished, f.Now)
	default:
		q = q.Where("activities.status IN ?", f.Statuses)
	}
	if f.OrganiserID != 0 {
		q = q.Where("activities.organiser_id = ?", f.OrganiserID)
	}
	if f.After.ID != 0 {
		op := ">"
		if f.Descending {
			op = "<"
		}
		q = q.Where("(activities.start_at "+op+" ? OR (activities.start_at = ? AND activities.id "+op+" ?))",
			f.After.StartAt, f.After.StartAt, f.After.ID)
	}
	if f.Descending {
		q = q.Order("activities.start_at DESC, activities.id DESC")
	} else {
		q = q.Order("activities.start_at, activities.id")
	}
	var out []ActivityRow
	err := q.Limit(f.Limit).Scan(&out).Error
	return out, err
}

// ActivityRowByID returns one activity with its names.
func (s *Store) ActivityRowByID(ctx context.Context, id uint64) (*ActivityRow, error) {
	var out []ActivityRow
	if err := s.activityRows(ctx).Where("activities.id = ?", id).Limit(1).Scan(&out).Error; err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, ErrNotFound
	}
	return &out[0], nil
}

func (s *Store) activityRows(ctx context.Context) *gorm.DB {
	return s.db.WithContext(ctx).Table("activities").
		Select("activities.*, activity_types.name AS type_name, COALESCE(teams.name, '') AS team_name, " +
			"users.nickname AS organiser_nickname").
		Joins("JOIN activity_types ON activity_types.id = activities.type_id").
		Joins("LEFT JOIN teams ON teams.id = activities.team_id").
		Joins("JOIN users ON users.id = activities.organiser_id")
}

// ActivityCounts returns the confirmed count and waitlist length of each activity.
func (s *Store) ActivityCounts(ctx context.Context, ids []uint64) (map[uint64]PlaceCounts, error) {
	out := make(map[uint64]PlaceCounts, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	var rows []struct {
		ID         uint64
		Confirmed  int
		Waitlisted int
	}
	err := s.db.WithContext(ctx).Table("activities").
		Select("activities.id, activities.confirmed, (SELECT COUNT(*) FROM signups WHERE signups.activity_id = activities.id AND signups.status = ?) AS waitlisted", SignupWaitlisted).
		Where("activities.id IN ?", ids).Scan(&rows).Error
	for _, r := range rows {
		out[r.ID] = PlaceCounts{Confirmed: r.Confirmed, Waitlisted: r.Waitlisted}
	}
	return out, err
}

// DueReminders lists up to limit published activities starting in (now, until] whose
// volunteers have not been reminded.
func (s *Store) DueReminders(ctx context.Context, now, until time.Time, limit int) ([]Activity, error) {
	now, until = wholeSecond(now), wholeSecond(until)
	var out []Activity
	err := s.db.WithContext(ctx).Where("status = ? AND start_at > ? AND start_at <= ? AND reminded_at IS NULL",
		ActivityPublished, now, until).Order("start_at").Limit(limit).Find(&out).Error
	return out, err
}

// MarkReminded records that the reminder of an activity is being sent; of several instances
// racing, exactly one gets true.
func (s *Store) MarkReminded(ctx context.Context, id uint64, at time.Time) (bool, error) {
	res := s.db.WithContext(ctx).Model(&Activity{}).
		Where("id = ? AND status = ? AND reminded_at IS NULL", id, ActivityPublished).Update("reminded_at", at)
	return res.RowsAffected == 1, translate(res.Error)
}
