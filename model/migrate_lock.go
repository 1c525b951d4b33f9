package model

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// The migration lock keeps two starting instances from migrating at once. It is one row of
// schema_lock (primary key 1): whoever inserts it holds the lock, a holder renews its lease
// while it migrates, and a row whose lease ran out (a holder that died) is taken over by a
// conditional UPDATE. It rests only on a primary key and conditional updates, so it works the
// same on MariaDB/MySQL, SQLite and TiDB (whose GET_LOCK differs from MySQL's; see
// docs/scaling.md).
const (
	// lockLease is how long a held lock stays held without renewal.
	lockLease = 2 * time.Minute
	// lockRenew is how often the holder renews its lease while the migrations run.
	lockRenew = lockLease / 4
	// lockWait is how long Migrate waits for another instance's lock before giving up.
	lockWait = 2 * time.Minute
	// lockPoll is how often a waiting instance tries to take the lock.
	lockPoll = 200 * time.Millisecond
)

// errLockHeld is the operator's message when the lock stayed taken for the whole wait.
var errLockHeld = errors.New("migrate: another instance held the migration lock for 2 minutes")

// createLockTable is valid DDL on MariaDB/MySQL, TiDB and SQLite, and idempotent: every
// starting instance runs it before it takes the lock. expires_at is in Unix milliseconds (an
// integer compares the same way on every back end, whatever their time types do).
const createLockTable = "CREATE TABLE IF NOT EXISTS schema_lock (" +
	"id INTEGER NOT NULL PRIMARY KEY, holder VARCHAR(64) NOT NULL, expires_at BIGINT NOT NULL)"

// migrationLock is one instance's hold on schema_lock, from acquire to release.
type migrationLock struct {
	db     *gorm.DB
	holder string
}

// leaseEnd is when a lease taken or renewed now ends, in Unix milliseconds. The lease is
// measured on the wall clock (not the store's clock, which tests may stop): it is about how
// long other processes wait.
func leaseEnd(now time.Time) int64 { return now.Add(lockLease).UnixMilli() }

// acquireMigrationLock creates schema_lock if need be and takes its row, polling every
// lockPoll until it is free or its lease ran out, for at most wait or until ctx ends.
func acquireMigrationLock(ctx context.Context, db *gorm.DB, wait time.Duration) (*migrationLock, error) {
	if err := db.WithContext(ctx).Exec(createLockTable).Error; err != nil {
		return nil, fmt.Errorf("migrate: create lock table: %w", err)
	}
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return nil, fmt.Errorf("migrate: lock token: %w", err)
	}
	l := &migrationLock{db: db, holder: hex.EncodeToString(b[:])}
	waitCtx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	tick := time.NewTicker(lockPoll)
	defer tick.Stop()
	for {
		ok, err := l.try(waitCtx)
		switch {
		case ok:
			return l, nil
		case err != nil && waitCtx.Err() == nil:
			return nil, fmt.Errorf("migrate: lock: %w", err)
		}
		select {
		case <-waitCtx.Done():
			if ctx.Err() != nil {
				return nil, fmt.Errorf("migrate: another instance held the migration lock: %w", ctx.Err())
			}
			return nil, errLockHeld
		case <-tick.C:
		}
	}
}

// try takes the lock once: it inserts the row (the primary key refuses a second one), or
// takes over a row whose lease has run out.
func (l *migrationLock) try(ctx context.Context) (bool, error) {
	now := time.Now()
	db := l.db.WithContext(ctx)
	err := db.Exec("INSERT INTO schema_lock (id, holder, expires_at) VALUES (1, ?, ?)", l.holder, leaseEnd(now)).Error
	if err == nil {
		return true, nil
	}
	if !errors.Is(err, gorm.ErrDuplicatedKey) {
		return false, err
	}
	res := db.Exec("UPDATE schema_lock SET holder = ?, expires_at = ? WHERE id = 1 AND expires_at < ?",
		l.holder, leaseEnd(now), now.UnixMilli())
	return res.RowsAffected == 1, res.Error
}

// renew extends the lease while the lock is held; it reports false when the row is no longer
// this holder's (its lease ran out and another instance took it over).
func (l *migrationLock) renew(ctx context.Context) (bool, error) {
	res := l.db.WithContext(ctx).Exec("UPDATE schema_lock SET expires_at = ? WHERE id = 1 AND holder = ?",
		leaseEnd(time.Now()), l.holder)
	return res.RowsAffected == 1, res.Error
}

// release deletes the row if it is still this holder's, even when ctx has ended.
func (l *migrationLock) release(ctx context.Context) error {
	return l.db.WithContext(context.WithoutCancel(ctx)).
		Exec("DELETE FROM schema_lock WHERE id = 1 AND holder = ?", l.holder).Error
}

// hold runs f while renewing the lease every lockRenew. If the lease is lost (the renewals
// failed for longer than the lease and another instance took the row), the context given to
// f is cancelled, so that the migrations stop at their next statement.
func (l *migrationLock) hold(ctx context.Context, f func(context.Context) error) error {
	runCtx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	done := make(chan struct{})
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		tick := time.NewTicker(lockRenew)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
				// A failed renewal is tried again at the next tick: the lease outlasts three.
				if ok, err := l.renew(runCtx); err == nil && !ok {
					cancel(errors.New("migrate: lost the migration lock to another instance"))
					return
				}
			}
		}
	}()
	err := f(runCtx)
	close(done)
	<-stopped
	if cause := context.Cause(runCtx); err != nil && cause != nil && ctx.Err() == nil {
		return fmt.Errorf("%w (%v)", cause, err)
	}
	return err
}
