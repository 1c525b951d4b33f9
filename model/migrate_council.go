package model

import (
	"time"

	"gorm.io/gorm"
)

// migrateCouncil creates the council's tables (议事厅): topics, seconds, timeline, comments,
// votes with options, electorate and ballots, and follow-up actions.
func migrateCouncil(tx *gorm.DB) error {
	type Topic struct {
		ID          uint64 `gorm:"primaryKey"`
		CommunityID uint64 `gorm:"not null;index:ix_council_topics_list,priority:1"`
		Scope       string `gorm:"size:16;not null"`
		EstateID    uint64 `gorm:"not null"`
		BuildingID  uint64 `gorm:"not null"`
		ProposerID  uint64 `gorm:"not null;index:ix_council_topics_proposer"`
		IssueID     *uint64
		Title       string `gorm:"size:60;not null"`
		Body        string `gorm:"type:text;not null"`
		Status      string `gorm:"size:16;not null;index:ix_council_topics_list,priority:2"`
		Seconds     int    `gorm:"not null"`
		Threshold   int    `gorm:"not null"`
		CreatedAt   time.Time
		UpdatedAt   time.Time
	}
	type TopicSecond struct {
		TopicID     uint64 `gorm:"primaryKey;autoIncrement:false"`
		HouseholdID uint64 `gorm:"primaryKey;autoIncrement:false"`
		UserID      uint64 `gorm:"not null"`
		CreatedAt   time.Time
	}
	type TopicEvent struct {
		ID         uint64 `gorm:"primaryKey"`
		TopicID    uint64 `gorm:"not null;index:ix_council_events_topic"`
		ActorID    uint64 `gorm:"not null"`
		Action     string `gorm:"size:24;not null"`
		FromStatus string `gorm:"size:16;not null"`
		ToStatus   string `gorm:"size:16;not null"`
		Note       string `gorm:"size:500;not null"`
		CreatedAt  time.Time
	}
	type TopicComment struct {
		ID        uint64 `gorm:"primaryKey"`
		TopicID   uint64 `gorm:"not null;index:ix_council_comments_topic"`
		AuthorID  uint64 `gorm:"not null"`
		Body      string `gorm:"size:500;not null"`
		Held      bool   `gorm:"not null"`
		CreatedAt time.Time
	}
	type Vote struct {
		ID            uint64 `gorm:"primaryKey"`
		TopicID       uint64 `gorm:"not null;index:ix_council_votes_topic"`
		CommunityID   uint64 `gorm:"not null"`
		Question      string `gorm:"size:200;not null"`
		Electorate    string `gorm:"size:16;not null"`
		Secret        bool   `gorm:"not null"`
		QuorumPercent int    `gorm:"not null"`
		PassPercent   int    `gorm:"not null"`
		OpensAt       time.Time
		ClosesAt      time.Time `gorm:"not null;index:ix_council_votes_due,priority:2"`
		Status        string    `gorm:"size:16;not null;index:ix_council_votes_due,priority:1"`
		Electors      int       `gorm:"not null"`
		CreatedBy     uint64    `gorm:"not null"`
		Ballots       int       `gorm:"not null"`
		QuorumMet     bool      `gorm:"not null"`
		Passed        bool      `gorm:"not null"`
		Winner        *int
		ClosedAt      *time.Time
		CreatedAt     time.Time
	}
	type VoteOption struct {
		VoteID   uint64 `gorm:"primaryKey;autoIncrement:false"`
		Position int    `gorm:"primaryKey;autoIncrement:false"`
		Label    string `gorm:"size:60;not null"`
		Tally    int    `gorm:"not null"`
	}
	type VoteElector struct {
		VoteID    uint64 `gorm:"primaryKey;autoIncrement:false"`
		ElectorID uint64 `gorm:"primaryKey;autoIncrement:false"`
	}
	type Ballot struct {
		VoteID    uint64 `gorm:"primaryKey;autoIncrement:false"`
		ElectorID uint64 `gorm:"primaryKey;autoIncrement:false"`
		UserID    uint64 `gorm:"not null"`
		Choice    *int
		CreatedAt time.Time
	}
	type TopicAction struct {
		ID         uint64 `gorm:"primaryKey"`
		TopicID    uint64 `gorm:"not null;index:ix_council_actions_topic"`
		Title      string `gorm:"size:100;not null"`
		DueAt      *time.Time
		AssigneeID *uint64
		IssueID    *uint64
		CreatedBy  uint64 `gorm:"not null"`
		DoneAt     *time.Time
		DoneBy     *uint64
		CreatedAt  time.Time
	}
	for name, t := range map[string]any{
		"council_topics": &Topic{}, "council_seconds": &TopicSecond{}, "council_events": &TopicEvent{},
		"council_comments": &TopicComment{}, "council_votes": &Vote{}, "council_vote_options": &VoteOption{},
		"council_electors": &VoteElector{}, "council_ballots": &Ballot{}, "council_actions": &TopicAction{},
	} {
		if err := tx.Table(name).Migrator().CreateTable(t); err != nil {
			return err
		}
	}
	return nil
}
