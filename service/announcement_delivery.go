package service

import (
	"context"
	"fmt"

	"linli/model"
)

// DeliverDue tells the audiences of the announcements being delivered, a batch of residents
// at a time, until none is left: each batch's inbox notices (and subscription messages, for
// a configured template) are written in the transaction that moves the announcement's cursor
// past them, so a crash loses no one and two instances never tell anyone twice. It returns
// how many people were told. The announcements.deliver job runs it.
func (s *Announcements) DeliverDue(ctx context.Context) (int, error) {
	told := 0
	for {
		as, err := s.store.DeliveringAnnouncements(ctx, 20)
		if err != nil || len(as) == 0 {
			return told, err
		}
		for i := range as {
			n, err := s.deliverAll(ctx, &as[i])
			told += n
			if err != nil {
				return told, err
			}
		}
	}
}

// deliverAll delivers one announcement's remaining batches.
func (s *Announcements) deliverAll(ctx context.Context, a *model.Announcement) (int, error) {
	told := 0
	for {
		if err := ctx.Err(); err != nil {
			return told, err
		}
		n, more, err := s.deliverBatch(ctx, a)
		told += n
		if err != nil || !more {
			return told, err
		}
	}
}

// deliverBatch tells the next batch of the announcement's audience; more is false once its
// delivery has ended (or another worker holds the cursor it read: that worker goes on).
func (s *Announcements) deliverBatch(ctx context.Context, a *model.Announcement) (told int, more bool, err error) {
	from := a.DeliveredThrough
	err = s.store.Tx(ctx, func(tx *model.Store) error {
		users, err := tx.AudienceBatch(ctx, a, from, s.opt.Batch)
		if err != nil {
			return err
		}
		to, done := from, len(users) < s.opt.Batch
		if len(users) > 0 {
			to = users[len(users)-1]
		}
		ok, err := tx.AdvanceDelivery(ctx, a.ID, from, to, len(users), done, s.now())
		if err != nil || !ok {
			return err
		}
		notices := make([]Notice, len(users))
		link := announcementLink(a.ID)
		for i, u := range users {
			notices[i] = Notice{UserID: u, CommunityID: a.CommunityID, Kind: NoticeAnnouncement,
				Title: a.Title, Body: a.Body, Link: link}
		}
		if err := s.notify.Enqueue(ctx, tx, notices...); err != nil {
			return err
		}
		a.DeliveredThrough, told, more = to, len(users), !done
		return nil
	})
	if err != nil {
		return 0, false, err
	}
	return told, more, nil
}

// announcementLink is the mini-program page of an announcement.
func announcementLink(id uint64) string { return fmt.Sprintf("pages/announcement/detail?id=%d", id) }
