package service

import (
	"context"
	"time"

	"linli/model"
)

// demoTopics are matters neighbours raise in the seeds' 议事会 (titles and what the proposer
// writes).
var demoTopics = [][2]string{
	{"老旧楼栋加装电梯", "楼里老人多，上下六楼很吃力，希望按政策申请加装电梯，费用按楼层分摊。"},
	{"楼道加装声控灯", "楼道晚上太黑，老人孩子上下楼不安全，建议每层加装声控灯。"},
	{"增设电动车集中充电桩", "有人把电动车推进楼道充电，很危险，建议在车棚旁增设充电桩。"},
	{"调整垃圾分类投放点", "现在的投放点离单元门太近，夏天味道大，建议移到围墙边并定时投放。"},
	{"规范小区停车位划线", "晚上车辆乱停堵住消防通道，建议重新划线并设置临时停车区。"},
	{"楼顶防水维修", "顶楼几户每逢下雨就渗水，建议用维修资金统一做防水。"},
	{"增设老年助餐点", "独居老人吃饭不方便，建议在活动室办老年助餐点，志愿者帮忙送餐。"},
	{"文明养犬公约", "有人遛狗不牵绳、不清理粪便，建议大家一起订立文明养犬公约。"},
	{"公共晾晒区改造", "院子里的晾衣绳乱拉，建议统一改造成晾晒区。"},
	{"增加健身器材", "小广场的健身器材坏了几件，建议维修并增加适合老人的器材。"},
}

// council writes a month of the council: topics raised by the demo's residents, seconded by
// their households; some reach the agenda by seconds or are accepted, some are voted on by
// household (the register's households of the scope are the electorate; the ballots are the
// demo residents' households'), decided and carried out; others are withdrawn or rejected.
func (h *demoHistory) council(ctx context.Context, tx *model.Store, cid uint64, from, to time.Time) error {
	rest := h.rng
	h.rng = h.councilRng
	defer func() { h.rng = rest }()
	for range 1 + h.rng.IntN(3) {
		if err := h.topic(ctx, tx, cid, h.when(from, to)); err != nil {
			return err
		}
	}
	return nil
}

// demoTopic is a topic being written with its timeline.
type demoTopic struct {
	t      model.Topic
	events []model.TopicEvent
}

func (d *demoTopic) move(at time.Time, actor uint64, action, to, note string) {
	d.events = append(d.events, model.TopicEvent{ActorID: actor, Action: action, FromStatus: d.t.Status, ToStatus: to,
		Note: note, CreatedAt: at})
	d.t.Status, d.t.UpdatedAt = to, at
}

func (h *demoHistory) topic(ctx context.Context, tx *model.Store, cid uint64, at time.Time) error {
	proposer := pick(h.rng, h.people)
	text := pick(h.rng, demoTopics)
	d := &demoTopic{t: model.Topic{CommunityID: cid, Scope: model.CouncilScopeCommunity, ProposerID: proposer.UserID,
		Title: text[0], Body: text[1], Threshold: 5, CreatedAt: at}}
	if h.rng.IntN(3) == 0 {
		b, err := h.s.Places.Building(ctx, h.building[proposer.UserID])
		if err != nil {
			return err
		}
		d.t.Scope, d.t.EstateID, d.t.BuildingID = model.CouncilScopeBuilding, b.EstateID, b.ID
	}
	d.move(at, proposer.UserID, "propose", model.TopicProposed, "")
	rows := []model.Topic{d.t}
	if err := tx.InsertBatches(ctx, &rows, 1); err != nil {
		return err
	}
	d.t.ID = rows[0].ID
	h.out.Topics++
	return h.topicLife(ctx, tx, d)
}

// topicLife seconds, moves, votes on and carries out the topic, then writes it all.
func (h *demoHistory) topicLife(ctx context.Context, tx *model.Store, d *demoTopic) error {
	own := h.household[d.t.ProposerID]
	var seconds []model.TopicSecond
	at := d.t.CreatedAt
	for _, p := range h.rng.Perm(len(h.people)) {
		person := h.people[p]
		hh := h.household[person.UserID]
		if len(seconds) >= 3+h.rng.IntN(6) || hh == 0 || hh == own || !h.inTopic(d, person.UserID) || seconded(seconds, hh) {
			continue
		}
		at = h.after(at, 20)
		if !at.Before(h.now) {
			break
		}
		seconds = append(seconds, model.TopicSecond{TopicID: d.t.ID, HouseholdID: hh, UserID: person.UserID, CreatedAt: at})
		if len(seconds) == d.t.Threshold {
			d.move(at, 0, "agenda", model.TopicOnAgenda, "附议户数达到门槛，自动列入议程")
			break
		}
	}
	d.t.Seconds = len(seconds)
	if d.t.Status == model.TopicProposed {
		at = h.after(at, 48)
		switch r := h.rng.IntN(10); {
		case !at.Before(h.now):
		case r < 4:
			d.move(at, h.staff, "accept", model.TopicOnAgenda, "社区居委会研究后列入议程")
		case r < 6:
			d.move(at, h.staff, "reject", model.TopicRejected, "属于物业合同范围，已转物业处理")
		case r < 7:
			d.move(at, d.t.ProposerID, "withdraw", model.TopicWithdrawn, "问题已经解决")
		}
	}
	if d.t.Status == model.TopicOnAgenda {
		if err := h.demoVote(ctx, tx, d, h.after(at, 72)); err != nil {
			return err
		}
	}
	return tx.SaveTopicHistory(ctx, &d.t, seconds, d.events)
}

func seconded(s []model.TopicSecond, hh uint64) bool {
	for _, x := range s {
		if x.HouseholdID == hh {
			return true
		}
	}
	return false
}

// inTopic: the user lives in the topic's scope.
func (h *demoHistory) inTopic(d *demoTopic, userID uint64) bool {
	return d.t.Scope == model.CouncilScopeCommunity || h.building[userID] == d.t.BuildingID
}

// demoVote holds a week's vote by household opening at opens (when the week is over by
// now), counts it as CloseVote would, and carries out a passed decision.
func (h *demoHistory) demoVote(ctx context.Context, tx *model.Store, d *demoTopic, opens time.Time) error {
	closes := opens.Add(7 * 24 * time.Hour)
	if !closes.Before(h.now) {
		return nil
	}
	d.move(opens, h.staff, "vote", model.TopicVoting, "是否同意："+d.t.Title+"？")
	v := &model.Vote{TopicID: d.t.ID, CommunityID: d.t.CommunityID, Question: "是否同意：" + d.t.Title + "？",
		Electorate: model.ElectorateHouseholds, Secret: h.rng.IntN(2) == 0, PassPercent: 50, OpensAt: opens,
		ClosesAt: closes, Status: model.VoteClosed, CreatedBy: h.staff, CreatedAt: opens, ClosedAt: &closes}
	opts := []model.VoteOption{{Position: 0, Label: "同意"}, {Position: 1, Label: "不同意"}, {Position: 2, Label: "弃权"}}
	var ballots []model.Ballot
	seen := map[uint64]bool{}
	for _, p := range h.people {
		hh := h.household[p.UserID]
		if hh == 0 || seen[hh] || !h.inTopic(d, p.UserID) || h.rng.IntN(10) < 4 {
			continue
		}
		seen[hh] = true
		choice := 0
		if r := h.rng.IntN(10); r >= 7 {
			choice = 1 + r%2
		}
		opts[choice].Tally++
		b := model.Ballot{ElectorID: hh, UserID: p.UserID, CreatedAt: h.when(opens, closes)}
		if !v.Secret {
			b.Choice = ptrTime(choice)
		}
		ballots = append(ballots, b)
	}
	v.Ballots = len(ballots)
	if err := tx.SaveVoteHistory(ctx, &d.t, v, opts, ballots, decide); err != nil {
		return err
	}
	h.out.Votes++
	note := "表决未通过"
	if v.Passed {
		note = "表决通过"
	}
	d.move(closes, 0, "decide", model.TopicDecided, note)
	if !v.Passed {
		d.move(h.after(closes, 48), h.staff, "close", model.TopicClosed, "表决未通过，议题结束")
		return nil
	}
	done := h.after(closes, 24*14)
	a := model.TopicAction{TopicID: d.t.ID, Title: "落实：" + d.t.Title, CreatedBy: h.staff, CreatedAt: h.after(closes, 24)}
	d.events = append(d.events, model.TopicEvent{ActorID: h.staff, Action: "action", FromStatus: model.TopicDecided,
		ToStatus: model.TopicDecided, Note: a.Title, CreatedAt: a.CreatedAt})
	if done.Before(h.now) {
		a.DoneAt, a.DoneBy = &done, &h.staff
		d.events = append(d.events, model.TopicEvent{ActorID: h.staff, Action: "action_done", FromStatus: model.TopicDecided,
			ToStatus: model.TopicDecided, Note: a.Title, CreatedAt: done})
		d.move(done, h.staff, "resolve", model.TopicResolved, "全部落实事项已完成")
	}
	return tx.InsertBatches(ctx, &[]model.TopicAction{a}, 1)
}
