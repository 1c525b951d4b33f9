package main

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"time"

	"linli/service"
)

// loader bulk-loads two years of one community with multi-row INSERTs (explicit ids, four
// statements of up to 1,000 rows in flight), as the services would have written them.
type loader struct {
	o          options
	db         *sql.DB
	community  uint64
	staff      uint64
	issuing    uint64
	spending   uint64
	buildings  []uint64
	categories []uint64
	types      []uint64
	teams      []uint64
	rewards    []uint64
	now        time.Time
	start      time.Time
	rng        *rand.Rand
	users      []uint64 // residents; users[i] lives in buildings[i%100]
	accounts   []uint64 // accounts[i] is users[i]'s
	rows       []string // what was loaded, for the report
}

const residents = 5000

func (l *loader) counts() string { return strings.Join(l.rows, ", ") }

// insert writes rows [0, n) of table; row must be safe to call from several goroutines.
func (l *loader) insert(ctx context.Context, table string, cols []string, n int, row func(i int) []any) error {
	batch := min(1000, 60000/len(cols))
	tuple := "(" + strings.TrimSuffix(strings.Repeat("?,", len(cols)), ",") + ")"
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	next := make(chan int)
	for range 4 {
		wg.Go(func() {
			for from := range next {
				to := min(from+batch, n)
				args := make([]any, 0, (to-from)*len(cols))
				for i := from; i < to; i++ {
					args = append(args, row(i)...)
				}
				q := "INSERT INTO " + table + " (" + strings.Join(cols, ", ") + ") VALUES " +
					strings.TrimSuffix(strings.Repeat(tuple+",", to-from), ",")
				if _, err := l.db.ExecContext(ctx, q, args...); err != nil {
					select {
					case errs <- fmt.Errorf("insert into %s: %w", table, err):
					default:
					}
				}
			}
		})
	}
	for from := 0; from < n && len(errs) == 0 && ctx.Err() == nil; from += batch {
		next <- from
	}
	close(next)
	wg.Wait()
	l.rows = append(l.rows, fmt.Sprintf("%d %s", n, table))
	select {
	case err := <-errs:
		return err
	default:
		return ctx.Err()
	}
}

// nextID is the first free id of a table.
func (l *loader) nextID(ctx context.Context, table string) (uint64, error) {
	var max sql.NullInt64
	err := l.db.QueryRowContext(ctx, "SELECT MAX(id) FROM "+table).Scan(&max)
	return uint64(max.Int64) + 1, err
}

// at is a random instant of the two years (daytime in Shanghai).
func (l *loader) at() time.Time {
	for {
		day := l.start.AddDate(0, 0, l.rng.IntN(731)).Truncate(24 * time.Hour)                   // 08:00 +08:00
		if t := day.Add(time.Duration(23*60+l.rng.IntN(14*60)) * time.Minute); t.Before(l.now) { // 07:00–21:00 +08:00
			return t
		}
	}
}

// after is t plus an exponentially distributed delay of mean minutes (at least a minute).
func (l *loader) after(t time.Time, mean float64) time.Time {
	return t.Add(time.Duration(1+l.rng.ExpFloat64()*mean) * time.Minute).Truncate(time.Second)
}

func (l *loader) load(ctx context.Context) error {
	l.rng = rand.New(rand.NewPCG(1, 2))
	l.start = l.now.AddDate(-2, 0, 0)
	for _, step := range []func(context.Context) error{l.people, l.issues, l.activities, l.postings} {
		if err := step(ctx); err != nil {
			return err
		}
	}
	logf("balances and statistics")
	if _, err := l.db.ExecContext(ctx, `UPDATE accounts a JOIN (SELECT account_id, SUM(amount) AS s FROM ledger_entries
		GROUP BY account_id) x ON x.account_id = a.id SET a.balance = x.s`); err != nil {
		return err
	}
	for _, t := range []string{"issues", "issue_events", "activities", "signups", "service_records", "postings",
		"ledger_entries", "redemptions", "dispatches", "accounts", "users"} {
		if _, err := l.db.ExecContext(ctx, "ANALYZE TABLE "+t); err != nil {
			return err
		}
	}
	return nil
}

// people loads the residents and their accounts.
func (l *loader) people(ctx context.Context) error {
	uid, err := l.nextID(ctx, "users")
	if err != nil {
		return err
	}
	aid, err := l.nextID(ctx, "accounts")
	if err != nil {
		return err
	}
	for i := range residents {
		l.users = append(l.users, uid+uint64(i))
		l.accounts = append(l.accounts, aid+uint64(i))
	}
	logf("loading %d residents and their accounts", residents)
	err = l.insert(ctx, "users", []string{"id", "openid", "nickname", "avatar_url", "phone_masked", "created_at", "updated_at"},
		residents, func(i int) []any {
			return []any{l.users[i], fmt.Sprintf("bench-resident-%d", i), fmt.Sprintf("居民%d", i), "", "", l.start, l.start}
		})
	if err != nil {
		return err
	}
	return l.insert(ctx, "accounts", []string{"id", "community_id", "owner_key", "kind", "card", "name", "user_id", "balance",
		"created_by", "created_at", "updated_at"}, residents, func(i int) []any {
		return []any{l.accounts[i], l.community, fmt.Sprintf("user:%d", l.users[i]), "resident", "", "", l.users[i], 0,
			l.users[i], l.start, l.start}
	})
}

// issue is one issue's row and its timeline.
type issue struct {
	id, building, category, reporter uint64
	status                           string
	anonymous                        bool
	rating                           any
	created, updated                 time.Time
	ack, resolved, closed            any
	events                           []event
}

type event struct {
	action, from, to string
	at               time.Time
}

// issues loads the issues, their events and the dispatches sent to them.
func (l *loader) issues(ctx context.Context) error {
	first, err := l.nextID(ctx, "issues")
	if err != nil {
		return err
	}
	list := make([]issue, l.o.issues)
	reported := make([]time.Time, len(list))
	for i := range reported {
		reported[i] = l.at()
	}
	slices.SortFunc(reported, time.Time.Compare) // ids follow time, as when rows are written as things happen
	events := 0
	for i := range list {
		r := l.rng.IntN(residents)
		is := issue{id: first + uint64(i), building: l.buildings[r%len(l.buildings)], reporter: l.users[r],
			category: l.categories[l.rng.IntN(len(l.categories))], anonymous: l.rng.IntN(100) < 15, created: reported[i]}
		is.status, is.updated = "submitted", is.created
		is.events = []event{{"report", "", "submitted", is.created}}
		move := func(action, to string, at time.Time) bool {
			if !at.Before(l.now) {
				return false
			}
			is.events = append(is.events, event{action, is.status, to, at})
			is.status, is.updated = to, at
			return true
		}
		fate, ack := l.rng.IntN(100), l.after(is.created, 240)
		resolved := l.after(ack, 2*24*60)
		closed := l.after(resolved, 2*24*60)
		if auto := resolved.Add(7 * 24 * time.Hour); closed.After(auto) { // auto-closed
			closed = auto
		}
		switch {
		case fate < 4:
			move("reject", "rejected", ack)
		case fate < 7:
			move("mark_duplicate", "duplicate", ack)
		case move("acknowledge", "acknowledged", ack):
			is.ack = ack
			if move("resolve", "resolved", resolved) {
				is.resolved = resolved
				if move("close", "closed", closed) {
					is.closed = closed
				}
				if fate%10 < 6 {
					is.rating = 3 + fate%3
				}
			}
		}
		events += len(is.events)
		list[i] = is
	}
	logf("loading %d issues and %d events", len(list), events)
	err = l.insert(ctx, "issues", []string{"id", "community_id", "building_id", "category_id", "reporter_id", "description",
		"location", "urgent", "anonymous", "status", "followers", "reopens", "rating", "rating_comment", "created_at",
		"updated_at", "acknowledged_at", "resolved_at", "closed_at"}, len(list), func(i int) []any {
		is := list[i]
		return []any{is.id, l.community, is.building, is.category, is.reporter, "楼道灯不亮", "3单元", false, is.anonymous,
			is.status, 0, 0, is.rating, "", is.created, is.updated, is.ack, is.resolved, is.closed}
	})
	if err != nil {
		return err
	}
	type ev struct {
		issue uint64
		event
	}
	flat := make([]ev, 0, events)
	for _, is := range list {
		for _, e := range is.events {
			flat = append(flat, ev{is.id, e})
		}
	}
	slices.SortStableFunc(flat, func(a, b ev) int { return a.at.Compare(b.at) })
	eid, err := l.nextID(ctx, "issue_events")
	if err != nil {
		return err
	}
	err = l.insert(ctx, "issue_events", []string{"id", "issue_id", "actor_id", "action", "from_status", "to_status", "note",
		"created_at"}, len(flat), func(i int) []any {
		e := flat[i]
		return []any{eid + uint64(i), e.issue, l.staff, e.action, e.from, e.to, "", e.at}
	})
	if err != nil {
		return err
	}
	return l.dispatches(ctx, list)
}

// dispatches loads one dispatch for every fifth issue acknowledged, all finished.
func (l *loader) dispatches(ctx context.Context, list []issue) error {
	var rows [][]any
	for i, is := range list {
		ack, ok := is.ack.(time.Time)
		if i%5 != 0 || !ok || ack.After(l.now.Add(-72*time.Hour)) {
			continue
		}
		offered := ack.Add(10 * time.Minute)
		responded := l.after(offered, 60)
		status, closed, completed, confirmed := "confirmed", any(nil), any(responded.Add(24*time.Hour)), any(responded.Add(25*time.Hour))
		updated := responded.Add(25 * time.Hour)
		var answered any = responded
		switch f := l.rng.IntN(100); {
		case f < 10:
			status, closed, completed, confirmed, updated = "declined", responded, nil, nil, responded
		case f < 20:
			status, answered, closed, completed, confirmed = "expired", nil, offered.Add(24*time.Hour), nil, nil
			updated = offered.Add(24 * time.Hour)
		}
		rows = append(rows, []any{l.community, is.building, "issue", is.id, "水电", l.users[l.rng.IntN(residents)], l.staff,
			is.reporter, status, "", "", "", "", false, 60, "", false, offered, offered.Add(24 * time.Hour), answered,
			completed, confirmed, closed, updated})
	}
	logf("loading %d dispatches", len(rows))
	return l.insert(ctx, "dispatches", []string{"community_id", "building_id", "source_kind", "source_id", "title",
		"volunteer_id", "dispatcher_id", "requester_id", "status", "note", "decline_reason", "cancel_reason", "completion_note",
		"note_held", "minutes", "rating_comment", "comment_held", "offered_at", "expires_at", "responded_at", "completed_at",
		"confirmed_at", "closed_at", "updated_at"}, len(rows), func(i int) []any { return rows[i] })
}

// credit is a credit posting to make: a service record's points, when it was credited.
type credit struct {
	record, user uint64
	account      uint64
	building     uint64
	served, at   time.Time
	minutes      int
}

// activities loads the activities (20 sign-ups each: 15 attended, 2 no-shows, 2 cancelled,
// 1 waitlisted), their sign-ups and service records, and returns the credits owed.
func (l *loader) activities(ctx context.Context) error {
	aid, err := l.nextID(ctx, "activities")
	if err != nil {
		return err
	}
	sid, err := l.nextID(ctx, "signups")
	if err != nil {
		return err
	}
	starts := make([]time.Time, l.o.signups/20)
	for i := range starts {
		starts[i] = l.at().Truncate(time.Hour)
	}
	slices.SortFunc(starts, time.Time.Compare)
	var acts, signups, records [][]any
	for i, start := range starts {
		id := aid + uint64(i)
		end, settled := start.Add(2*time.Hour), start.Add(26*time.Hour)
		status, settledAt := "published", any(nil)
		if settled.Before(l.now) {
			status, settledAt = "finished", settled
		}
		var team any
		if t := l.rng.IntN(len(l.teams) + 2); t < len(l.teams) {
			team = l.teams[t]
		}
		acts = append(acts, []any{id, l.community, team, l.types[l.rng.IntN(len(l.types))], "楼道清扫", "", "1号院", start, end,
			20, 17, start.AddDate(0, 0, -7), start, start.Add(-time.Hour), "community", 0, 100, l.staff, status, false, "",
			settledAt, start.AddDate(0, 0, -7), start.AddDate(0, 0, -7)})
		base := l.rng.IntN(residents)
		for j := range 20 {
			r := (base + j*37) % residents
			su := sid + uint64(len(signups))
			at := start.AddDate(0, 0, -3)
			var live, cancelled, marked, recorded any = true, nil, nil, nil
			st, att, minutes, pos := "confirmed", "", 0, 0
			switch {
			case j >= 19:
				st, pos = "waitlisted", 1
			case j >= 17:
				st, live, cancelled = "cancelled", nil, at.Add(time.Hour)
			case end.Before(l.now) && j >= 15:
				att, marked = "no_show", l.staff
			case end.Before(l.now):
				att, marked, minutes = "attended", l.staff, 90+l.rng.IntN(31)
				if settledAt != nil {
					recorded = settled
					records = append(records, []any{l.community, l.users[r], "activity", su, "巡逻：楼道清扫", "1号院", start,
						minutes, 100, l.staff, l.staff, settled.Add(time.Minute), settled})
				}
			}
			signups = append(signups, []any{su, id, l.users[r], live, st, pos, att, minutes, marked, recorded, cancelled, at, at})
		}
	}
	logf("loading %d activities, %d sign-ups, %d service records", len(acts), len(signups), len(records))
	err = l.insert(ctx, "activities", []string{"id", "community_id", "team_id", "type_id", "title", "description", "place",
		"start_at", "end_at", "capacity", "confirmed", "signup_opens_at", "signup_closes_at", "cancel_cutoff_at", "audience",
		"audience_id", "points_per_hour", "organiser_id", "status", "held", "cancel_reason", "settled_at", "created_at",
		"updated_at"}, len(acts), func(i int) []any { return acts[i] })
	if err != nil {
		return err
	}
	err = l.insert(ctx, "signups", []string{"id", "activity_id", "user_id", "live", "status", "position", "attendance",
		"minutes", "marked_by", "recorded_at", "cancelled_at", "created_at", "updated_at"}, len(signups),
		func(i int) []any { return signups[i] })
	if err != nil {
		return err
	}
	rid, err := l.nextID(ctx, "service_records")
	if err != nil {
		return err
	}
	return l.insert(ctx, "service_records", []string{"id", "community_id", "user_id", "source_kind", "source_id", "content",
		"place", "served_at", "minutes", "points_per_hour", "organiser_id", "confirmer_id", "credited_at", "created_at"},
		len(records), func(i int) []any { return append([]any{rid + uint64(i)}, records[i]...) })
}

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
	return l.insert(ctx, "ledger_entries", []string{"posting_id", "account_id", "counterparty_id", "amount", "balance_after",
		"created_at"}, 2*len(list), func(i int) []any {
		p := list[i/2]
		if i%2 == 0 {
			return []any{pid + uint64(i/2), p.from, p.to, -p.amount, 0, p.at}
		}
		return []any{pid + uint64(i/2), p.to, p.from, p.amount, 0, p.at}
	})
}
