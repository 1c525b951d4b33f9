package service

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"time"

	"linli/model"
	"linli/wechat"
)

// Retry schedule of failed sends: 30s·2^(n-1) after the n-th failure, at most an hour, each
// delay drawn at random from its upper half so that a recovering WeChat is not hit by every
// message at the same instant.
const (
	retryBase = 30 * time.Second
	retryCap  = time.Hour
)

// Reasons recorded in last_error for messages that were not sent. They are short and never
// contain personal data.
const (
	skipDev     = "dev: WeChat not configured"
	skipNoGrant = "no unused subscription grant"
	skipNoUser  = "recipient has no openid (account deleted)"
)

// DeliverDue sends the subscription messages that are due: it claims up to BatchSize of them
// with a lease (safe with any number of instances doing the same), then for each consumes one
// unused grant of the recipient for the template and sends. It returns how many messages it
// claimed. Outcomes: sent; skipped (no grant, no openid, dev mode: the inbox entry is the
// record); refused (WeChat 43101, not retried); otherwise retried with backoff and marked
// failed after MaxAttempts, the grant given back each time. A process killed at any point
// loses nothing: its messages stay pending and are taken over when the lease ends.
func (n *Notifier) DeliverDue(ctx context.Context) (int, error) {
	now := n.now()
	token := n.instance + "-" + strconv.FormatUint(n.claims.Add(1), 10)
	var rows []model.OutboxMessage
	err := retryDeadlocks(ctx, func() error { // two claims may lock overlapping rows in other orders
		var err error
		rows, err = n.store.ClaimOutbox(ctx, now, now.Add(n.opts.Lease), token, n.opts.BatchSize)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("notify: claim: %w", err)
	}
	var errs []error
	for _, m := range rows {
		if ctx.Err() != nil {
			// Shutting down: hand the rest back at once instead of letting the leases run out.
			rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			if err := n.store.ReleaseOutbox(rctx, token); err != nil {
				errs = append(errs, fmt.Errorf("notify: release: %w", err))
			}
			cancel()
			break
		}
		// A message once started is seen through whatever happens to ctx: a send abandoned
		// half-way may still reach the user, and would be sent again by the retry.
		if err := n.deliver(context.WithoutCancel(ctx), m.ID, token); err != nil {
			errs = append(errs, fmt.Errorf("notify: outbox %d: %w", m.ID, err))
		}
	}
	return len(rows), errors.Join(errs...)
}

// DeliverBacklog runs DeliverDue batch after batch until a batch comes back short or ctx ends:
// the job the server runs every notify.poll_interval.
func (n *Notifier) DeliverBacklog(ctx context.Context) error {
	for {
		got, err := n.DeliverDue(ctx)
		if err != nil || got < n.opts.BatchSize || ctx.Err() != nil {
			return err
		}
	}
}

// attempt is a claimed message ready to be sent.
type attempt struct {
	msg     model.OutboxMessage
	openid  string
	grantID uint64
}

// deliver sends one claimed message and records the outcome.
func (n *Notifier) deliver(ctx context.Context, id uint64, token string) error {
	a, done, err := n.prepare(ctx, id, token)
	if err != nil || done {
		return err
	}
	var p outboxPayload
	if err := json.Unmarshal([]byte(a.msg.Payload), &p); err != nil {
		return n.finish(ctx, a, token, model.OutboxOutcome{Status: model.OutboxFailed,
			LastError: "payload is not valid JSON", DropGrant: true})
	}
	// The send must end well within the lease (renewed by prepare), or another worker could
	// take the message over and send it a second time. ctx is never cancelled (DeliverDue).
	sctx, cancel := context.WithTimeout(ctx, n.opts.Lease/2)
	err = n.wx.SendSubscribe(sctx, wechat.SubscribeMessage{ToUser: a.openid, TemplateID: a.msg.TemplateID,
		Page: p.Page, Data: p.Data})
	cancel()
	now := n.now().UTC()
	switch {
	case err == nil:
		return n.finish(ctx, a, token, model.OutboxOutcome{Status: model.OutboxSent, SentAt: &now, CountAttempt: true})
	case wechat.HasCode(err, wechat.CodeRefused):
		// The user withdrew consent or WeChat's quota is spent: the grant is gone either way.
		return n.finish(ctx, a, token, model.OutboxOutcome{Status: model.OutboxRefused,
			LastError: "43101 refused by the user or no quota", CountAttempt: true})
	case errors.Is(err, wechat.ErrInvalidInput):
		return n.finish(ctx, a, token, model.OutboxOutcome{Status: model.OutboxFailed,
			LastError: shortError(err), CountAttempt: true, DropGrant: true})
	}
	attempts := a.msg.Attempts + 1
	o := model.OutboxOutcome{Status: model.OutboxPending, NextAttemptAt: now.Add(retryDelay(attempts)),
		LastError: shortError(err), CountAttempt: true, DropGrant: true}
	if attempts >= n.opts.MaxAttempts {
		o.Status = model.OutboxFailed
	}
	n.log.WarnContext(ctx, "subscription message not sent", "outbox_id", a.msg.ID, "attempts", attempts,
		"status", o.Status, "error", o.LastError)
	return n.finish(ctx, a, token, o)
}

// prepare checks, under the row lock, that the lease is still token's, finds the recipient's
// openid and consumes a grant (or reuses the one a crashed worker consumed), and renews the
// lease for the send. done is true when the message needs no send: its lease was lost, or it
// was skipped (and recorded as such).
func (n *Notifier) prepare(ctx context.Context, id uint64, token string) (a attempt, done bool, err error) {
	now := n.now().UTC()
	err = n.store.Tx(ctx, func(tx *model.Store) error {
		m, err := tx.LockOutbox(ctx, id)
		if err != nil {
			return err
		}
		if m.Status != model.OutboxPending || m.LockedBy != token {
			done = true // another worker took it over after our lease ended
			return nil
		}
		skip := func(reason string) error {
			done = true
			_, err := tx.FinishOutbox(ctx, id, token, model.OutboxOutcome{Status: model.OutboxSkipped, LastError: reason})
			return err
		}
		if n.wx == nil {
			return skip(skipDev)
		}
		u, err := tx.UserByID(ctx, m.UserID)
		if errors.Is(err, model.ErrNotFound) || (err == nil && (u.OpenID == nil || u.DeletedAt != nil)) {
			return skip(skipNoUser)
		}
		if err != nil {
			return err
		}
		grant := uint64(0)
		if m.GrantID != nil {
			grant = *m.GrantID
		} else {
			g, ok, err := tx.TakeGrant(ctx, m.UserID, m.TemplateID, now)
			if err != nil {
				return err
			}
			if !ok {
				return skip(skipNoGrant)
			}
			grant = g
		}
		if err := tx.HoldOutbox(ctx, id, grant, now.Add(n.opts.Lease)); err != nil {
			return err
		}
		a = attempt{msg: *m, openid: *u.OpenID, grantID: grant}
		return nil
	})
	return a, done, err
}

// finish records the outcome if the lease is still token's, giving the grant back when the
// outcome says so.
func (n *Notifier) finish(ctx context.Context, a attempt, token string, o model.OutboxOutcome) error {
	fctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	return n.store.Tx(fctx, func(tx *model.Store) error {
		won, err := tx.FinishOutbox(fctx, a.msg.ID, token, o)
		if err != nil {
			return err
		}
		if !won {
			n.log.WarnContext(ctx, "outbox lease lost before the outcome was recorded", "outbox_id", a.msg.ID)
			return nil
		}
		if o.DropGrant && a.grantID != 0 {
			return tx.ReleaseGrant(fctx, a.grantID)
		}
		return nil
	})
}

// retryDelay is the wait after the n-th failed attempt.
func retryDelay(n int) time.Duration {
	d := retryCap
	if n < 12 {
		d = min(retryBase<<(n-1), retryCap)
	}
	return d/2 + rand.N(d/2+1)
}

// shortError is an error for last_error: the wechat package's texts carry no URL, secret or
// openid; they are cut to the column's size.
func shortError(err error) string {
	return clipNotice(noticeLine(err.Error()), 200)
}
