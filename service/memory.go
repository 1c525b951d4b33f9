package service

import "time"

// What instances keep in memory (identity_memory.go, leaderboard_memory.go,
// directory_memory.go, activity_memory.go, issue_memory.go, issue_categories.go) follows one
// rule: it is used only while the instance hears the invalidation channel
// (cache.Invalidations), every change publishes what it affects after its commit, and something
// read while a message about it may have been in flight is not used; a TTL bounds what a lost
// message could leave. The dashboard (dashboard_memory.go) is the exception: its answer is
// already allowed to be CacheTTL old, and memory adds a few seconds to that.

// kept is something read at epoch (the channel's epoch before reading) and time at. It is
// shared by every request that uses it: nobody may modify it.
type kept[T any] struct {
	v     T
	epoch uint64
	at    time.Time
}
