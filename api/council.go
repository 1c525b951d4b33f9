package api

import (
	"context"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"linli/config"
	"linli/model"
	"linli/service"
)

// ProposeTopicRequest raises a council topic.
type ProposeTopicRequest struct {
	CommunityPath
	Title   string `json:"title" validate:"required,max=60" label:"议题标题" description:"1–60 字"`
	Body    string `json:"body" validate:"required,max=2000" label:"议题内容" description:"1–2000 字：问题、理由与建议"`
	Scope   string `json:"scope" validate:"required,oneof=community estate building" label:"议题范围" description:"community 全社区；estate 某个小区；building 某栋楼"`
	ScopeID ID     `json:"scope_id" label:"范围" description:"estate 时为小区 ID，building 时为楼栋 ID；community 时不填"`
	IssueID ID     `json:"issue_id" label:"关联报事" description:"议题来自的报事（可选）"`
}

// TopicListQuery lists a community's topics.
type TopicListQuery struct {
	CommunityPath
	PageQuery
	Status string `query:"status" validate:"omitempty,oneof=open pending_review proposed on_agenda voting decided resolved rejected withdrawn closed" label:"状态" description:"不填为全部；open 为提议中、列入议程、表决中与表决结束（待落实）"`
}

// TopicPath names a topic.
type TopicPath struct {
	TopicID ID `path:"id" json:"-" label:"议题" description:"议题 ID"`
}

// TopicTransitionRequest moves a topic.
type TopicTransitionRequest struct {
	TopicPath
	Action string `json:"action" validate:"required,oneof=accept reject withdraw close" label:"操作" description:"accept 直接列入议程（或放行待审核的议题）；reject 不予采纳（须填理由）；withdraw 提议人撤回；close 结束"`
	Note   string `json:"note" validate:"max=500" label:"说明" description:"reject 时必填"`
}

// TopicCommentRequest adds to a topic's discussion.
type TopicCommentRequest struct {
	TopicPath
	Body string `json:"body" validate:"required,max=500" label:"讨论内容" description:"1–500 字"`
}

// TopicCommentsQuery pages through a topic's discussion.
type TopicCommentsQuery struct {
	TopicPath
	PageQuery
}

func (a *API) councilRoutes() error {
	auth := a.requireUser
	const tag = "议事厅"
	for _, r := range []struct {
		rt route
		h  []gin.HandlerFunc
	}{
		{route{method: "POST", path: "/communities/:id/topics", op: "proposeTopic", tag: tag, status: http.StatusCreated,
			summary: "提议（议事厅议题）",
			description: "本社区通过房屋认证的居民（须在议题范围内）、楼栋长或社区工作者：就全社区、某个小区或某栋楼提出议题，可关联一条报事。" +
				"内容安全检查不通过 → 422 且不保存；暂不能确定的以 pending_review 保存，只有提议人与管理者可见，待其放行。" +
				"附议户数达到社区门槛（默认 5 户）后自动列入议程。",
			auth: true, req: new(ProposeTopicRequest), resp: data[TopicDTO](), errors: []int{400, 403, 404, 422, 429}},
			[]gin.HandlerFunc{auth, a.rate(config.ActionReport), a.h(a.proposeTopic)}},
		{route{method: "GET", path: "/communities/:id/topics", op: "listTopics", tag: tag, summary: "议题列表",
			description: "新的在前。居民看到全社区的议题和自己所在小区、楼栋的议题；楼栋长与社区工作者看到全部。与本社区无关 → 404。",
			auth:        true, req: new(TopicListQuery), resp: data[Page[TopicDTO]](), errors: []int{400, 404}},
			[]gin.HandlerFunc{auth, a.h(a.listTopics)}},
		{route{method: "GET", path: "/topics/:id", op: "getTopic", tag: tag, summary: "议题详情",
			description: "议题、时间线（谁、何时、说明）、附议户数、表决、落实事项，以及我现在可以做的操作。",
			auth:        true, req: new(TopicPath), resp: data[TopicDetailDTO](), errors: []int{404}},
			[]gin.HandlerFunc{auth, a.h(a.getTopic)}},
		{route{method: "POST", path: "/topics/:id/seconds", op: "secondTopic", tag: tag, status: http.StatusCreated,
			summary: "附议",
			description: "议题范围内通过房屋认证的居民，以所住的户附议，每户一次（同户第二次 → 409 “本户已附议”）；提议人所在的户无需附议 → 409。" +
				"附议户数达到门槛时议题自动列入议程（on_agenda 为 true），同时到达的附议也只会列入一次。议题不在提议中 → 409。",
			auth: true, req: new(TopicPath), resp: data[SecondResultDTO](), errors: []int{403, 404, 409}},
			[]gin.HandlerFunc{auth, a.h(a.secondTopic)}},
		{route{method: "DELETE", path: "/topics/:id/seconds", op: "unsecondTopic", tag: tag, summary: "撤回附议",
			description: "议题仍在提议中时，撤回本户的附议；本户没有附议或议题已列入议程 → 409。",
			auth:        true, req: new(TopicPath), resp: data[TopicDTO](), errors: []int{403, 404, 409}},
			[]gin.HandlerFunc{auth, a.h(a.unsecondTopic)}},
		{route{method: "POST", path: "/topics/:id/transitions", op: "transitionTopic", tag: tag, summary: "议题流转",
			description: "accept：社区工作者或该范围的楼栋长直接列入议程（也用于放行待审核的议题）；reject：不予采纳，须填理由；" +
				"withdraw：提议人撤回（表决开始前）；close：结束列入议程或表决结束的议题。当前状态不允许 → 409。提议人与附议人会收到通知。",
			auth: true, req: new(TopicTransitionRequest), resp: data[TopicDTO](), errors: []int{400, 403, 404, 409, 422}},
			[]gin.HandlerFunc{auth, a.h(a.transitionTopic)}},
		{route{method: "POST", path: "/topics/:id/comments", op: "commentTopic", tag: tag, status: http.StatusCreated,
			summary: "参与讨论", description: "议题范围内的居民与管理者；内容安全检查同报事评论。议题已结束 → 409。",
			auth: true, req: new(TopicCommentRequest), resp: data[TopicCommentDTO](), errors: []int{400, 403, 404, 409, 422, 429}},
			[]gin.HandlerFunc{auth, a.rate(config.ActionComment), a.h(a.commentTopic)}},
		{route{method: "GET", path: "/topics/:id/comments", op: "listTopicComments", tag: tag, summary: "议题讨论",
			description: "先发的在前；待复核的只有作者与管理者可见。（合同之外：讨论的列表。）",
			auth:        true, req: new(TopicCommentsQuery), resp: data[Page[TopicCommentDTO]](), errors: []int{400, 404}},
			[]gin.HandlerFunc{auth, a.h(a.listTopicComments)}},
	} {
		if err := a.handle(a.v1, r.rt, r.h...); err != nil {
			return err
		}
	}
	return a.voteRoutes()
}

func (a *API) proposeTopic(c *gin.Context) error {
	var req ProposeTopicRequest
	if err := a.bind.Request(c, &req); err != nil {
		return err
	}
	p, err := a.principal(c)
	if err != nil {
		return err
	}
	t, err := a.deps.Council.Propose(c.Request.Context(), p, service.Proposal{CommunityID: uint64(req.CommunityID),
		Scope: req.Scope, ScopeID: uint64(req.ScopeID), IssueID: uint64(req.IssueID), Title: req.Title, Body: req.Body})
	if err != nil {
		return err
	}
	out, err := a.topicDTOs(c.Request.Context(), p.UserID, []model.Topic{*t})
	if err != nil {
		return err
	}
	ok(c, http.StatusCreated, out[0])
	return nil
}

// topicDTOs shows topics with their proposers' names and scopes' names.
func (a *API) topicDTOs(ctx context.Context, viewer uint64, ts []model.Topic) ([]TopicDTO, error) {
	ids := make([]uint64, len(ts))
	for i := range ts {
		ids[i] = ts[i].ProposerID
	}
	names, err := a.deps.Council.Names(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make([]TopicDTO, len(ts))
	for i := range ts {
		sn, err := a.deps.Council.ScopeName(ctx, &ts[i])
		if err != nil {
			return nil, err
		}
		out[i] = topicDTO(&ts[i], names, sn, viewer)
	}
	return out, nil
}

func (a *API) listTopics(c *gin.Context) error {
	var q TopicListQuery
	if err := a.bind.Request(c, &q); err != nil {
		return err
	}
	before, err := cursorID(q.Cursor)
	if err != nil {
		return err
	}
	p, err := a.principal(c)
	if err != nil {
		return err
	}
	ctx := c.Request.Context()
	items, more, err := a.deps.Council.Topics(ctx, p, service.TopicList{CommunityID: uint64(q.CommunityID),
		Status: q.Status, Before: before, Limit: q.Size()})
	if err != nil {
		return err
	}
	dtos, err := a.topicDTOs(ctx, p.UserID, items)
	if err != nil {
		return err
	}
	page := Page[TopicDTO]{Items: dtos}
	if more {
		page.NextCursor = strconv.FormatUint(uint64(dtos[len(dtos)-1].ID), 10)
	}
	ok(c, http.StatusOK, page)
	return nil
}

func (a *API) getTopic(c *gin.Context) error {
	var req TopicPath
	if err := a.bind.Request(c, &req); err != nil {
		return err
	}
	p, err := a.principal(c)
	if err != nil {
		return err
	}
	ctx := c.Request.Context()
	d, err := a.deps.Council.Topic(ctx, p, uint64(req.TopicID))
	if err != nil {
		return err
	}
	ids := []uint64{d.ProposerID}
	for _, e := range d.Timeline {
		ids = append(ids, e.ActorID)
	}
	names, err := a.deps.Council.Names(ctx, ids)
	if err != nil {
		return err
	}
	sn, err := a.deps.Council.ScopeName(ctx, &d.Topic)
	if err != nil {
		return err
	}
	out := TopicDetailDTO{TopicDTO: topicDTO(&d.Topic, names, sn, p.UserID), Timeline: make([]TopicEventDTO, len(d.Timeline)),
		Votes: make([]VoteSummaryDTO, len(d.Votes)), Actions: make([]TopicActionDTO, len(d.Actions)), Seconded: d.Seconded,
		Allowed: d.Allowed}
	if out.Allowed == nil {
		out.Allowed = []string{}
	}
	for i, e := range d.Timeline {
		out.Timeline[i] = TopicEventDTO{Action: e.Action, FromStatus: e.FromStatus, ToStatus: e.ToStatus, Note: e.Note,
			CreatedAt: Time(e.CreatedAt)}
		if e.ActorID != 0 {
			out.Timeline[i].Actor = &PersonDTO{ID: ID(e.ActorID), Nickname: names[e.ActorID]}
		}
	}
	for i, v := range d.Votes {
		out.Votes[i] = VoteSummaryDTO{ID: ID(v.ID), Question: v.Question, Status: v.Status, OpensAt: Time(v.OpensAt),
			ClosesAt: Time(v.ClosesAt)}
		if v.Status == model.VoteClosed {
			passed := v.Passed
			out.Votes[i].Passed = &passed
		}
	}
	for i := range d.Actions {
		out.Actions[i] = topicActionDTO(&d.Actions[i])
	}
	ok(c, http.StatusOK, out)
	return nil
}

func (a *API) secondTopic(c *gin.Context) error {
	var req TopicPath
	if err := a.bind.Request(c, &req); err != nil {
		return err
	}
	p, err := a.principal(c)
	if err != nil {
		return err
	}
	ctx := c.Request.Context()
	t, reached, err := a.deps.Council.Second(ctx, p, uint64(req.TopicID))
	if err != nil {
		return err
	}
	dtos, err := a.topicDTOs(ctx, p.UserID, []model.Topic{*t})
	if err != nil {
		return err
	}
	ok(c, http.StatusCreated, SecondResultDTO{Topic: dtos[0], OnAgenda: reached})
	return nil
}

func (a *API) unsecondTopic(c *gin.Context) error {
	var req TopicPath
	if err := a.bind.Request(c, &req); err != nil {
		return err
	}
	p, err := a.principal(c)
	if err != nil {
		return err
	}
	ctx := c.Request.Context()
	t, err := a.deps.Council.Unsecond(ctx, p, uint64(req.TopicID))
	if err != nil {
		return err
	}
	return a.answerTopic(c, p.UserID, t)
}

func (a *API) answerTopic(c *gin.Context, viewer uint64, t *model.Topic) error {
	dtos, err := a.topicDTOs(c.Request.Context(), viewer, []model.Topic{*t})
	if err != nil {
		return err
	}
	ok(c, http.StatusOK, dtos[0])
	return nil
}

func (a *API) transitionTopic(c *gin.Context) error {
	var req TopicTransitionRequest
	if err := a.bind.Request(c, &req); err != nil {
		return err
	}
	p, err := a.principal(c)
	if err != nil {
		return err
	}
	t, err := a.deps.Council.Transition(c.Request.Context(), p, uint64(req.TopicID), req.Action, req.Note)
	if err != nil {
		return err
	}
	return a.answerTopic(c, p.UserID, t)
}

func (a *API) commentTopic(c *gin.Context) error {
	var req TopicCommentRequest
	if err := a.bind.Request(c, &req); err != nil {
		return err
	}
	p, err := a.principal(c)
	if err != nil {
		return err
	}
	ctx := c.Request.Context()
	cm, err := a.deps.Council.Comment(ctx, p, uint64(req.TopicID), req.Body)
	if err != nil {
		return err
	}
	names, err := a.deps.Council.Names(ctx, []uint64{cm.AuthorID})
	if err != nil {
		return err
	}
	ok(c, http.StatusCreated, topicCommentDTO(cm, names))
	return nil
}

func topicCommentDTO(cm *model.TopicComment, names map[uint64]string) TopicCommentDTO {
	return TopicCommentDTO{ID: ID(cm.ID), Author: PersonDTO{ID: ID(cm.AuthorID), Nickname: names[cm.AuthorID]},
		Body: cm.Body, Held: cm.Held, CreatedAt: Time(cm.CreatedAt)}
}

func (a *API) listTopicComments(c *gin.Context) error {
	var q TopicCommentsQuery
	if err := a.bind.Request(c, &q); err != nil {
		return err
	}
	after, err := cursorID(q.Cursor)
	if err != nil {
		return err
	}
	p, err := a.principal(c)
	if err != nil {
		return err
	}
	ctx := c.Request.Context()
	items, more, err := a.deps.Council.Comments(ctx, p, uint64(q.TopicID), after, q.Size())
	if err != nil {
		return err
	}
	ids := make([]uint64, len(items))
	for i := range items {
		ids[i] = items[i].AuthorID
	}
	names, err := a.deps.Council.Names(ctx, ids)
	if err != nil {
		return err
	}
	ok(c, http.StatusOK, pageOf(items, more, func(cm *model.TopicComment) TopicCommentDTO { return topicCommentDTO(cm, names) },
		func(cm *model.TopicComment) string { return strconv.FormatUint(cm.ID, 10) }))
	return nil
}
