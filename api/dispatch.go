package api

import (
	"time"

	"github.com/gin-gonic/gin"

	"linli/config"
	"linli/service"
)

// HelpRequestRequest files a help request (居民点单).
type HelpRequestRequest struct {
	BuildingID      ID     `json:"building_id" validate:"required" label:"楼栋"`
	SkillID         ID     `json:"skill_id" validate:"required" description:"本社区的技能（GET /communities/{id}/skills）" label:"技能"`
	Description     string `json:"description" validate:"required,min=1,max=500" description:"需要什么帮助，1–500 字" label:"描述"`
	PreferredAt     string `json:"preferred_at" validate:"omitempty,max=40" description:"希望的服务时间（RFC 3339），可省略" label:"期望时间"`
	BeneficiaryName string `json:"beneficiary_name" validate:"max=32" description:"代人求助（楼栋长、社区工作者）：求助人称呼，如 李大爷；仅楼栋长、社区工作者与接单志愿者可见" label:"受助人称呼"`
	BeneficiaryRoom string `json:"beneficiary_room" validate:"max=32" description:"代人求助：求助人房号，如 3单元502" label:"受助人房号"`
}

// ListQuery lists help requests or dispatches, newest first.
type ListQuery struct {
	Scope       string `query:"scope,default=mine" default:"mine" validate:"oneof=mine requested managed" description:"mine：我发起的求助 / 派给我的单（默认）；requested：我求助的派单；managed：我负责的楼栋或社区" label:"范围"`
	Status      string `query:"status" validate:"omitempty,oneof=open dispatched done offered accepted declined cancelled expired completed confirmed" label:"状态"`
	CommunityID ID     `query:"community_id" label:"社区"`
	BuildingID  ID     `query:"building_id" label:"楼栋"`
	PageQuery
}

// HelpRequestPath names a help request.
type HelpRequestPath struct {
	ID ID `path:"id"`
}

// HelpRequestDTO is a help request as its viewer may see it.
type HelpRequestDTO struct {
	ID              ID            `json:"id"`
	CommunityID     ID            `json:"community_id"`
	BuildingID      ID            `json:"building_id"`
	BuildingName    string        `json:"building_name"`
	SkillID         ID            `json:"skill_id"`
	SkillName       string        `json:"skill_name"`
	Description     string        `json:"description"`
	PreferredAt     *time.Time    `json:"preferred_at,omitempty"`
	OnBehalf        bool          `json:"on_behalf" description:"楼栋长代人求助"`
	BeneficiaryName string        `json:"beneficiary_name,omitempty" description:"仅求助人、楼栋长、社区工作者与接单志愿者可见"`
	BeneficiaryRoom string        `json:"beneficiary_room,omitempty"`
	Requester       PersonDTO     `json:"requester"`
	RequesterPhone  string        `json:"requester_phone,omitempty" description:"仅楼栋长与社区工作者可见"`
	Status          string        `json:"status" enum:"open,dispatched,done"`
	Held            bool          `json:"held" description:"待内容审核：只有社区工作者可以派单"`
	CreatedAt       time.Time     `json:"created_at"`
	Dispatches      []DispatchDTO `json:"dispatches,omitempty" description:"详情：历次派单（求助人与管理者可见）"`
}

// DispatchRequest sends a volunteer (派单).
type DispatchRequest struct {
	IssueID       ID     `json:"issue_id" description:"报事 ID（与 help_request_id 二选一）" label:"报事"`
	HelpRequestID ID     `json:"help_request_id" description:"求助 ID（与 issue_id 二选一）" label:"求助"`
	VolunteerID   ID     `json:"volunteer_id" validate:"required" description:"能人库中的志愿者（搜索结果的 volunteer_id）" label:"志愿者"`
	Note          string `json:"note" validate:"max=200" description:"给志愿者的说明" label:"说明"`
}

// DispatchPath names a dispatch.
type DispatchPath struct {
	ID ID `path:"id"`
}

// ReasonRequest declines or cancels a dispatch.
type ReasonRequest struct {
	ID     ID     `path:"id" json:"-"`
	Reason string `json:"reason" validate:"max=200" description:"婉拒时必填" label:"原因"`
}

// CompleteRequest reports a service done.
type CompleteRequest struct {
	ID      ID     `path:"id" json:"-"`
	Note    string `json:"note" validate:"max=500" description:"服务说明（会显示在报事时间线上）" label:"说明"`
	Minutes int    `json:"minutes" validate:"required,min=1,max=600" description:"实际服务分钟数（不含路程），1–600" label:"服务时长（分钟）"`
	Photos  []ID   `json:"photos" validate:"max=9" description:"POST /uploads 返回的图片 ID" label:"图片"`
}

// ConfirmRequest confirms a service with a rating.
type ConfirmRequest struct {
	ID      ID     `path:"id" json:"-"`
	Score   int    `json:"score" validate:"required,min=1,max=5" label:"评分"`
	Comment string `json:"comment" validate:"max=200" label:"评价"`
}

// DispatchDTO is a dispatch as its viewer may see it.
type DispatchDTO struct {
	ID              ID         `json:"id"`
	CommunityID     ID         `json:"community_id"`
	BuildingID      ID         `json:"building_id"`
	BuildingName    string     `json:"building_name"`
	Source          string     `json:"source" enum:"issue,help_request"`
	IssueID         *ID        `json:"issue_id,omitempty"`
	HelpRequestID   *ID        `json:"help_request_id,omitempty"`
	Title           string     `json:"title" description:"技能或报事类别"`
	Description     string     `json:"description,omitempty" description:"详情：报事或求助的描述"`
	Location        string     `json:"location,omitempty"`
	PreferredAt     *time.Time `json:"preferred_at,omitempty"`
	BeneficiaryName string     `json:"beneficiary_name,omitempty" description:"代人求助：楼栋长、社区工作者、求助人可见；志愿者接单后可见"`
	BeneficiaryRoom string     `json:"beneficiary_room,omitempty"`
	Status          string     `json:"status" enum:"offered,accepted,declined,cancelled,expired,completed,confirmed"`
	StatusText      string     `json:"status_text"`
	Volunteer       PersonDTO  `json:"volunteer"`
	VolunteerPhone  string     `json:"volunteer_phone,omitempty" description:"楼栋长、社区工作者；求助人在接单后"`
	Dispatcher      PersonDTO  `json:"dispatcher"`
	DispatcherPhone string     `json:"dispatcher_phone,omitempty" description:"楼栋长、社区工作者；志愿者在接单后"`
	Requester       *PersonDTO `json:"requester" description:"匿名报事对志愿者为 null"`
	RequesterPhone  string     `json:"requester_phone,omitempty" description:"楼栋长、社区工作者；求助的志愿者在接单后"`
	Note            string     `json:"note" description:"派单说明；待内容安全审核时仅楼栋长、社区工作者可见"`
	DeclineReason   string     `json:"decline_reason,omitempty" description:"待内容安全审核时仅本人与楼栋长、社区工作者可见"`
	CancelReason    string     `json:"cancel_reason,omitempty" description:"待内容安全审核时仅楼栋长、社区工作者可见"`
	CompletionNote  string     `json:"completion_note,omitempty"`
	Minutes         int        `json:"minutes"`
	Photos          []PhotoDTO `json:"photos"`
	Score           *int       `json:"score,omitempty"`
	RatingComment   string     `json:"rating_comment,omitempty"`
	OfferedAt       time.Time  `json:"offered_at"`
	ExpiresAt       time.Time  `json:"expires_at" description:"待接单的答复期限"`
	RespondedAt     *time.Time `json:"responded_at,omitempty"`
	CompletedAt     *time.Time `json:"completed_at,omitempty"`
	ConfirmedAt     *time.Time `json:"confirmed_at,omitempty"`
	ClosedAt        *time.Time `json:"closed_at,omitempty"`
}

func (a *API) dispatchRoutes() error {
	auth := a.requireUser
	for _, r := range []struct {
		rt route
		h  gin.HandlerFunc
	}{
		{route{op: "createHelpRequest", method: "POST", path: "/help-requests", tag: "派单", summary: "居民点单：求助",
			description: "本楼已认证居民为自己求助；楼栋长或社区工作者可代不会用手机的居民求助（填写 beneficiary_name 与 beneficiary_room）。内容 risky → 422；无法判定 → 保存为待审核（held），只有社区工作者可派单。" +
				"每人为自己发起、尚未完成的求助最多 limits.help_open_per_user 个（默认 5），超出 → 409；代人求助不计入。",
			auth: true, req: new(HelpRequestRequest), resp: data[HelpRequestDTO](), status: 201, errors: []int{403, 404, 409, 422}}, a.createHelpRequest},
		{route{op: "listHelpRequests", method: "GET", path: "/help-requests", tag: "派单", summary: "求助列表：我发起的，或我负责的", description: "居民看到自己发起的求助；楼栋长与社区工作者看到其负责范围内的求助。按创建时间倒序分页。",
			auth: true, req: new(ListQuery), resp: data[Page[HelpRequestDTO]](), errors: []int{403, 404}}, a.listHelpRequests},
		{route{op: "getHelpRequest", method: "GET", path: "/help-requests/:id", tag: "派单", summary: "求助详情", description: "发起人、负责范围内的楼栋长与本社区工作者、被派单的志愿者可见；其他人 → 403；不存在 → 404。",
			auth: true, req: new(HelpRequestPath), resp: data[HelpRequestDTO](), errors: []int{403, 404}}, a.getHelpRequest},
		{route{op: "createDispatch", method: "POST", path: "/dispatches", tag: "派单", summary: "派单：把报事或求助派给一位志愿者（楼栋长、社区工作者）",
			description: "志愿者须在本社区能人库登记且未暂停；每人同时最多持有 dispatch.max_open_per_volunteer 个待接单/已接单的派单（超出 → 409）。同一报事或求助同时只能有一个进行中的派单（409）。",
			auth:        true, req: new(DispatchRequest), resp: data[DispatchDTO](), status: 201, errors: []int{403, 404, 409}}, a.createDispatch},
		{route{op: "listDispatches", method: "GET", path: "/dispatches", tag: "派单", summary: "派单列表：派给我的、我求助的、我负责的",
			description: "status=open 表示待接单与已接单。", auth: true, req: new(ListQuery), resp: data[Page[DispatchDTO]](), errors: []int{403, 404}}, a.listDispatches},
		{route{op: "getDispatch", method: "GET", path: "/dispatches/:id", tag: "派单", summary: "派单详情", description: "派单的志愿者、派单人、所派报事或求助所在楼栋的楼栋长与本社区工作者可见；其他人 → 403；不存在 → 404。",
			auth: true, req: new(DispatchPath), resp: data[DispatchDTO](), errors: []int{403, 404}}, a.getDispatch},
		{route{op: "acceptDispatch", method: "POST", path: "/dispatches/:id/accept", tag: "派单", summary: "志愿者接单",
			description: "仅待接单且未超时；报事随之变为处理中。重复接单或状态不符 → 409。",
			auth:        true, req: new(DispatchPath), resp: data[DispatchDTO](), errors: []int{403, 404, 409}}, a.acceptDispatch},
		{route{op: "declineDispatch", method: "POST", path: "/dispatches/:id/decline", tag: "派单", summary: "志愿者婉拒（需说明原因）",
			auth: true, req: new(ReasonRequest), resp: data[DispatchDTO](), errors: []int{403, 404, 409}}, a.declineDispatch},
		{route{op: "cancelDispatch", method: "POST", path: "/dispatches/:id/cancel", tag: "派单", summary: "取消派单（楼栋长、社区工作者）",
			auth: true, req: new(ReasonRequest), resp: data[DispatchDTO](), errors: []int{403, 404, 409}}, a.cancelDispatch},
		{route{op: "completeDispatch", method: "POST", path: "/dispatches/:id/complete", tag: "派单", summary: "志愿者完成服务：说明、分钟数、照片",
			description: "仅已接单的派单；未接单先完成 → 409。", auth: true, req: new(CompleteRequest), resp: data[DispatchDTO](),
			errors: []int{403, 404, 409, 422}}, a.completeDispatch},
		{route{op: "confirmDispatch", method: "POST", path: "/dispatches/:id/confirm", tag: "派单", summary: "评单：求助人或楼栋长、社区工作者确认服务并评分",
			description: "确认后写入志愿服务记录（每个派单仅一次，时间银行据此记分）；报事随之变为已解决，时间线显示志愿者的说明与照片。志愿者本人或无关人员 → 403。",
			auth:        true, req: new(ConfirmRequest), resp: data[DispatchDTO](), errors: []int{403, 404, 409, 422}}, a.confirmDispatch},
	} {
		h := []gin.HandlerFunc{auth, r.h}
		// Each of these tells someone else: the captains of a new help request, the volunteer
		// of an offer, the other side of each step.
		switch {
		case r.rt.method == "POST" && r.rt.path == "/help-requests":
			h = []gin.HandlerFunc{auth, a.rate(config.ActionHelp), r.h}
			r.rt.errors = append(r.rt.errors, 429)
		case r.rt.method == "POST":
			h = []gin.HandlerFunc{auth, a.rate(config.ActionDispatch), r.h}
			r.rt.errors = append(r.rt.errors, 429)
		}
		if err := a.handle(a.v1, r.rt, h...); err != nil {
			return err
		}
	}
	return nil
}

// parseTimeField reads an optional RFC 3339 time of a request field.
func parseTimeField(field, v string) (*time.Time, error) {
	if v == "" {
		return nil, nil
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return nil, service.Invalid(field, field+" 应为 RFC 3339 时间，如 2025-06-07T10:00:00+08:00")
	}
	if err := checkTime(field, t); err != nil {
		return nil, err
	}
	t = t.UTC()
	return &t, nil
}

func helpRequestDTO(v *service.HelpView) HelpRequestDTO {
	h := v.Request
	d := HelpRequestDTO{ID: ID(h.ID), CommunityID: ID(h.CommunityID), BuildingID: ID(h.BuildingID), BuildingName: v.Building.Label(),
		SkillID: ID(h.SkillID), SkillName: v.SkillName, Description: h.Description, PreferredAt: TimePtr(h.PreferredAt),
		OnBehalf: h.OnBehalf, Requester: PersonDTO{ID: ID(h.RequesterID), Nickname: v.Requester.Nickname},
		RequesterPhone: v.RequesterPhone, Status: h.Status, Held: h.Held, CreatedAt: Time(h.CreatedAt)}
	if v.Personal {
		d.BeneficiaryName, d.BeneficiaryRoom = h.BeneficiaryName, h.BeneficiaryRoom
	}
	return d
}

func dispatchDTO(v *service.DispatchView) DispatchDTO {
	x := v.Dispatch
	d := DispatchDTO{ID: ID(x.ID), CommunityID: ID(x.CommunityID), BuildingID: ID(x.BuildingID), BuildingName: v.Building.Label(),
		Source: x.SourceKind, Title: x.Title, Description: v.Description, Location: v.Location,
		BeneficiaryName: v.BeneficiaryName, BeneficiaryRoom: v.BeneficiaryRoom, Status: x.Status,
		StatusText: service.DispatchStatusText[x.Status], Volunteer: PersonDTO{ID: ID(x.VolunteerID), Nickname: v.Volunteer.Nickname},
		VolunteerPhone: v.VolunteerPhone, Dispatcher: PersonDTO{ID: ID(x.DispatcherID), Nickname: v.Dispatcher.Nickname},
		DispatcherPhone: v.DispatcherPhone, RequesterPhone: v.RequesterPhone, Minutes: x.Minutes, Score: x.Score,
		Photos:    photoDTOs(v.Photos, v.Role.Manager || v.Role.Volunteer),
		OfferedAt: Time(x.OfferedAt), ExpiresAt: Time(x.ExpiresAt), RespondedAt: TimePtr(x.RespondedAt),
		CompletedAt: TimePtr(x.CompletedAt), ConfirmedAt: TimePtr(x.ConfirmedAt), ClosedAt: TimePtr(x.ClosedAt)}
	src := ID(x.SourceID)
	if x.SourceKind == "issue" {
		d.IssueID = &src
	} else {
		d.HelpRequestID = &src
	}
	if v.Help != nil {
		d.PreferredAt = TimePtr(v.Help.PreferredAt)
	}
	if !v.HideRequester {
		d.Requester = &PersonDTO{ID: ID(x.RequesterID), Nickname: v.Requester.Nickname}
	}
	if v.ShowOfferNote {
		d.Note = x.Note
	}
	if v.ShowReason {
		d.DeclineReason, d.CancelReason = x.DeclineReason, x.CancelReason
	}
	if v.ShowNote {
		d.CompletionNote = x.CompletionNote
	}
	if v.ShowComment {
		d.RatingComment = x.RatingComment
	}
	return d
}
