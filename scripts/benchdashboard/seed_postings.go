package main

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"linli/service"
)

// posting is one posting to load with its two entries.
type posting struct {
	kind, source                   string
	sourceID                       any
	from, to                       uint64
	amount                         int64
	beneficiary, building, minutes any
	month                          string
	points                         int64
	at                             time.Time
	// reverses is 1 + the index (before sorting) of the credit a reversal undoes; key is the
	// posting's own index before sorting.
	reverses, key int
}

// postings loads the credits of the service records, then redemptions (and their vouchers),
// refunds, transfers and reversals up to the number of ledger entries asked for.
func (l *loader) postings(ctx context.Context) error {
	rows, err := l.db.QueryContext(ctx, "SELECT id, user_id, served_at, minutes, credited_at FROM service_records ORDER BY id")
	if err != nil {
		return err
	}
	defer rows.Close()
	index := map[uint64]int{}
	for i, u := range l.users {
		index[u] = i
	}
	var list []posting
	for rows.Next() {
		var id, user uint64
		var served, at time.Time
		var minutes int
		if err := rows.Scan(&id, &user, &served, &minutes, &at); err != nil {
			return err
		}
		points := int64(service.PointsFor(minutes, 100))
		r := index[user]
		list = append(list, posting{kind: "credit", source: "service_record", sourceID: id, from: l.issuing, to: l.accounts[r],
			amount: points, beneficiary: user, building: l.buildings[r%len(l.buildings)], minutes: minutes,
			month: service.MonthOf(served), points: points, at: at})
	}
	if err := rows.Err(); err != nil {
		return err
	}
	credits := len(list)
	slices.SortFunc(list, func(a, b posting) int { return a.at.Compare(b.at) })
	xid, err := l.nextID(ctx, "redemptions")
	if err != nil {
		return err
	}
	var vouchers [][]any
	var open []uint64 // vouchers that may still be cancelled
	reversed := map[int]bool{}
	others := max(l.o.entries/2-credits, 0)
	for i := range others {
		at := l.start.Add(time.Duration(float64(l.now.Sub(l.start)) * float64(i) / float64(others))).Truncate(time.Second)
		a, b := l.rng.IntN(residents), l.rng.IntN(residents)
		switch k := i % 20; {
		case k < 9:
			list = append(list, posting{kind: "transfer", source: "transfer", from: l.accounts[a], to: l.accounts[b],
				amount: int64(50 + l.rng.IntN(250)), at: at})
		case k < 17 || len(open) == 0:
			w := l.rng.IntN(len(l.rewards))
			x := xid + uint64(len(vouchers))
			vouchers = append(vouchers, []any{x, l.rewards[w], l.users[a], l.community, l.accounts[a], int64(100 * (w + 1)),
				fmt.Sprintf("B%015d", x), "used", at})
			open = append(open, x)
			list = append(list, posting{kind: "redeem", source: "redemption", sourceID: x, from: l.accounts[a], to: l.spending,
				amount: int64(100 * (w + 1)), at: at})
		case k < 19:
			x := open[len(open)-1]
			open = open[:len(open)-1]
			v := vouchers[x-xid]
			v[7] = "cancelled"
			list = append(list, posting{kind: "refund", source: "redemption_cancel", sourceID: x, from: l.spending,
				to: v[4].(uint64), amount: v[5].(int64), at: at})
		default: // a reversal of an earlier credit not reversed yet (else a transfer)
			before, _ := slices.BinarySearchFunc(list[:credits], at, func(p posting, t time.Time) int { return p.at.Compare(t) })
			j := l.rng.IntN(max(before, 1))
			if before == 0 || reversed[j] {
				list = append(list, posting{kind: "transfer", source: "transfer", from: l.accounts[a], to: l.accounts[b],
					amount: int64(50 + l.rng.IntN(250)), at: at})
				continue
			}
			reversed[j] = true
			c := list[j]
			list = append(list, posting{kind: "reversal", source: "reversal", from: c.to, to: l.issuing, amount: c.amount,
				beneficiary: c.beneficiary, building: c.building, minutes: -c.minutes.(int), month: c.month, points: -c.points,
				at: at, reverses: j + 1})
		}
	}
	for i := range list {
		list[i].key = i
	}
	slices.SortStableFunc(list, func(a, b posting) int { return a.at.Compare(b.at) })
	pos := make([]int, len(list)) // where each posting went
	for i, p := range list {
		pos[p.key] = i
	}
	pid, err := l.nextID(ctx, "postings")
	if err != nil {
		return err
	}
	for i := range list {
		if j := list[i].reverses; j > 0 {
			list[i].sourceID = pid + uint64(pos[j-1])
		}
	}
	logf("loading %d vouchers, %d postings (%d credits), %d ledger entries", len(vouchers), len(list), credits, 2*len(list))
	err = l.insert(ctx, "redemptions", []string{"id", "reward_id", "user_id", "community_id", "account_id", "price", "code",
		"status", "created_at"}, len(vouchers), func(i int) []any { return vouchers[i] })
	if err != nil {
		return err
	}
	err = l.insert(ctx, "postings", []string{"id", "community_id", "kind", "source_kind", "source_id", "reverses_id", "memo",
		"created_by", "beneficiary_id", "building_id", "month", "minutes", "points", "ranked_at", "created_at"}, len(list),
		func(i int) []any {
			p := list[i]
			var reverses any
			if p.reverses > 0 {
				reverses = p.sourceID
			}
			return []any{pid + uint64(i), l.community, p.kind, p.source, p.sourceID, reverses, p.kind, l.staff,
				cmp.Or(p.beneficiary, any(0)), cmp.Or(p.building, any(0)), p.month, cmp.Or(p.minutes, any(0)), p.points, l.now, p.at}
		})
	if err != nil {
		return err
	}
	// seq numbers each account's entries 1..n (unique with the account); the balances and the
	// accounts' entry counts are set from the entries afterwards (load).
	seq := map[uint64]int64{}
	return l.insert(ctx, "ledger_entries", []string{"posting_id", "account_id", "counterparty_id", "amount", "balance_after",
		"seq", "created_at"}, 2*len(list), func(i int) []any {
		p := list[i/2]
		if i%2 == 0 {
			seq[p.from]++
			return []any{pid + uint64(i/2), p.from, p.to, -p.amount, 0, seq[p.from], p.at}
		}
		seq[p.to]++
		return []any{pid + uint64(i/2), p.to, p.from, p.amount, 0, seq[p.to], p.at}
	})
}
