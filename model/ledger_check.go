package model

import (
	"context"
	"fmt"
)

// LedgerProblem is one inconsistency found by CheckLedger, in words an operator can act on.
type LedgerProblem struct {
	// What names the rule broken: unbalanced_posting, balance_mismatch, balance_after_mismatch,
	// entry_sequence_mismatch, negative_balance, duplicate_source, record_without_posting, posting_without_record,
	// redemption_without_posting, cancel_without_refund, negative_stock.
	What   string
	Detail string
}

// LedgerCounts are the sizes of what CheckLedger looked at.
type LedgerCounts struct {
	Postings, Entries, Accounts, Records int64
}

// CheckLedger reads the whole ledger and reports every broken invariant: each posting sums to
// zero; each balance equals the sum of its entries, and each entry's balance_after the running
// sum of its account in its account's sequence (seq, not id: ids need not follow time on a
// distributed engine), which numbers the account's entries 1..n; no account but an issuing one is below zero; no source is posted twice;
// a service record is marked credited exactly when its credit posting exists; every redemption
// has its posting and every cancelled one its refund; no stock is negative. It writes nothing.
func (s *Store) CheckLedger(ctx context.Context) (LedgerCounts, []LedgerProblem, error) {
	db := s.db.WithContext(ctx)
	var counts LedgerCounts
	for _, c := range []struct {
		n     *int64
		table string
	}{{&counts.Postings, "postings"}, {&counts.Entries, "ledger_entries"}, {&counts.Accounts, "accounts"},
		{&counts.Records, "service_records"}} {
		if err := db.Table(c.table).Count(c.n).Error; err != nil {
			return counts, nil, err
		}
	}
	var out []LedgerProblem
	for _, q := range []struct {
		what, sql string
		detail    func(a, b, c int64) string
	}{
		{"unbalanced_posting", `SELECT posting_id, SUM(amount), 0 FROM ledger_entries GROUP BY posting_id HAVING SUM(amount) <> 0`,
			func(a, b, _ int64) string {
				return fmt.Sprintf("posting %d: entries sum to %s, not 0", a, hundredths(b))
			}},
		{"balance_mismatch", `SELECT a.id, a.balance, COALESCE(SUM(e.amount), 0) FROM accounts a
			LEFT JOIN ledger_entries e ON e.account_id = a.id GROUP BY a.id, a.balance HAVING a.balance <> COALESCE(SUM(e.amount), 0)`,
			func(a, b, c int64) string {
				return fmt.Sprintf("account %d: balance %s but its entries sum to %s", a, hundredths(b), hundredths(c))
			}},
		{"balance_after_mismatch", `SELECT id, balance_after, running FROM (SELECT id, balance_after,
			SUM(amount) OVER (PARTITION BY account_id ORDER BY seq) AS running FROM ledger_entries) t WHERE balance_after <> running`,
			func(a, b, c int64) string {
				return fmt.Sprintf("entry %d: balance after %s but the running sum is %s", a, hundredths(b), hundredths(c))
			}},
		{"entry_sequence_mismatch", `SELECT a.id, a.entries, COUNT(e.id) FROM accounts a
			LEFT JOIN ledger_entries e ON e.account_id = a.id GROUP BY a.id, a.entries
			HAVING a.entries <> COUNT(e.id) OR COALESCE(MAX(e.seq), 0) <> COUNT(e.id) OR COALESCE(MIN(e.seq), 1) <> 1`,
			func(a, b, c int64) string {
				return fmt.Sprintf("account %d: counts %d entries, has %d, not numbered 1..%d", a, b, c, c)
			}},
		{"negative_balance", `SELECT id, balance, 0 FROM accounts WHERE balance < 0 AND kind <> 'issuing'`,
			func(a, b, _ int64) string { return fmt.Sprintf("account %d: balance %s below zero", a, hundredths(b)) }},
		{"duplicate_source", `SELECT MIN(id), COUNT(*), 0 FROM postings WHERE source_id IS NOT NULL
			GROUP BY source_kind, source_id HAVING COUNT(*) > 1`,
			func(a, b, _ int64) string { return fmt.Sprintf("posting %d: its source is posted %d times", a, b) }},
		{"record_without_posting", `SELECT r.id, 0, 0 FROM service_records r WHERE r.credited_at IS NOT NULL AND NOT EXISTS
			(SELECT 1 FROM postings p WHERE p.source_kind = 'service_record' AND p.source_id = r.id)`,
			func(a, _, _ int64) string {
				return fmt.Sprintf("service record %d: marked credited, but no credit posting", a)
			}},
		{"posting_without_record", `SELECT p.id, COALESCE(p.source_id, 0), 0 FROM postings p WHERE p.source_kind = 'service_record'
			AND NOT EXISTS (SELECT 1 FROM service_records r WHERE r.id = p.source_id AND r.credited_at IS NOT NULL)`,
			func(a, b, _ int64) string {
				return fmt.Sprintf("posting %d: credits service record %d, which is not marked credited", a, b)
			}},
		{"redemption_without_posting", `SELECT d.id, 0, 0 FROM redemptions d WHERE NOT EXISTS
			(SELECT 1 FROM postings p WHERE p.source_kind = 'redemption' AND p.source_id = d.id)`,
			func(a, _, _ int64) string { return fmt.Sprintf("redemption %d: no redeem posting", a) }},
		{"cancel_without_refund", `SELECT d.id, 0, 0 FROM redemptions d WHERE d.status = 'cancelled' AND NOT EXISTS
			(SELECT 1 FROM postings p WHERE p.source_kind = 'redemption_cancel' AND p.source_id = d.id)`,
			func(a, _, _ int64) string { return fmt.Sprintf("redemption %d: cancelled without a refund", a) }},
		{"negative_stock", `SELECT id, stock, 0 FROM rewards WHERE stock < 0`,
			func(a, b, _ int64) string { return fmt.Sprintf("reward %d: stock %d", a, b) }},
	} {
		rows, err := db.Raw(q.sql).Rows()
		if err != nil {
			return counts, nil, fmt.Errorf("check %s: %w", q.what, err)
		}
		for rows.Next() {
			var a, b, c int64
			if err := rows.Scan(&a, &b, &c); err != nil {
				rows.Close()
				return counts, nil, err
			}
			out = append(out, LedgerProblem{What: q.what, Detail: q.detail(a, b, c)})
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return counts, nil, err
		}
	}
	return counts, out, nil
}

// hundredths writes an amount of hundredths of a point as a decimal ("-2.50").
func hundredths(v int64) string {
	sign := ""
	if v < 0 {
		sign, v = "-", -v
	}
	return fmt.Sprintf("%s%d.%02d", sign, v/100, v%100)
}
