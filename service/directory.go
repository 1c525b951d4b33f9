package service

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"linli/cache"
	"linli/clock"
	"linli/model"
)

// china is the zone availability windows are written in (no daylight saving: a fixed offset
// is exact).

// DirectoryQuery asks the directory for people with a skill near a building.
type DirectoryQuery struct {
	CommunityID uint64
	// Skill is a skill of the community, by id or by name.
	Skill      string
	BuildingID uint64
	// At keeps only people available then (their weekly windows, in China time); nil: any time.
	At     *time.Time
	Cursor string
	Limit  int
}

// DirectoryEntry is one person found.
type DirectoryEntry struct {
	model.DirectoryRow
	Skills  []model.ProfileSkill
	Windows []model.SkillWindow
	// Phone is the full number: only in a full listing, "" otherwise or when none is bound.
	Phone string
}

// DirectoryPage is one page of a search.
type DirectoryPage struct {
	Skill model.Skill
	// Full: the viewer is captain of the searched building or staff of the community, who
	// dispatch and may have to call; everyone else gets the masked listing.
	Full       bool
	Items      []DirectoryEntry
	NextCursor string
}

// Search finds listed people who have the skill, whose reach covers the building and, when
// asked, who are available at the time: nearest first (same building, same estate, rest of the
// community), then fewest open dispatches, then best rating. Anyone of the community may
// search; only the building's captain and the community's staff see phone numbers. A page is
// kept in memory for a few seconds (directory_memory.go).
func (s *Skills) Search(ctx context.Context, p *Principal, q DirectoryQuery) (*DirectoryPage, error) {
	key := dirKey(q)
	if page, ok := s.dir.pages.Lookup(key); ok { // found before: the community and building exist
		if err := Authorize(p, ActCommunityView, Scope{CommunityID: q.CommunityID}); err != nil {
			return nil, err
		}
		return s.personalize(page, p, q), nil
	}
	t := s.dir.pages.Begin()
	page, err := s.search(ctx, p, q)
	if err != nil {
		return nil, err
	}
	s.dir.pages.Keep(t, key, page, cache.DirectoryTopic, cache.AnyUser)
	return s.personalize(page, p, q), nil
}

// personalize is a shared page as p sees it: with the phone numbers when p may call.
func (s *Skills) personalize(shared *DirectoryPage, p *Principal, q DirectoryQuery) *DirectoryPage {
	page := *shared
	page.Full = p.Staff[q.CommunityID] || p.Captain[q.BuildingID] == q.CommunityID
	if page.Full {
		page.Items = slices.Clone(shared.Items)
		for i := range page.Items {
			r := &page.Items[i]
			r.Phone = s.users.PhoneOf(&model.User{ID: r.UserID, PhoneCipher: r.PhoneCipher})
		}
	}
	return &page
}

// search reads a page of the directory from the database, without phone numbers.
func (s *Skills) search(ctx context.Context, p *Principal, q DirectoryQuery) (*DirectoryPage, error) {
	if _, err := s.places.Community(ctx, q.CommunityID); err != nil {
		return nil, err
	}
	if err := Authorize(p, ActCommunityView, Scope{CommunityID: q.CommunityID}); err != nil {
		return nil, err
	}
	b, err := s.store.BuildingByID(ctx, q.BuildingID)
	if errors.Is(err, model.ErrNotFound) || (err == nil && b.CommunityID != q.CommunityID) {
		return nil, Invalid("building_id", "楼栋不存在或不属于该社区")
	}
	if err != nil {
		return nil, err
	}
	sk, err := s.resolveSkill(ctx, q.CommunityID, "skill", q.Skill)
	if err != nil {
		return nil, err
	}
	after, err := ParseDirectoryCursor(q.Cursor)
	if err != nil {
		return nil, err
	}
	mq := model.DirectoryQuery{SkillID: sk.ID, BuildingID: b.ID, EstateID: b.EstateID, After: after, Limit: q.Limit + 1}
	if q.At != nil {
		t := q.At.In(clock.China)
		mq.Weekday, mq.Minute = isoWeekday(t), t.Hour()*60+t.Minute()
	}
	rows, err := s.store.Directory(ctx, mq)
	if err != nil {
		return nil, err
	}
	rows, more := trimPage(rows, q.Limit)
	page := &DirectoryPage{Skill: *sk, Items: make([]DirectoryEntry, len(rows))}
	ids := make([]uint64, len(rows))
	for i, r := range rows {
		ids[i] = r.ProfileID
		page.Items[i].DirectoryRow = r
	}
	skills, windows, err := s.keptDetails(ctx, ids)
	if err != nil {
		return nil, err
	}
	for i := range page.Items {
		page.Items[i].Skills, page.Items[i].Windows = skills[ids[i]], windows[ids[i]]
	}
	if more {
		page.NextCursor = FormatDirectoryCursor(rows[len(rows)-1].Cursor())
	}
	return page, nil
}

// profileDetails loads the skills and windows of a page of profiles (two indexed queries).
func (s *Skills) profileDetails(ctx context.Context, ids []uint64) (map[uint64][]model.ProfileSkill, map[uint64][]model.SkillWindow, error) {
	ps, err := s.store.ProfileSkills(ctx, ids)
	if err != nil {
		return nil, nil, err
	}
	ws, err := s.store.ProfileWindows(ctx, ids)
	if err != nil {
		return nil, nil, err
	}
	skills, windows := map[uint64][]model.ProfileSkill{}, map[uint64][]model.SkillWindow{}
	for _, x := range ps {
		skills[x.ProfileID] = append(skills[x.ProfileID], x)
	}
	for _, w := range ws {
		windows[w.ProfileID] = append(windows[w.ProfileID], w)
	}
	return skills, windows, nil
}

// isoWeekday is 1 for Monday … 7 for Sunday.
func isoWeekday(t time.Time) int {
	if wd := int(t.Weekday()); wd != 0 {
		return wd
	}
	return 7
}

// FormatDirectoryCursor writes a directory position as "distance.open.rating.profile".
func FormatDirectoryCursor(c model.DirectoryCursor) string {
	return fmt.Sprintf("%d.%d.%d.%d", c.Distance, c.Open, c.Rating, c.ProfileID)
}

// ParseDirectoryCursor reads a cursor made by FormatDirectoryCursor; "" is the first page.
func ParseDirectoryCursor(s string) (*model.DirectoryCursor, error) {
	if s == "" {
		return nil, nil
	}
	parts := strings.Split(s, ".")
	var n [4]uint64
	if len(parts) != 4 {
		return nil, Invalid("cursor", "cursor 无效，请从第一页重新加载")
	}
	for i, part := range parts {
		v, err := strconv.ParseUint(part, 10, 63)
		if err != nil || (i < 3 && v > 1<<31) {
			return nil, Invalid("cursor", "cursor 无效，请从第一页重新加载")
		}
		n[i] = v
	}
	return &model.DirectoryCursor{Distance: int(n[0]), Open: int(n[1]), Rating: int(n[2]), ProfileID: n[3]}, nil
}

// StaffProfile is a listing as staff see it.
type StaffProfile struct {
	model.ProfileRow
	Skills  []model.ProfileSkill
	Windows []model.SkillWindow
	Phone   string
}

// Profiles lists a community's listings for its staff (held ones only when heldOnly), in the
// order they were first made; canCall adds phone numbers. The caller asked the policy.
func (s *Skills) Profiles(ctx context.Context, communityID uint64, heldOnly, canCall bool, afterID uint64, limit int) ([]StaffProfile, bool, error) {
	rows, err := s.store.SkillProfiles(ctx, model.ProfileFilter{CommunityID: communityID, HeldOnly: heldOnly,
		AfterID: afterID, Limit: limit + 1})
	if err != nil {
		return nil, false, err
	}
	rows, more := trimPage(rows, limit)
	ids := make([]uint64, len(rows))
	for i, r := range rows {
		ids[i] = r.ID
	}
	skills, windows, err := s.profileDetails(ctx, ids)
	if err != nil {
		return nil, false, err
	}
	out := make([]StaffProfile, len(rows))
	for i, r := range rows {
		out[i] = StaffProfile{ProfileRow: r, Skills: skills[r.ID], Windows: windows[r.ID]}
		if canCall {
			out[i].Phone = s.users.PhoneOf(&model.User{ID: r.UserID, PhoneCipher: r.PhoneCipher})
		}
	}
	return out, more, nil
}

// Verify marks (or unmarks) one skill of a person's listing in the community as verified by
// staff (byID); 404 when the person does not list that skill there.
func (s *Skills) Verify(ctx context.Context, communityID, userID, skillID uint64, verified bool, byID uint64) error {
	err := s.store.VerifySkill(ctx, communityID, userID, skillID, verified, byID, s.now())
	if errors.Is(err, model.ErrNotFound) {
		return Errorf(KindNotFound, "此人未在本社区登记该技能")
	}
	if err != nil {
		return err
	}
	s.directoryChanged(ctx)
	return nil
}

// Release lists a profile whose intro was held for review (staff read it); 409 when it is not
// held, 404 when there is no such listing in the community.
func (s *Skills) Release(ctx context.Context, communityID, userID uint64) error {
	var released bool
	err := s.store.Tx(ctx, func(tx *model.Store) error {
		var err error
		released, err = tx.ReleaseSkillIntro(ctx, communityID, userID)
		return err
	})
	if err != nil {
		return err
	}
	if released {
		s.directoryChanged(ctx)
		return nil
	}
	p, err := s.store.SkillProfileOf(ctx, userID)
	if err != nil || p.CommunityID != communityID || p.Withdrawn {
		return Errorf(KindNotFound, "此人未在本社区登记技能")
	}
	return Errorf(KindConflict, "该登记不在待审核状态")
}

// PersonProfile returns a person's live listing in the community as staff see it (canCall
// adds the phone); 404 when they have none there.
func (s *Skills) PersonProfile(ctx context.Context, communityID, userID uint64, canCall bool) (*StaffProfile, error) {
	v, err := s.Profile(ctx, userID)
	if err != nil || v.Profile.CommunityID != communityID {
		return nil, Errorf(KindNotFound, "此人未在本社区登记技能")
	}
	u, err := s.store.UserByID(ctx, userID)
	if err != nil {
		return nil, err
	}
	out := &StaffProfile{ProfileRow: model.ProfileRow{SkillProfile: v.Profile, Nickname: u.Nickname, BuildingName: v.BuildingName},
		Skills: v.Skills, Windows: v.Windows}
	if canCall {
		out.Phone = s.users.PhoneOf(u)
	}
	return out, nil
}
