package cache

import (
	"bytes"
	"sync"
	"testing"
)

// TestRenderedSharedByReaders: readers that race to encode the same value each see either
// nothing yet or one whole encoding; a nil Rendered keeps nothing (run with -race).
func TestRenderedSharedByReaders(t *testing.T) {
	var r Rendered
	var wg sync.WaitGroup
	for i := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 200 {
				b, ok := r.Load()
				if !ok {
					r.Store(bytes.Repeat([]byte{byte('a' + i%2)}, 64))
					continue
				}
				if len(b) != 64 || bytes.Count(b, b[:1]) != 64 {
					t.Errorf("a torn encoding: %q", b)
					return
				}
			}
		}()
	}
	wg.Wait()
	if _, ok := r.Load(); !ok {
		t.Fatal("nothing kept after the stores")
	}
	var none *Rendered
	none.Store([]byte("x"))
	if b, ok := none.Load(); ok || b != nil {
		t.Fatalf("a nil Rendered kept %q", b)
	}
}
