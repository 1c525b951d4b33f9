package service

import (
	"context"
	"errors"
	"fmt"

	"linli/model"
)

// Second records the 附议 of p's household in the topic's scope. At the threshold the topic
// moves to on_agenda by itself (reached), and its proposer and seconders are told.
func (c *Council) Second(ctx context.Context, p *Principal, id uint64) (t *model.Topic, reached bool, err error) {
	t, role, err := c.topic(ctx, p, id)
	if err != nil {
		return nil, false, err
	}
	if err := role.need(role.member, "只有议题范围内通过房屋认证的居民才能附议"); err != nil {
		return nil, false, err
	}
	if t.Status != model.TopicProposed {
		return nil, false, Errorf(KindConflict, "议题已%s，不再收集附议", topicStatusText[t.Status])
	}
	h, err := c.householdIn(ctx, p.UserID, t)
	if err != nil {
		return nil, false, err
	}
	if own, err := c.householdIn(ctx, t.ProposerID, t); err == nil && own.ID == h.ID {
		return nil, false, Errorf(KindConflict, "提议人所在的户无需附议")
	}
	reached, err = c.store.AddSecond(ctx, model.TopicSecond{TopicID: id, HouseholdID: h.ID, UserID: p.UserID})
	switch {
	case errors.Is(err, model.ErrConflict):
		return nil, false, Errorf(KindConflict, "本户已附议")
	case errors.Is(err, model.ErrNotFound):
		return nil, false, Errorf(KindConflict, "议题已不再收集附议")
	case err != nil:
		return nil, false, err
	}
	if t, err = c.store.TopicByID(ctx, id); err != nil {
		return nil, false, err
	}
	if reached {
		c.tell(ctx, t, 0, "议题已列入议程", fmt.Sprintf("「%s」附议户数达到 %d 户，已列入议程", t.Title, t.Threshold))
	}
	return t, reached, nil
}

// Unsecond withdraws the 附议 of p's household while the topic is still proposed.
func (c *Council) Unsecond(ctx context.Context, p *Principal, id uint64) (*model.Topic, error) {
	t, role, err := c.topic(ctx, p, id)
	if err != nil {
		return nil, err
	}
	if err := role.need(role.member, "只有议题范围内通过房屋认证的居民才能附议"); err != nil {
		return nil, err
	}
	h, err := c.householdIn(ctx, p.UserID, t)
	if err != nil {
		return nil, err
	}
	if t.Status != model.TopicProposed {
		return nil, Errorf(KindConflict, "议题已%s，附议不能撤回", topicStatusText[t.Status])
	}
	removed, err := c.store.RemoveSecond(ctx, id, h.ID)
	if err != nil {
		return nil, err
	}
	if !removed {
		return nil, Errorf(KindConflict, "本户没有附议该议题，或议题已不再收集附议")
	}
	return c.store.TopicByID(ctx, id)
}

// Topic transitions.
const (
	TopicAccept   = "accept"
	TopicReject   = "reject"
	TopicWithdraw = "withdraw"
	TopicClose    = "close"
)

// topicStatusText names a topic status in a message.
var topicStatusText = map[string]string{
	model.TopicPendingReview: "待审核", model.TopicProposed: "提议中", model.TopicOnAgenda: "列入议程",
	model.TopicVoting: "进入表决", model.TopicDecided: "表决结束", model.TopicResolved: "落实完毕",
	model.TopicRejected: "不予采纳", model.TopicWithdrawn: "撤回", model.TopicClosed: "结束",
}

// TopicStatusText names a topic status for people (提议中, 已列入议程 …).
func TopicStatusText(status string) string { return topicStatusText[status] }

// Transition moves a topic: accept (a manager puts it on the agenda directly, or releases a
// held one), reject (a manager, with a reason), withdraw (the proposer), close (a manager,
// for a topic on the agenda or decided that will not be carried further).
func (c *Council) Transition(ctx context.Context, p *Principal, id uint64, action, note string) (*model.Topic, error) {
	t, role, err := c.topic(ctx, p, id)
	if err != nil {
		return nil, err
	}
	note, err = CleanText(TextRule{Field: "note", What: "说明", Max: 500, Multiline: true}, note)
	if err != nil {
		return nil, err
	}
	var from []string
	to := ""
	switch action {
	case TopicAccept:
		err, from, to = role.need(role.manage, "只有社区工作者或该范围的楼栋长才能将议题列入议程"),
			[]string{model.TopicProposed, model.TopicPendingReview}, model.TopicOnAgenda
	case TopicReject:
		err, from, to = role.need(role.manage, "只有社区工作者或该范围的楼栋长才能不予采纳"),
			[]string{model.TopicProposed, model.TopicPendingReview, model.TopicOnAgenda}, model.TopicRejected
		if err == nil && note == "" {
			err = Invalid("note", "不予采纳时请填写理由")
		}
	case TopicWithdraw:
		err, from, to = role.need(p.UserID == t.ProposerID, "只有提议人才能撤回议题"),
			[]string{model.TopicProposed, model.TopicPendingReview, model.TopicOnAgenda}, model.TopicWithdrawn
	case TopicClose:
		err, from, to = role.need(role.manage, "只有社区工作者或该范围的楼栋长才能结束议题"),
			[]string{model.TopicOnAgenda, model.TopicDecided}, model.TopicClosed
	default:
		err = Invalid("action", "操作应为 accept、reject、withdraw 或 close")
	}
	if err != nil {
		return nil, err
	}
	if note != "" && action != TopicWithdraw {
		if err := c.safety.ScreenByStaff(ctx, c.store, p.UserID, SceneComment, "说明", note); err != nil {
			return nil, err
		}
	}
	moved, err := c.store.MoveTopic(ctx, id, from, model.TopicEvent{ActorID: p.UserID, Action: action,
		FromStatus: t.Status, ToStatus: to, Note: note})
	if err != nil {
		return nil, err
	}
	if !moved {
		return nil, Errorf(KindConflict, "议题当前%s，不能这样操作", topicStatusText[t.Status])
	}
	t, err = c.store.TopicByID(ctx, id)
	if err != nil {
		return nil, err
	}
	c.tell(ctx, t, p.UserID, "议题"+topicStatusText[to], fmt.Sprintf("「%s」%s", t.Title, nonEmpty(note, "状态："+topicStatusText[to])))
	return t, nil
}

func nonEmpty(s, or string) string {
	if s != "" {
		return s
	}
	return or
}

// Comment adds p's contribution to the discussion: residents of the scope and its managers.
func (c *Council) Comment(ctx context.Context, p *Principal, id uint64, body string) (*model.TopicComment, error) {
	t, role, err := c.topic(ctx, p, id)
	if err != nil {
		return nil, err
	}
	if err := role.need(role.member || role.manage, "只有议题范围内的居民才能参与讨论"); err != nil {
		return nil, err
	}
	if !commentable(t.Status) {
		return nil, Errorf(KindConflict, "议题已%s，不能再讨论", topicStatusText[t.Status])
	}
	body, err = CleanText(TextRule{Field: "body", What: "讨论内容", Max: 500, Required: true, Multiline: true}, body)
	if err != nil {
		return nil, err
	}
	held, err := c.safety.Screen(ctx, c.store, p.UserID, SceneComment, "讨论内容", body)
	if err != nil {
		return nil, err
	}
	cm := &model.TopicComment{TopicID: id, AuthorID: p.UserID, Body: body, Held: held}
	if err := c.store.AddTopicComment(ctx, cm); err != nil {
		return nil, err
	}
	return cm, nil
}

// Comments lists a topic's discussion, oldest first; held comments only for their author and
// the topic's managers.
func (c *Council) Comments(ctx context.Context, p *Principal, id, after uint64, limit int) ([]model.TopicComment, bool, error) {
	_, role, err := c.topic(ctx, p, id)
	if err != nil {
		return nil, false, err
	}
	items, err := c.store.TopicComments(ctx, id, p.UserID, role.manage, after, limit+1)
	if err != nil {
		return nil, false, err
	}
	items, more := trimPage(items, limit)
	return items, more, nil
}

// tell notifies the topic's proposer and seconders (but not the actor) of a change; a failed
// notice is logged, never fails the change that has been made.
func (c *Council) tell(ctx context.Context, t *model.Topic, actor uint64, title, body string) {
	users, err := c.store.TopicFollowers(ctx, t)
	if err == nil {
		var ns []Notice
		for _, u := range users {
			if u != actor {
				ns = append(ns, Notice{UserID: u, CommunityID: t.CommunityID, Kind: "council_topic",
					Title: clip(title, 20), Body: clip(body, 200), Link: fmt.Sprintf("pages/council/topic?id=%d", t.ID)})
			}
		}
		err = c.notify.Enqueue(ctx, c.store, ns...)
	}
	if err != nil {
		c.log.Warn("council notice", "topic", t.ID, "err", err)
	}
}
