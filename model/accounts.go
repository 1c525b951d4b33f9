package model

import (
	"context"
	"errors"
	"strconv"
	"time"

	"gorm.io/gorm/clause"
)

// Kinds of time-bank account.
const (
	AccountResident   = "resident"   // one per resident per community
	AccountCollective = "collective" // 单位卡, 企业卡, 院落集体卡: created by staff, with managers
	AccountIssuing    = "issuing"    // the community's mint: every service credit comes from it; the only account that goes below zero
	AccountSpending   = "spending"   // the community's own account: redemptions, donations and capped credits go to it
)

// Cards of collective accounts.
const (
	CardUnit       = "unit"       // 单位卡
	CardEnterprise = "enterprise" // 企业卡
	CardCourtyard  = "courtyard"  // 院落集体卡
)

// Account is a time-bank account. Balance is in hundredths of a point and equals the sum of the
// account's ledger entries at every commit: it only changes together with a posting, under the
// row's lock (see Post). OwnerKey makes each owner's account unique in its community:
// "user:<id>", "issuing", "spending" or "collective:<name>".
type Account struct {
	ID          uint64 `gorm:"primaryKey"`
	CommunityID uint64 `gorm:"not null;uniqueIndex:ux_accounts_owner,priority:1;index:ix_accounts_kind,priority:1"`
	OwnerKey    string `gorm:"size:100;not null;uniqueIndex:ux_accounts_owner,priority:2"`
	Kind        string `gorm:"size:16;not null;index:ix_accounts_kind,priority:2"`
	// Card is the kind of a collective account (unit, enterprise, courtyard); empty otherwise.
	Card string `gorm:"size:16;not null"`
	// Name is a collective account's name; residents' accounts show the user's nickname instead.
	Name string `gorm:"size:64;not null"`
	// UserID owns a resident account; 0 otherwise.
	UserID  uint64 `gorm:"not null;index"`
	Balance int64  `gorm:"not null"`
	// Entries counts the account's ledger entries: the last one's Entry.Seq.
	Entries   int64  `gorm:"not null;default:0"`
	CreatedBy uint64 `gorm:"not null"`
	CreatedAt time.Time
	UpdatedAt time.Time
}

// AccountManager names a person who manages a collective account.
type AccountManager struct {
	AccountID uint64 `gorm:"primaryKey;autoIncrement:false"`
	UserID    uint64 `gorm:"primaryKey;autoIncrement:false;index"`
	CreatedAt time.Time
}

// ResidentOwnerKey is the owner key of a user's account.
func ResidentOwnerKey(userID uint64) string { return "user:" + strconv.FormatUint(userID, 10) }

// CollectiveOwnerKey is the owner key of a collective account with this name.
func CollectiveOwnerKey(name string) string { return "collective:" + name }

// EnsureAccount returns the account of a (community, owner key), creating it from a when it
// does not exist yet. Run it outside the transaction that moves points: the insert commits on
// its own, so that transaction only takes row locks, in one order. Two first uses racing end
// with one row.
func (s *Store) EnsureAccount(ctx context.Context, a *Account) (*Account, error) {
	db := s.db.WithContext(ctx)
	var cur Account
	err := db.Where("community_id = ? AND owner_key = ?", a.CommunityID, a.OwnerKey).First(&cur).Error
	if err == nil {
		return &cur, nil
	}
	if err = translate(err); !errors.Is(err, ErrNotFound) {
		return nil, err
	}
	row := *a
	row.ID, row.Balance = 0, 0
	if err := translate(db.Clauses(clause.OnConflict{DoNothing: true}).Create(&row).Error); err != nil {
		return nil, err
	}
	err = db.Where("community_id = ? AND owner_key = ?", a.CommunityID, a.OwnerKey).First(&cur).Error
	return &cur, translate(err)
}

// CreateAccount inserts a new account; an owner key already used in the community is ErrConflict.
func (s *Store) CreateAccount(ctx context.Context, a *Account) error {
	return translate(s.db.WithContext(ctx).Create(a).Error)
}

// AccountByID returns one account.
func (s *Store) AccountByID(ctx context.Context, id uint64) (*Account, error) {
	var a Account
	err := s.db.WithContext(ctx).First(&a, id).Error
	return &a, translate(err)
}

// AccountOf returns the account of an owner in a community.
func (s *Store) AccountOf(ctx context.Context, communityID uint64, ownerKey string) (*Account, error) {
	var a Account
	err := s.db.WithContext(ctx).Where("community_id = ? AND owner_key = ?", communityID, ownerKey).First(&a).Error
	return &a, translate(err)
}

// AccountsOfUser lists the user's resident accounts, one per community.
func (s *Store) AccountsOfUser(ctx context.Context, userID uint64) ([]Account, error) {
	var out []Account
	err := s.db.WithContext(ctx).Where("kind = ? AND user_id = ?", AccountResident, userID).Order("id").Find(&out).Error
	return out, err
}

// AccountsByIDs returns the accounts with these ids, keyed by id.
func (s *Store) AccountsByIDs(ctx context.Context, ids []uint64) (map[uint64]Account, error) {
	out := make(map[uint64]Account, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	var list []Account
	if err := s.db.WithContext(ctx).Where("id IN ?", ids).Find(&list).Error; err != nil {
		return nil, err
	}
	for _, a := range list {
		out[a.ID] = a
	}
	return out, nil
}

// AccountFilter selects accounts of a community for staff.
type AccountFilter struct {
	CommunityID uint64
	// Kinds limits the list to these kinds; empty means every kind.
	Kinds []string
	After uint64
	Limit int
}

// Accounts lists a community's accounts by id.
func (s *Store) Accounts(ctx context.Context, f AccountFilter) ([]Account, error) {
	q := s.db.WithContext(ctx).Where("community_id = ? AND id > ?", f.CommunityID, f.After)
	if len(f.Kinds) > 0 {
		q = q.Where("kind IN ?", f.Kinds)
	}
	var out []Account
	err := q.Order("id").Limit(f.Limit).Find(&out).Error
	return out, err
}

// LockAccount takes the row lock of an account (SELECT … FOR UPDATE on MySQL; SQLite's write
// transaction is exclusive already) and returns its current row. Lock several accounts in
// ascending id order, after any other row the transaction locks, so that two transactions
// never wait on each other.
func (s *Store) LockAccount(ctx context.Context, id uint64) (*Account, error) {
	var a Account
	err := s.db.WithContext(ctx).Clauses(lockingRead()).First(&a, id).Error
	return &a, translate(err)
}

// RenameAccount renames a collective account (its owner key follows the name); a name used by
// another account of the community is ErrConflict.
func (s *Store) RenameAccount(ctx context.Context, id uint64, name string) error {
	res := s.db.WithContext(ctx).Model(&Account{}).Where("id = ? AND kind = ?", id, AccountCollective).
		Updates(map[string]any{"name": name, "owner_key": CollectiveOwnerKey(name)})
	if res.Error != nil {
		return translate(res.Error)
	}
	if res.RowsAffected == 0 {
		return ErrNotFound
	}
	return nil
}

// SetAccountManagers replaces the managers of an account.
func (s *Store) SetAccountManagers(ctx context.Context, accountID uint64, userIDs []uint64) error {
	db := s.db.WithContext(ctx)
	if err := db.Where("account_id = ?", accountID).Delete(&AccountManager{}).Error; err != nil {
		return err
	}
	if len(userIDs) == 0 {
		return nil
	}
	rows := make([]AccountManager, len(userIDs))
	for i, u := range userIDs {
		rows[i] = AccountManager{AccountID: accountID, UserID: u}
	}
	return translate(db.Create(&rows).Error)
}

// AccountManagers returns the managers of each of the accounts, keyed by account id.
func (s *Store) AccountManagers(ctx context.Context, accountIDs []uint64) (map[uint64][]uint64, error) {
	out := map[uint64][]uint64{}
	if len(accountIDs) == 0 {
		return out, nil
	}
	var rows []AccountManager
	if err := s.db.WithContext(ctx).Where("account_id IN ?", accountIDs).Order("account_id, user_id").Find(&rows).Error; err != nil {
		return nil, err
	}
	for _, r := range rows {
		out[r.AccountID] = append(out[r.AccountID], r.UserID)
	}
	return out, nil
}

// IsAccountManager reports whether the user manages the account.
func (s *Store) IsAccountManager(ctx context.Context, accountID, userID uint64) (bool, error) {
	var n int64
	err := s.db.WithContext(ctx).Model(&AccountManager{}).Where("account_id = ? AND user_id = ?", accountID, userID).Count(&n).Error
	return n > 0, err
}
