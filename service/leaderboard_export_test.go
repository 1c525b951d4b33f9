package service

// ScopeLock is the Redis key of a leaderboard scope's rebuild lock, for tests that simulate a
// rebuild in progress.
func (l *Leaderboards) ScopeLock(community, building uint64, period string) string {
	return l.keys(scope{community, building, period}).lock
}
