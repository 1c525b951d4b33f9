package service

import (
	"context"
	"time"

	"linli/model"
)

// Idempotency makes writes safe to retry (Idempotency-Key): a repeat of the same request with
// the same key within the TTL gets the first answer and changes nothing; the same key with a
// different request is refused (422). Keys are per user and kept durably in the database.
type Idempotency struct {
	store *model.Store
	ttl   time.Duration
	// stale is how long a first request may stay unfinished before a retry may run it again
	// (its server died between claiming the key and recording the answer).
	stale time.Duration
	now   func() time.Time
}

// IdempotencyTTL is how long an answer is remembered.
const IdempotencyTTL = 24 * time.Hour

// NewIdempotency builds the key store.
func NewIdempotency(store *model.Store) *Idempotency {
	return &Idempotency{store: store, ttl: IdempotencyTTL, stale: 2 * time.Minute,
		now: func() time.Time { return time.Now().UTC() }}
}

// Replay is a remembered answer.
type Replay struct {
	Status int
	Body   []byte
}

// Begin claims the key for this request. It returns the claim to Finish, or the answer to
// replay, or an error (422 for another request under the same key, 409 while the first one
// still runs).
func (i *Idempotency) Begin(ctx context.Context, userID uint64, key, requestHash string) (claim uint64, replay *Replay, err error) {
	now := i.now()
	row, created, err := i.store.ClaimIdempotencyKey(ctx, userID, key, requestHash, now, i.ttl)
	if err != nil {
		return 0, nil, err
	}
	switch {
	case created:
		return row.ID, nil, nil
	case row.RequestHash != requestHash:
		return 0, nil, &Error{Kind: KindUnprocessable, Message: "该 Idempotency-Key 已用于另一个请求，请换一个",
			Fields: []FieldError{{Field: "Idempotency-Key", Message: "已用于内容不同的请求"}}}
	case row.Status != 0:
		return 0, &Replay{Status: row.Status, Body: row.Response}, nil
	case now.Sub(row.CreatedAt) > i.stale:
		won, err := i.store.TakeOverIdempotencyKey(ctx, row.ID, row.CreatedAt, now)
		if err != nil {
			return 0, nil, err
		}
		if won {
			return row.ID, nil, nil
		}
	}
	return 0, nil, Errorf(KindConflict, "相同的请求正在处理中，请稍后再试")
}

// Finish records the answer of a claimed request; an answer of 500 or more (our failure, not
// the request's) is forgotten so that a retry runs again.
func (i *Idempotency) Finish(ctx context.Context, claim uint64, status int, body []byte) error {
	if status >= 500 {
		return i.store.ForgetIdempotencyKey(ctx, claim)
	}
	return i.store.FinishIdempotencyKey(ctx, claim, status, body)
}

// Purge deletes answers older than the TTL (a background job).
func (i *Idempotency) Purge(ctx context.Context) error {
	_, err := i.store.PurgeIdempotencyKeys(ctx, i.now().Add(-i.ttl))
	return err
}
