// Package clock is where the code reads the time of day. Production runs on the wall clock;
// tests give the whole server a Fake, so that no test depends on the day it runs (the first
// days of a month, a month's last day) and a test can move time for everything at once.
package clock

import (
	"sync"
	"time"
)

// Clock tells the time.
type Clock interface {
	Now() time.Time
}

// Wall is the real clock.
type Wall struct{}

// Now is time.Now.
func (Wall) Now() time.Time { return time.Now() }

// Or returns c, or the wall clock when c is nil.
func Or(c Clock) Clock {
	if c == nil {
		return Wall{}
	}
	return c
}

// Fake is a clock a test sets. It runs on from the instant it was set, at the wall clock's pace
// (so deadlines, TTLs and timeouts still pass), unless frozen. Safe for concurrent use.
type Fake struct {
	mu     sync.Mutex
	at     time.Time // the fake instant at set
	set    time.Time // the wall instant at which at was set
	frozen bool
}

// NewFake returns a running clock that reads at now.
func NewFake(at time.Time) *Fake { return &Fake{at: at, set: time.Now()} }

// NewFakeSince returns a running clock that read at when the wall clock read wall: clocks made
// with the same pair read the same.
func NewFakeSince(at, wall time.Time) *Fake { return &Fake{at: at, set: wall} }

// Now is the fake time, in the local zone like time.Now (whatever zone it was set in).
func (f *Fake) Now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.frozen {
		return f.at.Local()
	}
	return f.at.Add(time.Since(f.set)).Local()
}

// Set moves the clock to at; it runs on from there (or stays there when frozen).
func (f *Fake) Set(at time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.at, f.set = at, time.Now()
}

// Add moves the clock by d.
func (f *Fake) Add(d time.Duration) { f.Set(f.Now().Add(d)) }

// Freeze stops the clock where it is (true) or lets it run on from there (false).
func (f *Fake) Freeze(frozen bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if frozen == f.frozen {
		return
	}
	now := time.Now()
	if !f.frozen {
		f.at = f.at.Add(now.Sub(f.set))
	}
	f.set, f.frozen = now, frozen
}

// China is the time zone of every community (Asia/Shanghai, UTC+8 all year, no summer time):
// months, days and the times people read are in it. A fixed zone needs no tz database.
var China = time.FixedZone("CST", 8*3600)
