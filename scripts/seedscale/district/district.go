// Package district bulk-loads a district of communities shaped like 东亭社区 — 100 buildings in 7
// estates, 4,600 households, 15,000 residents, 1,000 skill profiles, two years of issues,
// volunteer activities, sign-ups, service records and time-bank postings — for load tests.
//
// The skeleton (communities, estates, buildings, default categories, skills and activity
// types, staff and captain roles) goes through the services, as the API would make it; the
// bulk (people, residencies, listings, history, the ledger) goes in as multi-row INSERTs of the
// model's own structs (Store.InsertBatches), which keeps every column as the schema has it.
// Everyone logs in by dev login: openid "c<community id>-r<n>" for residents, "-staff<n>" and
// "-cap<n>" for staff and captains. The ledger balances: every posting sums to zero, every
// account's balance is the sum of its entries, and the balance cap holds.
package district

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"linli/model"
	"linli/service"
)

// Shape is the size of one community and its history.
type Shape struct {
	Households, Residents int
	// Profiles are residents listed in the skill directory.
	Profiles int
	// Days of history, ending now.
	Days int
	// IssuesPerDay reported on average; ActivitiesPerWeek held on average.
	IssuesPerDay, ActivitiesPerWeek float64
	// Volunteers are the residents who sign up for activities (a few of them very often).
	Volunteers int
	// Upcoming published activities in the next 30 days.
	Upcoming int
	// Captains each captain BuildingsPerCaptain consecutive buildings.
	Captains, BuildingsPerCaptain, Staff int
	// Pending residency claims waiting in the captains' queues.
	Pending int
}

// Dongting is 东亭社区: 100 buildings, 4,600 households, 15,000 residents, 1,000 skill profiles,
// two years of history.
var Dongting = Shape{Households: 4600, Residents: 15000, Profiles: 1000, Days: 730, IssuesPerDay: 10,
	ActivitiesPerWeek: 10, Volunteers: 3000, Upcoming: 40, Captains: 25, BuildingsPerCaptain: 4, Staff: 3, Pending: 30}

// Scaled is the shape with people and history multiplied by f (0 < f ≤ 1); the places, the
// roles and the upcoming activities stay as they are.
func (s Shape) Scaled(f float64) Shape {
	if f >= 1 || f <= 0 {
		return s
	}
	n := func(v int) int { return max(1, int(float64(v)*f)) }
	s.Households, s.Residents, s.Profiles, s.Volunteers = n(s.Households), n(s.Residents), n(s.Profiles), n(s.Volunteers)
	s.Residents = max(s.Residents, s.Households)
	s.IssuesPerDay *= f
	s.ActivitiesPerWeek *= f
	return s
}

// Options say what to load.
type Options struct {
	Communities int
	Shape       Shape
	// Seed makes the random history reproducible.
	Seed uint64
	// Now ends the history (default time.Now).
	Now time.Time
	// Logf reports progress (nil: silent).
	Logf func(format string, args ...any)
}

// estates are 东亭's: names and building counts (100 in all).
var estates = []struct {
	name      string
	buildings int
}{{"东亭花园", 22}, {"东亭新村", 18}, {"湖光苑", 16}, {"翠柳苑", 14}, {"红旗院", 12}, {"文华院", 10}, {"东湖路宿舍", 8}}

// Seed loads o.Communities communities into the database behind s and store.
func Seed(ctx context.Context, s *service.Services, store *model.Store, o Options) error {
	if o.Communities < 1 {
		return fmt.Errorf("district: at least one community")
	}
	if o.Now.IsZero() {
		o.Now = time.Now()
	}
	if o.Logf == nil {
		o.Logf = func(string, ...any) {}
	}
	for i := range o.Communities {
		c := &community{s: s, store: store, shape: o.Shape, now: o.Now.UTC().Truncate(time.Second),
			rnd: rand.New(rand.NewPCG(o.Seed, uint64(i)+1)), logf: o.Logf, index: i + 1}
		start := time.Now()
		if err := c.seed(ctx); err != nil {
			return fmt.Errorf("community %d: %w", i+1, err)
		}
		o.Logf("community %d/%d (id %d): %s", i+1, o.Communities, c.id, time.Since(start).Round(time.Millisecond))
	}
	return nil
}

// community is one community being loaded.
type community struct {
	s     *service.Services
	store *model.Store
	shape Shape
	now   time.Time
	rnd   *rand.Rand
	logf  func(string, ...any)
	index int

	id        uint64
	buildings []uint64
	estateOf  map[uint64]uint64
	// residents[i] lives in residentBuilding[i]; byBuilding lists each building's residents.
	residents        []uint64
	residentBuilding []uint64
	byBuilding       map[uint64][]uint64
	staff, captains  []uint64
	categories       []model.IssueCategory
	types            []model.ActivityType
	skills           []uint64
}

func (c *community) seed(ctx context.Context) error {
	steps := []struct {
		name string
		run  func(context.Context) error
	}{
		{"places", c.places}, {"people", c.people}, {"roles", c.roles}, {"skills", c.skillDirectory},
		{"issues", c.issues}, {"activities", c.activities},
	}
	for _, st := range steps {
		t := time.Now()
		if err := st.run(ctx); err != nil {
			return fmt.Errorf("%s: %w", st.name, err)
		}
		c.logf("  %s: %s", st.name, time.Since(t).Round(time.Millisecond))
	}
	return nil
}

// places makes the community, its estates and buildings, and its default lists.
func (c *community) places(ctx context.Context) error {
	com, err := c.s.Places.CreateCommunity(ctx, fmt.Sprintf("东亭社区（规模%02d-%d）", c.index, c.now.Unix()%100000), "武昌区")
	if err != nil {
		return err
	}
	c.id, c.estateOf, c.byBuilding = com.ID, map[uint64]uint64{}, map[uint64][]uint64{}
	for _, e := range estates {
		est, err := c.s.Places.CreateEstate(ctx, com.ID, e.name)
		if err != nil {
			return err
		}
		for j := range e.buildings {
			b, err := c.s.Places.CreateBuilding(ctx, com.ID, est.ID, fmt.Sprintf("%d栋", j+1))
			if err != nil {
				return err
			}
			c.buildings = append(c.buildings, b.ID)
			c.estateOf[b.ID] = est.ID
		}
	}
	if c.categories, err = c.s.IssueCategories.List(ctx, c.id, true); err != nil {
		return err
	}
	if c.types, err = c.s.Activities.Types(ctx, c.id, true); err != nil {
		return err
	}
	skills, err := c.s.Skills.List(ctx, c.id)
	if err != nil {
		return err
	}
	for _, sk := range skills {
		c.skills = append(c.skills, sk.ID)
	}
	return nil
}

// OpenID is the dev-login openid of a seeded person: kind is "r" (resident), "staff" or "cap".
func OpenID(communityID uint64, kind string, n int) string {
	return fmt.Sprintf("c%d-%s%d", communityID, kind, n)
}

// at is a moment of day d of the history (0 = Days ago) at the given local hour.
func (c *community) at(d int, hour, minute int) time.Time {
	day := c.now.In(china).AddDate(0, 0, d-c.shape.Days)
	return time.Date(day.Year(), day.Month(), day.Day(), hour, minute, 0, 0, china).UTC()
}

// china is Asia/Shanghai (UTC+8 all year).
var china = time.FixedZone("CST", 8*3600)

// count draws how many events happen in a period whose mean is mean.
func (c *community) count(mean float64) int {
	if mean <= 0 {
		return 0
	}
	n := int(mean)
	if c.rnd.Float64() < mean-float64(n) {
		n++
	}
	// ±50% around the mean, so some days are busy and some quiet.
	spread := n / 2
	if spread > 0 {
		n += c.rnd.IntN(2*spread+1) - spread
	}
	return max(n, 0)
}
