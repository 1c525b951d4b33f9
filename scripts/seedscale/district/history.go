package district

import (
	"context"
	"fmt"
	"time"

	"linli/model"
)

// issueTexts are what residents report.
var issueTexts = []string{"楼道灯不亮", "水管漏水", "电梯异响", "垃圾未及时清运", "楼下噪音扰民", "单元门禁损坏",
	"化粪池堵塞", "外墙渗水", "宠物粪便无人清理", "消防通道被占用", "路灯不亮", "下水道返味"}

// step is one step of an issue's life after the report.
type step struct {
	action, to string
	after      time.Duration
}

// lives are the ways an issue ends: old issues are closed, rejected or marked duplicate;
// the last fortnight's are still anywhere along the way.
var (
	closedLife = []step{{"acknowledge", model.IssueAcknowledged, 2 * time.Hour}, {"start", model.IssueInProgress, 20 * time.Hour},
		{"resolve", model.IssueResolved, 48 * time.Hour}, {"close", model.IssueClosed, 72 * time.Hour}}
	rejectedLife  = []step{{"reject", model.IssueRejected, 3 * time.Hour}}
	duplicateLife = []step{{"mark_duplicate", model.IssueDuplicate, 90 * time.Minute}}
)

// issues reports IssuesPerDay a day for Days days, each moved along its life by the captain
// of its building (or staff), with its timeline.
func (c *community) issues(ctx context.Context) error {
	type planned struct {
		steps []step
		actor uint64
	}
	var list []model.Issue
	var plans []planned
	perCaptain := c.shape.BuildingsPerCaptain
	captainOf := map[uint64]uint64{}
	for k, uid := range c.captains {
		for j := range perCaptain {
			captainOf[c.buildings[(k*perCaptain+j)%len(c.buildings)]] = uid
		}
	}
	for d := 0; d <= c.shape.Days; d++ {
		for range c.count(c.shape.IssuesPerDay) {
			b := c.buildings[c.rnd.IntN(len(c.buildings))]
			residents := c.byBuilding[b]
			if len(residents) == 0 {
				continue
			}
			at := c.at(d, 7+c.rnd.IntN(15), c.rnd.IntN(60))
			if at.After(c.now) {
				continue
			}
			cat := c.categories[c.rnd.IntN(len(c.categories))]
			is := model.Issue{CommunityID: c.id, BuildingID: b, CategoryID: cat.ID, ReporterID: residents[c.rnd.IntN(len(residents))],
				Description: issueTexts[c.rnd.IntN(len(issueTexts))], Location: fmt.Sprintf("%d单元", 1+c.rnd.IntN(3)),
				Urgent: c.rnd.IntN(10) == 0, Anonymous: c.rnd.IntN(8) == 0, Status: model.IssueSubmitted, CreatedAt: at, UpdatedAt: at}
			life := closedLife
			switch r := c.rnd.IntN(100); {
			case r < 6:
				life = rejectedLife
			case r < 10:
				life = duplicateLife
			}
			if age := c.now.Sub(at); age < 14*24*time.Hour { // recent: still on its way
				n := 0
				for n < len(life) && life[n].after < age && c.rnd.IntN(3) != 0 {
					n++
				}
				life = life[:n]
			}
			actor := captainOf[b]
			if actor == 0 || cat.RouteTo == model.RouteStaff {
				actor = c.staff[c.rnd.IntN(len(c.staff))]
			}
			for _, s := range life {
				t := at.Add(s.after)
				is.Status, is.UpdatedAt = s.to, t
				switch s.to {
				case model.IssueAcknowledged:
					is.AcknowledgedAt = &t
				case model.IssueResolved:
					is.ResolvedAt = &t
				case model.IssueClosed, model.IssueRejected, model.IssueDuplicate:
					is.ClosedAt = &t
				}
			}
			if is.Status == model.IssueClosed && c.rnd.IntN(10) < 6 {
				r := 4 + c.rnd.IntN(2)
				is.Rating = &r
			}
			list = append(list, is)
			plans = append(plans, planned{steps: life, actor: actor})
		}
	}
	if err := c.store.InsertBatches(ctx, &list, batch); err != nil {
		return err
	}
	var events []model.IssueEvent
	for i, is := range list {
		events = append(events, model.IssueEvent{IssueID: is.ID, ActorID: is.ReporterID, Action: "report",
			ToStatus: model.IssueSubmitted, CreatedAt: is.CreatedAt})
		from := model.IssueSubmitted
		for _, s := range plans[i].steps {
			ev := model.IssueEvent{IssueID: is.ID, ActorID: plans[i].actor, Action: s.action, FromStatus: from, ToStatus: s.to,
				CreatedAt: is.CreatedAt.Add(s.after)}
			if s.to == model.IssueRejected {
				ev.Note = "经核实不属于物业报修范围"
			}
			events = append(events, ev)
			from = s.to
		}
	}
	c.logf("    %d issues, %d events", len(list), len(events))
	return c.store.InsertBatches(ctx, &events, batch)
}
