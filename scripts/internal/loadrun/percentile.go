package loadrun

import "time"

// Floor is the p-th percentile of sorted latencies as the element at index ⌊n·p/100⌋ (the
// last for p = 100); 0 when there are none.
func Floor(sorted []time.Duration, p int) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	return sorted[min(len(sorted)*p/100, len(sorted)-1)]
}

// Rank is the p-th percentile of sorted latencies by nearest rank: the element of rank
// ⌈n·p/100⌉ (at least the first); 0 when there are none.
func Rank(sorted []time.Duration, p int) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	return sorted[min(max((len(sorted)*p+99)/100-1, 0), len(sorted)-1)]
}
