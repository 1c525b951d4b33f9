package model

import "gorm.io/gorm"

// migrateLedgerSequence gives every ledger entry its place in its account's history (seq: 1,
// 2, … per account, unique with the account) and every account the count of its entries, so
// that the ledger check's running balance follows the order in which the postings took the
// account's lock rather than the order of AUTO_INCREMENT ids, which a distributed engine (TiDB)
// does not allocate monotonically across servers (docs/scaling.md). Entries made so far are
// numbered in id order: on one MariaDB, ids of one account's entries were allocated under the
// account's row lock, in that order.
func migrateLedgerSequence(tx *gorm.DB) error {
	type Account struct {
		Entries int64 `gorm:"not null;default:0"`
	}
	type LedgerEntry struct {
		Seq int64 `gorm:"not null;default:0"`
	}
	if err := tx.Table("accounts").Migrator().AddColumn(&Account{}, "Entries"); err != nil {
		return err
	}
	if err := tx.Table("ledger_entries").Migrator().AddColumn(&LedgerEntry{}, "Seq"); err != nil {
		return err
	}
	numbered := "(SELECT id, ROW_NUMBER() OVER (PARTITION BY account_id ORDER BY id) AS n FROM ledger_entries)"
	number := "UPDATE ledger_entries SET seq = t.n FROM " + numbered + " AS t WHERE t.id = ledger_entries.id"
	if tx.Dialector.Name() == "mysql" {
		number = "UPDATE ledger_entries e JOIN " + numbered + " t ON t.id = e.id SET e.seq = t.n"
	}
	for _, q := range []string{
		number,
		"UPDATE accounts SET entries = (SELECT COUNT(*) FROM ledger_entries e WHERE e.account_id = accounts.id)",
		"CREATE UNIQUE INDEX ux_entries_account_seq ON ledger_entries (account_id, seq)",
	} {
		if err := tx.Exec(q).Error; err != nil {
			return err
		}
	}
	return nil
}
