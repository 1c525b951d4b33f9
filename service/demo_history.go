package service

import (
	"cmp"
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"linli/clock"
	"linli/model"
)

// DemoHistory counts what the demo's year of history holds.
type DemoHistory struct {
	Months, Issues, Activities, Signups, Dispatches, Records, Redemptions, Postings, Topics, Votes, Announcements int
}

// demoHistory writes a year of the demo community's life, so that its dashboard, passbooks and
// leaderboards are worth looking at: issues across categories and buildings with their whole
// timelines (acknowledged, resolved, sometimes reopened, closed, rated), volunteer activities
// with sign-ups, cancellations, attendance and settlement into service records, dispatches to
// listed volunteers, and the time bank's credits, redemptions, transfers and a few corrections.
//
// The rows are written through the store with the times they happened (the services stamp
// everything "now"), one transaction per month; every random choice comes from one seeded
// generator, so that two seeds of the same day produce the same history. Ledger operations
// run in time order with their balances checked, so the ledger passes check-ledger; nothing is
// dated after now and nothing is left half-done (no live dispatch, no credit owed).
type demoHistory struct {
	s   *Services
	st  *model.Store
	rng *rand.Rand
	// councilRng draws the council's history, so that adding it left the rest as it was.
	councilRng *rand.Rand
	// announceRng draws the announcements, for the same reason.
	announceRng *rand.Rand
	now         time.Time

	staff      uint64
	people     []DemoPerson // approved residents and captains: reporters and volunteers
	captainOf  map[uint64]uint64
	categories []model.IssueCategory
	types      []model.ActivityType
	teams      []uint64
	rewards    []model.Reward
	listed     []uint64          // volunteers in the skill directory
	building   map[uint64]uint64 // user → home building
	household  map[uint64]uint64 // user → household (0: none)
	original   map[uint64]uint64 // building → its latest issue not a duplicate
	issuing    uint64
	spending   uint64
	collective uint64
	account    map[uint64]uint64 // user → resident account
	balance    map[uint64]int64  // account → balance, in hundredths
	credits    []model.Posting   // for corrections
	ops        []ledgerOp        // ledger operations not yet due
	seq        int
	out        DemoHistory
}

// seedHistory is the demo's last step: a year of history in the community of r.
func (d *Demo) seedHistory(ctx context.Context, r *DemoResult) error {
	h := &demoHistory{s: d.services, st: d.services.Places.store, rng: rand.New(rand.NewPCG(20240601, 7)), councilRng: rand.New(rand.NewPCG(20240601, 11)),
		announceRng: rand.New(rand.NewPCG(20240601, 13)),
		now:         d.services.Clock.Now().UTC().Truncate(time.Second), captainOf: map[uint64]uint64{}, building: map[uint64]uint64{}, household: map[uint64]uint64{},
		account: map[uint64]uint64{}, balance: map[uint64]int64{}, original: map[uint64]uint64{}}
	if err := h.setup(ctx, r); err != nil {
		return err
	}
	first, _, _ := ParseMonth(MonthOf(h.now.AddDate(-1, 0, 0)))
	for from := first; from.Before(h.now); from = from.AddDate(0, 1, 0) {
		to := from.AddDate(0, 1, 0)
		if err := h.st.Tx(ctx, func(tx *model.Store) error { return h.month(ctx, tx, r.CommunityID, from, to) }); err != nil {
			return fmt.Errorf("history of %s: %w", MonthOf(from), err)
		}
		h.out.Months++
	}
	for _, w := range h.rewards { // the stock the redemptions left
		if err := h.st.UpdateReward(ctx, w.ID, map[string]any{"stock": w.Stock}); err != nil {
			return err
		}
	}
	r.History = &h.out
	return nil
}

// setup makes what the history happens among: categories, activity types and skills (the
// defaults), teams, rewards, accounts and the skill directory's listings.
func (h *demoHistory) setup(ctx context.Context, r *DemoResult) error {
	cid := r.CommunityID
	h.staff = r.WithRole(model.RoleStaff)[0].UserID
	for _, p := range r.People {
		if p.Role == DemoResident || p.Role == model.RoleCaptain {
			h.people = append(h.people, p)
			h.building[p.UserID] = p.BuildingID
			hs, err := h.st.UserHouseholds(ctx, p.UserID, cid)
			if err != nil {
				return err
			}
			if len(hs) > 0 {
				h.household[p.UserID] = hs[0].ID
			}
		}
		for _, b := range p.BuildingIDs {
			h.captainOf[b] = p.UserID
		}
	}
	var err error
	if h.categories, err = h.s.IssueCategories.List(ctx, cid, true); err != nil {
		return err
	}
	if h.types, err = h.s.Activities.Types(ctx, cid, true); err != nil {
		return err
	}
	skills, err := h.s.Skills.List(ctx, cid)
	if err != nil {
		return err
	}
	start := h.now.AddDate(-1, -1, 0)
	for i, name := range []string{"红帽子巡逻队", "红管家助老队", "馨帮手环境队"} {
		t := &model.Team{CommunityID: cid, Name: name, Description: "东亭社区志愿服务队", CreatedBy: h.staff, CreatedAt: start}
		if err := h.st.CreateTeam(ctx, t); err != nil {
			return err
		}
		h.teams = append(h.teams, t.ID)
		for j, p := range h.people {
			if j%3 == i {
				role := model.TeamMember
				if j < 3 {
					role = model.TeamLeader
				}
				if err := h.st.SetTeamMember(ctx, t.ID, p.UserID, role, start); err != nil {
					return err
				}
			}
		}
	}
	for _, w := range []model.Reward{
		{Name: "少儿书法课（一课时）", Kind: model.RewardCourse, MerchantName: "东亭社区学校", Price: 500, Stock: 40},
		{Name: "理发一次", Kind: model.RewardMerchant, MerchantName: "东亭理发店", Price: 300, Stock: 60},
		{Name: "家电清洗", Kind: model.RewardService, MerchantName: "能人库志愿者", Price: 800, Stock: 20},
		{Name: "邻里生活超市 10 元券", Kind: model.RewardMerchant, MerchantName: "邻里生活超市", Price: 1000, Stock: 50},
		{Name: "“最美志愿者”荣誉证书", Kind: model.RewardHonour, MerchantName: "东亭社区居委会", Price: 2000, Stock: 10},
	} {
		w.CommunityID, w.Description, w.Active, w.CreatedBy, w.CreatedAt, w.UpdatedAt = cid, w.Name, true, h.staff, start, start
		if err := h.st.CreateReward(ctx, &w); err != nil {
			return err
		}
		h.rewards = append(h.rewards, w)
	}
	ensure := func(kind, owner, name string, user uint64) (uint64, error) {
		a, err := h.st.EnsureAccount(ctx, &model.Account{CommunityID: cid, OwnerKey: owner, Kind: kind, Name: name,
			UserID: user, CreatedBy: h.staff})
		if err != nil {
			return 0, err
		}
		return a.ID, nil
	}
	if h.issuing, err = ensure(model.AccountIssuing, model.AccountIssuing, "时间银行", 0); err != nil {
		return err
	}
	if h.spending, err = ensure(model.AccountSpending, model.AccountSpending, "社区公益账户", 0); err != nil {
		return err
	}
	if h.collective, err = ensure(model.AccountCollective, model.CollectiveOwnerKey("东亭花园院落集体卡"), "东亭花园院落集体卡", 0); err != nil {
		return err
	}
	for _, p := range h.people {
		if h.account[p.UserID], err = ensure(model.AccountResident, model.ResidentOwnerKey(p.UserID), "", p.UserID); err != nil {
			return err
		}
	}
	for i, p := range h.people {
		if i%5 > 1 { // two in five are listed
			continue
		}
		ids := []uint64{skills[i%len(skills)].ID, skills[(i*7+3)%len(skills)].ID}
		b, err := h.st.BuildingByID(ctx, p.BuildingID)
		if err != nil {
			return err
		}
		prof := &model.SkillProfile{UserID: p.UserID, CommunityID: cid, EstateID: b.EstateID, BuildingID: p.BuildingID,
			Intro: "热心邻居，有空就来帮忙", Reach: model.ReachCommunity, Visible: true, CreatedAt: start, UpdatedAt: start}
		if err := h.st.SaveSkillProfile(ctx, prof, slices.Compact(ids), nil); err != nil {
			return err
		}
		if i%2 == 0 {
			if err := h.st.VerifySkill(ctx, cid, p.UserID, ids[0], true, h.staff, start); err != nil {
				return err
			}
		}
		h.listed = append(h.listed, p.UserID)
	}
	return nil
}

// month writes one month [from, to) (up to now).
func (h *demoHistory) month(ctx context.Context, tx *model.Store, cid uint64, from, to time.Time) error {
	summer := from.Month() >= time.June && from.Month() <= time.August
	issues := 45 + h.rng.IntN(25)
	if summer {
		issues += 20 // storms, water and lighting
	}
	var events []model.IssueEvent
	for range issues {
		ev, err := h.issue(ctx, tx, cid, h.when(from, to))
		if err != nil {
			return err
		}
		events = append(events, ev...)
	}
	if len(events) > 0 {
		if err := tx.InsertBatches(ctx, &events, 200); err != nil {
			return err
		}
	}
	for range 6 + h.rng.IntN(5) {
		if err := h.activity(ctx, tx, cid, h.when(from, to)); err != nil {
			return err
		}
	}
	for range 8 + h.rng.IntN(8) {
		h.redeem(cid, h.when(from, to))
	}
	for range 1 + h.rng.IntN(3) {
		h.transfer(cid, h.when(from, to))
	}
	if from.Month()%5 == 0 {
		h.correct(cid, h.when(from, to))
	}
	if err := h.council(ctx, tx, cid, from, to); err != nil {
		return err
	}
	if err := h.announcements(ctx, tx, cid, from, to); err != nil {
		return err
	}
	return h.runOps(ctx, tx, to)
}

// when is a random time of day (07:00–21:00 Shanghai) in [from, to).
func (h *demoHistory) when(from, to time.Time) time.Time {
	days := int(to.Sub(from).Hours()/24 + 0.5)
	return from.AddDate(0, 0, h.rng.IntN(days)).Add(time.Duration(7*60+h.rng.IntN(14*60)) * time.Minute)
}

// after is t plus a random duration: mean minutes, exponentially distributed, at least 5 min.
func (h *demoHistory) after(t time.Time, mean float64) time.Time {
	return t.Add(time.Duration(5+h.rng.ExpFloat64()*mean) * time.Minute).Truncate(time.Second)
}

// pick returns a random element.
func pick[T any](rng *rand.Rand, s []T) T { return s[rng.IntN(len(s))] }

// demoWeights are how often each default category is reported, of about a hundred; heating
// only in the cold months.
var demoWeights = map[string]int{"照明": 16, "供水": 14, "环境卫生": 16, "宠物扰民": 9, "安全隐患": 6, "公共设施": 14,
	"邻里纠纷": 6, "其他": 8}

// category picks the category of an issue reported at t.
func (h *demoHistory) category(t time.Time) model.IssueCategory {
	weight := func(c model.IssueCategory) int {
		if c.Name == "供暖" {
			if m := t.In(clock.China).Month(); m >= time.November || m <= time.March {
				return 14
			}
			return 1
		}
		return cmp.Or(demoWeights[c.Name], 5)
	}
	total := 0
	for _, c := range h.categories {
		total += weight(c)
	}
	n := h.rng.IntN(total)
	for _, c := range h.categories {
		if n -= weight(c); n < 0 {
			return c
		}
	}
	return h.categories[len(h.categories)-1]
}
