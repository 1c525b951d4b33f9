package model

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"
)

// lockRows returns the rows of schema_lock as holder → expires_at.
func lockRows(t *testing.T, s *Store) map[string]int64 {
	t.Helper()
	var rows []struct {
		Holder    string
		ExpiresAt int64
	}
	if err := s.db.Raw("SELECT holder, expires_at FROM schema_lock").Scan(&rows).Error; err != nil {
		t.Fatal(err)
	}
	out := map[string]int64{}
	for _, r := range rows {
		out[r.Holder] = r.ExpiresAt
	}
	return out
}

// putLock writes a lock row of another instance whose lease ends at expires.
func putLock(t *testing.T, s *Store, holder string, expires time.Time) {
	t.Helper()
	if err := s.db.Exec(createLockTable).Error; err != nil {
		t.Fatal(err)
	}
	if err := s.db.Exec("INSERT INTO schema_lock (id, holder, expires_at) VALUES (1, ?, ?)", holder, expires.UnixMilli()).Error; err != nil {
		t.Fatal(err)
	}
}

// Four instances started at the same moment on one fresh database all migrate without error,
// each migration is applied and recorded once, and the lock row is gone afterwards.
func TestMigrationsConcurrentOnce(t *testing.T) {
	cfg, dir := testDatabase(t)
	const instances = 4
	stores := make([]*Store, instances)
	for i := range stores {
		stores[i] = openTestStore(t, cfg, dir)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	start := make(chan struct{})
	errs := make([]error, instances)
	var wg sync.WaitGroup
	for i, s := range stores {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			errs[i] = s.Migrate(ctx)
		}()
	}
	close(start)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("instance %d: %v", i, err)
		}
	}
	s := stores[0]
	var recorded []struct {
		ID string
		N  int
	}
	if err := s.db.Raw("SELECT id, COUNT(*) AS n FROM schema_migrations GROUP BY id").Scan(&recorded).Error; err != nil {
		t.Fatal(err)
	}
	want := migrations()
	if len(recorded) != len(want) {
		t.Errorf("%d migrations recorded, want %d", len(recorded), len(want))
	}
	for _, r := range recorded {
		if r.N != 1 {
			t.Errorf("migration %s recorded %d times", r.ID, r.N)
		}
	}
	if pending, err := s.PendingMigrations(ctx); err != nil || len(pending) != 0 {
		t.Errorf("pending after migrating: %v, %v", pending, err)
	}
	if rows := lockRows(t, s); len(rows) != 0 {
		t.Errorf("lock row left behind: %v", rows)
	}
}

// A lock whose lease ran out (its holder died while migrating) is taken over: Migrate succeeds
// and leaves no lock row; the old holder can no longer renew it.
func TestMigrationLockTakenOverWhenStale(t *testing.T) {
	s := testStore(t)
	ctx := context.Background()
	putLock(t, s, "dead-instance", time.Now().Add(-time.Second))
	l, err := acquireMigrationLock(ctx, s.db, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if rows := lockRows(t, s); len(rows) != 1 || rows[l.holder] == 0 {
		t.Fatalf("lock rows after take-over: %v", rows)
	}
	dead := &migrationLock{db: s.db, holder: "dead-instance"}
	if ok, err := dead.renew(ctx); err != nil || ok {
		t.Errorf("the old holder renewed a lock taken over: %v, %v", ok, err)
	}
	if err := dead.release(ctx); err != nil {
		t.Fatal(err)
	}
	if ok, err := l.renew(ctx); err != nil || !ok {
		t.Errorf("the holder could not renew (the old holder's release took its lock?): %v, %v", ok, err)
	}
	if err := l.release(ctx); err != nil {
		t.Fatal(err)
	}

	putLock(t, s, "dead-instance", time.Now().Add(-time.Minute))
	if err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if rows := lockRows(t, s); len(rows) != 0 {
		t.Errorf("lock row left behind: %v", rows)
	}
	if pending, err := s.PendingMigrations(ctx); err != nil || len(pending) != 0 {
		t.Errorf("pending after migrating: %v, %v", pending, err)
	}
}

// While another instance holds the lock, Migrate waits, and fails with the operator's message
// when its context ends (or when it waited the whole wait), migrating nothing and leaving the
// other instance's lock alone.
func TestMigrationLockHeldByOtherInstances(t *testing.T) {
	s := testStore(t)
	putLock(t, s, "live-instance", time.Now().Add(lockLease))
	ctx, cancel := context.WithTimeout(context.Background(), 600*time.Millisecond)
	defer cancel()
	begun := time.Now()
	err := s.Migrate(ctx)
	if err == nil || !strings.Contains(err.Error(), "another instance held the migration lock") ||
		!errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Migrate under a held lock: %v", err)
	}
	if waited := time.Since(begun); waited < 500*time.Millisecond {
		t.Errorf("Migrate gave up after %v, before its context ended", waited)
	}
	if _, err := acquireMigrationLock(context.Background(), s.db, 300*time.Millisecond); !errors.Is(err, errLockHeld) {
		t.Errorf("after the whole wait: %v, want %v", err, errLockHeld)
	}
	if rows := lockRows(t, s); len(rows) != 1 || rows["live-instance"] == 0 {
		t.Errorf("the holder's lock was touched: %v", rows)
	}
	if pending, err := s.PendingMigrations(context.Background()); err != nil || len(pending) != len(migrations()) {
		t.Errorf("migrated under another instance's lock: pending %v, %v", pending, err)
	}
}
