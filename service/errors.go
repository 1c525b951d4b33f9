// Package service holds Linli's business rules and transactions, one file per capability.
// It returns *Error with a Chinese message for the user; the api package maps it to HTTP once.
package service

import (
	"context"
	"errors"
	"fmt"

	"linli/model"
)

// Kind classifies an Error; the api package maps each kind to one HTTP status.
type Kind int

// The kinds of error a service returns.
const (
	KindInternal        Kind = iota // a bug or an outage we did not classify: 500, details only in the log
	KindInvalid                     // the request is malformed or a value is out of range: 400
	KindUnauthorized                // no valid session: 401
	KindForbidden                   // authenticated but not allowed in this scope: 403
	KindNotFound                    // absent, or not visible to this user: 404
	KindConflict                    // the current state forbids it (capacity, duplicate, illegal transition): 409
	KindTooLarge                    // the body is larger than allowed: 413
	KindUnsupportedType             // wrong content type: 415
	KindUnprocessable               // well-formed but refused by a rule (content safety, idempotency mismatch): 422
	KindTooManyRequests             // a rate limit: 429
	KindUnavailable                 // a dependency (database, Redis, WeChat) is down or busy: 503
	KindGone                        // it existed but is no longer usable (an expired or used login code): 410
)

// FieldError names one invalid request field and says what is wrong with it, in Chinese.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// Error is the one error type services return to the api layer.
type Error struct {
	Kind Kind
	// Message is shown to the user, in Chinese.
	Message string
	// Fields lists the invalid fields of a KindInvalid error.
	Fields []FieldError
	// RetryAfterSeconds is set on KindTooManyRequests, and on KindUnavailable when the server is
	// only busy (the api layer sends it as Retry-After).
	RetryAfterSeconds int
	// Err is the internal cause: logged with the request id, never shown.
	Err error
}

// Error implements error; it includes the cause for logs.
func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %v", e.Message, e.Err)
	}
	return e.Message
}

// Unwrap exposes the cause to errors.Is and errors.As.
func (e *Error) Unwrap() error { return e.Err }

// Errorf builds an Error of the given kind with a user-facing message.
func Errorf(kind Kind, format string, args ...any) *Error {
	return &Error{Kind: kind, Message: fmt.Sprintf(format, args...)}
}

// Invalid is a 400 naming one field.
func Invalid(field, message string) *Error {
	return &Error{Kind: KindInvalid, Message: message, Fields: []FieldError{{Field: field, Message: message}}}
}

// Internal wraps an unexpected error; the user sees a generic message. A server that cannot be
// reached (the database restarting, Redis down) is no bug but an outage: that is Unavailable.
func Internal(err error) *Error {
	if model.IsOutage(err) || model.IsRetryable(err) || errors.Is(err, context.DeadlineExceeded) {
		return Unavailable("服务", err)
	}
	return &Error{Kind: KindInternal, Message: "服务器内部错误，请稍后再试", Err: err}
}

// Classify is the one place where an error that is not an *Error gets its kind: a row that is
// not there (404) or a write a unique key or condition refused (409) as the store reports them,
// an outage or a transient lock failure (503), and anything else — a bad query included — a bug
// (500, logged with the request id). Services return store errors as they are; only where a
// case needs its own message do they say so.
func Classify(err error) *Error {
	var e *Error
	switch {
	case err == nil:
		return nil
	case errors.As(err, &e):
		return e
	case errors.Is(err, model.ErrNotFound):
		return &Error{Kind: KindNotFound, Message: "内容不存在或无权查看", Err: err}
	case errors.Is(err, model.ErrConflict):
		return &Error{Kind: KindConflict, Message: "数据已被他人修改，请刷新后重试", Err: err}
	}
	return Internal(err)
}

// Unavailable wraps an outage of a dependency; the user is asked to retry.
func Unavailable(what string, err error) *Error {
	return &Error{Kind: KindUnavailable, Message: what + "暂时不可用，请稍后再试", Err: err}
}

// KindOf returns the kind of err as Classify gives it (KindInternal for nil).
func KindOf(err error) Kind {
	if e := Classify(err); e != nil {
		return e.Kind
	}
	return KindInternal
}
