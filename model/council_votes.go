package model

import (
	"context"
	"errors"
	"time"

	"gorm.io/gorm"
)

// ErrTopicNotOnAgenda: a vote can only open on a topic on the agenda.
var ErrTopicNotOnAgenda = errors.New("topic not on the agenda")

// OpenVote stores a vote on a topic on the agenda, its options and its electorate (the
// scope's households of the register, or its approved residents, as they are now), and
// moves the topic to voting, in one transaction. ErrTopicNotOnAgenda when the topic is not
// (any longer) on the agenda.
func (s *Store) OpenVote(ctx context.Context, t *Topic, v *Vote, labels []string, actorID uint64) error {
	return s.Tx(ctx, func(tx *Store) error {
		moved, err := tx.moveTopic(ctx, t.ID, []string{TopicOnAgenda}, TopicEvent{ActorID: actorID, Action: "vote",
			FromStatus: TopicOnAgenda, ToStatus: TopicVoting, Note: v.Question})
		if err != nil {
			return err
		}
		if !moved {
			return ErrTopicNotOnAgenda
		}
		db := tx.db.WithContext(ctx)
		v.CreatedAt = tx.now()
		if err := db.Create(v).Error; err != nil {
			return translate(err)
		}
		opts := make([]VoteOption, len(labels))
		for i, l := range labels {
			opts[i] = VoteOption{VoteID: v.ID, Position: i, Label: l}
		}
		if err := db.Create(&opts).Error; err != nil {
			return translate(err)
		}
		q, args := electorate(t, v)
		res := db.Exec(q, args...)
		if res.Error != nil {
			return translate(res.Error)
		}
		v.Electors = int(res.RowsAffected)
		return translate(db.Model(v).Update("electors", v.Electors).Error)
	})
}

// electorate returns the INSERT … SELECT of the vote's electorate in the topic's scope.
func electorate(t *Topic, v *Vote) (string, []any) {
	if v.Electorate == ElectorateHouseholds {
		q, args := "INSERT INTO council_electors (vote_id, elector_id) SELECT ?, id FROM households WHERE community_id = ?",
			[]any{v.ID, t.CommunityID}
		switch t.Scope {
		case CouncilScopeEstate:
			q, args = q+" AND estate_id = ?", append(args, t.EstateID)
		case CouncilScopeBuilding:
			q, args = q+" AND building_id = ?", append(args, t.BuildingID)
		}
		return q, args
	}
	q, args := "INSERT INTO council_electors (vote_id, elector_id) SELECT DISTINCT ?, r.user_id FROM residencies r "+
		"JOIN buildings b ON b.id = r.building_id WHERE r.community_id = ? AND r.status = ?",
		[]any{v.ID, t.CommunityID, ResidencyApproved}
	switch t.Scope {
	case CouncilScopeEstate:
		q, args = q+" AND b.estate_id = ?", append(args, t.EstateID)
	case CouncilScopeBuilding:
		q, args = q+" AND r.building_id = ?", append(args, t.BuildingID)
	}
	return q, args
}

// VoteByID returns a vote; ErrNotFound when there is none.
func (s *Store) VoteByID(ctx context.Context, id uint64) (*Vote, error) {
	var v Vote
	if err := s.db.WithContext(ctx).Take(&v, id).Error; err != nil {
		return nil, translate(err)
	}
	return &v, nil
}

// VotesOfTopic lists a topic's votes, oldest first.
func (s *Store) VotesOfTopic(ctx context.Context, topicID uint64) ([]Vote, error) {
	var out []Vote
	return out, translate(s.db.WithContext(ctx).Where("topic_id = ?", topicID).Order("id").Find(&out).Error)
}

// VoteOptions lists a vote's options in order, with their tallies.
func (s *Store) VoteOptions(ctx context.Context, voteID uint64) ([]VoteOption, error) {
	var out []VoteOption
	return out, translate(s.db.WithContext(ctx).Where("vote_id = ?", voteID).Order("position").Find(&out).Error)
}

// Turnout counts the ballots cast in a vote so far.
func (s *Store) Turnout(ctx context.Context, voteID uint64) (int, error) {
	var n int64
	err := s.db.WithContext(ctx).Model(&Ballot{}).Where("vote_id = ?", voteID).Count(&n).Error
	return int(n), translate(err)
}

// ElectorOf returns the first of the candidates (the user's households, or the user) that is
// in the vote's electorate; ErrNotFound when none is.
func (s *Store) ElectorOf(ctx context.Context, voteID uint64, candidates []uint64) (uint64, error) {
	if len(candidates) == 0 {
		return 0, ErrNotFound
	}
	var ids []uint64
	err := s.db.WithContext(ctx).Model(&VoteElector{}).Where("vote_id = ? AND elector_id IN ?", voteID, candidates).
		Order("elector_id").Limit(1).Pluck("elector_id", &ids).Error
	if err != nil {
		return 0, translate(err)
	}
	if len(ids) == 0 {
		return 0, ErrNotFound
	}
	return ids[0], nil
}

// BallotOf returns the elector's ballot in the vote; ErrNotFound when it has not voted.
func (s *Store) BallotOf(ctx context.Context, voteID, electorID uint64) (*Ballot, error) {
	var b Ballot
	err := s.db.WithContext(ctx).Where("vote_id = ? AND elector_id = ?", voteID, electorID).Take(&b).Error
	if err != nil {
		return nil, translate(err)
	}
	return &b, nil
}

// CastBallot records the elector's ballot for the option at position and counts it, in one
// transaction: the ballot's primary key refuses a second one of the same elector
// (ErrConflict), so a ballot is never counted twice, and the tally only moves with a ballot
// that was stored. secret keeps no choice in the ballot row.
func (s *Store) CastBallot(ctx context.Context, voteID, electorID, userID uint64, position int, secret bool) error {
	return s.Tx(ctx, func(tx *Store) error {
		db := tx.db.WithContext(ctx)
		b := Ballot{VoteID: voteID, ElectorID: electorID, UserID: userID, CreatedAt: tx.now()}
		if !secret {
			b.Choice = &position
		}
		if err := db.Create(&b).Error; err != nil {
			return translate(err)
		}
		res := db.Model(&VoteOption{}).Where("vote_id = ? AND position = ?", voteID, position).
			Update("tally", gorm.Expr("tally + 1"))
		if res.Error == nil && res.RowsAffected != 1 {
			return ErrNotFound
		}
		return translate(res.Error)
	})
}

// DueVotes lists up to limit ids of open votes whose window has closed by now.
func (s *Store) DueVotes(ctx context.Context, now time.Time, limit int) ([]uint64, error) {
	var ids []uint64
	err := s.db.WithContext(ctx).Model(&Vote{}).Where("status = ? AND closes_at <= ?", VoteOpen, now).
		Order("closes_at").Limit(limit).Pluck("id", &ids).Error
	return ids, translate(err)
}

// VoteResult is what decides a vote from its counts: quorum met, passed, the leading option.
type VoteResult func(v *Vote, opts []VoteOption, ballots int) (quorumMet, passed bool, winner *int)

// CloseVote closes an open vote whose window has ended, once: the transaction whose
// conditional update moves it to closed counts the ballots (an open vote's tallies are
// recounted from its ballots), stores the result decide computes, and moves the topic to
// decided. false when the vote was not open or not due.
func (s *Store) CloseVote(ctx context.Context, id uint64, decide VoteResult) (closed bool, err error) {
	err = s.Tx(ctx, func(tx *Store) error {
		db := tx.db.WithContext(ctx)
		now := tx.now()
		res := db.Model(&Vote{}).Where("id = ? AND status = ? AND closes_at <= ?", id, VoteOpen, now).
			Updates(map[string]any{"status": VoteClosed, "closed_at": now})
		if res.Error != nil || res.RowsAffected == 0 {
			return translate(res.Error)
		}
		var v Vote
		if err := db.Take(&v, id).Error; err != nil {
			return translate(err)
		}
		if !v.Secret {
			err := db.Exec("UPDATE council_vote_options SET tally = (SELECT COUNT(*) FROM council_ballots b "+
				"WHERE b.vote_id = council_vote_options.vote_id AND b.choice = council_vote_options.position) WHERE vote_id = ?", id).Error
			if err != nil {
				return translate(err)
			}
		}
		var ballots int64
		if err := db.Model(&Ballot{}).Where("vote_id = ?", id).Count(&ballots).Error; err != nil {
			return translate(err)
		}
		var opts []VoteOption
		if err := db.Where("vote_id = ?", id).Order("position").Find(&opts).Error; err != nil {
			return translate(err)
		}
		v.Ballots = int(ballots)
		v.QuorumMet, v.Passed, v.Winner = decide(&v, opts, v.Ballots)
		err := db.Model(&Vote{}).Where("id = ?", id).Updates(map[string]any{"ballots": v.Ballots,
			"quorum_met": v.QuorumMet, "passed": v.Passed, "winner": v.Winner}).Error
		if err != nil {
			return translate(err)
		}
		note := "表决未通过"
		if v.Passed {
			note = "表决通过"
		}
		if _, err := tx.moveTopic(ctx, v.TopicID, []string{TopicVoting}, TopicEvent{Action: "decide",
			FromStatus: TopicVoting, ToStatus: TopicDecided, Note: note}); err != nil {
			return err
		}
		closed = true
		return nil
	})
	return closed, err
}

// SaveTopicHistory writes what happened to a topic at once (the demo's history, whose times
// are in the past): its status and seconds, its seconds' rows and its timeline.
func (s *Store) SaveTopicHistory(ctx context.Context, t *Topic, seconds []TopicSecond, events []TopicEvent) error {
	db := s.db.WithContext(ctx)
	err := db.Model(&Topic{}).Where("id = ?", t.ID).
		Updates(map[string]any{"status": t.Status, "seconds": t.Seconds, "updated_at": t.UpdatedAt}).Error
	if err != nil {
		return translate(err)
	}
	if len(seconds) > 0 {
		if err := db.CreateInBatches(&seconds, 200).Error; err != nil {
			return translate(err)
		}
	}
	for i := range events {
		events[i].TopicID = t.ID
	}
	return translate(db.CreateInBatches(&events, 200).Error)
}

// SaveVoteHistory writes a vote that has happened (the demo's history): the vote, its
// options, its electorate (the topic's scope now) and its ballots, then the result decide
// gives, as CloseVote would have stored it.
func (s *Store) SaveVoteHistory(ctx context.Context, t *Topic, v *Vote, opts []VoteOption, ballots []Ballot, decide VoteResult) error {
	db := s.db.WithContext(ctx)
	if err := db.Create(v).Error; err != nil {
		return translate(err)
	}
	for i := range opts {
		opts[i].VoteID = v.ID
	}
	if err := db.Create(&opts).Error; err != nil {
		return translate(err)
	}
	q, args := electorate(t, v)
	res := db.Exec(q, args...)
	if res.Error != nil {
		return translate(res.Error)
	}
	v.Electors = int(res.RowsAffected)
	for i := range ballots {
		ballots[i].VoteID = v.ID
	}
	if len(ballots) > 0 {
		if err := db.CreateInBatches(&ballots, 200).Error; err != nil {
			return translate(err)
		}
	}
	v.QuorumMet, v.Passed, v.Winner = decide(v, opts, v.Ballots)
	return translate(db.Model(&Vote{}).Where("id = ?", v.ID).Updates(map[string]any{"electors": v.Electors,
		"quorum_met": v.QuorumMet, "passed": v.Passed, "winner": v.Winner}).Error)
}
