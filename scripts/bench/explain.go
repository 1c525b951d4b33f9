package main

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"net/url"
	"regexp"
	"strings"

	"linli/scripts/internal/dbenv"
)

// explain records every query the server runs for the list endpoints (MariaDB's general log,
// switched on for the few seconds it takes and restored afterwards) and prints each distinct
// one with its EXPLAIN as Markdown: the source of docs/indexes.md.
func explain(ctx context.Context, w io.Writer, e *benchEnv) error {
	db, err := sql.Open("mysql", e.dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	var output, general string
	if err := db.QueryRowContext(ctx, "SELECT @@global.log_output, @@global.general_log").Scan(&output, &general); err != nil {
		return err
	}
	com := e.district[0]
	var resident, captain, staff user
	for _, u := range e.residents {
		if u.community == com.ID {
			resident = u
			break
		}
	}
	for _, u := range e.captains {
		if u.community == com.ID {
			captain = u
			break
		}
	}
	for _, u := range e.staff {
		if u.community == com.ID {
			staff = u
		}
	}
	var activity, issuing uint64
	_ = db.QueryRowContext(ctx, "SELECT id FROM activities WHERE community_id = ? AND status = 'published' ORDER BY start_at LIMIT 1", com.ID).Scan(&activity)
	_ = db.QueryRowContext(ctx, "SELECT id FROM accounts WHERE community_id = ? AND kind = 'issuing'", com.ID).Scan(&issuing)
	c := fmt.Sprintf("/api/v1/communities/%d", com.ID)
	skill := url.QueryEscape(com.Skills[0])
	calls := []struct {
		who  user
		path string
	}{
		{resident, "/api/v1/issues?scope=mine"}, {resident, "/api/v1/issues?scope=following"},
		{resident, "/api/v1/issues?scope=building"}, {captain, "/api/v1/issues?scope=building"},
		{staff, "/api/v1/issues?scope=community"}, {staff, "/api/v1/issues?scope=community&status=all"},
		{resident, fmt.Sprintf("/api/v1/issues/similar?building_id=%d&category_id=%d", resident.Building, com.Categories[0])},
		{captain, "/api/v1/residencies"}, {staff, "/api/v1/residencies"}, {staff, "/api/v1/residencies?status=approved"},
		{resident, c + "/activities"}, {resident, c + "/activities?status=ongoing"}, {resident, c + "/activities?status=past"},
		{staff, fmt.Sprintf("/api/v1/activities/%d/signups", activity)},
		{resident, c + "/leaderboard?limit=50"}, {resident, c + "/leaderboard?limit=50&period=month&metric=points"},
		{resident, fmt.Sprintf("%s/leaderboard?limit=50&building_id=%d", c, resident.Building)},
		{resident, fmt.Sprintf("%s/skill-directory?skill=%s&building_id=%d", c, skill, resident.Building)},
		{captain, fmt.Sprintf("%s/skill-directory?skill=%s&building_id=%d&available_at=2026-11-23T10:00:00%%2B08:00", c, skill, captain.Building)},
		{staff, c + "/skill-profiles"}, {resident, "/api/v1/me/ledger"}, {resident, "/api/v1/me/account"},
		{staff, fmt.Sprintf("/api/v1/accounts/%d/ledger", issuing)}, {staff, c + "/accounts"},
		{staff, c + "/service-records"}, {resident, "/api/v1/me/service-records"}, {resident, "/api/v1/me/notifications"},
		{captain, "/api/v1/me/notifications"}, {captain, "/api/v1/dispatches?scope=managed"},
		{captain, "/api/v1/help-requests?scope=managed"}, {resident, "/api/v1/dispatches?scope=mine"},
		{resident, "/api/v1/help-requests?scope=mine"}, {resident, "/api/v1/communities"}, {resident, c + "/buildings"},
		{resident, c + "/estates"}, {resident, c + "/rewards"}, {resident, "/api/v1/me/redemptions"}, {resident, c + "/teams"},
		{resident, c + "/skills"}, {resident, c + "/issue-categories"}, {resident, c + "/activity-types"},
		{staff, c + "/dashboard"}, {staff, c + "/audit-log"},
	}
	// The leaderboards are rebuilt from the ledger when Redis lacks them: drop them so that the
	// rebuild's queries show too.
	if err := dbenv.DeleteKeys(ctx, e.redisAddr, e.schema+":"+fmt.Sprintf("lb:{c%d}", com.ID)); err != nil {
		return err
	}
	if _, err := db.ExecContext(ctx, "SET GLOBAL log_output = 'TABLE'"); err != nil {
		return fmt.Errorf("the general log needs a privileged user: %w", err)
	}
	_, _ = db.ExecContext(ctx, "TRUNCATE mysql.general_log")
	_, _ = db.ExecContext(ctx, "SET GLOBAL general_log = 1")
	statuses := map[string]int{}
	for _, call := range calls {
		status, _ := e.do(ctx, "GET", call.path, nil, call.who.token)
		statuses[call.path] = status
	}
	_, _ = db.ExecContext(ctx, "SET GLOBAL general_log = "+general)
	_, _ = db.ExecContext(ctx, "SET GLOBAL log_output = '"+output+"'")
	rows, err := db.QueryContext(ctx, `SELECT CONVERT(argument USING utf8mb4) FROM mysql.general_log
		WHERE command_type = 'Query' AND thread_id IN (SELECT id FROM information_schema.processlist WHERE db = DATABASE())
		ORDER BY event_time`)
	if err != nil {
		return err
	}
	var queries []string
	seen := map[string]bool{}
	for rows.Next() {
		var q string
		if err := rows.Scan(&q); err != nil {
			rows.Close()
			return err
		}
		if !strings.HasPrefix(strings.ToUpper(strings.TrimSpace(q)), "SELECT") {
			continue
		}
		if k := shape(q); !seen[k] {
			seen[k] = true
			queries = append(queries, q)
		}
	}
	rows.Close()
	fmt.Fprintf(w, "Calls (community %d; resident %s, captain %s, staff %s):\n\n", com.ID, resident.OpenID, captain.OpenID, staff.OpenID)
	for _, call := range calls {
		fmt.Fprintf(w, "- `GET %s` → %d\n", call.path, statuses[call.path])
	}
	fmt.Fprintf(w, "\n%d distinct SELECT statements.\n", len(queries))
	for i, q := range queries {
		fmt.Fprintf(w, "\n### Q%d\n\n```sql\n%s\n```\n\n", i+1, q)
		if err := explainOne(ctx, w, db, q); err != nil {
			fmt.Fprintf(w, "EXPLAIN failed: %v\n", err)
		}
	}
	return nil
}

// shape is a query with its literals blanked, to tell distinct queries apart.
func shape(q string) string {
	q = regexp.MustCompile(`'[^']*'`).ReplaceAllString(q, "?")
	q = regexp.MustCompile(`\b\d+\b`).ReplaceAllString(q, "?")
	return regexp.MustCompile(`\?(,\s*\?)+`).ReplaceAllString(q, "?")
}

func explainOne(ctx context.Context, w io.Writer, db *sql.DB, q string) error {
	rows, err := db.QueryContext(ctx, "EXPLAIN "+q)
	if err != nil {
		return err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "| %s |\n|%s\n", strings.Join(cols, " | "), strings.Repeat("---|", len(cols)))
	for rows.Next() {
		vals := make([]sql.NullString, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return err
		}
		parts := make([]string, len(vals))
		for i, v := range vals {
			parts[i] = "NULL"
			if v.Valid {
				parts[i] = strings.ReplaceAll(v.String, "|", "\\|")
			}
		}
		fmt.Fprintf(w, "| %s |\n", strings.Join(parts, " | "))
	}
	return rows.Err()
}
