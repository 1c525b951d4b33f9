package apptest

import (
	"context"
	"testing"
)

// TestSQLCheckJudgesLockingReads: the check that every Env runs at cleanup tells locking reads
// pinned by a unique key from those that take gap locks in InnoDB, and catches GET_LOCK and
// LOCK TABLES, but not the same words inside a text value.
func TestSQLCheckJudgesLockingReads(t *testing.T) {
	keys := map[string][][]string{
		"activities":      {{"id"}},
		"users":           {{"id"}},
		"skill_profiles":  {{"id"}, {"user_id"}},
		"council_ballots": {{"vote_id", "elector_id"}},
		"redemptions":     {{"id"}, {"code"}},
	}
	for _, c := range []struct {
		sql    string
		pinned bool
	}{
		{"SELECT * FROM `activities` WHERE `activities`.`id` = 5 ORDER BY `activities`.`id` LIMIT 1 FOR UPDATE", true},
		{"SELECT * FROM `users` WHERE deleted_at IS NULL AND `users`.`id` = 7 ORDER BY `users`.`id` LIMIT 1 FOR UPDATE", true},
		{"SELECT `id` FROM `users` WHERE id IN (1,2,3) AND deleted_at IS NULL ORDER BY id FOR UPDATE", true},
		{"SELECT * FROM `skill_profiles` WHERE user_id = 3 ORDER BY `skill_profiles`.`id` LIMIT 1 FOR UPDATE", true},
		{"SELECT * FROM `council_ballots` WHERE (vote_id = 1 AND elector_id = 2) LOCK IN SHARE MODE", true},
		{"SELECT * FROM `redemptions` WHERE code = 'A FOR UPDATE' FOR UPDATE", true},
		{"SELECT `id` FROM `redemptions` WHERE reward_id = 1 AND user_id = 2 AND status <> 'cancelled' FOR UPDATE", false},
		{"SELECT * FROM `council_ballots` WHERE vote_id = 1 FOR UPDATE", false},
		{"SELECT * FROM `activities` WHERE id > 5 FOR UPDATE", false},
		{"SELECT * FROM `activities` WHERE id BETWEEN 1 AND 5 FOR SHARE", false},
		{"SELECT * FROM `activities` WHERE id = 1 OR id = 2 FOR UPDATE", false},
		{"SELECT * FROM `activities` FOR UPDATE", false},
		{"SELECT * FROM `users` JOIN activities ON activities.id = 1 WHERE `users`.`id` = 1 FOR UPDATE", false},
	} {
		if got := unpinned(c.sql, keys) == ""; got != c.pinned {
			t.Errorf("pinned %v, want %v: %s (%s)", got, c.pinned, c.sql, unpinned(c.sql, keys))
		}
	}

	if !isExempt("SELECT `id` FROM `redemptions` WHERE reward_id = 1 AND user_id = 2 AND status <> 'cancelled' FOR UPDATE") ||
		isExempt("SELECT `id` FROM `redemptions` WHERE reward_id = 1 FOR UPDATE") {
		t.Fatal("the exemption of the per-person limit's read does not match it alone")
	}

	check := &sqlCheck{}
	for _, s := range []string{
		"SELECT GET_LOCK('linli_migrate', 60)",
		"select release_lock('linli_migrate')",
		"LOCK TABLES activities WRITE",
		"INSERT INTO `issues` (`title`) VALUES ('请勿 LOCK TABLES 或 SELECT GET_LOCK(1) FOR UPDATE')",
		"SELECT * FROM `activities` WHERE `activities`.`id` = 5 FOR UPDATE",
	} {
		check.see(context.Background(), s)
	}
	if len(check.forbidden) != 3 || len(check.locking) != 1 || check.seen.Load() != 5 {
		t.Fatalf("forbidden %q, locking %q, seen %d", check.forbidden, check.locking, check.seen.Load())
	}
}
