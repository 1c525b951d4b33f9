package apptest

import (
	"testing"
	"time"
)

// WaitTimeout bounds Eventually: long enough for a loaded 2-core CI machine, never reached by
// a passing test (which returns as soon as its condition holds).
const WaitTimeout = 30 * time.Second

// Eventually polls cond until it holds, failing the test after WaitTimeout. Tests wait for a
// condition this way, never by sleeping a fixed time.
func Eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(WaitTimeout)
	for wait := time.Millisecond; !cond(); wait = min(2*wait, 50*time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", WaitTimeout, what)
		}
		time.Sleep(wait)
	}
}
