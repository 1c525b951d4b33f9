package main

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"time"
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
	if _, err := l.db.ExecContext(ctx, `UPDATE accounts a JOIN (SELECT account_id, SUM(amount) AS s, COUNT(*) AS n FROM ledger_entries
		GROUP BY account_id) x ON x.account_id = a.id SET a.balance = x.s, a.entries = x.n`); err != nil {
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
