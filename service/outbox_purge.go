package service

import (
	"context"
	"time"
)

// Finished subscription messages are kept this long (for support questions such as "why did
// I get no message?"), then deleted in batches by the notify.purge job. The inbox entries
// (notifications) are the person's record and are not purged.
const (
	outboxKeep       = 30 * 24 * time.Hour
	outboxPurgeBatch = 1000
)

// PurgeOutbox deletes finished subscription messages older than the retention period, in
// batches so that no statement holds many locks; it returns how many it deleted.
func (n *Notifier) PurgeOutbox(ctx context.Context) (int64, error) {
	before := n.now().Add(-outboxKeep)
	var total int64
	for {
		k, err := n.store.PurgeOutbox(ctx, before, outboxPurgeBatch)
		total += k
		if err != nil || k < outboxPurgeBatch {
			return total, err
		}
	}
}
