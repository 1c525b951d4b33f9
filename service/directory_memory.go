package service

import (
	"context"
	"strconv"
	"strings"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"

	"linli/cache"
	"linli/clock"
	"linli/model"
)

// Each instance keeps the directory pages it read for dirMemoryTTL, shared by everyone who
// searches the same skill from the same building (the phone numbers are added per reader).
// A page is trusted only while the instance hears the invalidation channel: whatever changes a
// page publishes msgDirectory — a listing saved, withdrawn, verified or released, a skill
// added, a dispatch offered or moved (open dispatches and ratings order the directory) — and
// any change to a person (a new name or phone, an erased account: the identity messages)
// drops every page too, on every instance; a page read while such a message may have been in
// flight is not kept. The TTL is the backstop for a message Redis could not pass on.
type dirMemory struct {
	inval *cache.Invalidations
	pages *lru.Cache[string, memPage]
	// skills are the communities' skill lists; details each listing's skills and windows (a
	// page that is not kept needs only its search then). Both are dropped with the pages.
	skills  *lru.Cache[uint64, kept[[]model.Skill]]
	details *lru.Cache[uint64, kept[profileDetail]]
	now     func() time.Time
}

// profileDetail is a listing's skills and availability windows.
type profileDetail struct {
	skills  []model.ProfileSkill
	windows []model.SkillWindow
}

// memPage is a page without phone numbers, shared: nobody may modify it.
type memPage struct {
	page *DirectoryPage
	at   time.Time
}

const (
	dirMemoryTTL   = 30 * time.Second
	dirMemorySlots = 4096  // skills × buildings × pages in use
	dirDetailSlots = 50000 // listings
	msgDirectory   = "dir"
)

func newDirMemory(inval *cache.Invalidations) *dirMemory {
	c, _ := lru.New[string, memPage](dirMemorySlots) // positive sizes: no error
	sk, _ := lru.New[uint64, kept[[]model.Skill]](keptCommunitySkills)
	d, _ := lru.New[uint64, kept[profileDetail]](dirDetailSlots)
	m := &dirMemory{inval: inval, pages: c, skills: sk, details: d, now: time.Now}
	purge := func() {
		c.Purge()
		sk.Purge()
		d.Purge()
	}
	inval.OnMessage(func(msg string) {
		if msg == msgDirectory || strings.HasPrefix(msg, msgIdentity) {
			purge()
		}
	})
	inval.OnReset(purge)
	return m
}

// dirKey names a query's page; the time asked counts to the minute, as the search does.
func dirKey(q DirectoryQuery) string {
	at := ""
	if q.At != nil {
		t := q.At.In(clock.China)
		at = strconv.Itoa(isoWeekday(t)) + "." + strconv.Itoa(t.Hour()*60+t.Minute())
	}
	return strconv.FormatUint(q.CommunityID, 10) + "|" + q.Skill + "|" + strconv.FormatUint(q.BuildingID, 10) + "|" +
		at + "|" + q.Cursor + "|" + strconv.Itoa(q.Limit)
}

func (m *dirMemory) get(key string) (*DirectoryPage, bool) {
	if _, live := m.inval.Epoch(); !live {
		return nil, false
	}
	p, ok := m.pages.Get(key)
	if !ok || m.now().Sub(p.at) > dirMemoryTTL {
		return nil, false
	}
	return p.page, true
}

// put keeps a page read since epoch, unless a message arrived meanwhile.
func (m *dirMemory) put(key string, page *DirectoryPage, epoch uint64, live bool) {
	at := m.now()
	m.inval.Keep(epoch, live, func() { m.pages.Add(key, memPage{page: page, at: at}) }, func() { m.pages.Remove(key) })
}

// directoryChanged tells every instance that a listing changed; if Redis cannot pass it on,
// other instances' pages expire within dirMemoryTTL.
func (s *Skills) directoryChanged(ctx context.Context) {
	if err := s.dir.inval.Publish(ctx, msgDirectory); err != nil {
		s.log.WarnContext(ctx, "tell other instances the directory changed", "error", err.Error())
	}
}

// keptCommunitySkills bounds the skill lists kept (one per community).
const keptCommunitySkills = 10000

// fresh reports whether something kept at at may be used now.
func (m *dirMemory) fresh(at time.Time) bool {
	_, live := m.inval.Epoch()
	return live && m.now().Sub(at) <= dirMemoryTTL
}

// resolveSkill is Resolve through the community's skill list kept in memory.
func (s *Skills) resolveSkill(ctx context.Context, communityID uint64, field, ref string) (*model.Skill, error) {
	list, ok := s.dir.skills.Get(communityID)
	if !ok || !s.dir.fresh(list.at) {
		epoch, live := s.dir.inval.Epoch()
		at := s.dir.now()
		l, err := s.List(ctx, communityID)
		if err != nil {
			return nil, err
		}
		list = kept[[]model.Skill]{v: l, at: at}
		s.dir.inval.Keep(epoch, live, func() { s.dir.skills.Add(communityID, list) },
			func() { s.dir.skills.Remove(communityID) })
	}
	ref = strings.TrimSpace(ref)
	for i := range list.v {
		if idStr(list.v[i].ID) == ref || list.v[i].Name == ref {
			sk := list.v[i]
			return &sk, nil
		}
	}
	return nil, Invalid(field, "技能不存在或不属于该社区")
}

// keptDetails is profileDetails through the listings' details kept in memory.
func (s *Skills) keptDetails(ctx context.Context, ids []uint64) (map[uint64][]model.ProfileSkill, map[uint64][]model.SkillWindow, error) {
	skills, windows := map[uint64][]model.ProfileSkill{}, map[uint64][]model.SkillWindow{}
	var missing []uint64
	for _, id := range ids {
		if d, ok := s.dir.details.Get(id); ok && s.dir.fresh(d.at) {
			skills[id], windows[id] = d.v.skills, d.v.windows
		} else {
			missing = append(missing, id)
		}
	}
	if len(missing) == 0 {
		return skills, windows, nil
	}
	epoch, live := s.dir.inval.Epoch()
	at := s.dir.now()
	ms, mw, err := s.profileDetails(ctx, missing)
	if err != nil {
		return nil, nil, err
	}
	for _, id := range missing {
		skills[id], windows[id] = ms[id], mw[id]
	}
	s.dir.inval.Keep(epoch, live, func() {
		for _, id := range missing {
			s.dir.details.Add(id, kept[profileDetail]{v: profileDetail{skills: ms[id], windows: mw[id]}, at: at})
		}
	}, func() {
		for _, id := range missing {
			s.dir.details.Remove(id)
		}
	})
	return skills, windows, nil
}
