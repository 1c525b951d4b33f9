package service

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"linli/cache"
	"linli/model"
)

// defaultSkills is every community's starting skill list (能人库); staff may add more.
var defaultSkills = []string{"电工", "水暖", "开锁修锁", "家电维修", "电脑手机", "理发", "护理", "法律咨询",
	"心理疏导", "辅导功课", "缝补", "其他"}

// Reaches names the service scopes of a listing, nearest first.
var Reaches = map[string]int{"building": model.ReachBuilding, "estate": model.ReachEstate, "community": model.ReachCommunity}

// ReachName is the name of a reach.
func ReachName(r int) string {
	for name, v := range Reaches {
		if v == r {
			return name
		}
	}
	return "building"
}

// Limits of a listing.
const (
	maxProfileSkills  = 10
	maxProfileWindows = 21
	maxSkillName      = 16
)

// Skills is the skill directory (能人库): the skill list, people's listings, staff verification,
// and the search (directory.go).
type Skills struct {
	store  *model.Store
	places *Places
	safety *Safety
	users  *Users
	now    func() time.Time
	// dir keeps directory pages in memory (directory_memory.go).
	dir *dirMemory
	log *slog.Logger
}

// NewSkills builds the skill directory service.
func NewSkills(store *model.Store, places *Places, safety *Safety, users *Users, inval *cache.Invalidations,
	log *slog.Logger) *Skills {
	return &Skills{store: store, places: places, safety: safety, users: users, dir: newDirMemory(inval), log: log,
		now: func() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }}
}

// List returns the community's skills, creating the defaults the first time.
func (s *Skills) List(ctx context.Context, communityID uint64) ([]model.Skill, error) {
	list, err := s.store.Skills(ctx, communityID)
	if err != nil {
		return nil, err
	}
	if len(list) > 0 {
		return list, nil
	}
	now := s.now()
	defs := make([]model.Skill, len(defaultSkills))
	for i, name := range defaultSkills {
		defs[i] = model.Skill{CommunityID: communityID, Name: name, SortOrder: (i + 1) * 10, CreatedAt: now}
	}
	if err := s.store.EnsureSkills(ctx, defs); err != nil {
		return nil, err
	}
	if list, err = s.store.Skills(ctx, communityID); err != nil {
		return nil, err
	}
	return list, nil
}

// Create adds a skill to the community's list (staff; the caller asked the policy).
func (s *Skills) Create(ctx context.Context, communityID uint64, name string) (*model.Skill, error) {
	name = strings.TrimSpace(name)
	if name == "" || utf8.RuneCountInString(name) > maxSkillName || strings.IndexFunc(name, unicode.IsControl) >= 0 {
		return nil, Invalid("name", "技能名称须为 1–16 个字")
	}
	list, err := s.List(ctx, communityID) // defaults first, so the new one sorts after them
	if err != nil {
		return nil, err
	}
	order := 0
	for _, sk := range list {
		order = max(order, sk.SortOrder)
	}
	sk := &model.Skill{CommunityID: communityID, Name: name, SortOrder: order + 10, CreatedAt: s.now()}
	if err := s.store.CreateSkill(ctx, sk); err != nil {
		if errors.Is(err, model.ErrConflict) {
			return nil, Errorf(KindConflict, "技能「%s」已存在", name)
		}
		return nil, err
	}
	s.directoryChanged(ctx) // the kept skill lists lack it
	return sk, nil
}

// Resolve finds a skill of the community by id or by name; anything else is a 400 naming field.
func (s *Skills) Resolve(ctx context.Context, communityID uint64, field, ref string) (*model.Skill, error) {
	list, err := s.List(ctx, communityID)
	if err != nil {
		return nil, err
	}
	ref = strings.TrimSpace(ref)
	for i := range list {
		if idStr(list[i].ID) == ref || list[i].Name == ref {
			return &list[i], nil
		}
	}
	return nil, Invalid(field, "技能不存在或不属于该社区")
}

// WindowInput is one weekly availability window as the client writes it: weekday 1 (Monday)
// to 7 (Sunday), start and end as "HH:MM" ("24:00" ends a day).
type WindowInput struct {
	Weekday    int
	Start, End string
}

// ProfileInput is what a person lists.
type ProfileInput struct {
	// BuildingID is the home building; 0 takes the only building the person lives in.
	BuildingID uint64
	SkillIDs   []uint64
	Intro      string
	Windows    []WindowInput
	Reach      string
	Visible    bool
}

// ProfileView is a listing with its skills, windows and place names.
type ProfileView struct {
	Profile      model.SkillProfile
	Skills       []model.ProfileSkill
	Windows      []model.SkillWindow
	BuildingName string
	EstateName   string
}

// Profile returns the user's own listing; 404 when there is none.
func (s *Skills) Profile(ctx context.Context, userID uint64) (*ProfileView, error) {
	p, err := s.store.SkillProfileOf(ctx, userID)
	if errors.Is(err, model.ErrNotFound) || (err == nil && p.Withdrawn) {
		return nil, Errorf(KindNotFound, "你还没有登记技能")
	}
	if err != nil {
		return nil, err
	}
	v := &ProfileView{Profile: *p}
	if v.Skills, err = s.store.ProfileSkills(ctx, []uint64{p.ID}); err != nil {
		return nil, err
	}
	if v.Windows, err = s.store.ProfileWindows(ctx, []uint64{p.ID}); err != nil {
		return nil, err
	}
	b, err := s.places.Building(ctx, p.BuildingID)
	if err != nil {
		return nil, err
	}
	v.BuildingName, v.EstateName = b.Name, b.EstateName
	return v, nil
}

// SaveProfile creates or replaces the caller's listing. Only approved residents list
// themselves, in a building they live in. The intro passes content safety first: risky text
// is refused (422); text it cannot clear now is kept but held, and the listing stays out of
// the directory until staff release it or the owner rewrites it.
func (s *Skills) SaveProfile(ctx context.Context, p *Principal, in ProfileInput) (*ProfileView, error) {
	bid := in.BuildingID
	if bid == 0 {
		var homes []uint64
		for b := range p.Resident {
			homes = append(homes, b)
		}
		switch len(homes) {
		case 0:
			return nil, Errorf(KindForbidden, "通过房屋认证后才能登记技能")
		case 1:
			bid = homes[0]
		default:
			return nil, Invalid("building_id", "你在多个楼栋有认证，请选择以哪个楼栋登记")
		}
	}
	b, err := s.places.Building(ctx, bid)
	if err != nil {
		return nil, err
	}
	if p.Resident[bid] != b.CommunityID {
		return nil, Errorf(KindForbidden, "只能以自己通过认证的楼栋登记技能")
	}
	skillIDs, err := s.ownSkills(ctx, b.CommunityID, in.SkillIDs)
	if err != nil {
		return nil, err
	}
	windows, err := parseWindows(in.Windows)
	if err != nil {
		return nil, err
	}
	reach, ok := Reaches[in.Reach]
	if !ok {
		return nil, Invalid("reach", "服务范围只能是 building、estate 或 community")
	}
	intro := strings.TrimSpace(in.Intro)
	held := false
	switch s.checkText(ctx, p.UserID, intro) {
	case VerdictRisky:
		return nil, Errorf(KindUnprocessable, "自我介绍未通过内容安全检查，请修改后再提交")
	case VerdictReview:
		held = true
	}
	now := s.now()
	prof := &model.SkillProfile{UserID: p.UserID, CommunityID: b.CommunityID, EstateID: b.EstateID, BuildingID: b.ID,
		Intro: intro, IntroHeld: held, Reach: reach, Visible: in.Visible, CreatedAt: now, UpdatedAt: now}
	err = s.store.Tx(ctx, func(tx *model.Store) error { return tx.SaveSkillProfile(ctx, prof, skillIDs, windows) })
	if errors.Is(err, model.ErrConflict) {
		return nil, Errorf(KindConflict, "技能登记正在保存，请勿重复提交")
	}
	if err != nil {
		return nil, err
	}
	s.directoryChanged(ctx)
	return s.Profile(ctx, p.UserID)
}

// ownSkills checks that ids are distinct skills of the community.
func (s *Skills) ownSkills(ctx context.Context, communityID uint64, ids []uint64) ([]uint64, error) {
	if len(ids) == 0 || len(ids) > maxProfileSkills {
		return nil, Invalid("skill_ids", fmt.Sprintf("请选择 1–%d 项技能", maxProfileSkills))
	}
	list, err := s.List(ctx, communityID)
	if err != nil {
		return nil, err
	}
	out := slices.Clone(ids)
	slices.Sort(out)
	if len(slices.Compact(out)) != len(ids) {
		return nil, Invalid("skill_ids", "技能不能重复")
	}
	for _, id := range ids {
		if !slices.ContainsFunc(list, func(sk model.Skill) bool { return sk.ID == id }) {
			return nil, Invalid("skill_ids", "技能不存在或不属于该社区")
		}
	}
	return ids, nil
}

// parseWindows checks the windows (1–21, each end after its start, none overlapping another
// of the same weekday) and returns them in minutes, sorted.
func parseWindows(in []WindowInput) ([]model.SkillWindow, error) {
	if len(in) == 0 || len(in) > maxProfileWindows {
		return nil, Invalid("windows", fmt.Sprintf("请填写 1–%d 个每周可服务时段", maxProfileWindows))
	}
	out := make([]model.SkillWindow, len(in))
	for i, w := range in {
		field := fmt.Sprintf("windows[%d]", i)
		if w.Weekday < 1 || w.Weekday > 7 {
			return nil, Invalid(field+".weekday", "星期须为 1（周一）到 7（周日）")
		}
		start, ok := parseClock(w.Start)
		if !ok || start == 24*60 {
			return nil, Invalid(field+".start", "开始时间格式应为 HH:MM，如 09:00")
		}
		end, ok := parseClock(w.End)
		if !ok {
			return nil, Invalid(field+".end", "结束时间格式应为 HH:MM，如 18:30（可为 24:00）")
		}
		if end <= start {
			return nil, Invalid(field+".end", "结束时间须晚于开始时间")
		}
		out[i] = model.SkillWindow{Weekday: w.Weekday, StartMin: start, EndMin: end}
	}
	order := make([]int, len(out))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int {
		if out[a].Weekday != out[b].Weekday {
			return out[a].Weekday - out[b].Weekday
		}
		return out[a].StartMin - out[b].StartMin
	})
	for k := 1; k < len(order); k++ {
		prev, cur := out[order[k-1]], out[order[k]]
		if prev.Weekday == cur.Weekday && cur.StartMin < prev.EndMin {
			return nil, Invalid(fmt.Sprintf("windows[%d]", order[k]), "同一天的时段不能重叠")
		}
	}
	sorted := make([]model.SkillWindow, len(out))
	for k, i := range order {
		sorted[k] = out[i]
	}
	return sorted, nil
}

// parseClock reads "HH:MM" (00:00–24:00) as minutes of the day.
func parseClock(s string) (int, bool) {
	if len(s) != 5 || s[2] != ':' {
		return 0, false
	}
	for _, i := range []int{0, 1, 3, 4} {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
	}
	h, m := int(s[0]-'0')*10+int(s[1]-'0'), int(s[3]-'0')*10+int(s[4]-'0')
	if h > 24 || m > 59 || (h == 24 && m != 0) {
		return 0, false
	}
	return h*60 + m, true
}

// FormatClock writes minutes of the day as "HH:MM".
func FormatClock(min int) string { return fmt.Sprintf("%02d:%02d", min/60, min%60) }

// DeleteProfile removes the caller's listing from the directory at once; 404 when there is
// none. Dispatches already offered or accepted stay as they are.
func (s *Skills) DeleteProfile(ctx context.Context, userID uint64) error {
	var found bool
	err := s.store.Tx(ctx, func(tx *model.Store) error {
		var err error
		found, err = tx.WithdrawSkillProfile(ctx, userID)
		return err
	})
	if err != nil {
		return err
	}
	if !found {
		return Errorf(KindNotFound, "你还没有登记技能")
	}
	s.directoryChanged(ctx)
	return nil
}

// checkText runs the content-safety check on a listing with the author's openid.
func (s *Skills) checkText(ctx context.Context, userID uint64, text string) Verdict {
	openid := ""
	if u, err := s.store.UserByID(ctx, userID); err == nil && u.OpenID != nil {
		openid = *u.OpenID
	}
	return s.safety.Text(ctx, openid, SceneProfile, text)
}
