package service

import "context"

// CrashAfterClaim claims due outbox rows as DeliverDue does and, when prepared is set, also
// consumes their grants and renews their leases — then stops, as a worker killed at that
// point would. It returns how many rows it claimed (tests only).
func (n *Notifier) CrashAfterClaim(ctx context.Context, prepared bool) (int, error) {
	now := n.now()
	token := n.instance + "-crashed"
	rows, err := n.store.ClaimOutbox(ctx, now, now.Add(n.opts.Lease), token, n.opts.BatchSize)
	if err != nil || !prepared {
		return len(rows), err
	}
	for _, m := range rows {
		if _, _, err := n.prepare(ctx, m.ID, token); err != nil {
			return len(rows), err
		}
	}
	return len(rows), nil
}
