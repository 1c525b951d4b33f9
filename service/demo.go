package service

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"linli/model"
)

// DemoCommunityName names the demo community. Seeding looks for a community of this name to
// know that the demo exists already.
const DemoCommunityName = "东亭社区（演示）"

// demoDistrict is where the real 东亭社区 is (it has 104 buildings, 4,644 households and
// 15,433 residents; the demo has 100 buildings and a few dozen people).
const demoDistrict = "武汉市武昌区"

// Demo seeds a realistic demo community (`linli seed --demo`) through the same services the
// API uses, so that its rows are exactly what the API would have written. Later capabilities
// extend it: add their service as a field, a step to Seed's list (in its own file when it is
// long), and what they created to DemoResult.
type Demo struct {
	Places      *Places
	Roles       *Roles
	Residencies *Residencies
	Users       *Users
	Auth        *Auth
	// services write the year of history (demo_history.go).
	services *Services
}

// NewDemo builds the seeder on the business layer.
func NewDemo(s *Services) *Demo {
	return &Demo{Places: s.Places, Roles: s.Roles, Residencies: s.Residencies, Users: s.Users, Auth: s.Auth, services: s}
}

// Demo roles of DemoPerson.Role besides model.RoleAdmin, RoleStaff and RoleCaptain.
const (
	// DemoResident has an approved residency and no role.
	DemoResident = "resident"
	// DemoNewcomer has a claim waiting in a captain's or staff's queue.
	DemoNewcomer = "newcomer"
)

// DemoResult is what Seed created (or, when Existed, what the demo holds, without ids).
type DemoResult struct {
	// Existed reports that the demo community was there already and nothing was written.
	Existed       bool
	CommunityID   uint64
	CommunityName string
	// Estates lists the estates in the order they were made, with their buildings.
	Estates []DemoEstate
	// People lists everyone with a dev-login openid: admin, staff, captains, residents,
	// newcomers, in that order.
	People []DemoPerson
	// Households counts the households of the register imported (房屋台账).
	Households int
	// History counts the year of history written (nil when the demo existed already).
	History *DemoHistory
}

// DemoEstate is an estate of the demo and its buildings ("1栋", "2栋", … in order).
type DemoEstate struct {
	ID          uint64
	Name        string
	BuildingIDs []uint64
}

// DemoPerson is one demo user.
type DemoPerson struct {
	// OpenID is the dev-login openid (demo-admin, demo-staff, demo-captain-1, …).
	OpenID   string
	Nickname string
	// Role is model.RoleAdmin, model.RoleStaff, model.RoleCaptain, DemoResident or DemoNewcomer.
	Role string
	// Description says in one line who the person is, in Chinese.
	Description string
	UserID      uint64
	// RoleID and BuildingIDs are the person's role and a captain's buildings.
	RoleID      uint64
	BuildingIDs []uint64
	// ResidencyID, BuildingID and Room are the person's residency (approved, or pending for a
	// newcomer); 0 for admin and staff.
	ResidencyID uint64
	BuildingID  uint64
	Room        string
	// Phone is the bound number ("" when none): stored encrypted, as a binding stores it.
	Phone string
	plan  demoPlan
}

// Person returns the demo person with this openid, or nil.
func (r *DemoResult) Person(openid string) *DemoPerson {
	for i := range r.People {
		if r.People[i].OpenID == openid {
			return &r.People[i]
		}
	}
	return nil
}

// WithRole lists the demo people of one role, in order.
func (r *DemoResult) WithRole(role string) []DemoPerson {
	var out []DemoPerson
	for _, p := range r.People {
		if p.Role == role {
			out = append(out, p)
		}
	}
	return out
}

// BuildingIDs lists every building of the demo, estate by estate.
func (r *DemoResult) BuildingIDs() []uint64 {
	var out []uint64
	for _, e := range r.Estates {
		out = append(out, e.BuildingIDs...)
	}
	return out
}

// Seed creates the demo community unless a community named DemoCommunityName exists, in which
// case it writes nothing and returns the plan with Existed set. It runs only in dev mode: the
// demo users are dev-login users. The steps run in order and are not one transaction; should
// one fail, the error says that the demo exists only in part.
func (d *Demo) Seed(ctx context.Context) (*DemoResult, error) {
	if !d.Auth.DevModeEnabled() {
		return nil, errors.New("seed demo: only in dev mode (no WeChat AppID configured): the demo users log in by dev login")
	}
	r := &DemoResult{CommunityName: DemoCommunityName, People: demoPeople()}
	c, err := d.Places.CreateCommunity(ctx, DemoCommunityName, demoDistrict)
	if KindOf(err) == KindConflict {
		r.Existed = true
		r.CommunityID, err = d.findCommunity(ctx, DemoCommunityName)
		return r, err
	}
	if err != nil {
		return nil, fmt.Errorf("seed demo: community: %w", err)
	}
	r.CommunityID = c.ID
	for _, step := range []struct {
		name string
		run  func(context.Context, *DemoResult) error
	}{
		{"estates, buildings and households", d.seedPlaces},
		{"people", d.seedPeople},
		{"roles", d.seedRoles},
		{"residencies", d.seedResidencies},
		{"a year of history", d.seedHistory},
	} {
		if err := step.run(ctx, r); err != nil {
			return nil, fmt.Errorf("seed demo: %s: %w (the demo community %d exists only in part: "+
				"seed a fresh database)", step.name, err, r.CommunityID)
		}
	}
	return r, nil
}

// findCommunity returns the id of the community with this name.
func (d *Demo) findCommunity(ctx context.Context, name string) (uint64, error) {
	var after uint64
	for {
		items, more, err := d.Places.Communities(ctx, after, 100)
		if err != nil {
			return 0, err
		}
		for _, c := range items {
			if c.Name == name {
				return c.ID, nil
			}
		}
		if !more || len(items) == 0 {
			return 0, fmt.Errorf("seed demo: community %q reported as existing but not listed", name)
		}
		after = items[len(items)-1].ID
	}
}

// seedPeople creates the users as their first dev login would, names them and binds their
// phones (sealed with the configured key, as POST /me/phone stores them).
func (d *Demo) seedPeople(ctx context.Context, r *DemoResult) error {
	for i := range r.People {
		p := &r.People[i]
		u, err := d.Auth.EnsureUser(ctx, p.OpenID)
		if err != nil {
			return err
		}
		p.UserID = u.ID
		if err := d.Users.UpdateMe(ctx, u.ID, &p.Nickname, nil); err != nil {
			return err
		}
		if p.Phone != "" {
			if err := d.Users.store.SetPhone(ctx, u.ID, d.Users.secrets.Seal(p.Phone), MaskPhone(p.Phone)); err != nil {
				return err
			}
		}
	}
	return nil
}

// seedRoles grants the platform admin, then staff (granted by the admin), then captains
// (granted by staff), as they would be granted in life.
func (d *Demo) seedRoles(ctx context.Context, r *DemoResult) error {
	admin, staff := r.WithRole(model.RoleAdmin)[0].UserID, r.WithRole(model.RoleStaff)[0].UserID
	for i := range r.People {
		p := &r.People[i]
		g := Grant{UserID: p.UserID, Role: p.Role}
		switch p.Role {
		case model.RoleAdmin:
		case model.RoleStaff:
			g.CommunityID, g.GrantedBy = r.CommunityID, admin
		case model.RoleCaptain:
			g.CommunityID, g.GrantedBy = r.CommunityID, staff
			for _, pl := range p.plan.captainOf {
				g.BuildingIDs = append(g.BuildingIDs, r.building(pl))
			}
		default:
			continue
		}
		rg, _, err := d.Roles.Grant(ctx, g)
		if err != nil {
			return err
		}
		p.RoleID, p.BuildingIDs = rg.ID, rg.BuildingIDs
	}
	return nil
}

// seedResidencies files every claim and approves all but the newcomers'. The captain of the
// building decides, or staff where the building has no captain or the claimant is its captain.
func (d *Demo) seedResidencies(ctx context.Context, r *DemoResult) error {
	captainOf := map[uint64]uint64{}
	for _, c := range r.WithRole(model.RoleCaptain) {
		for _, b := range c.BuildingIDs {
			captainOf[b] = c.UserID
		}
	}
	staff := r.WithRole(model.RoleStaff)[0].UserID
	for i := range r.People {
		p := &r.People[i]
		if p.plan.room == "" {
			continue
		}
		p.BuildingID = r.building(p.plan.home)
		v, err := d.Residencies.Claim(ctx, p.UserID, p.BuildingID, p.plan.room)
		if err != nil {
			return err
		}
		p.ResidencyID, p.Room = v.ID, v.Room
		if p.Role == DemoNewcomer {
			continue
		}
		decider := captainOf[p.BuildingID]
		if decider == 0 || decider == p.UserID {
			decider = staff
		}
		if _, err := d.Residencies.Approve(ctx, decider, v.ID); err != nil {
			return err
		}
	}
	return nil
}

// building is the id of a planned building (Estates must be filled).
func (r *DemoResult) building(pl demoPlace) uint64 {
	return r.Estates[pl.estate].BuildingIDs[pl.number-1]
}

// describe is the one-line description of a planned person.
func (pp demoPlan) describe() string {
	names := demoEstates()
	where := func(pl demoPlace) string { return fmt.Sprintf("%s %d栋", names[pl.estate].name, pl.number) }
	var parts []string
	switch pp.role {
	case model.RoleAdmin:
		parts = append(parts, "平台管理员")
	case model.RoleStaff:
		parts = append(parts, "社区工作者（"+DemoCommunityName+"）")
	case model.RoleCaptain: // runs of buildings of one estate: 东亭花园 1–4栋
		var bs []string
		for i, j := 0, 0; i < len(pp.captainOf); i = j + 1 {
			first := pp.captainOf[i]
			for j = i; j+1 < len(pp.captainOf) && pp.captainOf[j+1] == (demoPlace{first.estate, pp.captainOf[j].number + 1}); {
				j++
			}
			if bs = append(bs, where(first)); j > i {
				bs[len(bs)-1] = fmt.Sprintf("%s %d–%d栋", names[first.estate].name, first.number, pp.captainOf[j].number)
			}
		}
		parts = append(parts, "楼栋长："+strings.Join(bs, "、"))
	}
	if pp.room != "" {
		status := "已认证住户"
		if pp.role == DemoNewcomer {
			status = "待审核"
		}
		parts = append(parts, fmt.Sprintf("%s：%s %s", status, where(pp.home), pp.room))
	}
	if pp.phone != "" {
		parts = append(parts, "已绑定手机")
	}
	return strings.Join(parts, "；")
}

// demoPlace is a planned building: an index into demoEstates and a building number (1-based).
type demoPlace struct{ estate, number int }

// demoPlan is a planned person: a role, a home (room "" for none) and maybe a phone number.
type demoPlan struct {
	openid, nickname, role, phone, room string
	captainOf                           []demoPlace
	home                                demoPlace
}

// demoEstate is a planned estate and its number of buildings.
type demoEstate struct {
	name      string
	buildings int
}

// demoEstates are the estates of the demo: 100 buildings in all.
func demoEstates() []demoEstate {
	return []demoEstate{{"东亭花园", 22}, {"东亭新村", 18}, {"湖光苑", 16}, {"翠柳苑", 14}, {"红旗院", 12}, {"文华院", 10}, {"东湖路宿舍", 8}}
}

// demoPlans lists the demo people: an admin, a staff member, five captains over a few
// buildings each (and living in one of them), thirty residents in thirty buildings (most of
// them under a captain) and three newcomers whose claims wait in the queues.
func demoPlans() []demoPlan {
	span := func(estate, from, to int) []demoPlace {
		var out []demoPlace
		for n := from; n <= to; n++ {
			out = append(out, demoPlace{estate, n})
		}
		return out
	}
	phone := func(n int) string { return fmt.Sprintf("1390000%04d", n) }
	plans := []demoPlan{
		{openid: "demo-admin", nickname: "平台运营李工", role: model.RoleAdmin},
		{openid: "demo-staff", nickname: "社区网格员王敏", role: model.RoleStaff, phone: phone(1000)},
	}
	captains := []struct {
		nickname  string
		buildings []demoPlace
		home      demoPlace
	}{
		{"刘桂芳", span(0, 1, 4), demoPlace{0, 2}},
		{"陈志强", span(0, 5, 8), demoPlace{0, 6}},
		{"周玉兰", span(1, 1, 5), demoPlace{1, 3}},
		{"吴海军", span(2, 1, 4), demoPlace{2, 1}},
		{"郑丽华", append(span(3, 1, 3), span(4, 1, 2)...), demoPlace{4, 1}},
	}
	for i, c := range captains {
		plans = append(plans, demoPlan{openid: fmt.Sprintf("demo-captain-%d", i+1), nickname: c.nickname,
			role: model.RoleCaptain, phone: phone(1001 + i), captainOf: c.buildings, home: c.home,
			room: demoRoom(c.home, 1+i, 0)})
	}
	homes := slices.Concat(span(0, 1, 8), span(1, 1, 5), span(2, 1, 4), span(3, 1, 3), span(4, 1, 2),
		[]demoPlace{{5, 1}, {5, 3}, {5, 5}, {6, 2}, {6, 4}, {2, 9}, {1, 12}, {3, 10}})
	names := strings.Fields("张建国 李秀英 王淑珍 赵磊 孙晓燕 钱文斌 胡婷婷 马国华 朱红梅 高志远 林小雨 何俊杰 郭爱华 " +
		"罗明 梁雪 宋德福 谢芳 韩冬 唐丽萍 冯建军 许静 邓海涛 曹桂兰 彭宇 曾凡荣 萧雅琴 田大伟 董晓梅 袁学军 潘阿婆")
	for i, home := range homes {
		p := demoPlan{openid: fmt.Sprintf("demo-resident-%d", i+1), nickname: names[i], role: DemoResident,
			home: home, room: demoRoom(home, 2+i*5, i)}
		if i%3 == 0 {
			p.phone = phone(2001 + i)
		}
		plans = append(plans, p)
	}
	for i, n := range []struct {
		nickname string
		home     demoPlace
		phone    string
	}{{"蒋一帆", demoPlace{0, 3}, phone(3001)}, {"沈佳怡", demoPlace{1, 2}, phone(3002)}, {"韦国庆", demoPlace{5, 2}, ""}} {
		plans = append(plans, demoPlan{openid: fmt.Sprintf("demo-newcomer-%d", i+1), nickname: n.nickname,
			role: DemoNewcomer, phone: n.phone, home: n.home, room: demoRoom(n.home, 4+i, 1)})
	}
	return plans
}

// demoPeople is the plan as the result reports it, before anything has ids.
func demoPeople() []DemoPerson {
	var out []DemoPerson
	for _, p := range demoPlans() {
		out = append(out, DemoPerson{OpenID: p.openid, Nickname: p.nickname, Role: p.role, Description: p.describe(),
			Phone: p.phone, plan: p})
	}
	return out
}
