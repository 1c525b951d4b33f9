package model

import (
	"context"
	"time"
)

// The dashboard's time-bank queries. Postings are never changed or deleted (corrections are
// reversing postings), so what happened in a month, and every balance at its end, can be
// read back from them at any later time.

// DashFlow sums the postings of one kind made in a period.
type DashFlow struct {
	Kind string
	// Postings counts them; Moved sums their size (the points that changed hands: the sum of
	// their positive entries), in hundredths.
	Postings int64
	Moved    int64
	// IssuingNet sums their entries on the community's issuing account; HoldersNet those on
	// every account but the issuing and spending ones (residents' and collective accounts).
	IssuingNet int64
	HoldersNet int64
}

// DashFlows sums the community's postings made in [from, to) by kind (ix_dash_postings_made).
// issuing and spending are the ids of the community's own accounts (0 when it has none yet).
func (s *Store) DashFlows(ctx context.Context, communityID, issuing, spending uint64, from, to time.Time) ([]DashFlow, error) {
	c, args := s.timeCond("postings.created_at", from, to)
	var out []DashFlow
	err := s.db.WithContext(ctx).Table("postings").
		Select("postings.kind, COUNT(DISTINCT postings.id) AS postings, "+
			"COALESCE(SUM(CASE WHEN ledger_entries.amount > 0 THEN ledger_entries.amount ELSE 0 END), 0) AS moved, "+
			"COALESCE(SUM(CASE WHEN ledger_entries.account_id = ? THEN ledger_entries.amount ELSE 0 END), 0) AS issuing_net, "+
			"COALESCE(SUM(CASE WHEN ledger_entries.account_id NOT IN (?, ?) THEN ledger_entries.amount ELSE 0 END), 0) AS holders_net",
			issuing, issuing, spending).
		Joins("JOIN ledger_entries ON ledger_entries.posting_id = postings.id").
		Where("postings.community_id = ?", communityID).Where(c, args...).
		Group("postings.kind").Order("postings.kind").Scan(&out).Error
	return out, err
}

// DashHeldAt returns the points (hundredths) the community's residents and collective accounts
// held at the instant at: what they hold now less what came into their accounts since, in one
// statement (one snapshot), so a posting committing meanwhile is either in both or in neither.
func (s *Store) DashHeldAt(ctx context.Context, communityID, issuing, spending uint64, at time.Time) (int64, error) {
	c, args := s.timeCond("postings.created_at", at, time.Time{})
	since := s.db.WithContext(ctx).Table("postings").Select("COALESCE(SUM(ledger_entries.amount), 0)").
		Joins("JOIN ledger_entries ON ledger_entries.posting_id = postings.id").
		Where("postings.community_id = ? AND ledger_entries.account_id NOT IN (?, ?)", communityID, issuing, spending).
		Where(c, args...)
	now := s.db.WithContext(ctx).Model(&Account{}).Select("COALESCE(SUM(balance), 0)").
		Where("community_id = ? AND kind IN ?", communityID, []string{AccountResident, AccountCollective})
	var held int64
	err := s.db.WithContext(ctx).Raw("SELECT (?) - (?)", now, since).Scan(&held).Error
	return held, err
}

// DashSystemAccounts returns the ids of the community's issuing and spending accounts (0 for
// one not made yet).
func (s *Store) DashSystemAccounts(ctx context.Context, communityID uint64) (issuing, spending uint64, err error) {
	var rows []Account
	err = s.db.WithContext(ctx).Select("id, kind").
		Where("community_id = ? AND kind IN ?", communityID, []string{AccountIssuing, AccountSpending}).Find(&rows).Error
	for _, a := range rows {
		if a.Kind == AccountIssuing {
			issuing = a.ID
		} else {
			spending = a.ID
		}
	}
	return issuing, spending, err
}

// DashReward is how much one reward was redeemed in a period.
type DashReward struct {
	RewardID    uint64
	Name        string
	Redemptions int64
	Points      int64
}

// DashRewards counts, by reward, the community's vouchers issued in [from, to) and not
// cancelled before to (ix_dash_redemptions_made): the limit most redeemed (then most points,
// then id).
func (s *Store) DashRewards(ctx context.Context, communityID uint64, from, to time.Time, limit int) ([]DashReward, error) {
	c, args := s.timeCond("redemptions.created_at", from, to)
	late, largs := s.timeCond("redemptions.cancelled_at", to, time.Time{})
	var out []DashReward
	err := s.db.WithContext(ctx).Table("redemptions").
		Select("rewards.id AS reward_id, rewards.name, COUNT(*) AS redemptions, SUM(redemptions.price) AS points").
		Joins("JOIN rewards ON rewards.id = redemptions.reward_id").
		Where("redemptions.community_id = ?", communityID).Where(c, args...).
		Where("(redemptions.cancelled_at IS NULL OR "+late+")", largs...).
		Group("rewards.id, rewards.name").Order("COUNT(*) DESC, SUM(redemptions.price) DESC, rewards.id").Limit(limit).
		Scan(&out).Error
	return out, err
}
