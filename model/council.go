package model

import "time"

// Council topic statuses (议题状态).
const (
	// TopicPendingReview: content safety could not clear the text; the proposer and the
	// scope's managers see it until they release it (accept) or reject it.
	TopicPendingReview = "pending_review"
	TopicProposed      = "proposed"  // 提议中: collecting seconds
	TopicOnAgenda      = "on_agenda" // 已列入议程
	TopicVoting        = "voting"    // 表决中
	TopicDecided       = "decided"   // 已表决: follow-up actions may be added
	TopicResolved      = "resolved"  // 已落实: every action done
	TopicRejected      = "rejected"  // 不予采纳
	TopicWithdrawn     = "withdrawn" // 已撤回
	TopicClosed        = "closed"    // 已结束 (without a decision to carry out)
)

// Council scopes: where a topic (and its vote's electorate) is.
const (
	CouncilScopeCommunity = "community"
	CouncilScopeEstate    = "estate"
	CouncilScopeBuilding  = "building"
)

// Topic is a matter raised in the council (议题).
type Topic struct {
	ID          uint64 `gorm:"primaryKey"`
	CommunityID uint64 `gorm:"not null;index:ix_council_topics_list,priority:1"`
	Scope       string `gorm:"size:16;not null"`
	EstateID    uint64 `gorm:"not null"` // the estate of an estate or building topic, else 0
	BuildingID  uint64 `gorm:"not null"` // the building of a building topic, else 0
	ProposerID  uint64 `gorm:"not null;index:ix_council_topics_proposer"`
	IssueID     *uint64
	Title       string `gorm:"size:60;not null"`
	Body        string `gorm:"type:text;not null"`
	Status      string `gorm:"size:16;not null;index:ix_council_topics_list,priority:2"`
	// Seconds counts the households that seconded (附议); kept by the same transaction that
	// inserts or deletes a TopicSecond.
	Seconds int `gorm:"not null"`
	// Threshold is the number of households whose seconds put the topic on the agenda, fixed
	// when it was proposed.
	Threshold int `gorm:"not null"`
	CreatedAt time.Time
	UpdatedAt time.Time
}

// TableName keeps council tables together.
func (Topic) TableName() string { return "council_topics" }

// TopicSecond is one household's 附议 of a topic; its primary key makes it one per household.
type TopicSecond struct {
	TopicID     uint64 `gorm:"primaryKey;autoIncrement:false"`
	HouseholdID uint64 `gorm:"primaryKey;autoIncrement:false"`
	UserID      uint64 `gorm:"not null"`
	CreatedAt   time.Time
}

// TableName keeps council tables together.
func (TopicSecond) TableName() string { return "council_seconds" }

// TopicEvent is one line of a topic's timeline.
type TopicEvent struct {
	ID         uint64 `gorm:"primaryKey"`
	TopicID    uint64 `gorm:"not null;index:ix_council_events_topic"`
	ActorID    uint64 `gorm:"not null"` // 0: the system (threshold reached, vote closed)
	Action     string `gorm:"size:24;not null"`
	FromStatus string `gorm:"size:16;not null"`
	ToStatus   string `gorm:"size:16;not null"`
	Note       string `gorm:"size:500;not null"`
	CreatedAt  time.Time
}

// TableName keeps council tables together.
func (TopicEvent) TableName() string { return "council_events" }

// TopicComment is a contribution to a topic's discussion.
type TopicComment struct {
	ID       uint64 `gorm:"primaryKey"`
	TopicID  uint64 `gorm:"not null;index:ix_council_comments_topic"`
	AuthorID uint64 `gorm:"not null"`
	Body     string `gorm:"size:500;not null"`
	// Held: content safety could not clear it; its author and the scope's managers see it.
	Held      bool `gorm:"not null"`
	CreatedAt time.Time
}

// TableName keeps council tables together.
func (TopicComment) TableName() string { return "council_comments" }

// Vote electorates.
const (
	ElectorateHouseholds = "households" // one ballot per household of the scope's register
	ElectorateResidents  = "residents"  // one ballot per approved resident of the scope
)

// Vote statuses.
const (
	VoteOpen   = "open"
	VoteClosed = "closed"
)

// Vote is a 表决 on a topic on the agenda. Its electorate is fixed when it opens (VoteElector
// rows); Electors is their number. The result columns are written once, by the transaction
// that closes it.
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
	// Ballots, QuorumMet, Passed, Winner (the position of the leading option; nil on a tie or
	// no ballots) and ClosedAt are the result, set when it closes.
	Ballots   int  `gorm:"not null"`
	QuorumMet bool `gorm:"not null"`
	Passed    bool `gorm:"not null"`
	Winner    *int
	ClosedAt  *time.Time
	CreatedAt time.Time
}

// TableName keeps council tables together.
func (Vote) TableName() string { return "council_votes" }

// VoteOption is one answer of a vote. Tally is the count of ballots for it, incremented by
// the transaction that inserts the ballot (for a secret vote it is the only place the choice
// is kept).
type VoteOption struct {
	VoteID   uint64 `gorm:"primaryKey;autoIncrement:false"`
	Position int    `gorm:"primaryKey;autoIncrement:false"`
	Label    string `gorm:"size:60;not null"`
	Tally    int    `gorm:"not null"`
}

// TableName keeps council tables together.
func (VoteOption) TableName() string { return "council_vote_options" }

// VoteElector is a member of a vote's electorate: a household id (households) or a user id
// (residents), fixed when the vote opens.
type VoteElector struct {
	VoteID    uint64 `gorm:"primaryKey;autoIncrement:false"`
	ElectorID uint64 `gorm:"primaryKey;autoIncrement:false"`
}

// TableName keeps council tables together.
func (VoteElector) TableName() string { return "council_electors" }

// Ballot records that an elector voted: its primary key (vote, elector) makes it one per
// household (or resident). Choice is the option's position for an open vote; nil for a
// secret one, whose choice only increments the option's tally, so no row links an elector
// to an option.
type Ballot struct {
	VoteID    uint64 `gorm:"primaryKey;autoIncrement:false"`
	ElectorID uint64 `gorm:"primaryKey;autoIncrement:false"`
	UserID    uint64 `gorm:"not null"`
	Choice    *int
	CreatedAt time.Time
}

// TableName keeps council tables together.
func (Ballot) TableName() string { return "council_ballots" }

// TopicAction is an item of a decided topic's follow-up list (落实).
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
	// RemindedAt is when its assignee was reminded that it is overdue (once; 0020).
	RemindedAt *time.Time
	CreatedAt  time.Time
}

// TableName keeps council tables together.
func (TopicAction) TableName() string { return "council_actions" }
