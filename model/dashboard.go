package model

import (
	"context"
	"strings"
	"time"

	"gorm.io/gorm/clause"
)

// DashboardRollup is the monthly dashboard (工作台) of one community for one finished month:
// the figures as the service computed them (JSON), computed once and served from here. Version
// is the service's version of the figures' definitions: a rollup of an older version is
// computed again on its next read.
type DashboardRollup struct {
	ID          uint64 `gorm:"primaryKey"`
	CommunityID uint64 `gorm:"not null;uniqueIndex:ux_dashboard_rollups_month,priority:1"`
	// Month is YYYY-MM (Asia/Shanghai).
	Month      string    `gorm:"size:7;not null;uniqueIndex:ux_dashboard_rollups_month,priority:2"`
	Version    int       `gorm:"not null"`
	Figures    string    `gorm:"type:mediumtext;not null"`
	ComputedAt time.Time `gorm:"not null"`
}

// DashboardRollups returns the community's rollups of these months, keyed by month.
func (s *Store) DashboardRollups(ctx context.Context, communityID uint64, months []string) (map[string]DashboardRollup, error) {
	out := make(map[string]DashboardRollup, len(months))
	if len(months) == 0 {
		return out, nil
	}
	var rows []DashboardRollup
	err := s.db.WithContext(ctx).Where("community_id = ? AND month IN ?", communityID, months).Find(&rows).Error
	for _, r := range rows {
		out[r.Month] = r
	}
	return out, err
}

// SaveDashboardRollup stores r, replacing the community's rollup of the same month: instances
// computing one month at once end with one row (the unique key decides), and a newer version
// of the figures replaces an older one.
func (s *Store) SaveDashboardRollup(ctx context.Context, r *DashboardRollup) error {
	return translate(s.db.WithContext(ctx).Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "community_id"}, {Name: "month"}},
		DoUpdates: clause.AssignmentColumns([]string{"version", "figures", "computed_at"}),
	}).Create(r).Error)
}

// DropDashboardRollup deletes the community's rollup of the month (YYYY-MM): the month is
// computed again when it is next read.
func (s *Store) DropDashboardRollup(ctx context.Context, communityID uint64, month string) error {
	return translate(s.db.WithContext(ctx).Where("community_id = ? AND month = ?", communityID, month).
		Delete(&DashboardRollup{}).Error)
}

// CommunityIDs lists the ids of every community above after, up to limit, ascending.
func (s *Store) CommunityIDs(ctx context.Context, after uint64, limit int) ([]uint64, error) {
	var out []uint64
	err := s.db.WithContext(ctx).Model(&Community{}).Where("id > ?", after).Order("id").Limit(limit).Pluck("id", &out).Error
	return out, err
}

// timeCond is the condition "col lies in [from, to)" on instants; a zero from or to leaves
// that side open. Both bounds must be whole seconds (month boundaries are).
//
// On MySQL it is a plain range over DATETIME columns, which hold UTC. SQLite keeps times as
// RFC 3339 text with whatever offset and precision the writer used, and text order is not
// time order there ("…:00Z" sorts after "…:00.5Z", "+08:00" values are hours off). So on
// SQLite a text range on the date, widened by two days, keeps the index usable and
// unixepoch() decides exactly: it truncates to the second, and for a whole-second bound b,
// floor(t) ≥ b ⇔ t ≥ b and floor(t) < b ⇔ t < b.
func (s *Store) timeCond(col string, from, to time.Time) (string, []any) {
	var conds []string
	var args []any
	sqlite := s.Driver() == "sqlite"
	if !from.IsZero() {
		if sqlite {
			conds = append(conds, col+" >= ?", "unixepoch("+col+") >= ?")
			args = append(args, from.UTC().AddDate(0, 0, -2).Format(time.DateOnly), from.Unix())
		} else {
			conds = append(conds, col+" >= ?")
			args = append(args, from.UTC())
		}
	}
	if !to.IsZero() {
		if sqlite {
			conds = append(conds, col+" < ?", "unixepoch("+col+") < ?")
			args = append(args, to.UTC().AddDate(0, 0, 2).Format(time.DateOnly), to.Unix())
		} else {
			conds = append(conds, col+" < ?")
			args = append(args, to.UTC())
		}
	}
	if len(conds) == 0 {
		return "1 = 1", nil
	}
	return "(" + strings.Join(conds, " AND ") + ")", args
}
