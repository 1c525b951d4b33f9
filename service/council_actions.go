package service

import (
	"context"
	"errors"
	"fmt"
	"time"

	"linli/model"
)

// ActionItem is a follow-up item to add to a decided topic (落实事项).
type ActionItem struct {
	Title      string
	DueAt      *time.Time
	AssigneeID uint64 // optional: who carries it out (of the community)
	IssueID    uint64 // optional: the issue (报事) that tracks it
}

// AddAction adds a follow-up item to a decided topic: staff or a captain of its scope.
func (c *Council) AddAction(ctx context.Context, p *Principal, topicID uint64, in ActionItem) (*model.TopicAction, error) {
	t, role, err := c.topic(ctx, p, topicID)
	if err != nil {
		return nil, err
	}
	if err := role.need(role.manage, "只有社区工作者或该范围的楼栋长才能安排落实事项"); err != nil {
		return nil, err
	}
	a := &model.TopicAction{TopicID: t.ID, CreatedBy: p.UserID, DueAt: in.DueAt}
	if a.Title, err = CleanText(TextRule{Field: "title", What: "落实事项", Max: 100, Required: true}, in.Title); err != nil {
		return nil, err
	}
	if in.DueAt != nil && !in.DueAt.After(c.now()) {
		return nil, Invalid("due_at", "完成期限应晚于现在")
	}
	if in.AssigneeID != 0 {
		ap, err := LoadPrincipal(ctx, c.store, in.AssigneeID)
		if err != nil {
			return nil, err
		}
		if !ap.Belongs(t.CommunityID) {
			return nil, Invalid("assignee_id", "负责人应为本社区的居民、楼栋长或社区工作者")
		}
		a.AssigneeID = &in.AssigneeID
	}
	if in.IssueID != 0 {
		is, err := c.store.IssueByID(ctx, in.IssueID)
		if errors.Is(err, model.ErrNotFound) || (err == nil && is.CommunityID != t.CommunityID) {
			return nil, Invalid("issue_id", "关联的报事不存在或不属于本社区")
		}
		if err != nil {
			return nil, err
		}
		a.IssueID = &in.IssueID
	}
	if t.Status != model.TopicDecided {
		return nil, Errorf(KindConflict, "只有表决结束的议题才能安排落实事项（当前：%s）", topicStatusText[t.Status])
	}
	if err := c.safety.ScreenByStaff(ctx, c.store, p.UserID, SceneComment, "落实事项", a.Title); err != nil {
		return nil, err
	}
	if err := c.store.AddTopicAction(ctx, a); err != nil {
		if errors.Is(err, model.ErrNotFound) {
			return nil, Errorf(KindConflict, "议题已不在表决结束状态，不能再安排落实事项")
		}
		return nil, err
	}
	if a.AssigneeID != nil {
		err := c.notify.Enqueue(ctx, c.store, Notice{UserID: *a.AssigneeID, CommunityID: t.CommunityID, Kind: "council_action",
			Title: "新的落实事项", Body: clip(fmt.Sprintf("「%s」：%s", t.Title, a.Title), 200),
			Link: fmt.Sprintf("pages/council/topic?id=%d", t.ID)})
		if err != nil {
			c.log.Warn("council action notice", "action", a.ID, "err", err)
		}
	}
	return a, nil
}

// FinishAction marks a follow-up item done: staff, a captain of the topic's scope, or its
// assignee. When it was the last open one the topic is resolved (落实完毕) and its followers
// are told. 409 when it was done already.
func (c *Council) FinishAction(ctx context.Context, p *Principal, id uint64) (*model.TopicAction, *model.Topic, error) {
	a, err := c.store.TopicActionByID(ctx, id)
	if errors.Is(err, model.ErrNotFound) {
		return nil, nil, Errorf(KindNotFound, "落实事项不存在或无权查看")
	}
	if err != nil {
		return nil, nil, err
	}
	t, role, err := c.topic(ctx, p, a.TopicID)
	if err != nil {
		return nil, nil, err
	}
	assignee := a.AssigneeID != nil && *a.AssigneeID == p.UserID
	if err := role.need(role.manage || assignee, "只有社区工作者、该范围的楼栋长或负责人才能标记完成"); err != nil {
		return nil, nil, err
	}
	done, resolved, err := c.store.FinishTopicAction(ctx, a, p.UserID)
	if err != nil {
		return nil, nil, err
	}
	if !done {
		return nil, nil, Errorf(KindConflict, "该落实事项已完成")
	}
	if a, err = c.store.TopicActionByID(ctx, id); err != nil {
		return nil, nil, err
	}
	if t, err = c.store.TopicByID(ctx, t.ID); err != nil {
		return nil, nil, err
	}
	if resolved {
		c.tell(ctx, t, p.UserID, "议题已落实", fmt.Sprintf("「%s」的全部落实事项已完成", t.Title))
	}
	return a, t, nil
}

// RemindOverdue tells the assignee of every unfinished follow-up item past its due date, once
// (the reminder is recorded in the transaction that writes the notice, so two instances never
// remind twice). It returns how many were reminded. The council.remind job runs it.
func (c *Council) RemindOverdue(ctx context.Context) (int, error) {
	now := c.now()
	items, err := c.store.OverdueActions(ctx, now, 200)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, a := range items {
		err := c.store.Tx(ctx, func(tx *model.Store) error {
			ok, err := tx.MarkActionReminded(ctx, a.ID, now)
			if err != nil || !ok {
				return err
			}
			n++
			return c.notify.Enqueue(ctx, tx, Notice{UserID: *a.AssigneeID, Kind: NoticeCouncilActionOverdue,
				Title: "落实事项已逾期", Body: fmt.Sprintf("「%s」已过完成期限，请尽快完成并标记完成", a.Title),
				Link: fmt.Sprintf("pages/council/topic?id=%d", a.TopicID)})
		})
		if err != nil {
			return n, err
		}
	}
	return n, nil
}
