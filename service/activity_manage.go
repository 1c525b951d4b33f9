package service

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"

	"linli/model"
)

// ActivityStatusText is how each activity status reads to residents.
var ActivityStatusText = map[string]string{
	model.ActivityDraft:     "草稿",
	model.ActivityPublished: "已发布",
	model.ActivityCancelled: "已取消",
	model.ActivityFinished:  "已结束",
}

// activityState says what an activity's status means, for messages ("活动尚未发布，…").
var activityState = map[string]string{
	model.ActivityDraft:     "尚未发布",
	model.ActivityPublished: "已发布",
	model.ActivityCancelled: "已取消",
	model.ActivityFinished:  "已结束",
}

// Update changes an activity that is a draft or published. Capacity cannot go below the
// confirmed count (409); raising it promotes the waitlist at once, in the same transaction.
// Changing the time or place of a published activity tells everyone signed up; changing its
// start re-arms the reminder.
func (s *Activities) Update(ctx context.Context, p *Principal, id uint64, in ActivityInput) (*model.Activity, error) {
	a, err := s.managed(ctx, p, id)
	if err != nil {
		return nil, err
	}
	if err := editable(a); err != nil {
		return nil, err
	}
	staff := p.Admin || p.Staff[a.CommunityID]
	in.CommunityID = a.CommunityID
	// The safety check calls WeChat: never inside the transaction.
	held := a.Held
	if in.Title != nil || in.Description != nil || in.Place != nil {
		draft := *a
		if err := s.apply(ctx, p, &draft, in, false); err != nil {
			return nil, err
		}
		h, err := s.checkText(ctx, p, &draft)
		if err != nil {
			return nil, err
		}
		if h && a.Status == model.ActivityPublished && !staff {
			return nil, Errorf(KindUnprocessable, "修改后的内容需人工审核，已发布活动的文字暂不能这样修改，请联系社区工作者")
		}
		held = h && !staff
	}
	var promoted []model.Signup
	var changed bool
	err = s.store.Tx(ctx, func(tx *model.Store) error {
		cur, err := tx.LockActivity(ctx, id)
		if err != nil {
			return err
		}
		if err := editable(cur); err != nil {
			return err
		}
		next := *cur
		if err := s.apply(ctx, p, &next, in, false); err != nil {
			return err
		}
		now := s.now()
		if next.Capacity != cur.Capacity {
			ok, err := tx.SetCapacity(ctx, id, next.Capacity, now)
			if err != nil {
				return err
			}
			if !ok {
				return Errorf(KindConflict, "已有 %d 人确认参加，人数不能少于 %d", cur.Confirmed, cur.Confirmed)
			}
		}
		set := map[string]any{"title": next.Title, "description": next.Description, "place": next.Place,
			"type_id": next.TypeID, "points_per_hour": next.PointsPerHour, "start_at": next.StartAt, "end_at": next.EndAt,
			"signup_opens_at": next.SignupOpensAt, "signup_closes_at": next.SignupClosesAt,
			"cancel_cutoff_at": next.CancelCutoffAt, "audience": next.Audience, "audience_id": next.AudienceID,
			"team_id": next.TeamID, "held": held, "updated_at": now}
		if !next.StartAt.Equal(cur.StartAt) {
			set["reminded_at"] = nil
		}
		if err := tx.UpdateActivity(ctx, id, set); err != nil {
			return err
		}
		if cur.Status != model.ActivityPublished {
			return nil
		}
		if next.Capacity > cur.Capacity {
			if promoted, err = s.promote(ctx, tx, id, now); err != nil {
				return err
			}
		}
		changed = !next.StartAt.Equal(cur.StartAt) || !next.EndAt.Equal(cur.EndAt) || next.Place != cur.Place
		if changed {
			if err := s.noticeChanged(ctx, tx, &next); err != nil {
				return err
			}
		}
		return s.noticePromoted(ctx, tx, &next, promoted)
	})
	if err != nil {
		return nil, err
	}
	s.touchCommunity(ctx, a.CommunityID)
	s.touchCounts(ctx, id)
	return s.activity(ctx, id)
}

func editable(a *model.Activity) error {
	if a.Status != model.ActivityDraft && a.Status != model.ActivityPublished {
		return Errorf(KindConflict, "活动%s，不能修改", activityState[a.Status])
	}
	return nil
}

// Publish opens a draft to sign-up. A held draft (content safety could not clear it) is
// published only by staff, who thereby release it.
func (s *Activities) Publish(ctx context.Context, p *Principal, id uint64) (*model.Activity, error) {
	a, err := s.managed(ctx, p, id)
	if err != nil {
		return nil, err
	}
	now := s.now()
	switch {
	case a.Status != model.ActivityDraft:
		return nil, Errorf(KindConflict, "活动当前状态为「%s」，不能发布", ActivityStatusText[a.Status])
	case a.Held && !(p.Admin || p.Staff[a.CommunityID]):
		return nil, Errorf(KindConflict, "活动内容待社区工作者审核，审核通过前不能发布")
	case !a.EndAt.After(now):
		return nil, Errorf(KindConflict, "活动已结束，不能发布")
	}
	ok, err := s.store.MoveActivity(ctx, id, []string{model.ActivityDraft},
		map[string]any{"status": model.ActivityPublished, "held": false, "updated_at": now})
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, Errorf(KindConflict, "活动已被他人发布或取消，请刷新")
	}
	s.touchCommunity(ctx, a.CommunityID)
	return s.activity(ctx, id)
}

// Cancel cancels a draft or a published activity that has not ended, and tells everyone
// signed up (confirmed and waitlisted) in the same transaction.
func (s *Activities) Cancel(ctx context.Context, p *Principal, id uint64, reason string) (*model.Activity, error) {
	a, err := s.managed(ctx, p, id)
	if err != nil {
		return nil, err
	}
	reason = strings.TrimSpace(reason)
	if utf8.RuneCountInString(reason) > maxCancelReason {
		return nil, Invalid("reason", "取消原因不能超过 200 个字")
	}
	err = s.store.Tx(ctx, func(tx *model.Store) error {
		cur, err := tx.LockActivity(ctx, id)
		if err != nil {
			return err
		}
		now := s.now()
		switch {
		case cur.Status != model.ActivityDraft && cur.Status != model.ActivityPublished:
			return Errorf(KindConflict, "活动当前状态为「%s」，不能取消", ActivityStatusText[cur.Status])
		case cur.Status == model.ActivityPublished && !cur.EndAt.After(now):
			return Errorf(KindConflict, "活动已结束，请结算而不是取消")
		}
		if _, err := tx.MoveActivity(ctx, id, []string{cur.Status},
			map[string]any{"status": model.ActivityCancelled, "cancel_reason": reason, "updated_at": now}); err != nil {
			return err
		}
		users, err := tx.SignupUsers(ctx, id, model.SignupConfirmed, model.SignupWaitlisted)
		if err != nil {
			return err
		}
		body := fmt.Sprintf("您报名的「%s」（%s）已取消", cur.Title, chinaTime(cur.StartAt))
		if reason != "" {
			body += "：" + reason
		}
		notices := make([]Notice, 0, len(users))
		for _, uid := range users {
			notices = append(notices, Notice{UserID: uid, CommunityID: cur.CommunityID, Kind: NoticeActivityCancelled,
				Title: "活动取消通知", Body: body, Link: activityLink(id)})
		}
		return s.notify.Enqueue(ctx, tx, notices...)
	})
	if err != nil {
		return nil, err
	}
	s.touchCommunity(ctx, a.CommunityID)
	s.touchCounts(ctx, id)
	return s.activity(ctx, id)
}

// noticeChanged tells everyone signed up that the time or place changed.
func (s *Activities) noticeChanged(ctx context.Context, tx *model.Store, a *model.Activity) error {
	users, err := tx.SignupUsers(ctx, a.ID, model.SignupConfirmed, model.SignupWaitlisted)
	if err != nil {
		return err
	}
	body := fmt.Sprintf("「%s」改为 %s 在%s举行", a.Title, chinaTime(a.StartAt), a.Place)
	notices := make([]Notice, 0, len(users))
	for _, uid := range users {
		notices = append(notices, Notice{UserID: uid, CommunityID: a.CommunityID, Kind: NoticeActivityChanged,
			Title: "活动时间地点变更", Body: body, Link: activityLink(a.ID)})
	}
	return s.notify.Enqueue(ctx, tx, notices...)
}

// noticePromoted tells each promoted person they are now confirmed.
func (s *Activities) noticePromoted(ctx context.Context, tx *model.Store, a *model.Activity, promoted []model.Signup) error {
	notices := make([]Notice, 0, len(promoted))
	for _, su := range promoted {
		notices = append(notices, Notice{UserID: su.UserID, CommunityID: a.CommunityID, Kind: NoticeActivityPromoted,
			Title: "候补成功，报名已确认",
			Body:  fmt.Sprintf("您已从候补转为确认参加「%s」，%s 在%s", a.Title, chinaTime(a.StartAt), a.Place),
			Link:  activityLink(a.ID)})
	}
	return s.notify.Enqueue(ctx, tx, notices...)
}
