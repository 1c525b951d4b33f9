package api

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"linli/service"
)

// OpenVoteRequest opens a vote on a topic on the agenda.
type OpenVoteRequest struct {
	TopicPath
	Question      string     `json:"question" validate:"required,max=200" label:"表决事项" description:"1–200 字"`
	Options       []string   `json:"options" validate:"required,min=2,max=10,dive,required,max=60" label:"表决选项" description:"2–10 个，不重复，如 [\"同意\",\"不同意\",\"弃权\"]"`
	OpensAt       *time.Time `json:"opens_at" label:"开始时间" description:"不填或早于现在为立即开始"`
	ClosesAt      time.Time  `json:"closes_at" validate:"required" label:"截止时间" description:"晚于开始时间至少 10 分钟，最长 90 天"`
	Electorate    string     `json:"electorate" validate:"omitempty,oneof=households residents" label:"投票范围" description:"households（默认）：议题范围内台账中的每户一票；residents：通过认证的每位居民一票；发起时确定"`
	QuorumPercent int        `json:"quorum_percent" validate:"min=0,max=100" label:"参与率门槛" description:"投票的户（人）数至少占投票范围的百分比，默认 0"`
	PassPercent   int        `json:"pass_percent" validate:"min=0,max=100" label:"通过比例" description:"得票最多的选项至少占所投票数的百分比，默认 50"`
	Secret        bool       `json:"secret" label:"不记名" description:"不记名表决：不保存哪一户投了哪个选项；进行中不显示各选项票数"`
}

// VotePath names a vote.
type VotePath struct {
	VoteID ID `path:"id" json:"-" label:"表决" description:"表决 ID"`
}

// BallotRequest casts my household's ballot.
type BallotRequest struct {
	VotePath
	Option *int `json:"option" validate:"required,min=0,max=9" label:"选项" description:"选项序号（options[].position），从 0 开始"`
}

// TopicActionRequest adds a follow-up item to a decided topic.
type TopicActionRequest struct {
	TopicPath
	Title      string     `json:"title" validate:"required,max=100" label:"落实事项" description:"1–100 字"`
	DueAt      *time.Time `json:"due_at" label:"完成期限" description:"可选，晚于现在"`
	AssigneeID ID         `json:"assignee_id" label:"负责人" description:"可选：本社区的居民、楼栋长或社区工作者"`
	IssueID    ID         `json:"issue_id" label:"关联报事" description:"可选：跟踪这件事的报事"`
}

// TopicActionPath names a follow-up item.
type TopicActionPath struct {
	ActionID ID `path:"id" json:"-" label:"落实事项" description:"落实事项 ID"`
}

func (a *API) voteRoutes() error {
	auth := a.requireUser
	const tag = "议事厅"
	for _, r := range []struct {
		rt route
		h  []gin.HandlerFunc
	}{
		{route{method: "POST", path: "/topics/:id/votes", op: "openVote", tag: tag, status: http.StatusCreated,
			summary: "发起表决（社区工作者）",
			description: "对列入议程的议题发起表决：表决事项、2–10 个选项、时间、投票范围（按户或按人，发起时按台账/认证确定）、参与率门槛、通过比例、是否不记名。" +
				"议题随之进入表决中；议题不在议程中 → 409。截止后由系统计票一次并保存结果，以公告向议题范围公示 7 天。",
			auth: true, req: new(OpenVoteRequest), resp: data[VoteDTO](), errors: []int{400, 403, 404, 409, 422}},
			[]gin.HandlerFunc{auth, a.h(a.openVote)}},
		{route{method: "GET", path: "/votes/:id", op: "getVote", tag: tag, summary: "表决详情",
			description: "表决事项、选项、已投票户数、我的住户是否已投票（公开表决时含所投选项）。各选项票数：公开表决实时显示，不记名表决截止后才显示。",
			auth:        true, req: new(VotePath), resp: data[VoteDTO](), errors: []int{404}},
			[]gin.HandlerFunc{auth, a.h(a.getVote)}},
		{route{method: "POST", path: "/votes/:id/ballots", op: "castBallot", tag: tag, status: http.StatusCreated,
			summary: "投票",
			description: "投票范围内的居民为本户（按人表决时为本人）投一票；户内任何一位成员都可以投，投后不能更改。" +
				"同户再投 → 409 “本户已投票”（数据库唯一键保证，同时提交也只计一票）；不在投票时间内 → 409；不在投票范围内 → 403；没有这个选项 → 400。",
			auth: true, req: new(BallotRequest), resp: data[VoteDTO](), errors: []int{400, 403, 404, 409}},
			[]gin.HandlerFunc{auth, a.h(a.castBallot)}},
		{route{method: "GET", path: "/votes/:id/result", op: "getVoteResult", tag: tag, summary: "表决结果",
			description: "截止后：各选项票数、参与户数、是否达到参与率门槛、是否通过、公示文字；由截止后的一次计票写入，之后不再变化。截止前 → 409。",
			auth:        true, req: new(VotePath), resp: data[VoteResultDTO](), errors: []int{404, 409}},
			[]gin.HandlerFunc{auth, a.h(a.getVoteResult)}},
		{route{method: "POST", path: "/topics/:id/actions", op: "addTopicAction", tag: tag, status: http.StatusCreated,
			summary: "安排落实事项", description: "社区工作者或该范围的楼栋长：为表决结束的议题添加落实事项；议题不在表决结束状态 → 409。负责人会收到通知。",
			auth: true, req: new(TopicActionRequest), resp: data[TopicActionDTO](), errors: []int{400, 403, 404, 409, 422}},
			[]gin.HandlerFunc{auth, a.h(a.addTopicAction)}},
		{route{method: "POST", path: "/actions/:id/done", op: "finishTopicAction", tag: tag, summary: "落实事项完成",
			description: "社区工作者、该范围的楼栋长或负责人：标记完成；全部完成后议题变为已落实（resolved），提议人与附议人会收到通知。已完成 → 409。",
			auth:        true, req: new(TopicActionPath), resp: data[ActionDoneDTO](), errors: []int{403, 404, 409}},
			[]gin.HandlerFunc{auth, a.h(a.finishTopicAction)}},
	} {
		if err := a.handle(a.v1, r.rt, r.h...); err != nil {
			return err
		}
	}
	return nil
}

func (a *API) openVote(c *gin.Context) error {
	var req OpenVoteRequest
	if err := a.bind.Request(c, &req); err != nil {
		return err
	}
	p, err := a.principal(c)
	if err != nil {
		return err
	}
	spec := service.VoteSpec{Question: req.Question, Options: req.Options, ClosesAt: req.ClosesAt.UTC(),
		Electorate: req.Electorate, QuorumPercent: req.QuorumPercent, PassPercent: req.PassPercent, Secret: req.Secret}
	if req.OpensAt != nil {
		spec.OpensAt = req.OpensAt.UTC()
	}
	ctx := c.Request.Context()
	v, err := a.deps.Council.OpenVote(ctx, p, uint64(req.TopicID), spec)
	if err != nil {
		return err
	}
	view, err := a.deps.Council.Vote(ctx, p, v.ID)
	if err != nil {
		return err
	}
	ok(c, http.StatusCreated, voteDTO(view))
	return nil
}

func (a *API) getVote(c *gin.Context) error {
	var req VotePath
	if err := a.bind.Request(c, &req); err != nil {
		return err
	}
	p, err := a.principal(c)
	if err != nil {
		return err
	}
	view, err := a.deps.Council.Vote(c.Request.Context(), p, uint64(req.VoteID))
	if err != nil {
		return err
	}
	ok(c, http.StatusOK, voteDTO(view))
	return nil
}

func (a *API) castBallot(c *gin.Context) error {
	var req BallotRequest
	if err := a.bind.Request(c, &req); err != nil {
		return err
	}
	p, err := a.principal(c)
	if err != nil {
		return err
	}
	ctx := c.Request.Context()
	if err := a.deps.Council.Cast(ctx, p, uint64(req.VoteID), *req.Option); err != nil {
		return err
	}
	view, err := a.deps.Council.Vote(ctx, p, uint64(req.VoteID))
	if err != nil {
		return err
	}
	ok(c, http.StatusCreated, voteDTO(view))
	return nil
}

func (a *API) getVoteResult(c *gin.Context) error {
	var req VotePath
	if err := a.bind.Request(c, &req); err != nil {
		return err
	}
	p, err := a.principal(c)
	if err != nil {
		return err
	}
	view, err := a.deps.Council.Result(c.Request.Context(), p, uint64(req.VoteID))
	if err != nil {
		return err
	}
	out := VoteResultDTO{VoteDTO: voteDTO(view), QuorumMet: view.QuorumMet, Passed: view.Passed, Winner: view.Winner,
		Text: service.ResultText(&view.Vote, view.Options)}
	if view.ClosedAt != nil {
		out.ClosedAt = Time(*view.ClosedAt)
	}
	ok(c, http.StatusOK, out)
	return nil
}

func (a *API) addTopicAction(c *gin.Context) error {
	var req TopicActionRequest
	if err := a.bind.Request(c, &req); err != nil {
		return err
	}
	p, err := a.principal(c)
	if err != nil {
		return err
	}
	in := service.ActionItem{Title: req.Title, AssigneeID: uint64(req.AssigneeID), IssueID: uint64(req.IssueID)}
	if req.DueAt != nil {
		due := req.DueAt.UTC()
		in.DueAt = &due
	}
	act, err := a.deps.Council.AddAction(c.Request.Context(), p, uint64(req.TopicID), in)
	if err != nil {
		return err
	}
	ok(c, http.StatusCreated, topicActionDTO(act))
	return nil
}

func (a *API) finishTopicAction(c *gin.Context) error {
	var req TopicActionPath
	if err := a.bind.Request(c, &req); err != nil {
		return err
	}
	p, err := a.principal(c)
	if err != nil {
		return err
	}
	act, t, err := a.deps.Council.FinishAction(c.Request.Context(), p, uint64(req.ActionID))
	if err != nil {
		return err
	}
	ok(c, http.StatusOK, ActionDoneDTO{Action: topicActionDTO(act), TopicStatus: t.Status})
	return nil
}
