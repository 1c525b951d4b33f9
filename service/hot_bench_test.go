package service

import (
	"encoding/json"
	"fmt"
	"strconv"
	"testing"
	"time"

	"linli/cache"
	"linli/model"
)

// The hot pure functions of every request, benchmarked with allocations:
//
//	go test ./service/ -run '^$' -bench . -benchmem
//
// TestHotFixtures checks, as a plain test, that each benchmark measures what it claims.

// benchSecrets is a key of the length config requires.
func benchSecrets(tb testing.TB) *Secrets {
	s, err := NewSecrets("bench-secret-key-0123456789abcdef-0123")
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

// checkToken is what a request with a cached session does before touching Redis's answer:
// refuse what cannot be a token, key the lookup by the token's hash, and read the cached entry.
func checkToken(s *Secrets, token, cached string) (uint64, bool) {
	if !plausibleToken(token) {
		return 0, false
	}
	_ = s.TokenHash(token)
	uid, exp, ok := parseCachedSession(cached)
	return uid, ok && exp.After(time.Unix(0, 0))
}

func BenchmarkTokenCheck(b *testing.B) {
	s := benchSecrets(b)
	token, _ := s.NewToken()
	cached := "123456:" + strconv.FormatInt(time.Now().Add(30*24*time.Hour).Unix(), 10)
	b.ReportAllocs()
	for b.Loop() {
		if _, ok := checkToken(s, token, cached); !ok {
			b.Fatal("token refused")
		}
	}
}

// benchPrincipal is a captain of 10 buildings who is also a resident, in community 7.
func benchPrincipal() *Principal {
	p := &Principal{UserID: 42, Staff: map[uint64]bool{}, Captain: map[uint64]uint64{}, Resident: map[uint64]uint64{101: 7}}
	for b := uint64(100); b < 110; b++ {
		p.Captain[b] = 7
	}
	return p
}

// authorizeMix asks the questions a request mix asks: allowed, forbidden (403) and
// elsewhere (404).
func authorizeMix(p *Principal) (allowed, forbidden, hidden int) {
	for _, q := range []struct {
		a Action
		s Scope
	}{
		{ActResidencyDecide, Scope{CommunityID: 7, BuildingID: 105}},
		{ActResidentAct, Scope{CommunityID: 7, BuildingID: 101}},
		{ActCommunityView, Scope{CommunityID: 7}},
		{ActDispatchManage, Scope{CommunityID: 7}},
		{ActPlacesManage, Scope{CommunityID: 7}},
		{ActTimeBankManage, Scope{CommunityID: 8}},
	} {
		err := Authorize(p, q.a, q.s)
		switch {
		case err == nil:
			allowed++
		case KindOf(err) == KindForbidden:
			forbidden++
		case KindOf(err) == KindNotFound:
			hidden++
		}
	}
	return
}

func BenchmarkAuthorize(b *testing.B) {
	p := benchPrincipal()
	b.ReportAllocs()
	for b.Loop() {
		authorizeMix(p)
	}
}

// readAnswer is what the leaderboard's read script returns for a top 50 with cached cards.
func readAnswer(n int) []any {
	top := make([]any, 0, 2*n+2)
	cards := make([]any, 0, n)
	top = append(top, sentinel, "1e15")
	for i := range n {
		top = append(top, strconv.Itoa(1000+i), strconv.Itoa((n-i)*60))
		cards = append(cards, fmt.Sprintf("志愿者%d%s", i, cardSep))
	}
	return []any{int64(1), top, "1800", int64(20), cards}
}

func BenchmarkLeaderboardDecode(b *testing.B) {
	v := readAnswer(50)
	b.ReportAllocs()
	for b.Loop() {
		if items, _, _, err := parseRead(v, 50); err != nil || len(items) != 50 {
			b.Fatal(len(items), err)
		}
	}
}

// benchIdentity is a cached identity: a captain with a residency.
func benchIdentity() []byte {
	now := time.Now().UTC()
	id := identity{User: model.User{ID: 42, Nickname: "刘桂芳", PhoneMasked: "138****0000", CreatedAt: now, UpdatedAt: now},
		Roles: []model.RoleGrant{{Role: model.Role{ID: 3, UserID: 42, Role: model.RoleCaptain, CommunityID: 7, CreatedAt: now},
			BuildingIDs: []uint64{100, 101, 102, 103}}},
		Residencies: []model.ResidencyView{{Residency: model.Residency{ID: 9, UserID: 42, CommunityID: 7, BuildingID: 101,
			Room: "302", Status: model.ResidencyApproved, CreatedAt: now, UpdatedAt: now},
			CommunityName: "东亭社区", BuildingName: "1栋", EstateID: 2, EstateName: "东亭花园"}}}
	b, _ := json.Marshal(id)
	return b
}

// BenchmarkIdentityDecode: decoding a cached identity and deriving its principal (the first
// read of an entry), against the same entry read again (its bytes unchanged in Redis).
func BenchmarkIdentityDecode(b *testing.B) {
	raw := string(benchIdentity())
	b.Run("first", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			c := &IdentityCache{decoded: cache.NewMemo[uint64, decodedEntry](nil, maxDecoded, 0)}
			if _, ok := c.decode(42, raw); !ok {
				b.Fatal("not decoded")
			}
		}
	})
	b.Run("again", func(b *testing.B) {
		c := &IdentityCache{decoded: cache.NewMemo[uint64, decodedEntry](nil, maxDecoded, 0)}
		c.decode(42, raw)
		b.ReportAllocs()
		for b.Loop() {
			if _, ok := c.decode(42, raw); !ok {
				b.Fatal("not decoded")
			}
		}
	})
}

// TestHotFixtures: the benchmarks' inputs give the answers they are meant to.
func TestHotFixtures(t *testing.T) {
	s := benchSecrets(t)
	token, _ := s.NewToken()
	exp := strconv.FormatInt(time.Now().Add(time.Hour).Unix(), 10)
	if uid, ok := checkToken(s, token, "123456:"+exp); !ok || uid != 123456 {
		t.Fatalf("token check: %d %v", uid, ok)
	}
	if _, ok := checkToken(s, token[:42]+"!", "123456:"+exp); ok {
		t.Fatal("a malformed token passed")
	}
	if a, f, h := authorizeMix(benchPrincipal()); a != 4 || f != 1 || h != 1 {
		t.Fatalf("authorize mix: %d allowed, %d forbidden, %d hidden", a, f, h)
	}
	items, me, above, err := parseRead(readAnswer(50), 50)
	if err != nil || len(items) != 50 || items[0].id != 1000 || items[0].score != 3000 || me != 1800 || above != 20 {
		t.Fatalf("leaderboard decode: %d items, first %+v, me %d above %d, %v", len(items), items[0], me, above, err)
	}
	raw := string(benchIdentity())
	c := &IdentityCache{decoded: cache.NewMemo[uint64, decodedEntry](nil, maxDecoded, 0)}
	d, ok := c.decode(42, raw)
	if !ok || !d.principal.Can(ActResidencyDecide, Scope{CommunityID: 7, BuildingID: 103}) ||
		!d.principal.Can(ActResidentAct, Scope{CommunityID: 7, BuildingID: 101}) || d.id.User.Nickname != "刘桂芳" {
		t.Fatalf("identity decode: %+v %v", d, ok)
	}
	if again, _ := c.decode(42, raw); again.id != d.id {
		t.Fatal("the same bytes were decoded again")
	}
	if _, ok := c.decode(43, raw); ok {
		t.Fatal("an entry was accepted for another user")
	}
}

// benchSnapshot is a ranking of n members kept in memory, scores descending with ties.
func benchSnapshot(n int) *snapshot {
	sn := &snapshot{pos: make(map[uint64]int, n)}
	for i := range n {
		sn.items = append(sn.items, ranked{id: uint64(1000 + i), score: int64((n - i) / 3 * 60)})
		sn.pos[uint64(1000+i)] = i
	}
	return sn
}

// BenchmarkLeaderboardFromMemory is a read answered from a snapshot of 10,000 volunteers: the
// top 50 and the reader's rank by binary search.
func BenchmarkLeaderboardFromMemory(b *testing.B) {
	sn := benchSnapshot(10000)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if items, _, above := sn.answer(50, uint64(1000+i%10000)); len(items) != 50 || above < 0 {
			b.Fatal(len(items), above)
		}
	}
}

func TestSnapshotAnswer(t *testing.T) {
	sn := benchSnapshot(10)
	// scores: 180 180 120 120 120 60 60 60 0 0 (ids 1000…1009): equal scores share a rank
	items, score, above := sn.answer(3, 1004)
	if len(items) != 3 || score != 120 || above != 2 {
		t.Fatalf("answer: %d items, score %d, above %d", len(items), score, above)
	}
	if _, score, above := sn.answer(50, 1000); score != 180 || above != 0 {
		t.Fatalf("first: %d %d", score, above)
	}
	if items, _, above := sn.answer(50, 42); len(items) != 10 || above != -1 {
		t.Fatalf("unranked reader: %d items, above %d", len(items), above)
	}
}
