package model

import (
	"context"
	"time"
)

// AddTopicAction adds an item to a decided topic's follow-up list, with a line in its
// timeline; ErrNotFound when the topic is not decided (resolved topics take no new items).
func (s *Store) AddTopicAction(ctx context.Context, a *TopicAction) error {
	return s.Tx(ctx, func(tx *Store) error {
		db := tx.db.WithContext(ctx)
		var t Topic
		if err := db.Where("id = ? AND status = ?", a.TopicID, TopicDecided).Take(&t).Error; err != nil {
			return translate(err)
		}
		a.CreatedAt = tx.now()
		if err := db.Create(a).Error; err != nil {
			return translate(err)
		}
		return translate(db.Create(&TopicEvent{TopicID: a.TopicID, ActorID: a.CreatedBy, Action: "action",
			FromStatus: t.Status, ToStatus: t.Status, Note: a.Title, CreatedAt: a.CreatedAt}).Error)
	})
}

// TopicActionByID returns a follow-up item; ErrNotFound when there is none.
func (s *Store) TopicActionByID(ctx context.Context, id uint64) (*TopicAction, error) {
	var a TopicAction
	if err := s.db.WithContext(ctx).Take(&a, id).Error; err != nil {
		return nil, translate(err)
	}
	return &a, nil
}

// TopicActions lists a topic's follow-up items in the order they were added.
func (s *Store) TopicActions(ctx context.Context, topicID uint64) ([]TopicAction, error) {
	var out []TopicAction
	return out, translate(s.db.WithContext(ctx).Where("topic_id = ?", topicID).Order("id").Limit(200).Find(&out).Error)
}

// FinishTopicAction marks an item done (false when it was done already) and, in the same
// transaction, moves its decided topic to resolved when no item is left open (resolved true).
func (s *Store) FinishTopicAction(ctx context.Context, a *TopicAction, by uint64) (done, resolved bool, err error) {
	err = s.Tx(ctx, func(tx *Store) error {
		db := tx.db.WithContext(ctx)
		now := tx.now()
		res := db.Model(&TopicAction{}).Where("id = ? AND done_at IS NULL", a.ID).
			Updates(map[string]any{"done_at": now, "done_by": by})
		if res.Error != nil || res.RowsAffected == 0 {
			return translate(res.Error)
		}
		done = true
		if err := db.Create(&TopicEvent{TopicID: a.TopicID, ActorID: by, Action: "action_done", FromStatus: TopicDecided,
			ToStatus: TopicDecided, Note: a.Title, CreatedAt: now}).Error; err != nil {
			return translate(err)
		}
		resolved, err = tx.moveTopicWhen(ctx, a.TopicID,
			"NOT EXISTS (SELECT 1 FROM council_actions a WHERE a.topic_id = council_topics.id AND a.done_at IS NULL)",
			TopicEvent{ActorID: by, Action: "resolve", FromStatus: TopicDecided, ToStatus: TopicResolved, Note: "全部落实事项已完成"})
		return err
	})
	return done, resolved, err
}

// OverdueActions lists up to limit unfinished items with an assignee that were due before t
// and whose assignee has not been reminded.
func (s *Store) OverdueActions(ctx context.Context, t time.Time, limit int) ([]TopicAction, error) {
	var out []TopicAction
	err := s.db.WithContext(ctx).Where("done_at IS NULL AND reminded_at IS NULL AND assignee_id IS NOT NULL AND due_at < ?", t).
		Order("id").Limit(limit).Find(&out).Error
	return out, translate(err)
}

// MarkActionReminded records the reminder of an overdue item at t; false when it was
// recorded already (another worker) or the item is done.
func (s *Store) MarkActionReminded(ctx context.Context, id uint64, t time.Time) (bool, error) {
	res := s.db.WithContext(ctx).Model(&TopicAction{}).Where("id = ? AND reminded_at IS NULL AND done_at IS NULL", id).
		Update("reminded_at", t)
	return res.RowsAffected == 1, translate(res.Error)
}
