package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"linli/app"
	"linli/model"
	"linli/scripts/internal/loadenv"
	"linli/service"
)

// world is the seeded community and what the searches need.
type world struct {
	rnd       *rand.Rand
	community uint64
	buildings []uint64
	estateOf  map[uint64]uint64
	skills    []uint64
	staff     *service.Principal
	token     string
}

// skillWeights makes some skills common (electricians, plumbers) and others rare.
var skillWeights = []int{16, 14, 6, 12, 10, 5, 8, 4, 4, 9, 6, 6}

// seed builds the places, skills and a staff member through the services, then bulk-inserts
// residents (with approved residencies), listings, their skills and weekly windows through
// the store.
func seed(ctx context.Context, a *app.App, o options) (*world, error) {
	s := a.Services
	w := &world{rnd: rand.New(rand.NewPCG(uint64(o.seed), 0x5eed)), estateOf: map[uint64]uint64{}}
	com, err := s.Places.CreateCommunity(ctx, "东亭社区", "武昌区")
	if err != nil {
		return nil, err
	}
	w.community = com.ID
	buildings, estates, err := loadenv.Buildings(ctx, s, com.ID, 10, 10)
	if err != nil {
		return nil, err
	}
	for i, b := range buildings {
		w.buildings = append(w.buildings, b)
		w.estateOf[b] = estates[i]
	}
	skills, err := s.Skills.List(ctx, com.ID)
	if err != nil {
		return nil, err
	}
	for _, sk := range skills {
		w.skills = append(w.skills, sk.ID)
	}
	login, err := s.Auth.DevLogin(ctx, "bench-staff", "127.0.0.1")
	if err != nil {
		return nil, err
	}
	if _, _, err := s.Roles.Grant(ctx, service.Grant{UserID: login.UserID, Role: model.RoleStaff, CommunityID: com.ID}); err != nil {
		return nil, err
	}
	if w.staff, err = s.Principals.Load(ctx, login.UserID); err != nil {
		return nil, err
	}
	w.token = login.Token

	now := time.Now().UTC().Truncate(time.Microsecond)
	users := make([]model.User, o.residents)
	step := o.residents / o.profiles // listed people are spread over the buildings
	for i := range users {
		openid := fmt.Sprintf("bench-resident-%05d", i)
		users[i] = model.User{OpenID: &openid, Nickname: fmt.Sprintf("邻居%05d", i), CreatedAt: now, UpdatedAt: now}
		if i%step == 0 {
			phone := fmt.Sprintf("139%08d", i)
			users[i].PhoneCipher, users[i].PhoneMasked = s.Secrets.Seal(phone), service.MaskPhone(phone)
		}
	}
	if err := a.Store.InsertBatches(ctx, &users, 500); err != nil {
		return nil, err
	}
	res := make([]model.Residency, len(users))
	for i, u := range users {
		b := w.buildings[i%len(w.buildings)]
		res[i] = model.Residency{UserID: u.ID, CommunityID: com.ID, BuildingID: b, Room: fmt.Sprint(101 + i/len(w.buildings)),
			Status: model.ResidencyApproved, CreatedAt: now, UpdatedAt: now}
	}
	if err := a.Store.InsertBatches(ctx, &res, 500); err != nil {
		return nil, err
	}
	profiles := make([]model.SkillProfile, 0, o.profiles)
	for i := 0; i < len(users) && len(profiles) < o.profiles; i += step {
		b := res[i].BuildingID
		count := w.rnd.IntN(21)
		sum := 0
		for range count {
			sum += 3 + w.rnd.IntN(3)
		}
		x100 := 0
		if count > 0 {
			x100 = sum * 100 / count
		}
		reach := []int{model.ReachBuilding, model.ReachEstate, model.ReachEstate, model.ReachCommunity, model.ReachCommunity}[w.rnd.IntN(5)]
		profiles = append(profiles, model.SkillProfile{UserID: users[i].ID, CommunityID: com.ID, EstateID: w.estateOf[b],
			BuildingID: b, Intro: "热心邻居，愿意帮忙", Reach: reach, Visible: w.rnd.IntN(20) != 0,
			OpenDispatches: w.rnd.IntN(4), RatingSum: sum, RatingCount: count, RatingX100: x100, CreatedAt: now, UpdatedAt: now})
	}
	if err := a.Store.InsertBatches(ctx, &profiles, 500); err != nil {
		return nil, err
	}
	var listings []model.SkillListing
	var windows []model.SkillWindow
	for _, p := range profiles {
		n := 1 + w.rnd.IntN(3)
		var chosen []uint64
		for len(chosen) < n {
			sk := w.pickSkill()
			if !contains(chosen, sk) {
				chosen = append(chosen, sk)
				listings = append(listings, model.SkillListing{ProfileID: p.ID, SkillID: sk, Listed: p.Listed(), Reach: p.Reach,
					EstateID: p.EstateID, BuildingID: p.BuildingID, Verified: w.rnd.IntN(5) == 0})
			}
		}
		days := w.rnd.Perm(7)[:1+w.rnd.IntN(4)]
		for _, d := range days {
			start := (7 + w.rnd.IntN(12)) * 60
			windows = append(windows, model.SkillWindow{ProfileID: p.ID, Weekday: d + 1, StartMin: start,
				EndMin: min(start+(2+w.rnd.IntN(5))*60, 24*60)})
		}
	}
	if err := a.Store.InsertBatches(ctx, &listings, 500); err != nil {
		return nil, err
	}
	return w, a.Store.InsertBatches(ctx, &windows, 500)
}

func (w *world) pickSkill() uint64 {
	total := 0
	for _, x := range skillWeights {
		total += x
	}
	r := w.rnd.IntN(total)
	for i, x := range skillWeights {
		if r < x && i < len(w.skills) {
			return w.skills[i]
		}
		r -= x
	}
	return w.skills[len(w.skills)-1]
}

func contains(list []uint64, v uint64) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// searchQuery is the service's form of a query.
func searchQuery(community uint64, q query, at *time.Time) service.DirectoryQuery {
	return service.DirectoryQuery{CommunityID: community, Skill: fmt.Sprint(q.skill), BuildingID: q.building, At: at, Limit: 20}
}
