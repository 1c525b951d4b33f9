package cache

import "sync/atomic"

// Rendered is the encoded form of one value kept in memory beside it: the first reader that
// encodes the value stores its bytes, every later reader of the same value uses them. It lives
// and dies with what holds it (a memo entry that keeps the value and its Rendered together), so
// it needs no invalidation of its own. A nil *Rendered keeps nothing.
type Rendered struct{ b atomic.Pointer[[]byte] }

// Load returns the bytes stored, if any. They are shared: nobody may modify them.
func (r *Rendered) Load() ([]byte, bool) {
	if r == nil {
		return nil, false
	}
	if p := r.b.Load(); p != nil {
		return *p, true
	}
	return nil, false
}

// Store keeps b as the encoded form (b must not be modified afterwards).
func (r *Rendered) Store(b []byte) {
	if r != nil {
		r.b.Store(&b)
	}
}
