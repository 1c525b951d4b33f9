package model

import (
	"context"
	"testing"

	"github.com/go-gormigrate/gormigrate/v2"
)

// Entries written before 0022_ledger_sequence are numbered 1..n per account in id order and
// each account counts its entries; the ledger check then passes, the next posting continues
// the sequence, and two entries of one account cannot share a place.
func TestMigrateLedgerSequenceNumbersOldEntries(t *testing.T) {
	s := testStore(t)
	ctx := context.Background()
	var before []*gormigrate.Migration
	for _, m := range migrations() {
		if m.ID == "0022_ledger_sequence" {
			break
		}
		before = append(before, m)
	}
	opts := &gormigrate.Options{TableName: "schema_migrations", IDColumnName: "id", IDColumnSize: 191, ValidateUnknownMigrations: true}
	if err := gormigrate.New(s.db, opts, before).Migrate(); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		"INSERT INTO accounts (id, community_id, owner_key, kind, card, name, user_id, balance, created_by, created_at, updated_at) VALUES " +
			"(1, 1, 'issuing', 'issuing', '', '', 0, -500, 0, '2026-01-01', '2026-01-01'), " +
			"(2, 1, 'user:7', 'resident', '', '', 7, 400, 0, '2026-01-01', '2026-01-01'), " +
			"(3, 1, 'user:8', 'resident', '', '', 8, 100, 0, '2026-01-01', '2026-01-01')",
		"INSERT INTO postings (id, community_id, kind, source_kind, memo, created_by, beneficiary_id, building_id, month, minutes, points, created_at) VALUES " +
			"(1, 1, 'credit', 'manual', '', 0, 0, 0, '2026-01', 0, 0, '2026-01-01'), (2, 1, 'credit', 'manual', '', 0, 0, 0, '2026-01', 0, 0, '2026-01-01'), " +
			"(3, 1, 'transfer', 'manual', '', 0, 0, 0, '2026-01', 0, 0, '2026-01-01')",
		"INSERT INTO ledger_entries (id, posting_id, account_id, counterparty_id, amount, balance_after, created_at) VALUES " +
			"(1, 1, 1, 2, -300, -300, '2026-01-01'), (2, 1, 2, 1, 300, 300, '2026-01-01'), " +
			"(3, 2, 1, 2, -200, -500, '2026-01-01'), (4, 2, 2, 1, 200, 500, '2026-01-01'), " +
			"(5, 3, 2, 3, -100, 400, '2026-01-01'), (6, 3, 3, 2, 100, 100, '2026-01-01')",
	} {
		if err := s.db.Exec(q).Error; err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	var seqs []int64
	if err := s.db.Model(&Entry{}).Order("id").Pluck("seq", &seqs).Error; err != nil {
		t.Fatal(err)
	}
	if want := []int64{1, 1, 2, 2, 3, 1}; len(seqs) != len(want) || seqs[0] != 1 || seqs[2] != 2 || seqs[3] != 2 || seqs[4] != 3 || seqs[5] != 1 {
		t.Fatalf("seq by id %v, want %v", seqs, want)
	}
	var counts []int64
	if err := s.db.Model(&Account{}).Order("id").Pluck("entries", &counts).Error; err != nil || len(counts) != 3 ||
		counts[0] != 2 || counts[1] != 3 || counts[2] != 1 {
		t.Fatalf("accounts count %v entries (%v), want [2 3 1]", counts, err)
	}
	if _, problems, err := s.CheckLedger(ctx); err != nil || len(problems) != 0 {
		t.Fatalf("check after the migration: %v %v", problems, err)
	}
	// The next posting continues each account's sequence.
	err := s.Tx(ctx, func(tx *Store) error {
		return tx.Post(ctx, &Posting{CommunityID: 1, Kind: "transfer", SourceKind: "manual", Month: "2026-01"},
			[]Leg{{AccountID: 3, Amount: -50}, {AccountID: 2, Amount: 50}})
	})
	if err != nil {
		t.Fatal(err)
	}
	var last []Entry
	if err := s.db.Where("id > 6").Order("account_id").Find(&last).Error; err != nil || len(last) != 2 ||
		last[0].Seq != 4 || last[1].Seq != 2 {
		t.Fatalf("new entries %+v (%v): want seq 4 on account 2 and 2 on account 3", last, err)
	}
	if _, problems, err := s.CheckLedger(ctx); err != nil || len(problems) != 0 {
		t.Fatalf("check after a posting: %v %v", problems, err)
	}
	// A second entry in one place of an account's history is refused by the unique key.
	err = s.db.Exec("INSERT INTO ledger_entries (posting_id, account_id, counterparty_id, amount, balance_after, seq, created_at) " +
		"VALUES (3, 2, 3, 1, 1, 4, '2026-01-01')").Error
	if translate(err) != ErrConflict {
		t.Fatalf("a duplicate place in the sequence: %v", err)
	}
}
