package api

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"linli/config"
	"linli/model"
	"linli/service"
)

// CorrectionRequest is a volunteer asking to correct one of their service records.
type CorrectionRequest struct {
	RecordID ID     `path:"id" json:"-" label:"服务记录" description:"服务记录 ID（GET /me/service-records）"`
	Reason   string `json:"reason" label:"更正原因" validate:"required,max=200" description:"为什么要更正（社区工作者审核时看到），最多 200 字"`
	Minutes  *int   `json:"minutes" label:"服务时长" validate:"required,min=0,max=1440" description:"更正后的服务时长（分钟，0～1440），须与现有记录不同"`
}

// CorrectionPath names a correction in the path.
type CorrectionPath struct {
	CorrectionID ID `path:"id" json:"-" label:"更正申请" description:"更正申请 ID"`
}

// ApproveCorrectionRequest approves a correction, with an optional note.
type ApproveCorrectionRequest struct {
	CorrectionPath
	Reason string `json:"reason" label:"处理意见" validate:"max=200" description:"可选；记入志愿者存折的冲正说明"`
}

// RejectCorrectionRequest rejects a correction; the volunteer reads the reason.
type RejectCorrectionRequest struct {
	CorrectionPath
	Reason string `json:"reason" label:"驳回原因" validate:"required,max=200" description:"驳回原因（通知志愿者），最多 200 字"`
}

// CorrectionListQuery pages through a community's corrections.
type CorrectionListQuery struct {
	CommunityPath
	Status string `query:"status" label:"状态" validate:"omitempty,oneof=pending approved rejected all" description:"pending 待处理（默认）；approved 已批准；rejected 已驳回；all 全部"`
	PageQuery
}

// CorrectionDTO is a correction of a service record.
type CorrectionDTO struct {
	ID          ID         `json:"id"`
	CommunityID ID         `json:"community_id"`
	RecordID    ID         `json:"record_id"`
	UserID      ID         `json:"user_id" description:"志愿者（记录的主人）"`
	Volunteer   string     `json:"volunteer" description:"志愿者昵称"`
	Content     string     `json:"content" description:"服务内容"`
	ServedAt    time.Time  `json:"served_at"`
	OldMinutes  int        `json:"old_minutes" description:"申请时记录的服务时长（分钟）"`
	Minutes     int        `json:"minutes" description:"申请更正为的服务时长（分钟）"`
	OldHours    string     `json:"old_hours" example:"1.00"`
	Hours       string     `json:"hours" example:"1.50"`
	Reason      string     `json:"reason" description:"志愿者写的更正原因"`
	Status      string     `json:"status" enum:"pending,approved,rejected" description:"pending 待处理；approved 已批准（记录与积分已更正）；rejected 已驳回"`
	Decision    string     `json:"decision" description:"社区工作者的处理意见（驳回时必有）"`
	DecidedAt   *time.Time `json:"decided_at"`
	CreatedAt   time.Time  `json:"created_at"`
}

// RevokeCertificateRequest revokes a certificate.
type RevokeCertificateRequest struct {
	VerifyPath
	Reason string `json:"reason" label:"作废原因" validate:"required,max=200" description:"作废原因（通知持证人，不在公开核验页显示），最多 200 字"`
}

func (a *API) correctionRoutes() error {
	auth := a.requireUser
	staffNote := "本社区工作者或平台管理员；本社区其他人 → 403，其他社区 → 404。"
	for _, r := range []struct {
		rt route
		h  []gin.HandlerFunc
	}{
		{route{op: "requestCorrection", method: "POST", path: "/service-records/:id/corrections", tag: "志愿服务证明",
			summary: "申请更正自己的服务记录", auth: true, req: new(CorrectionRequest), resp: data[CorrectionDTO](), status: 201,
			description: "志愿者本人申请更正一条服务记录的时长（民政部令第67号：志愿者可申请更正记录），由本社区工作者审核。" +
				"不是自己的记录 → 404；这条记录已有待处理的更正申请 → 409；时长超出 0～1440 分钟或与现有相同 → 400；" +
				"与评论共用频率限制 → 429。",
			errors: []int{400, 404, 409, 422, 429}}, []gin.HandlerFunc{auth, a.rate(config.ActionComment), a.h(a.requestCorrection)}},
		{route{op: "approveCorrection", method: "POST", path: "/corrections/:id/approve", tag: "志愿服务证明",
			summary: "批准更正申请（本社区工作者）", auth: true, req: new(ApproveCorrectionRequest), resp: data[CorrectionDTO](),
			description: "在一个事务中更正服务记录的时长；记录已入账时，冲正原入账并按更正后的时长重新入账（两笔记账）。" +
				"已出具的证明保持原样可核验，核验时注明其后有更正。已处理过 → 409；志愿者余额不足以扣回 → 409。" + staffNote,
			errors: []int{400, 403, 404, 409, 422}}, []gin.HandlerFunc{auth, a.h(a.approveCorrection)}},
		{route{op: "rejectCorrection", method: "POST", path: "/corrections/:id/reject", tag: "志愿服务证明",
			summary: "驳回更正申请（本社区工作者）", auth: true, req: new(RejectCorrectionRequest), resp: data[CorrectionDTO](),
			description: "须写驳回原因，志愿者会收到通知。已处理过 → 409。" + staffNote,
			errors:      []int{400, 403, 404, 409, 422}}, []gin.HandlerFunc{auth, a.h(a.rejectCorrection)}},
		{route{op: "listCorrections", method: "GET", path: "/communities/:id/corrections", tag: "志愿服务证明",
			summary: "社区的更正申请（本社区工作者）", auth: true, req: new(CorrectionListQuery), resp: data[Page[CorrectionDTO]](),
			description: "默认只列待处理的，最新的在前。" + staffNote, errors: []int{400, 403, 404}},
			[]gin.HandlerFunc{auth, a.h(a.listCorrections)}},
		{route{op: "revokeCertificate", method: "POST", path: "/certificates/:code/revoke", tag: "志愿服务证明",
			summary: "作废志愿服务证明（本社区工作者）", auth: true, req: new(RevokeCertificateRequest), resp: data[VerificationDTO](),
			description: "作废后公开核验显示“已作废”，持证人收到通知。已作废 → 409；查无此码 → 404。" + staffNote,
			errors:      []int{400, 403, 404, 409, 422}}, []gin.HandlerFunc{auth, a.h(a.revokeCertificate)}},
	} {
		if err := a.handle(a.v1, r.rt, r.h...); err != nil {
			return err
		}
	}
	return nil
}

func (a *API) requestCorrection(c *gin.Context) error {
	var req CorrectionRequest
	if err := a.bind.Request(c, &req); err != nil {
		return err
	}
	p, err := a.principal(c)
	if err != nil {
		return err
	}
	v, err := a.deps.TimeBank.RequestCorrection(c.Request.Context(), p, uint64(req.RecordID), req.Reason, *req.Minutes)
	if err != nil {
		return err
	}
	ok(c, http.StatusCreated, correctionDTO(v))
	return nil
}

func (a *API) approveCorrection(c *gin.Context) error {
	var req ApproveCorrectionRequest
	if err := a.bind.Request(c, &req); err != nil {
		return err
	}
	return a.decideCorrection(c, req.CorrectionID, service.Decision{Approve: true, Reason: req.Reason})
}

func (a *API) rejectCorrection(c *gin.Context) error {
	var req RejectCorrectionRequest
	if err := a.bind.Request(c, &req); err != nil {
		return err
	}
	return a.decideCorrection(c, req.CorrectionID, service.Decision{Reason: req.Reason})
}

func (a *API) decideCorrection(c *gin.Context, id ID, d service.Decision) error {
	p, err := a.principal(c)
	if err != nil {
		return err
	}
	v, err := a.deps.TimeBank.DecideCorrection(c.Request.Context(), p, uint64(id), d)
	if err != nil {
		return err
	}
	ok(c, http.StatusOK, correctionDTO(v))
	return nil
}

func (a *API) listCorrections(c *gin.Context) error {
	var q CorrectionListQuery
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
	status := q.Status
	switch status {
	case "":
		status = model.CorrectionPending
	case "all":
		status = ""
	}
	list, more, err := a.deps.TimeBank.Corrections(c.Request.Context(), p, service.CorrectionQuery{
		CommunityID: uint64(q.CommunityID), Status: status, Before: before, Limit: q.Size()})
	if err != nil {
		return err
	}
	ok(c, http.StatusOK, pageOf(list, more, correctionDTO, func(v *service.CorrectionView) string { return idCursor(v.ID) }))
	return nil
}

func correctionDTO(v *service.CorrectionView) CorrectionDTO {
	return CorrectionDTO{ID: ID(v.ID), CommunityID: ID(v.CommunityID), RecordID: ID(v.RecordID), UserID: ID(v.UserID),
		Volunteer: v.Volunteer.Nickname, Content: v.Record.Content, ServedAt: Time(v.Record.ServedAt),
		OldMinutes: v.OldMinutes, Minutes: v.Minutes, OldHours: service.HoursString(int64(v.OldMinutes)),
		Hours: service.HoursString(int64(v.Minutes)), Reason: v.Reason, Status: v.Status, Decision: v.Decision,
		DecidedAt: TimePtr(v.DecidedAt), CreatedAt: Time(v.CreatedAt)}
}

func (a *API) revokeCertificate(c *gin.Context) error {
	var req RevokeCertificateRequest
	if err := a.bind.Request(c, &req); err != nil {
		return err
	}
	p, err := a.principal(c)
	if err != nil {
		return err
	}
	v, err := a.deps.Certificates.Revoke(c.Request.Context(), p, req.Code, req.Reason)
	if err != nil {
		return err
	}
	ok(c, http.StatusOK, verificationDTO(v))
	return nil
}
