package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"linli/model"
	"linli/service"
)

// ClaimResidencyRequest claims a registered household, or a room in a building (房屋认证).
type ClaimResidencyRequest struct {
	HouseholdID ID     `json:"household_id" label:"住户" description:"台账中的住户 ID（来自 GET /buildings/{id}/households）；给出时不要再给 building_id 与 room（同时给出 → 400）"`
	BuildingID  ID     `json:"building_id" label:"楼栋" validate:"required_without=HouseholdID,excluded_with=HouseholdID" description:"楼栋 ID（来自 GET /communities/{id}/buildings）；未给 household_id 时必填"`
	Room        string `json:"room" label:"房号" validate:"required_without=HouseholdID,excluded_with=HouseholdID,max=32" description:"房号，如 1201 或 2单元302；去掉首尾空格，全角字母数字转半角，字母转大写；与台账中登记的房间（忽略全角、空格与“室/号”）一致时即认证该住户" example:"1201"`
}

// ResidencyListQuery selects a page of the claims the caller may decide.
type ResidencyListQuery struct {
	Status      string `query:"status" validate:"omitempty,oneof=pending approved rejected" enum:"pending,approved,rejected" description:"默认 pending（待审核）" label:"状态"`
	CommunityID string `query:"community_id" validate:"omitempty,number,max=20" description:"只看该社区（须有权限）" label:"社区"`
	BuildingID  string `query:"building_id" validate:"omitempty,number,max=20" description:"只看该楼栋（须有权限）" label:"楼栋"`
	PageQuery
}

// ResidencyClaimDTO is a claim in a captain's or staff's queue: the residency and who claims it.
type ResidencyClaimDTO struct {
	ResidencyDTO
	Nickname string `json:"nickname" description:"申请人昵称"`
	Phone    string `json:"phone" description:"申请人完整手机号，便于电话核实：仅对该楼栋的楼栋长和本社区工作者显示；其他人或未绑定时为空" example:"13800000000"`
}

// ResidencyPath names a residency claim in the path.
type ResidencyPath struct {
	ResidencyID ID `path:"id" json:"-" description:"认证申请 ID"`
}

// RejectResidencyRequest rejects a claim with the reason the claimant will read.
type RejectResidencyRequest struct {
	ResidencyPath
	Reason string `json:"reason" validate:"required,max=200" description:"驳回理由（1–200 字），申请人可见" label:"原因"`
}

func (a *API) residencyRoutes() error {
	v1 := a.v1
	auth := a.requireUser
	for _, r := range []struct {
		rt route
		h  []gin.HandlerFunc
	}{
		{route{op: "claimResidency", method: "POST", path: "/me/residencies", tag: "房屋认证", summary: "申请房屋认证",
			description: "任何登录用户均可申请，状态为 pending。可给出台账住户 household_id（选房），或 building_id 与 room（与台账登记的房间一致时即为该住户）；住户不存在 → 404。同一房间已在审核中或已通过 → 409；之前被驳回的会重新打开为 pending（201）。楼栋不存在 → 404。",
			auth:        true, req: new(ClaimResidencyRequest), resp: data[ResidencyDTO](), status: 201, errors: []int{404, 409}},
			[]gin.HandlerFunc{auth, a.claimResidency}},
		{route{op: "listResidencies", method: "GET", path: "/residencies", tag: "房屋认证", summary: "待我审核的认证申请（楼栋长/社区工作者）",
			description: "楼栋长只看到所负责楼栋的申请，社区工作者看到本社区的，平台管理员看到全部。按提交顺序（最早的在前）分页；" +
				"被驳回后重新提交的申请保留原来的位置。普通居民 → 403；community_id/building_id 不在权限范围内 → 403（本社区）或 404（其他社区）。",
			auth: true, req: new(ResidencyListQuery), resp: data[Page[ResidencyClaimDTO]](), errors: []int{403, 404}},
			[]gin.HandlerFunc{auth, a.listResidencies}},
		{route{op: "approveResidency", method: "POST", path: "/residencies/:id/approve", tag: "房屋认证", summary: "通过认证申请",
			description: "该楼栋的楼栋长、本社区工作者或平台管理员。只有 pending 的申请能被处理；已处理 → 409（消息说明当前状态），并发处理时只有一个成功。",
			auth:        true, req: new(ResidencyPath), resp: data[ResidencyDTO](), errors: []int{403, 404, 409}},
			[]gin.HandlerFunc{auth, a.approveResidency}},
		{route{op: "rejectResidency", method: "POST", path: "/residencies/:id/reject", tag: "房屋认证", summary: "驳回认证申请",
			description: "权限与通过相同；须填写理由。已处理 → 409。",
			auth:        true, req: new(RejectResidencyRequest), resp: data[ResidencyDTO](), errors: []int{403, 404, 409}},
			[]gin.HandlerFunc{auth, a.rejectResidency}},
	} {
		if err := a.handle(v1, r.rt, r.h...); err != nil {
			return err
		}
	}
	return nil
}

func (a *API) claimResidency(c *gin.Context) {
	var req ClaimResidencyRequest
	if err := a.bind.JSON(c, &req); err != nil {
		fail(c, a.log, err)
		return
	}
	var v *model.ResidencyView
	var err error
	if req.HouseholdID != 0 {
		v, err = a.deps.Residencies.ClaimHousehold(c.Request.Context(), userID(c), uint64(req.HouseholdID))
	} else {
		v, err = a.deps.Residencies.Claim(c.Request.Context(), userID(c), uint64(req.BuildingID), req.Room)
	}
	if err != nil {
		fail(c, a.log, err)
		return
	}
	ok(c, http.StatusCreated, residencyDTO(*v))
}

func (a *API) listResidencies(c *gin.Context) {
	var q ResidencyListQuery
	err := a.bind.Query(c, &q)
	var cid, bid, after uint64
	if err == nil {
		cid, err = queryID("community_id", q.CommunityID)
	}
	if err == nil {
		bid, err = queryID("building_id", q.BuildingID)
	}
	if err == nil {
		after, err = cursorID(q.Cursor)
	}
	var p *service.Principal
	if err == nil {
		p, err = a.principal(c)
	}
	if err != nil {
		fail(c, a.log, err)
		return
	}
	ctx := c.Request.Context()
	switch {
	case bid != 0:
		b, err := a.deps.Places.Building(ctx, bid)
		if err == nil && cid != 0 && b.CommunityID != cid {
			err = service.Invalid("building_id", "楼栋不属于该社区")
		}
		if err != nil {
			fail(c, a.log, err)
			return
		}
		if !a.authorize(c, service.ActResidencyDecide, service.Scope{CommunityID: b.CommunityID, BuildingID: bid}) {
			return
		}
	case cid != 0:
		if !a.authorize(c, service.ActResidencyDecide, service.Scope{CommunityID: cid}) {
			return
		}
	case !service.DecidesResidency(p):
		fail(c, a.log, service.Errorf(service.KindForbidden, "只有楼栋长和社区工作者可以查看认证申请"))
		return
	}
	items, more, err := a.deps.Residencies.Queue(ctx, p, service.ResidencyQuery{
		Status: q.Status, CommunityID: cid, BuildingID: bid, AfterID: after, Limit: q.Size()})
	if err != nil {
		fail(c, a.log, err)
		return
	}
	page := Page[ResidencyClaimDTO]{Items: make([]ResidencyClaimDTO, len(items))}
	for i, v := range items {
		page.Items[i] = ResidencyClaimDTO{ResidencyDTO: residencyDTO(v.ResidencyView), Nickname: v.Nickname, Phone: v.Phone}
	}
	if more {
		page.NextCursor = idCursor(items[len(items)-1].ID)
	}
	ok(c, http.StatusOK, page)
}

func (a *API) approveResidency(c *gin.Context) {
	id, allowed := a.residencyDecision(c)
	if !allowed {
		return
	}
	v, err := a.deps.Residencies.Approve(c.Request.Context(), userID(c), id)
	if err != nil {
		fail(c, a.log, err)
		return
	}
	ok(c, http.StatusOK, residencyDTO(*v))
}

func (a *API) rejectResidency(c *gin.Context) {
	id, allowed := a.residencyDecision(c)
	if !allowed {
		return
	}
	var req RejectResidencyRequest
	if err := a.bind.JSON(c, &req); err != nil {
		fail(c, a.log, err)
		return
	}
	v, err := a.deps.Residencies.Reject(c.Request.Context(), userID(c), id, req.Reason)
	if err != nil {
		fail(c, a.log, err)
		return
	}
	ok(c, http.StatusOK, residencyDTO(*v))
}

// residencyDecision reads the claim of the path and asks the policy whether the user may
// decide it (captain of its building, staff of its community, admin); on refusal it has
// written the error.
func (a *API) residencyDecision(c *gin.Context) (uint64, bool) {
	id, err := pathID(c, "id")
	var scope service.Scope
	if err == nil {
		scope, err = a.deps.Residencies.Scope(c.Request.Context(), id)
	}
	if err != nil {
		fail(c, a.log, err)
		return 0, false
	}
	return id, a.authorize(c, service.ActResidencyDecide, scope)
}
