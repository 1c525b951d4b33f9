package model

import (
	"context"
	"fmt"
	"strings"

	"gorm.io/gorm"
)

// DirectoryCursor is a position in the directory's order: distance (0 same building, 1 same
// estate, 2 rest of the community), then fewest open dispatches, then best rating, then profile.
type DirectoryCursor struct {
	Distance, Open, Rating int
	ProfileID              uint64
}

// DirectoryQuery finds listed people with a skill whose reach covers a building.
type DirectoryQuery struct {
	SkillID    uint64
	BuildingID uint64
	EstateID   uint64 // the building's estate
	// Weekday (1 Monday … 7 Sunday) and Minute of the day keep only people available then;
	// Weekday 0 does not filter.
	Weekday, Minute int
	After           *DirectoryCursor
	Limit           int
}

// DirectoryRow is one person found, with what any listing shows and the sealed phone.
type DirectoryRow struct {
	ProfileID      uint64
	UserID         uint64
	Distance       int
	Verified       bool // the searched skill
	Reach          int
	EstateID       uint64
	BuildingID     uint64
	BuildingName   string
	EstateName     string
	Intro          string
	OpenDispatches int
	RatingX100     int
	RatingCount    int
	Nickname       string
	PhoneCipher    []byte
}

// Cursor is the row's position.
func (r DirectoryRow) Cursor() DirectoryCursor {
	return DirectoryCursor{Distance: r.Distance, Open: r.OpenDispatches, Rating: r.RatingX100, ProfileID: r.ProfileID}
}

// directoryDistance ranks a listing against the searched building (args: building, estate).
const directoryDistance = "CASE WHEN l.building_id = ? THEN 0 WHEN l.estate_id = ? THEN 1 ELSE 2 END"

// directory builds the search. The listing rows of one skill are found through
// ix_skill_listings_search (skill_id, listed, reach, estate_id, building_id, profile_id),
// which also decides reach without reading the rows; only the candidates are joined to their
// profile, user, building and estate by primary key, and the availability test is one probe
// of ix_skill_windows_at (profile_id, weekday, start_min, end_min) per candidate. The sort is
// over the candidates of one skill only (a few hundred in a community of 15,000).
func (s *Store) directory(ctx context.Context, q DirectoryQuery) *gorm.DB {
	b, e := q.BuildingID, q.EstateID
	db := s.db.WithContext(ctx).Table("skill_listings AS l").
		Select("l.profile_id, l.verified, l.reach, "+directoryDistance+" AS distance, p.user_id, p.estate_id, p.building_id, "+
			"p.intro, p.open_dispatches, p.rating_x100, p.rating_count, u.nickname, u.phone_cipher, "+
			"bd.name AS building_name, es.name AS estate_name", b, e).
		Joins("JOIN skill_profiles p ON p.id = l.profile_id").
		Joins("JOIN users u ON u.id = p.user_id").
		Joins("JOIN buildings bd ON bd.id = p.building_id").
		Joins("JOIN estates es ON es.id = p.estate_id").
		Where("l.skill_id = ? AND l.listed = ?", q.SkillID, true).
		Where("(l.building_id = ? OR (l.estate_id = ? AND l.reach >= ?) OR l.reach = ?)", b, e, ReachEstate, ReachCommunity).
		Where("u.deleted_at IS NULL")
	if q.Weekday != 0 {
		// A join, not EXISTS: MariaDB turns EXISTS into a materialised semi-join that scans every
		// window. Windows of one weekday never overlap (the service refuses it), so at most one
		// matches a given time and the join cannot repeat a person.
		db = db.Joins("JOIN skill_windows w ON w.profile_id = l.profile_id AND w.weekday = ? AND w.start_min <= ? AND w.end_min > ?",
			q.Weekday, q.Minute, q.Minute)
	}
	if c := q.After; c != nil {
		d := directoryDistance
		db = db.Where("("+d+" > ? OR ("+d+" = ? AND (p.open_dispatches > ? OR (p.open_dispatches = ? AND "+
			"(p.rating_x100 < ? OR (p.rating_x100 = ? AND l.profile_id > ?))))))",
			b, e, c.Distance, b, e, c.Distance, c.Open, c.Open, c.Rating, c.Rating, c.ProfileID)
	}
	return db.Order("distance, p.open_dispatches, p.rating_x100 DESC, l.profile_id").Limit(q.Limit)
}

// Directory runs the search.
func (s *Store) Directory(ctx context.Context, q DirectoryQuery) ([]DirectoryRow, error) {
	var out []DirectoryRow
	err := s.directory(ctx, q).Scan(&out).Error
	return out, err
}

// ExplainDirectory returns the database's plan for the search (EXPLAIN on MySQL, EXPLAIN
// QUERY PLAN on SQLite), one line per row, for the benchmark's report.
func (s *Store) ExplainDirectory(ctx context.Context, q DirectoryQuery) (string, error) {
	stmt := s.directory(ctx, q).Session(&gorm.Session{DryRun: true}).Scan(&[]DirectoryRow{}).Statement
	sqlText := s.db.Dialector.Explain(stmt.SQL.String(), stmt.Vars...)
	prefix := "EXPLAIN "
	if s.Driver() == "sqlite" {
		prefix = "EXPLAIN QUERY PLAN "
	}
	rows, err := s.db.WithContext(ctx).Raw(prefix + sqlText).Rows()
	if err != nil {
		return "", err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return "", err
	}
	var b strings.Builder
	b.WriteString(strings.Join(cols, " | ") + "\n")
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return "", err
		}
		parts := make([]string, len(vals))
		for i, v := range vals {
			switch v := v.(type) {
			case nil:
				parts[i] = "NULL"
			case []byte:
				parts[i] = string(v)
			default:
				parts[i] = fmt.Sprint(v)
			}
		}
		b.WriteString(strings.Join(parts, " | ") + "\n")
	}
	return b.String(), rows.Err()
}

// ProfileFilter selects profiles of a community for staff.
type ProfileFilter struct {
	CommunityID uint64
	// HeldOnly lists only profiles whose intro awaits review.
	HeldOnly bool
	AfterID  uint64
	Limit    int
}

// ProfileRow is a profile with its owner's nickname and sealed phone, for staff.
type ProfileRow struct {
	SkillProfile
	Nickname     string
	PhoneCipher  []byte
	BuildingName string
}

// SkillProfiles lists a community's live (not withdrawn) profiles in id order.
func (s *Store) SkillProfiles(ctx context.Context, f ProfileFilter) ([]ProfileRow, error) {
	q := s.db.WithContext(ctx).Table("skill_profiles").
		Select("skill_profiles.*, users.nickname, users.phone_cipher, buildings.name AS building_name").
		Joins("JOIN users ON users.id = skill_profiles.user_id").
		Joins("JOIN buildings ON buildings.id = skill_profiles.building_id").
		Where("skill_profiles.community_id = ? AND skill_profiles.withdrawn = ? AND skill_profiles.id > ?", f.CommunityID, false, f.AfterID).
		Where("users.deleted_at IS NULL")
	if f.HeldOnly {
		q = q.Where("skill_profiles.intro_held = ?", true)
	}
	var out []ProfileRow
	err := q.Order("skill_profiles.id").Limit(f.Limit).Scan(&out).Error
	return out, err
}

// InsertBatches inserts rows (a pointer to a slice of model rows) in batches of size, in one
// transaction: for seeding demo and benchmark data, never for requests.
func (s *Store) InsertBatches(ctx context.Context, rows any, size int) error {
	return translate(s.db.WithContext(ctx).CreateInBatches(rows, size).Error)
}
