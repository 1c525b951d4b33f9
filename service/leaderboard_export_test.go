package service

// ScopeLock is the Redis key of a leaderboard scope's rebuild lock, for tests that simulate a
// rebuild in progress.
func (l *Leaderboards) ScopeLock(community, building uint64, period string) string {
	return l.keys(scope{community, building, period}).lock
}

// TopInMemory reports whether the instance keeps the community's all-time ranking of this
// metric in memory (limit: any length is answered from the same snapshot).
func (l *Leaderboards) TopInMemory(community uint64, metric string, _ int) bool {
	_, ok := l.mem.snaps.Lookup(snapKey(scope{community: community, period: PeriodAll}, metric))
	return ok
}

// DropMemory forgets the rankings kept in memory, as a test's flush of Redis must (memory
// would otherwise answer, correctly, without the rebuild the test is about).
func (l *Leaderboards) DropMemory() { l.mem.snaps.Purge() }
