package service

import (
	"context"
	"strconv"
	"strings"
	"time"

	"linli/cache"
	"linli/clock"
	"linli/model"
)

// Each instance keeps the directory pages it read, shared by everyone who searches the same
// skill from the same building (the phone numbers are added per reader), in a cache.Memo.
// A page depends on the directory topic — whatever changes a page publishes it: a listing
// saved, withdrawn, verified or released, a skill added, a dispatch offered or moved (open
// dispatches and ratings order the directory) — and on every person (a new name or phone, an
// erased account). The communities' skill lists and each listing's details are kept likewise.
type dirMemory struct {
	inval *cache.Invalidations
	pages *cache.Memo[string, *DirectoryPage]
	// skills are the communities' skill lists; details each listing's skills and windows (a
	// page that is not kept needs only its search then).
	skills  *cache.Memo[uint64, []model.Skill]
	details *cache.Memo[uint64, profileDetail]
}

// profileDetail is a listing's skills and availability windows.
type profileDetail struct {
	skills  []model.ProfileSkill
	windows []model.SkillWindow
}

const (
	dirMemoryTTL        = 30 * time.Second
	dirMemorySlots      = 4096  // skills × buildings × pages in use
	dirDetailSlots      = 50000 // listings
	keptCommunitySkills = 10000 // skill lists, one per community
)

func newDirMemory(inval *cache.Invalidations) *dirMemory {
	return &dirMemory{inval: inval,
		pages:   cache.NewMemo[string, *DirectoryPage](inval, dirMemorySlots, dirMemoryTTL),
		skills:  cache.NewMemo[uint64, []model.Skill](inval, keptCommunitySkills, dirMemoryTTL),
		details: cache.NewMemo[uint64, profileDetail](inval, dirDetailSlots, dirMemoryTTL)}
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

// directoryChanged tells every instance that a listing changed; if Redis cannot pass it on,
// other instances' pages expire within dirMemoryTTL.
func (s *Skills) directoryChanged(ctx context.Context) {
	if err := s.dir.inval.Publish(ctx, cache.DirectoryTopic); err != nil {
		s.log.WarnContext(ctx, "tell other instances the directory changed", "error", err.Error())
	}
}

// resolveSkill is Resolve through the community's skill list kept in memory.
func (s *Skills) resolveSkill(ctx context.Context, communityID uint64, field, ref string) (*model.Skill, error) {
	list, err := s.dir.skills.Get(ctx, communityID, []cache.Topic{cache.DirectoryTopic},
		func(ctx context.Context) ([]model.Skill, error) { return s.List(ctx, communityID) })
	if err != nil {
		return nil, err
	}
	ref = strings.TrimSpace(ref)
	for i := range list {
		if idStr(list[i].ID) == ref || list[i].Name == ref {
			sk := list[i]
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
		if d, ok := s.dir.details.Lookup(id); ok {
			skills[id], windows[id] = d.skills, d.windows
		} else {
			missing = append(missing, id)
		}
	}
	if len(missing) == 0 {
		return skills, windows, nil
	}
	t := s.dir.details.Begin()
	ms, mw, err := s.profileDetails(ctx, missing)
	if err != nil {
		return nil, nil, err
	}
	for _, id := range missing {
		skills[id], windows[id] = ms[id], mw[id]
		s.dir.details.Keep(t, id, profileDetail{skills: ms[id], windows: mw[id]}, cache.DirectoryTopic)
	}
	return skills, windows, nil
}
