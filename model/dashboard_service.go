package model

import (
	"context"
	"time"
)

// The dashboard's queries about volunteering (activities, sign-ups, service records) and the
// skill directory (listings, dispatches).

// DashActivitiesHeld counts the community's activities that started in [from, to) and were
// not withdrawn (published or finished: not draft, not cancelled).
func (s *Store) DashActivitiesHeld(ctx context.Context, communityID uint64, from, to time.Time) (int64, error) {
	c, args := s.timeCond("start_at", from, to)
	var n int64
	err := s.db.WithContext(ctx).Model(&Activity{}).
		Where("community_id = ? AND status IN ?", communityID, []string{ActivityPublished, ActivityFinished}).
		Where(c, args...).Count(&n).Error
	return n, err
}

// DashUnsettledLate counts the community's activities, not cancelled, that ended before cutoff
// and were not settled (their service records entered) by at: still published, or finished
// after at (a finished activity without its settling time counts as settled).
func (s *Store) DashUnsettledLate(ctx context.Context, communityID uint64, cutoff, at time.Time) (int64, error) {
	var n int64
	ended, args := s.timeCond("end_at", time.Time{}, cutoff.Truncate(time.Second))
	later, largs := s.timeCond("settled_at", at.Truncate(time.Second), time.Time{})
	err := s.db.WithContext(ctx).Model(&Activity{}).Where("community_id = ?", communityID).Where(ended, args...).
		Where("status = ? OR (status = ? AND "+later+")", append([]any{ActivityPublished, ActivityFinished}, largs...)...).
		Count(&n).Error
	return n, err
}

// DashSignupCount counts sign-ups of one status and attendance.
type DashSignupCount struct {
	Status     string
	Attendance string
	N          int64
}

// DashSignups counts, by status and attendance, the sign-ups of the community's activities
// that started in [from, to) and were not withdrawn.
func (s *Store) DashSignups(ctx context.Context, communityID uint64, from, to time.Time) ([]DashSignupCount, error) {
	c, args := s.timeCond("activities.start_at", from, to)
	var out []DashSignupCount
	err := s.db.WithContext(ctx).Table("signups").
		Select("signups.status, signups.attendance, COUNT(*) AS n").
		Joins("JOIN activities ON activities.id = signups.activity_id").
		Where("activities.community_id = ? AND activities.status IN ?", communityID, []string{ActivityPublished, ActivityFinished}).
		Where(c, args...).Group("signups.status, signups.attendance").Order("signups.status, signups.attendance").
		Scan(&out).Error
	return out, err
}

// DashServed is what one volunteer served in a period.
type DashServed struct {
	UserID  uint64
	Minutes int64
	N       int64
}

// DashServedBy sums the community's service records served in [from, to) by volunteer.
func (s *Store) DashServedBy(ctx context.Context, communityID uint64, from, to time.Time) ([]DashServed, error) {
	c, args := s.timeCond("served_at", from, to)
	var out []DashServed
	err := s.db.WithContext(ctx).Model(&ServiceRecord{}).
		Select("user_id, SUM(minutes) AS minutes, COUNT(*) AS n").
		Where("community_id = ?", communityID).Where(c, args...).
		Group("user_id").Order("user_id").Scan(&out).Error
	return out, err
}

// DashNewVolunteers counts the volunteers whose first service in the community was served in
// [from, to) (ix_dash_records_first).
func (s *Store) DashNewVolunteers(ctx context.Context, communityID uint64, from, to time.Time) (int64, error) {
	c, args := s.timeCond("r.served_at", from, to)
	earlier, eargs := s.timeCond("e.served_at", time.Time{}, from)
	prior := s.db.WithContext(ctx).Table("service_records e").Select("1").
		Where("e.community_id = r.community_id AND e.user_id = r.user_id").Where(earlier, eargs...)
	var n int64
	err := s.db.WithContext(ctx).Table("service_records r").Select("COUNT(DISTINCT r.user_id)").
		Where("r.community_id = ?", communityID).Where(c, args...).Where("NOT EXISTS (?)", prior).Scan(&n).Error
	return n, err
}

// DashTeamServed is what the volunteers of one team's activities served in a period.
type DashTeamServed struct {
	TeamID     uint64
	Name       string
	Minutes    int64
	N          int64
	Volunteers int64
}

// DashTeamsServed sums, by team, the service records served in [from, to) at the community's
// team activities: the limit teams with the most minutes (then records, then id).
func (s *Store) DashTeamsServed(ctx context.Context, communityID uint64, from, to time.Time, limit int) ([]DashTeamServed, error) {
	c, args := s.timeCond("service_records.served_at", from, to)
	var out []DashTeamServed
	err := s.db.WithContext(ctx).Table("service_records").
		Select("teams.id AS team_id, teams.name, SUM(service_records.minutes) AS minutes, COUNT(*) AS n, "+
			"COUNT(DISTINCT service_records.user_id) AS volunteers").
		Joins("JOIN signups ON signups.id = service_records.source_id").
		Joins("JOIN activities ON activities.id = signups.activity_id").
		Joins("JOIN teams ON teams.id = activities.team_id").
		Where("service_records.community_id = ? AND service_records.source_kind = ?", communityID, SourceActivity).
		Where(c, args...).Group("teams.id, teams.name").
		Order("SUM(service_records.minutes) DESC, COUNT(*) DESC, teams.id").Limit(limit).Scan(&out).Error
	return out, err
}

// DashSkillListed counts the people listed in the directory with one skill.
type DashSkillListed struct {
	SkillID  uint64
	Name     string
	Listed   int64
	Verified int64
}

// DashSkillsListed counts, for each skill of the community in display order, the people listed
// with it now, and how many of them staff verified; ListedPeople is everyone listed.
func (s *Store) DashSkillsListed(ctx context.Context, communityID uint64) (rows []DashSkillListed, listedPeople int64, err error) {
	err = s.db.WithContext(ctx).Table("skills").
		Select("skills.id AS skill_id, skills.name, COUNT(skill_listings.profile_id) AS listed, "+
			"COALESCE(SUM(CASE WHEN skill_listings.verified THEN 1 ELSE 0 END), 0) AS verified").
		Joins("LEFT JOIN skill_listings ON skill_listings.skill_id = skills.id AND skill_listings.listed = ?", true).
		Where("skills.community_id = ?", communityID).
		Group("skills.id, skills.name, skills.sort_order").Order("skills.sort_order, skills.id").Scan(&rows).Error
	if err != nil {
		return nil, 0, err
	}
	err = s.db.WithContext(ctx).Model(&SkillProfile{}).
		Where("community_id = ? AND visible = ? AND intro_held = ? AND withdrawn = ?", communityID, true, false, false).
		Count(&listedPeople).Error
	return rows, listedPeople, err
}

// DashDispatch is what the dashboard reads of a dispatch.
type DashDispatch struct {
	ID          uint64
	Status      string
	OfferedAt   time.Time
	RespondedAt *time.Time
	CompletedAt *time.Time
	ConfirmedAt *time.Time
	ClosedAt    *time.Time
}

// DashDispatchesTouched lists the community's dispatches offered before to and updated at or
// after from: every one offered, answered, expired, completed or confirmed in [from, to)
// (ix_dash_dispatches_touched).
func (s *Store) DashDispatchesTouched(ctx context.Context, communityID uint64, from, to time.Time) ([]DashDispatch, error) {
	touched, targs := s.timeCond("updated_at", from, time.Time{})
	before, bargs := s.timeCond("offered_at", time.Time{}, to)
	var out []DashDispatch
	err := s.db.WithContext(ctx).Model(&Dispatch{}).
		Select("id, status, offered_at, responded_at, completed_at, confirmed_at, closed_at").
		Where("community_id = ?", communityID).Where(touched, targs...).Where(before, bargs...).
		Order("id").Find(&out).Error
	return out, err
}
