package model

import (
	"time"

	"gorm.io/gorm"
)

// migrateTimeBank creates the time bank (时间银行): accounts and their managers, the
// double-entry ledger (postings and ledger_entries), and the 爱心超市 (rewards, redemptions).
// Indexes: one account per owner and community (community_id, owner_key); exactly one posting
// per source event (source_kind, source_id) — the key that makes crediting exactly-once; the
// passbook (ledger_entries.account_id, id); leaderboard rebuilds by month and by person
// (community_id, month, beneficiary_id) and (community_id, beneficiary_id, month); postings the
// leaderboards still owe (ranked_at); unique voucher codes; a person's vouchers of a reward.
func migrateTimeBank(tx *gorm.DB) error {
	type Account struct {
		ID          uint64 `gorm:"primaryKey"`
		CommunityID uint64 `gorm:"not null;uniqueIndex:ux_accounts_owner,priority:1;index:ix_accounts_kind,priority:1"`
		OwnerKey    string `gorm:"size:100;not null;uniqueIndex:ux_accounts_owner,priority:2"`
		Kind        string `gorm:"size:16;not null;index:ix_accounts_kind,priority:2"`
		Card        string `gorm:"size:16;not null"`
		Name        string `gorm:"size:64;not null"`
		UserID      uint64 `gorm:"not null;index"`
		Balance     int64  `gorm:"not null"`
		CreatedBy   uint64 `gorm:"not null"`
		CreatedAt   time.Time
		UpdatedAt   time.Time
	}
	type AccountManager struct {
		AccountID uint64 `gorm:"primaryKey;autoIncrement:false"`
		UserID    uint64 `gorm:"primaryKey;autoIncrement:false;index"`
		CreatedAt time.Time
	}
	type Posting struct {
		ID            uint64  `gorm:"primaryKey"`
		CommunityID   uint64  `gorm:"not null;index:ix_postings_rank_month,priority:1;index:ix_postings_rank_user,priority:1"`
		Kind          string  `gorm:"size:16;not null"`
		SourceKind    string  `gorm:"size:24;not null;uniqueIndex:ux_postings_source,priority:1"`
		SourceID      *uint64 `gorm:"uniqueIndex:ux_postings_source,priority:2"`
		ReversesID    *uint64
		Memo          string     `gorm:"size:200;not null"`
		CreatedBy     uint64     `gorm:"not null"`
		BeneficiaryID uint64     `gorm:"not null;index:ix_postings_rank_month,priority:3;index:ix_postings_rank_user,priority:2"`
		BuildingID    uint64     `gorm:"not null"`
		Month         string     `gorm:"size:7;not null;index:ix_postings_rank_month,priority:2;index:ix_postings_rank_user,priority:3"`
		Minutes       int        `gorm:"not null"`
		Points        int64      `gorm:"not null"`
		RankedAt      *time.Time `gorm:"index"`
		CreatedAt     time.Time
	}
	type LedgerEntry struct {
		ID             uint64 `gorm:"primaryKey"`
		PostingID      uint64 `gorm:"not null;index"`
		AccountID      uint64 `gorm:"not null;index:ix_entries_account,priority:1"`
		CounterpartyID uint64 `gorm:"not null"`
		Amount         int64  `gorm:"not null"`
		BalanceAfter   int64  `gorm:"not null"`
		CreatedAt      time.Time
	}
	type Reward struct {
		ID             uint64  `gorm:"primaryKey"`
		CommunityID    uint64  `gorm:"not null;index"`
		Name           string  `gorm:"size:64;not null"`
		Description    string  `gorm:"size:500;not null"`
		Kind           string  `gorm:"size:16;not null"`
		MerchantName   string  `gorm:"size:64;not null"`
		MerchantUserID *uint64 `gorm:"index"`
		Price          int64   `gorm:"not null"`
		Stock          int     `gorm:"not null"`
		PerPersonLimit int     `gorm:"not null"`
		StartsAt       *time.Time
		EndsAt         *time.Time
		Active         bool   `gorm:"not null"`
		CreatedBy      uint64 `gorm:"not null"`
		CreatedAt      time.Time
		UpdatedAt      time.Time
	}
	type Redemption struct {
		ID          uint64 `gorm:"primaryKey"`
		RewardID    uint64 `gorm:"not null;index:ix_redemptions_person,priority:1"`
		UserID      uint64 `gorm:"not null;index:ix_redemptions_person,priority:2;index:ix_redemptions_user,priority:1"`
		CommunityID uint64 `gorm:"not null"`
		AccountID   uint64 `gorm:"not null"`
		Price       int64  `gorm:"not null"`
		Code        string `gorm:"size:16;not null;uniqueIndex"`
		Status      string `gorm:"size:16;not null"`
		UsedAt      *time.Time
		UsedBy      *uint64
		CancelledAt *time.Time
		CreatedAt   time.Time
	}
	return tx.Migrator().CreateTable(&Account{}, &AccountManager{}, &Posting{}, &LedgerEntry{}, &Reward{}, &Redemption{})
}
