package service

import (
	"context"
	"strconv"
	"strings"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"

	"linli/cache"
)

// identityMemory keeps, on each instance, the sessions and identities it has just read from
// Redis, so that a request usually needs no round trip at all to know who is asking (a round
// trip halved GET /me's throughput in the benchmark). It is only ever trusted while this
// instance hears the invalidation channel (cache.Invalidations): every Forget and Evict
// publishes what it dropped, each instance drops it from memory on receipt, and whatever
// this instance read while such a message may have been in flight is not kept. Entries live
// memoryTTL at most, the backstop for a message that Redis could not pass on.
//
// What this changes for a revocation: the instance that revokes stops granting before it
// answers, as before; another instance stops when the message reaches it (well under a
// millisecond on one network), where before it stopped at its next read of Redis.
type identityMemory struct {
	inval      *cache.Invalidations
	sessions   *lru.Cache[string, memSession]
	identities *lru.Cache[uint64, memIdentity]
	now        func() time.Time
}

// memSession is a session as Redis gave it: its user and when it expires.
type memSession struct {
	userID  uint64
	expires time.Time
	at      time.Time
}

// memIdentity is a decoded identity and when it was read.
type memIdentity struct {
	d  decodedEntry
	at time.Time
}

// memoryTTL bounds how long an entry is used without being read from Redis again.
const memoryTTL = 10 * time.Second

// Bounds of what an instance keeps (an identity is a few KiB).
const (
	memorySessions   = 20000
	memoryIdentities = 10000
)

// Invalidation messages: a session's token hash, a user's identity.
const (
	msgSession  = "s:"
	msgIdentity = "u:"
)

func newIdentityMemory(inval *cache.Invalidations) *identityMemory {
	s, _ := lru.New[string, memSession](memorySessions) // sizes are positive: no error
	i, _ := lru.New[uint64, memIdentity](memoryIdentities)
	m := &identityMemory{inval: inval, sessions: s, identities: i, now: time.Now}
	inval.OnMessage(m.drop)
	inval.OnReset(func() {
		m.sessions.Purge()
		m.identities.Purge()
	})
	return m
}

// drop applies one invalidation message.
func (m *identityMemory) drop(msg string) {
	switch {
	case strings.HasPrefix(msg, msgSession):
		m.sessions.Remove(strings.TrimPrefix(msg, msgSession))
	case strings.HasPrefix(msg, msgIdentity):
		if id, err := strconv.ParseUint(strings.TrimPrefix(msg, msgIdentity), 10, 64); err == nil {
			m.identities.Remove(id)
		}
	}
}

// caller returns the session of token hash and its user's identity when both are in memory,
// fresh, and the channel is live; minLeft is how long the session must still run (a session
// closer to its end goes to Redis and the database, which extend it).
func (m *identityMemory) caller(hash string, now time.Time, minLeft time.Duration) (Caller, bool) {
	if _, live := m.inval.Epoch(); !live {
		return Caller{}, false
	}
	s, ok := m.sessions.Get(hash)
	if !ok || m.now().Sub(s.at) > memoryTTL || s.expires.Sub(now) <= minLeft {
		return Caller{}, false
	}
	id, ok := m.identities.Get(s.userID)
	if !ok || m.now().Sub(id.at) > memoryTTL {
		return Caller{}, false
	}
	return Caller{UserID: s.userID, entry: &id.d}, true
}

// remember keeps what a request read from Redis, unless the channel was not live when the
// read began (epoch, live) or a message arrived since.
func (m *identityMemory) remember(epoch uint64, live bool, hash string, who Caller, expires time.Time) {
	if who.entry == nil {
		return
	}
	at := m.now()
	m.inval.Keep(epoch, live, func() {
		m.sessions.Add(hash, memSession{userID: who.UserID, expires: expires, at: at})
		m.identities.Add(who.UserID, memIdentity{d: *who.entry, at: at})
	}, func() {
		m.sessions.Remove(hash)
		m.identities.Remove(who.UserID)
	})
}

// forget tells every instance to drop these users' identities and these sessions.
func (m *identityMemory) forget(ctx context.Context, userIDs []uint64, hashes []string) error {
	msgs := make([]string, 0, len(userIDs)+len(hashes))
	for _, id := range userIDs {
		msgs = append(msgs, msgIdentity+strconv.FormatUint(id, 10))
	}
	for _, h := range hashes {
		msgs = append(msgs, msgSession+h)
	}
	return m.inval.Publish(ctx, msgs...)
}
