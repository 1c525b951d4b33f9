package service_test

import (
	"context"
	"testing"
	"time"

	"linli/app/apptest"
	"linli/model"
)

// TestPurgeOutboxKeepsPendingAndRecent: finished messages older than the retention period are
// deleted; pending ones (whatever their age) and recent finished ones stay.
func TestPurgeOutboxKeepsPendingAndRecent(t *testing.T) {
	t.Parallel()
	e := apptest.New(t)
	ctx := context.Background()
	old, recent := e.Clock.Now().Add(-40*24*time.Hour), e.Clock.Now().Add(-24*time.Hour)
	msg := func(status string, at time.Time) model.OutboxMessage {
		return model.OutboxMessage{NotificationID: 1, UserID: 1, TemplateID: "t", Payload: "{}", Status: status, NextAttemptAt: at}
	}
	rows := []model.OutboxMessage{
		msg(model.OutboxSent, old), msg(model.OutboxRefused, old), msg(model.OutboxFailed, old), msg(model.OutboxSkipped, old),
		msg(model.OutboxPending, old), msg(model.OutboxSent, recent), msg(model.OutboxPending, recent),
	}
	if err := e.App.Store.CreateOutbox(ctx, rows); err != nil {
		t.Fatal(err)
	}
	n, err := e.App.Services.Notifier.PurgeOutbox(ctx)
	if err != nil || n != 4 {
		t.Fatalf("purged %d (%v), want the 4 old finished messages", n, err)
	}
	left, err := e.App.Store.OutboxCounts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(left) != 2 || left[model.OutboxPending] != 2 || left[model.OutboxSent] != 1 {
		t.Fatalf("left %v, want 2 pending and the recent sent one", left)
	}
	if n, err := e.App.Services.Notifier.PurgeOutbox(ctx); err != nil || n != 0 {
		t.Fatalf("a second purge deleted %d (%v)", n, err)
	}
}
