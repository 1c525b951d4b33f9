package model

import (
	"time"

	"gorm.io/gorm"
)

// migrateDashboard (0010_dashboard) creates the monthly dashboard's rollups (工作台): one row
// per community and finished month holding the month's figures as JSON, unique on (community,
// month) so that instances computing the same month at once end with one row. It also adds the
// indexes the live computation of a month reads through:
//   - a community's issues touched since an instant (updated_at) and reported in a range
//     (created_at), and an issue's events by time, with their statuses (index-only);
//   - a community's postings made in a range, with their kind, and a posting's entries with
//     their accounts and amounts (both index-only: the month's flows read no table rows);
//   - the sign-ups of an activity by status and attendance (index-only);
//   - a community's service records served in a range, with who, how long and from what
//     (index-only), and a volunteer's first service in a community, for new volunteers;
//   - a community's dispatches touched since an instant (updated_at);
//   - a community's vouchers issued in a range, with their reward, price and cancellation
//     (index-only).
func migrateDashboard(tx *gorm.DB) error {
	type DashboardRollup struct {
		ID          uint64    `gorm:"primaryKey"`
		CommunityID uint64    `gorm:"not null;uniqueIndex:ux_dashboard_rollups_month,priority:1"`
		Month       string    `gorm:"size:7;not null;uniqueIndex:ux_dashboard_rollups_month,priority:2"`
		Version     int       `gorm:"not null"`
		Figures     string    `gorm:"type:mediumtext;not null"`
		ComputedAt  time.Time `gorm:"not null"`
	}
	if err := tx.Migrator().CreateTable(&DashboardRollup{}); err != nil {
		return err
	}
	for _, ix := range []string{
		"CREATE INDEX ix_dash_issues_touched ON issues (community_id, updated_at)",
		"CREATE INDEX ix_dash_issues_reported ON issues (community_id, created_at)",
		"CREATE INDEX ix_dash_events_issue ON issue_events (issue_id, created_at, to_status, from_status)",
		"CREATE INDEX ix_dash_postings_made ON postings (community_id, created_at, kind)",
		"CREATE INDEX ix_dash_entries_posting ON ledger_entries (posting_id, account_id, amount)",
		"CREATE INDEX ix_dash_signups_outcome ON signups (activity_id, status, attendance)",
		"CREATE INDEX ix_dash_records_served ON service_records (community_id, served_at, user_id, minutes, source_kind, source_id)",
		"CREATE INDEX ix_dash_records_first ON service_records (community_id, user_id, served_at)",
		"CREATE INDEX ix_dash_dispatches_touched ON dispatches (community_id, updated_at)",
		"CREATE INDEX ix_dash_redemptions_made ON redemptions (community_id, created_at, reward_id, price, cancelled_at)",
	} {
		if err := tx.Exec(ix).Error; err != nil {
			return err
		}
	}
	return nil
}
