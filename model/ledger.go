package model

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/go-sql-driver/mysql"
)

// Kinds of posting.
const (
	PostingCredit   = "credit"   // a confirmed service credited to its volunteer
	PostingTransfer = "transfer" // from one account to another (family, donation)
	PostingRedeem   = "redeem"   // a reward redeemed (爱心超市)
	PostingRefund   = "refund"   // a redemption cancelled before use
	PostingReversal = "reversal" // a correction by staff: the exact opposite of another posting
)

// Sources of postings: with SourceID they form the posting's unique key, so one source event
// posts at most once. Transfers have no source (SourceID nil).
const (
	SourceServiceRecord    = "service_record"    // SourceID: service_records.id
	SourceRedemption       = "redemption"        // SourceID: redemptions.id
	SourceRedemptionCancel = "redemption_cancel" // SourceID: redemptions.id
	SourceReversal         = "reversal"          // SourceID: the reversed posting's id
	SourceTransfer         = "transfer"          // no SourceID
)

// Posting is one movement of points: a set of entries (ledger_entries) that sums to zero.
// Postings and entries are never updated or deleted (RankedAt aside, which only says that the
// leaderboards have seen it); a mistake is corrected by a reversing posting.
type Posting struct {
	ID          uint64  `gorm:"primaryKey"`
	CommunityID uint64  `gorm:"not null;index:ix_postings_rank_month,priority:1;index:ix_postings_rank_user,priority:1"`
	Kind        string  `gorm:"size:16;not null"`
	SourceKind  string  `gorm:"size:24;not null;uniqueIndex:ux_postings_source,priority:1"`
	SourceID    *uint64 `gorm:"uniqueIndex:ux_postings_source,priority:2"`
	// ReversesID is the posting a reversal undoes.
	ReversesID *uint64
	Memo       string `gorm:"size:200;not null"`
	// MemoHeld: content safety could not clear the memo; the receiving side does not see it
	// (staff do).
	MemoHeld bool `gorm:"not null"`
	// CreatedBy is who caused it (0: the system).
	CreatedBy uint64 `gorm:"not null"`
	// What the leaderboards count: the volunteer a service credit (or its reversal) is for,
	// their building at the time, the month of the service (YYYY-MM, Asia/Shanghai), and the
	// minutes and points earned (negative in a reversal). Zero for other postings.
	BeneficiaryID uint64 `gorm:"not null;index:ix_postings_rank_month,priority:3;index:ix_postings_rank_user,priority:2"`
	BuildingID    uint64 `gorm:"not null"`
	Month         string `gorm:"size:7;not null;index:ix_postings_rank_month,priority:2;index:ix_postings_rank_user,priority:3"`
	Minutes       int    `gorm:"not null"`
	Points        int64  `gorm:"not null"`
	// RankedAt is set once the leaderboards have been updated after the commit; nil means the
	// update is still owed (retried by the time bank's job).
	RankedAt  *time.Time `gorm:"index"`
	CreatedAt time.Time
}

// Entry is one line of a posting on one account (table ledger_entries).
type Entry struct {
	ID        uint64 `gorm:"primaryKey"`
	PostingID uint64 `gorm:"not null;index"`
	AccountID uint64 `gorm:"not null;index:ix_entries_account,priority:1"`
	// CounterpartyID is the account on the other side (for the passbook).
	CounterpartyID uint64 `gorm:"not null"`
	// Amount is in hundredths of a point: positive in, negative out.
	Amount       int64 `gorm:"not null"`
	BalanceAfter int64 `gorm:"not null"`
	// Seq is the entry's place in its account's history (1, 2, …; unique with AccountID): the
	// order in which postings took the account's lock, which ids need not follow (TiDB's
	// AUTO_INCREMENT is not monotonic across servers, docs/scaling.md).
	Seq       int64 `gorm:"not null;default:0"`
	CreatedAt time.Time
}

// TableName is "ledger_entries".
func (Entry) TableName() string { return "ledger_entries" }

// Leg is one side of a posting to be made: points into (positive) or out of an account.
type Leg struct {
	AccountID uint64
	Amount    int64
}

// InsufficientError is returned by Post when an account other than an issuing one would go
// below zero. Nothing has been written that the caller's rollback does not undo.
type InsufficientError struct {
	AccountID uint64
	Balance   int64
}

func (e *InsufficientError) Error() string {
	return fmt.Sprintf("account %d holds %d, not enough", e.AccountID, e.Balance)
}

// Post records p with its legs inside the caller's transaction. It locks every account of the
// legs in ascending id order (the caller locks any other row it needs first), inserts the
// posting (a source already posted is ErrConflict), and then, account by account, changes the
// balance with a conditional UPDATE that refuses to go below zero except for issuing accounts
// (*InsufficientError) and writes the entry with the balance after it. The legs must sum to zero.
func (s *Store) Post(ctx context.Context, p *Posting, legs []Leg) error {
	var sum int64
	for _, l := range legs {
		if l.Amount == 0 {
			return errors.New("ledger: a leg of zero")
		}
		sum += l.Amount
	}
	if sum != 0 {
		return fmt.Errorf("ledger: legs sum to %d, not zero", sum)
	}
	ids := make([]uint64, 0, len(legs))
	for _, l := range legs {
		if !slices.Contains(ids, l.AccountID) {
			ids = append(ids, l.AccountID)
		}
	}
	if len(ids) != len(legs) {
		return errors.New("ledger: an account twice in one posting")
	}
	slices.Sort(ids)
	accts := make(map[uint64]*Account, len(ids))
	for _, id := range ids {
		a, err := s.LockAccount(ctx, id)
		if err != nil {
			return err
		}
		accts[id] = a
	}
	for _, a := range accts {
		if a.CommunityID != p.CommunityID {
			return fmt.Errorf("ledger: account %d is not of community %d", a.ID, p.CommunityID)
		}
	}
	db := s.db.WithContext(ctx)
	if p.BeneficiaryID == 0 && p.RankedAt == nil {
		now := s.now()
		p.RankedAt = &now // nothing for the leaderboards
	}
	if err := translate(db.Create(p).Error); err != nil {
		return err
	}
	entries := make([]Entry, 0, len(legs))
	for _, l := range legs {
		a := accts[l.AccountID]
		res := db.Exec("UPDATE accounts SET balance = balance + ?, entries = entries + 1, updated_at = ? "+
			"WHERE id = ? AND (balance + ? >= 0 OR kind = ?)", l.Amount, s.now(), a.ID, l.Amount, AccountIssuing)
		if res.Error != nil {
			return translate(res.Error)
		}
		if res.RowsAffected != 1 {
			return &InsufficientError{AccountID: a.ID, Balance: a.Balance}
		}
		// This transaction's own write, on a row it holds locked: the latest on every engine.
		var after struct{ Balance, Entries int64 }
		if err := db.Model(&Account{}).Where("id = ?", a.ID).Select("balance, entries").Scan(&after).Error; err != nil {
			return err
		}
		entries = append(entries, Entry{PostingID: p.ID, AccountID: a.ID, CounterpartyID: counterparty(legs, l),
			Amount: l.Amount, BalanceAfter: after.Balance, Seq: after.Entries, CreatedAt: p.CreatedAt})
	}
	if len(entries) == 0 { // a free reward, or hours served at no points
		return nil
	}
	return translate(db.Create(&entries).Error)
}

// counterparty is the account on the other side of leg l: the largest leg of the opposite sign.
func counterparty(legs []Leg, l Leg) uint64 {
	var best Leg
	for _, o := range legs {
		if (o.Amount > 0) != (l.Amount > 0) && abs(o.Amount) > abs(best.Amount) {
			best = o
		}
	}
	return best.AccountID
}

func abs(v int64) int64 {
	if v < 0 {
		return -v
	}
	return v
}

// PostingByID returns one posting.
func (s *Store) PostingByID(ctx context.Context, id uint64) (*Posting, error) {
	var p Posting
	err := s.db.WithContext(ctx).First(&p, id).Error
	return &p, translate(err)
}

// PostingOf returns the posting of a source.
func (s *Store) PostingOf(ctx context.Context, sourceKind string, sourceID uint64) (*Posting, error) {
	var p Posting
	err := s.db.WithContext(ctx).Where("source_kind = ? AND source_id = ?", sourceKind, sourceID).First(&p).Error
	return &p, translate(err)
}

// EntriesOfPosting returns a posting's entries.
func (s *Store) EntriesOfPosting(ctx context.Context, postingID uint64) ([]Entry, error) {
	var out []Entry
	err := s.db.WithContext(ctx).Where("posting_id = ?", postingID).Order("id").Find(&out).Error
	return out, err
}

// PassbookLine is an entry with its posting, for a passbook.
type PassbookLine struct {
	Entry
	Kind       string
	Memo       string
	MemoHeld   bool
	ReversesID *uint64
}

// Passbook lists an account's entries, newest first, with an id below before (0: the newest).
func (s *Store) Passbook(ctx context.Context, accountID, before uint64, limit int) ([]PassbookLine, error) {
	q := s.db.WithContext(ctx).Table("ledger_entries").
		Select("ledger_entries.*, postings.kind, postings.memo, postings.memo_held, postings.reverses_id").
		Joins("JOIN postings ON postings.id = ledger_entries.posting_id").
		Where("ledger_entries.account_id = ?", accountID)
	if before != 0 {
		q = q.Where("ledger_entries.id < ?", before)
	}
	var out []PassbookLine
	err := q.Order("ledger_entries.id DESC").Limit(limit).Scan(&out).Error
	return out, err
}

// FlowTotal is what came into (In ≥ 0) and went out of (Out ≤ 0) an account, in hundredths.
type FlowTotal struct{ In, Out int64 }

// AccountTotals sums an account's entries by kind of posting, in and out apart.
func (s *Store) AccountTotals(ctx context.Context, accountID uint64) (map[string]FlowTotal, error) {
	var rows []struct {
		Kind    string
		In, Out int64
	}
	err := s.db.WithContext(ctx).Table("ledger_entries").
		Select("postings.kind AS kind, COALESCE(SUM(CASE WHEN ledger_entries.amount > 0 THEN ledger_entries.amount ELSE 0 END), 0) AS `in`, "+
			"COALESCE(SUM(CASE WHEN ledger_entries.amount < 0 THEN ledger_entries.amount ELSE 0 END), 0) AS `out`").
		Joins("JOIN postings ON postings.id = ledger_entries.posting_id").
		Where("ledger_entries.account_id = ?", accountID).Group("postings.kind").Scan(&rows).Error
	out := map[string]FlowTotal{}
	for _, r := range rows {
		out[r.Kind] = FlowTotal{In: r.In, Out: r.Out}
	}
	return out, err
}

// ServiceTotals are the minutes and points a volunteer earned by service in a community,
// reversals deducted.
type ServiceTotals struct {
	Minutes int64
	Points  int64
	// HourHundredths is the service time in hundredths of an hour, each posting's minutes
	// rounded half up to the hundredth before they are added (the rounding rule of points:
	// a total is always the sum of the rounded figures a volunteer reads line by line).
	HourHundredths int64
}

// ServiceTotalsOf sums what the user earned by service in the community. The minutes are read
// grouped by duration (a handful of distinct lengths per person), so that each is rounded once,
// in Go, the same on every database.
func (s *Store) ServiceTotalsOf(ctx context.Context, communityID, userID uint64) (ServiceTotals, error) {
	var rows []struct {
		Minutes int64
		Points  int64
		N       int64
	}
	err := s.db.WithContext(ctx).Model(&Posting{}).
		Select("minutes, COALESCE(SUM(points), 0) AS points, COUNT(*) AS n").
		Where("community_id = ? AND beneficiary_id = ?", communityID, userID).Group("minutes").Scan(&rows).Error
	var t ServiceTotals
	for _, r := range rows {
		t.Minutes += r.Minutes * r.N
		t.Points += r.Points
		t.HourHundredths += HourHundredths(r.Minutes) * r.N
	}
	return t, err
}

// HourHundredths is minutes in hundredths of an hour, rounded half up away from zero
// (90 → 150, 10 → 17, -10 → -17): the one rounding of service time everywhere.
func HourHundredths(minutes int64) int64 {
	if minutes < 0 {
		return -HourHundredths(-minutes)
	}
	return (minutes*100 + 30) / 60
}

// IsRetryable reports an error after which the whole transaction may simply run again: a
// MySQL deadlock (1213), lock wait timeout (1205) or snapshot conflict (1020).
func IsRetryable(err error) bool {
	var me *mysql.MySQLError
	if errors.As(err, &me) {
		return me.Number == 1213 || me.Number == 1205 || me.Number == 1020
	}
	return false
}
