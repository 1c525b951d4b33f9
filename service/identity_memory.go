package service

import (
	"context"
	"time"

	"linli/cache"
)

// identityMemory keeps, on each instance, the sessions and identities it has just read from
// Redis, so that a request usually needs no round trip at all to know who is asking (a round
// trip halved GET /me's throughput in the benchmark). Both are cache.Memo: a session depends on
// its own topic and its user's, an identity on its user's; every Forget and Evict publishes
// what it dropped. Entries live memoryTTL at most.
//
// What this changes for a revocation: the instance that revokes stops granting before it
// answers, as before; another instance stops when the message reaches it (well under a
// millisecond on one network), where before it stopped at its next read of Redis.
type identityMemory struct {
	inval      *cache.Invalidations
	sessions   *cache.Memo[string, memSession]
	identities *cache.Memo[uint64, decodedEntry]
}

// memSession is a session as Redis gave it: its user, when it expires, and whether it is a
// staff console session (which slides by minutes).
type memSession struct {
	userID  uint64
	expires time.Time
	console bool
}

// memoryTTL bounds how long an entry is used without being read from Redis again.
const memoryTTL = 10 * time.Second

// Bounds of what an instance keeps (an identity is a few KiB).
const (
	memorySessions   = 20000
	memoryIdentities = 10000
)

func newIdentityMemory(inval *cache.Invalidations) *identityMemory {
	return &identityMemory{inval: inval,
		sessions:   cache.NewMemo[string, memSession](inval, memorySessions, memoryTTL),
		identities: cache.NewMemo[uint64, decodedEntry](inval, memoryIdentities, memoryTTL)}
}

// caller returns the session of token hash and its user's identity when both are in memory
// and may be used; minLeft is how long a session (a console one, or not) must still run at
// now (a session closer to its end goes to Redis and the database, which extend it).
func (m *identityMemory) caller(hash string, now time.Time, minLeft func(console bool) time.Duration) (Caller, bool) {
	s, ok := m.sessions.Lookup(hash)
	if !ok || s.expires.Sub(now) <= minLeft(s.console) {
		return Caller{}, false
	}
	id, ok := m.identities.Lookup(s.userID)
	if !ok {
		return Caller{}, false
	}
	return Caller{UserID: s.userID, entry: &id}, true
}

// remember keeps what a request read from Redis under t (taken before the read): the session
// always, the identity when Redis had it (otherwise the request loads it, and IdentityCache
// keeps what it loaded, so the user's next request is answered from memory).
func (m *identityMemory) remember(t cache.Ticket, hash string, who Caller, expires time.Time, console bool) {
	m.sessions.Keep(t, hash, memSession{userID: who.UserID, expires: expires, console: console},
		cache.SessionTopic(hash), cache.UserTopic(who.UserID))
	if who.entry != nil {
		m.identities.Keep(t, who.UserID, *who.entry, cache.UserTopic(who.UserID))
	}
}

// forget tells every instance that these users' identities and these sessions changed.
func (m *identityMemory) forget(ctx context.Context, userIDs []uint64, hashes []string) error {
	topics := make([]cache.Topic, 0, len(userIDs)+len(hashes))
	for _, id := range userIDs {
		topics = append(topics, cache.UserTopic(id))
	}
	for _, h := range hashes {
		topics = append(topics, cache.SessionTopic(h))
	}
	return m.inval.Publish(ctx, topics...)
}
