package model

import (
	"context"
	"time"
)

// DashCouncil is a month of a community's council: topics raised, put on the agenda (by the
// threshold or accepted), decided and resolved in [from, to); votes closed then, with their
// ballots and electors.
type DashCouncil struct {
	Raised, OnAgenda, Decided, Resolved int64
	VotesClosed, Ballots, Electors      int64
}

// DashCouncilMonth counts the council's month from its timeline and its votes.
func (s *Store) DashCouncilMonth(ctx context.Context, communityID uint64, from, to time.Time) (DashCouncil, error) {
	var out DashCouncil
	err := s.db.WithContext(ctx).Table("council_events").
		Select("COALESCE(SUM(CASE WHEN council_events.action = 'propose' THEN 1 ELSE 0 END), 0) AS raised, "+
			"COALESCE(SUM(CASE WHEN council_events.to_status = ? AND council_events.from_status <> ? THEN 1 ELSE 0 END), 0) AS on_agenda, "+
			"COALESCE(SUM(CASE WHEN council_events.action = 'decide' THEN 1 ELSE 0 END), 0) AS decided, "+
			"COALESCE(SUM(CASE WHEN council_events.action = 'resolve' THEN 1 ELSE 0 END), 0) AS resolved",
			TopicOnAgenda, TopicOnAgenda).
		Joins("JOIN council_topics ON council_topics.id = council_events.topic_id").
		Where("council_topics.community_id = ? AND council_events.created_at >= ? AND council_events.created_at < ?",
			communityID, from, to).Scan(&out).Error
	if err != nil {
		return out, err
	}
	var v struct{ VotesClosed, Ballots, Electors int64 }
	err = s.db.WithContext(ctx).Model(&Vote{}).
		Select("COUNT(*) AS votes_closed, COALESCE(SUM(ballots), 0) AS ballots, COALESCE(SUM(electors), 0) AS electors").
		Where("community_id = ? AND status = ? AND closed_at >= ? AND closed_at < ?", communityID, VoteClosed, from, to).
		Scan(&v).Error
	out.VotesClosed, out.Ballots, out.Electors = v.VotesClosed, v.Ballots, v.Electors
	return out, err
}
