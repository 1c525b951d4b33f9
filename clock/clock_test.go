package clock

import (
	"sync"
	"testing"
	"time"
)

func TestFakeRunsFromWhereItWasSet(t *testing.T) {
	at := time.Date(2026, 12, 1, 0, 30, 0, 0, time.UTC)
	f := NewFake(at)
	if got := f.Now(); got.Before(at) || got.Sub(at) > time.Minute {
		t.Fatalf("now %v, want just after %v", got, at)
	}
	f.Freeze(true)
	a := f.Now()
	if b := f.Now(); !a.Equal(b) {
		t.Fatalf("frozen clock moved: %v then %v", a, b)
	}
	f.Add(48 * time.Hour)
	if got := f.Now(); !got.Equal(a.Add(48 * time.Hour)) {
		t.Fatalf("after Add: %v, want %v", got, a.Add(48*time.Hour))
	}
	f.Set(at)
	if got := f.Now(); !got.Equal(at) {
		t.Fatalf("after Set (frozen): %v, want %v", got, at)
	}
	f.Freeze(false)
	if got := f.Now(); got.Before(at) {
		t.Fatalf("unfrozen clock went back: %v", got)
	}
	if _, ok := Or(nil).(Wall); !ok {
		t.Fatal("Or(nil) is not the wall clock")
	}
	if Or(f) != Clock(f) {
		t.Fatal("Or(f) is not f")
	}
}

func TestFakeConcurrent(t *testing.T) {
	f := NewFake(time.Unix(0, 0))
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			for j := 0; j < 200; j++ {
				switch (i + j) % 3 {
				case 0:
					f.Add(time.Second)
				case 1:
					f.Freeze(j%2 == 0)
				default:
					_ = f.Now()
				}
			}
		}(i)
	}
	wg.Wait()
	if f.Now().Before(time.Unix(0, 0)) {
		t.Fatal("clock went before its start")
	}
}
