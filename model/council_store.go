package model

import (
	"context"

	"gorm.io/gorm"
)

// TopicFilter selects the topics of a community a viewer may list. All (staff, captains)
// lists every scope; otherwise community topics and those of the viewer's estates and
// buildings. Held topics show to their proposer, and to All viewers.
type TopicFilter struct {
	CommunityID uint64
	Statuses    []string
	All         bool
	EstateIDs   []uint64
	BuildingIDs []uint64
	ViewerID    uint64
}

// CreateTopic stores a new topic and the first line of its timeline.
func (s *Store) CreateTopic(ctx context.Context, t *Topic, ev TopicEvent) error {
	return s.Tx(ctx, func(tx *Store) error {
		if err := tx.db.Create(t).Error; err != nil {
			return translate(err)
		}
		ev.TopicID, ev.CreatedAt = t.ID, t.CreatedAt
		return translate(tx.db.Create(&ev).Error)
	})
}

// TopicByID returns a topic; ErrNotFound when there is none.
func (s *Store) TopicByID(ctx context.Context, id uint64) (*Topic, error) {
	var t Topic
	if err := s.db.WithContext(ctx).Take(&t, id).Error; err != nil {
		return nil, translate(err)
	}
	return &t, nil
}

// Topics lists up to limit topics of the filter with an id below before (0: from the
// newest), newest first.
func (s *Store) Topics(ctx context.Context, f TopicFilter, before uint64, limit int) ([]Topic, error) {
	q := s.db.WithContext(ctx).Where("community_id = ?", f.CommunityID)
	if len(f.Statuses) > 0 {
		q = q.Where("status IN ?", f.Statuses)
	}
	if before > 0 {
		q = q.Where("id < ?", before)
	}
	if !f.All {
		vis := s.db.Where("scope = ?", CouncilScopeCommunity).Or("proposer_id = ?", f.ViewerID)
		if len(f.EstateIDs) > 0 {
			vis = vis.Or("scope = ? AND estate_id IN ?", CouncilScopeEstate, f.EstateIDs)
		}
		if len(f.BuildingIDs) > 0 {
			vis = vis.Or("scope = ? AND building_id IN ?", CouncilScopeBuilding, f.BuildingIDs)
		}
		q = q.Where(vis).Where("status <> ? OR proposer_id = ?", TopicPendingReview, f.ViewerID)
	}
	var out []Topic
	return out, translate(q.Order("id DESC").Limit(limit).Find(&out).Error)
}

// MoveTopic changes a topic's status from one of from to to, with a line in its timeline;
// false (and nothing written) when its status is no longer one of from.
func (s *Store) MoveTopic(ctx context.Context, id uint64, from []string, ev TopicEvent) (bool, error) {
	moved := false
	err := s.Tx(ctx, func(tx *Store) error {
		var err error
		moved, err = tx.moveTopic(ctx, id, from, ev)
		return err
	})
	return moved, err
}

func (s *Store) moveTopic(ctx context.Context, id uint64, from []string, ev TopicEvent) (bool, error) {
	now := s.now()
	res := s.db.WithContext(ctx).Model(&Topic{}).Where("id = ? AND status IN ?", id, from).
		Updates(map[string]any{"status": ev.ToStatus, "updated_at": now})
	if res.Error != nil || res.RowsAffected == 0 {
		return false, translate(res.Error)
	}
	ev.TopicID, ev.CreatedAt = id, now
	return true, translate(s.db.WithContext(ctx).Create(&ev).Error)
}

// AddSecond records a household's 附议 of a proposed topic and counts it; when the count
// reaches the topic's threshold the same transaction moves it to on_agenda (reached true) —
// exactly once, since the count's row lock orders concurrent seconds and only the first to
// see proposed with enough seconds moves it. ErrConflict: the household has seconded already;
// ErrNotFound: the topic is no longer proposed.
func (s *Store) AddSecond(ctx context.Context, sec TopicSecond) (reached bool, err error) {
	err = s.Tx(ctx, func(tx *Store) error {
		sec.CreatedAt = tx.now()
		db := tx.db.WithContext(ctx)
		res := db.Model(&Topic{}).Where("id = ? AND status = ?", sec.TopicID, TopicProposed).
			Update("seconds", gorm.Expr("seconds + 1"))
		if res.Error != nil {
			return translate(res.Error)
		}
		if res.RowsAffected == 0 {
			return ErrNotFound
		}
		if err := db.Create(&sec).Error; err != nil {
			return translate(err)
		}
		reached, err = tx.moveTopicWhen(ctx, sec.TopicID, "seconds >= threshold", TopicEvent{Action: "agenda",
			FromStatus: TopicProposed, ToStatus: TopicOnAgenda, Note: "附议户数达到门槛，自动列入议程"})
		return err
	})
	return reached, err
}

func (s *Store) moveTopicWhen(ctx context.Context, id uint64, cond string, ev TopicEvent) (bool, error) {
	now := s.now()
	res := s.db.WithContext(ctx).Model(&Topic{}).Where("id = ? AND status = ?", id, ev.FromStatus).Where(cond).
		Updates(map[string]any{"status": ev.ToStatus, "updated_at": now})
	if res.Error != nil || res.RowsAffected == 0 {
		return false, translate(res.Error)
	}
	ev.TopicID, ev.CreatedAt = id, now
	return true, translate(s.db.WithContext(ctx).Create(&ev).Error)
}

// RemoveSecond withdraws a household's 附议 of a topic still proposed; false when there was
// none (or the topic has moved on, when seconds stay as they were).
func (s *Store) RemoveSecond(ctx context.Context, topicID, householdID uint64) (bool, error) {
	removed := false
	err := s.Tx(ctx, func(tx *Store) error {
		db := tx.db.WithContext(ctx)
		res := db.Model(&Topic{}).Where("id = ? AND status = ? AND seconds > 0", topicID, TopicProposed).
			Update("seconds", gorm.Expr("seconds - 1"))
		if res.Error != nil || res.RowsAffected == 0 {
			return translate(res.Error)
		}
		del := db.Where("topic_id = ? AND household_id = ?", topicID, householdID).Delete(&TopicSecond{})
		if del.Error != nil {
			return translate(del.Error)
		}
		if del.RowsAffected == 0 {
			return errNoSecond
		}
		removed = true
		return nil
	})
	if err == errNoSecond {
		return false, nil
	}
	return removed, err
}

// errNoSecond rolls back RemoveSecond's decrement when the household had not seconded.
const errNoSecond = errorString("no second")

type errorString string

func (e errorString) Error() string { return string(e) }

// SecondedBy returns which of the households have seconded the topic.
func (s *Store) SecondedBy(ctx context.Context, topicID uint64, households []uint64) (map[uint64]bool, error) {
	out := map[uint64]bool{}
	if len(households) == 0 {
		return out, nil
	}
	var ids []uint64
	err := s.db.WithContext(ctx).Model(&TopicSecond{}).Where("topic_id = ? AND household_id IN ?", topicID, households).
		Pluck("household_id", &ids).Error
	for _, id := range ids {
		out[id] = true
	}
	return out, translate(err)
}

// TopicFollowers lists the users to tell of a topic's change: its proposer and whoever
// seconded it.
func (s *Store) TopicFollowers(ctx context.Context, t *Topic) ([]uint64, error) {
	var ids []uint64
	err := s.db.WithContext(ctx).Model(&TopicSecond{}).Where("topic_id = ?", t.ID).Distinct().Pluck("user_id", &ids).Error
	if err != nil {
		return nil, translate(err)
	}
	for _, id := range ids {
		if id == t.ProposerID {
			return ids, nil
		}
	}
	return append(ids, t.ProposerID), nil
}

// TopicEvents returns a topic's timeline, oldest first.
func (s *Store) TopicEvents(ctx context.Context, topicID uint64) ([]TopicEvent, error) {
	var out []TopicEvent
	return out, translate(s.db.WithContext(ctx).Where("topic_id = ?", topicID).Order("id").Limit(500).Find(&out).Error)
}

// AddTopicComment stores a comment.
func (s *Store) AddTopicComment(ctx context.Context, c *TopicComment) error {
	c.CreatedAt = s.now()
	return translate(s.db.WithContext(ctx).Create(c).Error)
}

// TopicComments lists up to limit comments of a topic with an id above after, oldest first;
// held ones only for their author or when all.
func (s *Store) TopicComments(ctx context.Context, topicID, viewerID uint64, all bool, after uint64, limit int) ([]TopicComment, error) {
	q := s.db.WithContext(ctx).Where("topic_id = ? AND id > ?", topicID, after)
	if !all {
		q = q.Where("held = ? OR author_id = ?", false, viewerID)
	}
	var out []TopicComment
	return out, translate(q.Order("id").Limit(limit).Find(&out).Error)
}

// UserHouseholds lists the households of the user's approved residencies in the community,
// in the order they were claimed.
func (s *Store) UserHouseholds(ctx context.Context, userID, communityID uint64) ([]Household, error) {
	var out []Household
	err := s.db.WithContext(ctx).Table("households").Select("households.*").
		Joins("JOIN residencies ON residencies.household_id = households.id").
		Where("residencies.user_id = ? AND residencies.community_id = ? AND residencies.status = ?",
			userID, communityID, ResidencyApproved).
		Order("residencies.id").Scan(&out).Error
	return out, translate(err)
}
