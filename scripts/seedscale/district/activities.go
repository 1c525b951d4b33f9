package district

import (
	"context"
	"fmt"
	"slices"
	"time"

	"linli/model"
	"linli/service"
)

// activityTitles are what volunteers turn up for.
var activityTitles = []string{"周末平安巡逻", "助老送餐", "楼道清洁日", "文明养犬宣传", "防诈骗讲座", "义务理发", "垃圾分类督导", "夜间巡逻"}

// balanceCap is the default time-bank cap (config timebank.balance_cap: 1500 points), in
// hundredths: credits above it go to the community's spending account, as Credit does.
const balanceCap = 1500 * 100

// issuing and spending stand for the community's two accounts among the volunteers' ids.
const (
	issuing  = ^uint64(0)
	spending = ^uint64(0) - 1
)

// activities holds ActivitiesPerWeek a week over the history, settled: sign-ups from the
// volunteers (a few of them very often), attendance, a service record for each attended
// sign-up and its credit in the ledger. The next 30 days hold Upcoming published activities
// with sign-ups under way.
func (c *community) activities(ctx context.Context) error {
	organisers := append(slices.Clone(c.staff), c.captains...)
	var acts []model.Activity
	for d := 0; d < c.shape.Days; d += 7 {
		for range c.count(c.shape.ActivitiesPerWeek) {
			acts = append(acts, c.activity(d+c.rnd.IntN(7), organisers, false))
		}
	}
	// The last week's may not have ended: they make way for the upcoming ones.
	acts = slices.DeleteFunc(acts, func(a model.Activity) bool { return !a.EndAt.Before(c.now) })
	slices.SortStableFunc(acts, func(x, y model.Activity) int { return x.StartAt.Compare(y.StartAt) })
	for range c.shape.Upcoming {
		acts = append(acts, c.activity(c.shape.Days+1+c.rnd.IntN(30), organisers, true))
	}
	var signups []model.Signup
	for i := range acts {
		a := &acts[i]
		who := c.volunteersFor(a.Capacity * (60 + c.rnd.IntN(41)) / 100)
		if a.Status == model.ActivityPublished {
			who = who[:len(who)*c.rnd.IntN(80)/100]
		}
		a.Confirmed = len(who)
		for _, uid := range who {
			signups = append(signups, c.signup(a, uid))
		}
	}
	if err := c.store.InsertBatches(ctx, &acts, batch); err != nil {
		return err
	}
	// Sign-ups were made in activity order: give each its activity's id.
	k := 0
	for _, a := range acts {
		for j := 0; j < a.Confirmed; j++ {
			signups[k].ActivityID = a.ID
			k++
		}
	}
	if err := c.store.InsertBatches(ctx, &signups, batch); err != nil {
		return err
	}
	c.logf("    %d activities, %d sign-ups", len(acts), len(signups))
	return c.ledger(ctx, acts, signups)
}

// activity plans one activity on day d (past ones finished and settled, upcoming ones
// published with sign-up open).
func (c *community) activity(d int, organisers []uint64, upcoming bool) model.Activity {
	start := c.at(d, []int{9, 14, 19}[c.rnd.IntN(3)], 0)
	end := start.Add(2 * time.Hour)
	t := c.types[c.rnd.IntN(len(c.types))]
	a := model.Activity{CommunityID: c.id, TypeID: t.ID, Title: activityTitles[c.rnd.IntN(len(activityTitles))],
		Description: "欢迎邻居们报名参加", Place: fmt.Sprintf("%d号院门口", 1+c.rnd.IntN(7)), StartAt: start, EndAt: end,
		Capacity: 10 + c.rnd.IntN(31), SignupOpensAt: start.AddDate(0, 0, -7), SignupClosesAt: start,
		CancelCutoffAt: start.Add(-2 * time.Hour), Audience: model.AudienceCommunity, PointsPerHour: t.PointsPerHour,
		OrganiserID: organisers[c.rnd.IntN(len(organisers))], Status: model.ActivityFinished,
		CreatedAt: start.AddDate(0, 0, -8), UpdatedAt: end}
	if upcoming {
		a.Status, a.UpdatedAt = model.ActivityPublished, a.CreatedAt
		if a.SignupOpensAt.After(c.now) {
			a.SignupOpensAt = c.now.Add(-time.Hour)
		}
		return a
	}
	settled := end.Add(24 * time.Hour)
	if settled.After(c.now) {
		settled = c.now
	}
	a.SettledAt, a.UpdatedAt = &settled, settled
	return a
}

// volunteersFor picks n distinct volunteers, the first ones of the pool far more often.
func (c *community) volunteersFor(n int) []uint64 {
	pool := min(c.shape.Volunteers, len(c.residents))
	n = min(n, pool)
	seen := map[int]bool{}
	out := make([]uint64, 0, n)
	for len(out) < n {
		u := c.rnd.Float64()
		i := int(float64(pool) * u * u * u)
		if seen[i] {
			i = c.rnd.IntN(pool)
			if seen[i] {
				continue
			}
		}
		seen[i] = true
		out = append(out, c.residents[i])
	}
	return out
}

// signup is a confirmed sign-up: attended (or a no-show) and recorded when the activity is
// finished, still ahead when it is published.
func (c *community) signup(a *model.Activity, uid uint64) model.Signup {
	live := true
	at := a.SignupOpensAt.Add(time.Duration(c.rnd.IntN(72)) * time.Hour)
	if at.After(c.now) {
		at = c.now.Add(-time.Minute)
	}
	s := model.Signup{UserID: uid, Live: &live, Status: model.SignupConfirmed, CreatedAt: at, UpdatedAt: at}
	if a.Status != model.ActivityFinished {
		return s
	}
	if c.rnd.IntN(10) == 0 {
		s.Attendance = model.AttendanceNoShow
	} else {
		in, out := a.StartAt.Add(-5*time.Minute), a.EndAt.Add(time.Duration(c.rnd.IntN(10))*time.Minute)
		s.Attendance, s.CheckinAt, s.CheckoutAt = model.AttendanceAttended, &in, &out
		s.Minutes = int(a.EndAt.Sub(a.StartAt).Minutes()) - c.rnd.IntN(3)*10
	}
	s.RecordedAt, s.UpdatedAt = a.SettledAt, *a.SettledAt
	return s
}

// ledger records each attended sign-up as service and credits it, oldest first: the
// community's issuing account pays, the volunteer's account receives up to the cap and the
// community's spending account the rest.
func (c *community) ledger(ctx context.Context, acts []model.Activity, signups []model.Signup) error {
	actOf := make(map[uint64]*model.Activity, len(acts))
	for i := range acts {
		actOf[acts[i].ID] = &acts[i]
	}
	var records []model.ServiceRecord
	for _, s := range signups {
		a := actOf[s.ActivityID]
		if s.Attendance != model.AttendanceAttended || a.SettledAt == nil {
			continue
		}
		records = append(records, model.ServiceRecord{CommunityID: c.id, UserID: s.UserID, SourceKind: model.SourceActivity,
			SourceID: s.ID, Content: a.Title, Place: a.Place, ServedAt: a.StartAt, Minutes: s.Minutes,
			PointsPerHour: a.PointsPerHour, OrganiserID: a.OrganiserID, ConfirmerID: a.OrganiserID,
			CreditedAt: a.SettledAt, CreatedAt: *a.SettledAt})
	}
	slices.SortStableFunc(records, func(x, y model.ServiceRecord) int { return x.CreatedAt.Compare(y.CreatedAt) })
	if err := c.store.InsertBatches(ctx, &records, batch); err != nil {
		return err
	}
	// Accounts first, with the balances the postings below leave them with.
	buildingOf := make(map[uint64]uint64, len(c.residents))
	for i, uid := range c.residents {
		buildingOf[uid] = c.residentBuilding[i]
	}
	type leg struct {
		owner  uint64 // issuing, spending or the user
		amount int64
	}
	balance, count := map[uint64]int64{}, map[uint64]int64{} // count: entries per account (its Entries, the last Seq)
	var legs [][]leg
	var postings []model.Posting
	for _, r := range records {
		points := int64(service.PointsFor(r.Minutes, r.PointsPerHour))
		toUser := min(points, max(0, balanceCap-balance[r.UserID]))
		l := []leg{{issuing, -points}}
		if toUser > 0 {
			l = append(l, leg{r.UserID, toUser})
		}
		if points > toUser {
			l = append(l, leg{spending, points - toUser})
		}
		for _, x := range l {
			balance[x.owner] += x.amount
			count[x.owner]++
		}
		legs = append(legs, l)
		id := r.ID
		ranked := r.CreatedAt
		postings = append(postings, model.Posting{CommunityID: c.id, Kind: model.PostingCredit, SourceKind: model.SourceServiceRecord,
			SourceID: &id, Memo: r.Content, BeneficiaryID: r.UserID, BuildingID: buildingOf[r.UserID],
			Month: service.MonthOf(r.ServedAt), Minutes: r.Minutes, Points: points, RankedAt: &ranked, CreatedAt: r.CreatedAt})
	}
	opened := c.now.AddDate(0, 0, -c.shape.Days-1)
	accounts := []model.Account{
		{CommunityID: c.id, OwnerKey: model.AccountIssuing, Kind: model.AccountIssuing, Name: "社区积分发行账户", Balance: balance[issuing], Entries: count[issuing], CreatedAt: opened, UpdatedAt: c.now},
		{CommunityID: c.id, OwnerKey: model.AccountSpending, Kind: model.AccountSpending, Name: "社区公益账户", Balance: balance[spending], Entries: count[spending], CreatedAt: opened, UpdatedAt: c.now},
	}
	var volunteers []uint64
	for uid := range balance {
		if uid != issuing && uid != spending {
			volunteers = append(volunteers, uid)
		}
	}
	slices.Sort(volunteers)
	owners := append([]uint64{issuing, spending}, volunteers...)
	for _, uid := range volunteers {
		accounts = append(accounts, model.Account{CommunityID: c.id, OwnerKey: model.ResidentOwnerKey(uid), Kind: model.AccountResident,
			UserID: uid, Balance: balance[uid], Entries: count[uid], CreatedAt: opened, UpdatedAt: c.now})
	}
	if err := c.store.InsertBatches(ctx, &accounts, batch); err != nil {
		return err
	}
	accountOf := make(map[uint64]uint64, len(accounts))
	for i, owner := range owners {
		accountOf[owner] = accounts[i].ID
	}
	if err := c.store.InsertBatches(ctx, &postings, batch); err != nil {
		return err
	}
	running, seq := map[uint64]int64{}, map[uint64]int64{}
	var entries []model.Entry
	for i, p := range postings {
		for _, x := range legs[i] {
			other := legs[i][0].owner // the issuing account pays every leg
			if x.owner == other {
				other = legs[i][1].owner
			}
			running[x.owner] += x.amount
			seq[x.owner]++
			entries = append(entries, model.Entry{PostingID: p.ID, AccountID: accountOf[x.owner], CounterpartyID: accountOf[other],
				Amount: x.amount, BalanceAfter: running[x.owner], Seq: seq[x.owner], CreatedAt: p.CreatedAt})
		}
	}
	c.logf("    %d service records, %d postings, %d ledger entries, %d accounts", len(records), len(postings), len(entries), len(accounts))
	return c.store.InsertBatches(ctx, &entries, batch)
}
