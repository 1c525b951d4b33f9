package district

import (
	"context"
	"fmt"
	"time"

	"linli/model"
	"linli/service"
)

// batch is the number of rows per multi-row INSERT.
const batch = 1000

// people makes the residents (each with an approved residency in a room of a household), the
// staff and the captains, and a few claims still waiting for a decision.
func (c *community) people(ctx context.Context) error {
	sh := c.shape
	created := c.now.AddDate(0, 0, -sh.Days-30)
	var users []model.User
	add := func(kind string, n int, nick string) {
		openid := "dev:" + OpenID(c.id, kind, n)
		users = append(users, model.User{OpenID: &openid, Nickname: nick, CreatedAt: created, UpdatedAt: created})
	}
	for i := range sh.Staff {
		add("staff", i, fmt.Sprintf("网格员%d号", i+1))
	}
	for i := range sh.Captains {
		add("cap", i, fmt.Sprintf("楼栋长%d号", i+1))
	}
	for i := range sh.Residents + sh.Pending {
		add("r", i, fmt.Sprintf("邻居%d", i))
	}
	if err := c.store.InsertBatches(ctx, &users, batch); err != nil {
		return err
	}
	for i := range sh.Staff {
		c.staff = append(c.staff, users[i].ID)
	}
	for i := range sh.Captains {
		c.captains = append(c.captains, users[sh.Staff+i].ID)
	}
	perBuilding := max(1, sh.Households/len(c.buildings))
	room := func(h int) (uint64, string) {
		b := c.buildings[(h/perBuilding)%len(c.buildings)]
		k := h % perBuilding
		return b, fmt.Sprintf("%d%02d", k/2+1, k%2+1) // two flats a floor: 101, 102, 201, …
	}
	var res []model.Residency
	decided := created.Add(48 * time.Hour)
	system := (*uint64)(nil)
	for i := range sh.Residents {
		uid := users[sh.Staff+sh.Captains+i].ID
		b, r := room(i % sh.Households)
		res = append(res, model.Residency{UserID: uid, CommunityID: c.id, BuildingID: b, Room: r,
			Status: model.ResidencyApproved, DecidedBy: system, DecidedAt: &decided, CreatedAt: created, UpdatedAt: decided})
		c.residents = append(c.residents, uid)
		c.residentBuilding = append(c.residentBuilding, b)
		c.byBuilding[b] = append(c.byBuilding[b], uid)
	}
	// Each captain lives in the first of their buildings.
	for k, uid := range c.captains {
		b := c.buildings[(k*sh.BuildingsPerCaptain)%len(c.buildings)]
		res = append(res, model.Residency{UserID: uid, CommunityID: c.id, BuildingID: b, Room: fmt.Sprintf("%d01", 30+k),
			Status: model.ResidencyApproved, DecidedAt: &decided, CreatedAt: created, UpdatedAt: decided})
	}
	for i := range sh.Pending { // newcomers of the last days
		uid := users[sh.Staff+sh.Captains+sh.Residents+i].ID
		b, _ := room(c.rnd.IntN(sh.Households))
		at := c.now.Add(-c.rndDuration(72))
		res = append(res, model.Residency{UserID: uid, CommunityID: c.id, BuildingID: b, Room: fmt.Sprintf("%d08", 40+i),
			Status: model.ResidencyPending, CreatedAt: at, UpdatedAt: at})
	}
	return c.store.InsertBatches(ctx, &res, batch)
}

// rndDuration is a random duration up to hours.
func (c *community) rndDuration(hours int) time.Duration {
	return time.Duration(c.rnd.Int64N(int64(hours) * int64(time.Hour)))
}

// roles grants staff and captains through the service, as `linli admin grant` does.
func (c *community) roles(ctx context.Context) error {
	for _, uid := range c.staff {
		if _, _, err := c.s.Roles.Grant(ctx, service.Grant{UserID: uid, Role: model.RoleStaff, CommunityID: c.id}); err != nil {
			return err
		}
	}
	per := c.shape.BuildingsPerCaptain
	for k, uid := range c.captains {
		var bs []uint64
		for j := range per {
			bs = append(bs, c.buildings[(k*per+j)%len(c.buildings)])
		}
		if _, _, err := c.s.Roles.Grant(ctx, service.Grant{UserID: uid, Role: model.RoleCaptain, CommunityID: c.id,
			BuildingIDs: bs}); err != nil {
			return err
		}
	}
	return nil
}

// skillWeights makes some skills common (electricians, plumbers) and others rare.
var skillWeights = []int{16, 14, 6, 12, 10, 5, 8, 4, 4, 9, 6, 6}

// skillDirectory lists Profiles residents, spread over the buildings, with one to three skills
// and a few weekly windows each.
func (c *community) skillDirectory(ctx context.Context) error {
	sh := c.shape
	step := max(1, sh.Residents/max(1, sh.Profiles))
	created := c.now.AddDate(0, 0, -c.rnd.IntN(max(1, sh.Days)))
	var profiles []model.SkillProfile
	for i := 0; i < sh.Residents && len(profiles) < sh.Profiles; i += step {
		b := c.residentBuilding[i]
		count := c.rnd.IntN(21)
		sum := 0
		for range count {
			sum += 3 + c.rnd.IntN(3)
		}
		x100 := 0
		if count > 0 {
			x100 = sum * 100 / count
		}
		reach := []int{model.ReachBuilding, model.ReachEstate, model.ReachEstate, model.ReachCommunity, model.ReachCommunity}[c.rnd.IntN(5)]
		profiles = append(profiles, model.SkillProfile{UserID: c.residents[i], CommunityID: c.id, EstateID: c.estateOf[b],
			BuildingID: b, Intro: "热心邻居，愿意帮忙", Reach: reach, Visible: c.rnd.IntN(20) != 0,
			OpenDispatches: c.rnd.IntN(3), RatingSum: sum, RatingCount: count, RatingX100: x100, CreatedAt: created, UpdatedAt: created})
	}
	if err := c.store.InsertBatches(ctx, &profiles, batch); err != nil {
		return err
	}
	var listings []model.SkillListing
	var windows []model.SkillWindow
	for _, p := range profiles {
		n := 1 + c.rnd.IntN(3)
		chosen := map[uint64]bool{}
		for len(chosen) < n && len(chosen) < len(c.skills) {
			sk := c.pickSkill()
			if chosen[sk] {
				continue
			}
			chosen[sk] = true
			listings = append(listings, model.SkillListing{ProfileID: p.ID, SkillID: sk, Listed: p.Listed(), Reach: p.Reach,
				EstateID: p.EstateID, BuildingID: p.BuildingID, Verified: c.rnd.IntN(5) == 0})
		}
		for _, d := range c.rnd.Perm(7)[:1+c.rnd.IntN(4)] {
			start := (7 + c.rnd.IntN(12)) * 60
			windows = append(windows, model.SkillWindow{ProfileID: p.ID, Weekday: d + 1, StartMin: start,
				EndMin: min(start+(2+c.rnd.IntN(5))*60, 24*60)})
		}
	}
	if err := c.store.InsertBatches(ctx, &listings, batch); err != nil {
		return err
	}
	return c.store.InsertBatches(ctx, &windows, batch)
}

func (c *community) pickSkill() uint64 {
	total := 0
	for i := range min(len(skillWeights), len(c.skills)) {
		total += skillWeights[i]
	}
	r := c.rnd.IntN(max(1, total))
	for i := range min(len(skillWeights), len(c.skills)) {
		if r < skillWeights[i] {
			return c.skills[i]
		}
		r -= skillWeights[i]
	}
	return c.skills[len(c.skills)-1]
}
