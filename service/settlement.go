package service

import (
	"context"
	"fmt"
	"time"

	"linli/model"
)

// Settlement is the outcome of settling an activity.
type Settlement struct {
	// Created is how many service records this call made (0 on a repeat).
	Created int
	// Records is how many service records the activity has in all.
	Records int64
	// NoShows is how many confirmed volunteers this call marked as not having come.
	NoShows   int64
	SettledAt time.Time
}

// Settle closes a published activity after its end: it becomes finished, confirmed volunteers
// who never checked in and were not marked are counted as no-shows, and every attended
// sign-up with minutes becomes a service record (model.ServiceRecord, source activity and the
// sign-up's id) that the time bank credits. It is idempotent: the activity's row lock
// serialises settlements, each sign-up is recorded once (recorded_at), and the unique source
// key of service records refuses a second record whatever happens. Settling again after the
// organiser marked someone late records just them.
func (s *Activities) Settle(ctx context.Context, p *Principal, id uint64) (*Settlement, error) {
	if _, err := s.managed(ctx, p, id); err != nil {
		return nil, err
	}
	out := &Settlement{}
	err := s.store.Tx(ctx, func(tx *model.Store) error {
		a, err := tx.LockActivity(ctx, id)
		if err != nil {
			return err
		}
		now := s.now()
		switch {
		case a.Status != model.ActivityPublished && a.Status != model.ActivityFinished:
			return Errorf(KindConflict, "活动%s，不能结算", activityState[a.Status])
		case now.Before(a.EndAt):
			return Errorf(KindConflict, "活动结束（%s）后才能结算", chinaTime(a.EndAt))
		}
		out.SettledAt = now
		if a.SettledAt != nil {
			out.SettledAt = *a.SettledAt
		}
		if a.Status == model.ActivityPublished {
			if _, err := tx.MoveActivity(ctx, id, []string{model.ActivityPublished},
				map[string]any{"status": model.ActivityFinished, "settled_at": now, "updated_at": now}); err != nil {
				return err
			}
		}
		if out.NoShows, err = tx.MarkNoShows(ctx, id, now); err != nil {
			return err
		}
		todo, err := tx.SignupsToRecord(ctx, id)
		if err != nil {
			return err
		}
		content := a.Title
		if t, err := tx.ActivityTypeByID(ctx, a.TypeID); err == nil {
			content = t.Name + "：" + a.Title
		}
		for _, su := range todo {
			served := a.StartAt
			if su.CheckinAt != nil && su.CheckinAt.After(served) {
				served = *su.CheckinAt
			}
			created, err := tx.AddServiceRecord(ctx, &model.ServiceRecord{CommunityID: a.CommunityID, UserID: su.UserID,
				SourceKind: model.SourceActivity, SourceID: su.ID, Content: clip(content, 200), Place: a.Place,
				ServedAt: served, Minutes: su.Minutes, PointsPerHour: a.PointsPerHour, OrganiserID: a.OrganiserID,
				ConfirmerID: p.UserID, CreatedAt: now})
			if err != nil {
				return err
			}
			if created {
				out.Created++
			}
			if err := tx.MarkRecorded(ctx, su.ID, now); err != nil {
				return err
			}
		}
		out.Records, err = tx.ActivityRecords(ctx, id)
		return err
	})
	if err != nil {
		return nil, err
	}
	a, err := s.activity(ctx, id)
	if err == nil {
		s.touchCommunity(ctx, a.CommunityID)
	}
	s.touchCounts(ctx, id) // no-shows marked, attendance recorded
	return out, nil
}

// SendReminders tells the confirmed volunteers of every published activity starting within
// ReminderBefore that it starts soon, once per activity: the reminder is claimed by a
// conditional update (reminded_at IS NULL) in the same transaction as the notifications, so
// several instances running the job at once send it once, and the WeChat messages go through
// the outbox. It returns how many activities it reminded.
func (s *Activities) SendReminders(ctx context.Context) (int, error) {
	if s.cfg.ReminderBefore <= 0 {
		return 0, nil
	}
	now := s.now()
	due, err := s.store.DueReminders(ctx, now, now.Add(s.cfg.ReminderBefore), 100)
	if err != nil {
		return 0, err
	}
	sent := 0
	for _, a := range due {
		won := false
		err := s.store.Tx(ctx, func(tx *model.Store) error {
			var err error
			if won, err = tx.MarkReminded(ctx, a.ID, now); err != nil || !won {
				return err
			}
			users, err := tx.SignupUsers(ctx, a.ID, model.SignupConfirmed)
			if err != nil {
				return err
			}
			notices := make([]Notice, 0, len(users))
			for _, uid := range users {
				notices = append(notices, Notice{UserID: uid, CommunityID: a.CommunityID, Kind: NoticeActivityReminder,
					Title: "活动即将开始", Body: fmt.Sprintf("「%s」将于 %s 在%s开始，请准时到场签到", a.Title, chinaTime(a.StartAt), a.Place),
					Link: activityLink(a.ID)})
			}
			return s.notify.Enqueue(ctx, tx, notices...)
		})
		if err != nil {
			return sent, err
		}
		if won {
			sent++
		}
	}
	return sent, nil
}
