package apptest

import (
	"context"
	"database/sql"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Every Env records the SQL its store runs (model.WithStatementHook, gorm's trace of every
// statement, migrations included) and fails the test at cleanup on what a distributed engine
// (TiDB, docs/scaling.md) runs differently from InnoDB, so that no invariant comes to rest on
// it as the code changes:
//   - GET_LOCK, RELEASE_LOCK, IS_USED_LOCK, RELEASE_ALL_LOCKS and LOCK TABLES;
//   - locking reads (FOR UPDATE, LOCK IN SHARE MODE, FOR SHARE) whose WHERE does not pin rows by
//     equality on all columns of the table's primary key or of one unique key: a range or
//     non-unique locking read takes gap locks in InnoDB, which TiDB does not have.
//
// Recorded in the process rather than by MariaDB (general log or performance_schema): those
// are server-wide switches on a server that other suites share, and they would need the test's
// connections told apart; gorm's trace sees exactly this Env's statements on both back ends.
// Statements sent past gorm (none in model/ today) are not seen.

// exempt are the locking reads that do not pin their rows by a unique key and rely on no gap
// lock either, each with why; one matches a statement by its table and WHERE.
var exempt = []struct {
	stmt *regexp.Regexp
	why  string
}{
	{regexp.MustCompile("^SELECT `id` FROM `redemptions` WHERE reward_id = \\d+ AND user_id = \\d+ AND status <> ''"),
		"model.LiveRedemptions, the per-person limit: a locking read for its current read (the latest commit), taken " +
			"holding the reward's row lock by primary key, which every redemption of the reward takes first; no " +
			"redemption of the reward can be inserted meanwhile, gap or not, and TiDB's locking read also reads the " +
			"latest commit"},
}

// sqlCheck is one Env's record: the count of statements seen, the forbidden ones, and the
// locking reads, which are judged at cleanup against the schema's unique keys.
type sqlCheck struct {
	seen      atomic.Int64
	mu        sync.Mutex
	forbidden []string
	locking   []string
}

// literal matches a quoted SQL string (with ” and backslash escapes), so that words inside
// text values are not taken for SQL.
var literal = regexp.MustCompile(`'(?:[^'\\]|\\.|'')*'`)

var (
	lockFunc    = regexp.MustCompile(`\b(GET_LOCK|RELEASE_LOCK|RELEASE_ALL_LOCKS|IS_USED_LOCK|IS_FREE_LOCK)\s*\(`)
	lockTables  = regexp.MustCompile(`^\s*LOCK\s+TABLES?\b`)
	lockingRead = regexp.MustCompile(`\bFOR\s+UPDATE\b|\bLOCK\s+IN\s+SHARE\s+MODE\b|\bFOR\s+SHARE\b`)
)

// see is the store's statement hook.
func (c *sqlCheck) see(_ context.Context, stmt string) {
	c.seen.Add(1)
	up := strings.ToUpper(literal.ReplaceAllString(stmt, "''"))
	switch {
	case lockFunc.MatchString(up) || lockTables.MatchString(up):
		c.mu.Lock()
		c.forbidden = append(c.forbidden, stmt)
		c.mu.Unlock()
	case lockingRead.MatchString(up):
		c.mu.Lock()
		c.locking = append(c.locking, stmt)
		c.mu.Unlock()
	}
}

// Statements returns how many SQL statements the Env's store ran so far, and how many of them
// were locking reads.
func (e *Env) Statements() (all, locking int) {
	e.sql.mu.Lock()
	defer e.sql.mu.Unlock()
	return int(e.sql.seen.Load()), len(e.sql.locking)
}

// verify fails the test on every forbidden statement and every locking read that does not pin
// its rows by a unique key (at most five of each are shown).
func (c *sqlCheck) verify(t testing.TB, driver, dsn string) {
	t.Helper()
	c.mu.Lock()
	forbidden, locking := c.forbidden, c.locking
	c.mu.Unlock()
	for i, s := range forbidden {
		if i == 5 {
			t.Errorf("… and %d more", len(forbidden)-5)
			break
		}
		t.Errorf("SQL that TiDB runs differently (GET_LOCK or LOCK TABLES; see docs/scaling.md): %s", s)
	}
	if len(locking) == 0 {
		return
	}
	if driver != "mysql" {
		t.Errorf("a locking read on %s, whose dialect drops them: %s", driver, locking[0])
		return
	}
	keys, err := uniqueKeys(dsn)
	if err != nil {
		t.Errorf("SQL check: read the unique keys: %v", err)
		return
	}
	bad := 0
	for _, s := range locking {
		if why := unpinned(s, keys); why != "" && !isExempt(s) {
			if bad++; bad <= 5 {
				t.Errorf("a locking read that relies on gap locks (%s; TiDB has none, docs/scaling.md): %s", why, s)
			}
		}
	}
	if bad > 5 {
		t.Errorf("… and %d more unpinned locking reads", bad-5)
	}
}

// isExempt reports whether an unpinned locking read is one of exempt.
func isExempt(stmt string) bool {
	s := literal.ReplaceAllString(stmt, "''")
	for _, e := range exempt {
		if e.stmt.MatchString(s) {
			return true
		}
	}
	return false
}

// uniqueKeys returns, per table of the schema of dsn, the columns of its primary key and of
// each unique key.
func uniqueKeys(dsn string) (map[string][][]string, error) {
	db, err := sql.Open("mysql", dsn)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	rows, err := db.QueryContext(ctx, "SELECT TABLE_NAME, INDEX_NAME, COLUMN_NAME FROM information_schema.STATISTICS "+
		"WHERE TABLE_SCHEMA = DATABASE() AND NON_UNIQUE = 0 ORDER BY TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	byIndex := map[[2]string][]string{}
	var order [][2]string
	for rows.Next() {
		var table, index, column string
		if err := rows.Scan(&table, &index, &column); err != nil {
			return nil, err
		}
		k := [2]string{strings.ToLower(table), index}
		if _, ok := byIndex[k]; !ok {
			order = append(order, k)
		}
		byIndex[k] = append(byIndex[k], strings.ToLower(column))
	}
	out := map[string][][]string{}
	for _, k := range order {
		out[k[0]] = append(out[k[0]], byIndex[k])
	}
	return out, rows.Err()
}

var (
	fromTable = regexp.MustCompile("(?i)\\bFROM\\s+`?(\\w+)`?")
	whereEnd  = regexp.MustCompile(`(?i)\s+(ORDER\s+BY|GROUP\s+BY|LIMIT|FOR\s+UPDATE|FOR\s+SHARE|LOCK\s+IN\s+SHARE\s+MODE)\b`)
	// equality is `t`.`col` = value or col IN (values), values being numbers or quoted strings.
	equality = regexp.MustCompile("(?i)^(?:`?\\w+`?\\.)?`?(\\w+)`?\\s*(?:=\\s*(?:-?\\d+|'')|IN\\s*\\(\\s*(?:-?\\d+|'')(?:\\s*,\\s*(?:-?\\d+|''))*\\s*\\))$")
)

// unpinned says why a locking read does not pin its rows by a unique key of its table, or ""
// when it does: its WHERE is a conjunction in which some unique key has every column compared
// for equality (= or IN) with constants; other conjuncts only filter the rows so found.
func unpinned(stmt string, keys map[string][][]string) string {
	s := literal.ReplaceAllString(stmt, "''")
	if regexp.MustCompile(`(?i)\bJOIN\b`).MatchString(s) {
		return "a join"
	}
	m := fromTable.FindStringSubmatch(s)
	if m == nil {
		return "no table"
	}
	table := strings.ToLower(m[1])
	i := strings.Index(strings.ToUpper(s), " WHERE ")
	if i < 0 {
		return "no WHERE"
	}
	where := s[i+len(" WHERE "):]
	if end := whereEnd.FindStringIndex(where); end != nil {
		where = where[:end[0]]
	}
	conj, ok := conjuncts(where)
	if !ok {
		return "an OR in its WHERE"
	}
	eq := map[string]bool{}
	for _, c := range conj {
		if m := equality.FindStringSubmatch(c); m != nil {
			eq[strings.ToLower(m[1])] = true
		}
	}
	for _, key := range keys[table] {
		all := true
		for _, col := range key {
			all = all && eq[col]
		}
		if all {
			return ""
		}
	}
	return fmt.Sprintf("no unique key of %s compared for equality", table)
}

// conjuncts splits a WHERE into its top-level AND terms, opening parentheses around a term
// that is itself a conjunction; ok is false when an OR joins terms.
func conjuncts(where string) (out []string, ok bool) {
	where = strings.TrimSpace(where)
	for len(where) > 1 && where[0] == '(' && closing(where, 0) == len(where)-1 {
		where = strings.TrimSpace(where[1 : len(where)-1])
	}
	up := strings.ToUpper(where)
	depth, start := 0, 0
	var terms []string
	for i := 0; i < len(where); i++ {
		switch where[i] {
		case '(':
			depth++
		case ')':
			depth--
		case ' ':
			if depth != 0 {
				continue
			}
			if strings.HasPrefix(up[i:], " OR ") {
				return nil, false
			}
			if strings.HasPrefix(up[i:], " AND ") && !betweenAnd(up[start:i]) {
				terms = append(terms, where[start:i])
				start = i + len(" AND ")
			}
		}
	}
	terms = append(terms, where[start:])
	if len(terms) == 1 {
		return []string{strings.TrimSpace(terms[0])}, true
	}
	for _, term := range terms {
		sub, ok := conjuncts(term)
		if !ok {
			return nil, false
		}
		out = append(out, sub...)
	}
	return out, true
}

// betweenAnd reports whether the AND after term belongs to its BETWEEN.
func betweenAnd(term string) bool {
	return regexp.MustCompile(`\bBETWEEN\s+\S+$`).MatchString(strings.TrimSpace(term))
}

// closing returns the index of the parenthesis that closes the one at open, or -1.
func closing(s string, open int) int {
	depth := 0
	for i := open; i < len(s); i++ {
		switch s[i] {
		case '(':
			depth++
		case ')':
			if depth--; depth == 0 {
				return i
			}
		}
	}
	return -1
}
