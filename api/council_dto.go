package api

import (
	"time"

	"linli/model"
	"linli/service"
)

// TopicDTO is a council topic (议题) in a list.
type TopicDTO struct {
	ID          ID        `json:"id"`
	CommunityID ID        `json:"community_id"`
	Scope       string    `json:"scope" enum:"community,estate,building" description:"议题范围"`
	EstateID    *ID       `json:"estate_id" description:"小区或楼栋议题的小区；社区议题为 null"`
	BuildingID  *ID       `json:"building_id" description:"楼栋议题的楼栋；否则为 null"`
	ScopeName   string    `json:"scope_name" description:"范围的名称：社区名、小区名或“小区 楼栋”" example:"东亭花园 3栋"`
	Title       string    `json:"title"`
	Body        string    `json:"body"`
	Status      string    `json:"status" enum:"pending_review,proposed,on_agenda,voting,decided,resolved,rejected,withdrawn,closed"`
	StatusText  string    `json:"status_text" example:"提议中"`
	Proposer    PersonDTO `json:"proposer"`
	Mine        bool      `json:"mine" description:"我提出的议题"`
	IssueID     *ID       `json:"issue_id" description:"议题来自的报事；没有为 null"`
	Seconds     int       `json:"seconds" description:"已附议的户数"`
	Threshold   int       `json:"threshold" description:"自动列入议程所需的附议户数"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// TopicEventDTO is a line of a topic's timeline.
type TopicEventDTO struct {
	Action     string     `json:"action" enum:"propose,agenda,accept,reject,withdraw,close,vote,decide,action,action_done,resolve" description:"agenda：附议达到门槛自动列入议程；decide：表决结束；action：安排落实事项"`
	FromStatus string     `json:"from_status"`
	ToStatus   string     `json:"to_status"`
	Actor      *PersonDTO `json:"actor" description:"系统操作（自动列入议程、表决结束）为 null"`
	Note       string     `json:"note"`
	CreatedAt  time.Time  `json:"created_at"`
}

// VoteSummaryDTO is a vote as a topic's detail lists it.
type VoteSummaryDTO struct {
	ID       ID        `json:"id"`
	Question string    `json:"question"`
	Status   string    `json:"status" enum:"open,closed"`
	OpensAt  time.Time `json:"opens_at"`
	ClosesAt time.Time `json:"closes_at"`
	Passed   *bool     `json:"passed" description:"表决结束后是否通过；进行中为 null"`
}

// TopicActionDTO is a follow-up item of a decided topic (落实事项).
type TopicActionDTO struct {
	ID         ID         `json:"id"`
	TopicID    ID         `json:"topic_id"`
	Title      string     `json:"title"`
	DueAt      *time.Time `json:"due_at" description:"完成期限；没有为 null"`
	AssigneeID *ID        `json:"assignee_id" description:"负责人；没有为 null"`
	IssueID    *ID        `json:"issue_id" description:"跟踪它的报事；没有为 null"`
	Done       bool       `json:"done"`
	DoneAt     *time.Time `json:"done_at"`
	CreatedAt  time.Time  `json:"created_at"`
}

// TopicDetailDTO is a topic with its timeline, votes, follow-up items and what I may do.
type TopicDetailDTO struct {
	TopicDTO
	Timeline []TopicEventDTO  `json:"timeline"`
	Votes    []VoteSummaryDTO `json:"votes"`
	Actions  []TopicActionDTO `json:"actions"`
	Seconded bool             `json:"seconded" description:"我的住户已附议"`
	Allowed  []string         `json:"allowed" description:"我现在可以做的：second, unsecond, accept, reject, withdraw, close, comment, vote（发起表决）, action（安排落实事项）"`
}

// SecondResultDTO is a topic after my household's 附议.
type SecondResultDTO struct {
	Topic    TopicDTO `json:"topic"`
	OnAgenda bool     `json:"on_agenda" description:"这次附议使附议户数达到门槛，议题已自动列入议程"`
}

// TopicCommentDTO is a contribution to a topic's discussion.
type TopicCommentDTO struct {
	ID        ID        `json:"id"`
	Author    PersonDTO `json:"author"`
	Body      string    `json:"body"`
	Held      bool      `json:"held" description:"内容安全待复核：只有作者与议题的管理者可见"`
	CreatedAt time.Time `json:"created_at"`
}

// VoteOptionDTO is an option of a vote, with its count when shown.
type VoteOptionDTO struct {
	Position int    `json:"position" description:"选项序号（投票时的 option），从 0 开始"`
	Label    string `json:"label"`
	Count    *int   `json:"count" description:"得票数：表决结束后，或公开表决进行中；不记名表决进行中为 null"`
}

// VoteDTO is a vote (表决) as its viewer sees it.
type VoteDTO struct {
	ID            ID              `json:"id"`
	TopicID       ID              `json:"topic_id"`
	TopicTitle    string          `json:"topic_title"`
	Question      string          `json:"question"`
	Options       []VoteOptionDTO `json:"options"`
	Electorate    string          `json:"electorate" enum:"households,residents" description:"households：每户一票；residents：每人一票"`
	Electors      int             `json:"electors" description:"投票范围（发起时确定）的户数或人数"`
	Secret        bool            `json:"secret" description:"不记名：不保存哪一户投了哪个选项"`
	QuorumPercent int             `json:"quorum_percent"`
	PassPercent   int             `json:"pass_percent"`
	OpensAt       time.Time       `json:"opens_at"`
	ClosesAt      time.Time       `json:"closes_at"`
	Status        string          `json:"status" enum:"open,closed"`
	Turnout       int             `json:"turnout" description:"已投票的户数（或人数）"`
	Elector       bool            `json:"elector" description:"我（我的住户）在投票范围内"`
	Voted         bool            `json:"voted" description:"我的住户（或我）已投票"`
	MyChoice      *int            `json:"my_choice" description:"我的住户所投的选项序号；不记名表决或未投票为 null"`
}

// VoteResultDTO is the result of a closed vote.
type VoteResultDTO struct {
	VoteDTO
	QuorumMet bool      `json:"quorum_met" description:"参与率达到门槛"`
	Passed    bool      `json:"passed" description:"达到参与率门槛，且得票最多的选项（唯一）达到通过比例"`
	Winner    *int      `json:"winner" description:"得票最多的选项序号；并列或无人投票为 null"`
	ClosedAt  time.Time `json:"closed_at"`
	Text      string    `json:"text" description:"公示的结果文字"`
}

// ActionDoneDTO is a follow-up item marked done, and its topic's status.
type ActionDoneDTO struct {
	Action      TopicActionDTO `json:"action"`
	TopicStatus string         `json:"topic_status" enum:"decided,resolved" description:"全部落实事项完成后为 resolved"`
}

// idOrNil is a pointer to the ID, nil for 0.
func idOrNil(v uint64) *ID {
	if v == 0 {
		return nil
	}
	id := ID(v)
	return &id
}

func topicDTO(t *model.Topic, names map[uint64]string, scopeName string, viewer uint64) TopicDTO {
	return TopicDTO{ID: ID(t.ID), CommunityID: ID(t.CommunityID), Scope: t.Scope, EstateID: idOrNil(t.EstateID),
		BuildingID: idOrNil(t.BuildingID), ScopeName: scopeName, Title: t.Title, Body: t.Body, Status: t.Status,
		StatusText: service.TopicStatusText(t.Status), Proposer: PersonDTO{ID: ID(t.ProposerID), Nickname: names[t.ProposerID]},
		Mine: t.ProposerID == viewer, IssueID: idPtr(t.IssueID), Seconds: t.Seconds, Threshold: t.Threshold,
		CreatedAt: Time(t.CreatedAt), UpdatedAt: Time(t.UpdatedAt)}
}

func topicActionDTO(a *model.TopicAction) TopicActionDTO {
	return TopicActionDTO{ID: ID(a.ID), TopicID: ID(a.TopicID), Title: a.Title, DueAt: TimePtr(a.DueAt),
		AssigneeID: idPtr(a.AssigneeID), IssueID: idPtr(a.IssueID), Done: a.DoneAt != nil, DoneAt: TimePtr(a.DoneAt),
		CreatedAt: Time(a.CreatedAt)}
}

func voteDTO(v *service.VoteView) VoteDTO {
	d := VoteDTO{ID: ID(v.ID), TopicID: ID(v.TopicID), TopicTitle: v.Topic.Title, Question: v.Question,
		Options: make([]VoteOptionDTO, len(v.Options)), Electorate: v.Electorate, Electors: v.Electors, Secret: v.Secret,
		QuorumPercent: v.QuorumPercent, PassPercent: v.PassPercent, OpensAt: Time(v.OpensAt), ClosesAt: Time(v.ClosesAt),
		Status: v.Status, Turnout: v.Turnout, Elector: v.Elector, Voted: v.Voted, MyChoice: v.Choice}
	for i, o := range v.Options {
		d.Options[i] = VoteOptionDTO{Position: o.Position, Label: o.Label}
		if v.ShowCounts {
			n := o.Tally
			d.Options[i].Count = &n
		}
	}
	return d
}
