package api

import (
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"linli/config"
	"linli/model"
	"linli/service"
)

// ActivityPath names an activity.
type ActivityPath struct {
	ID ID `path:"id" json:"-" description:"活动 ID"`
}

// ActivityCreateRequest creates a draft activity.
type ActivityCreateRequest struct {
	CommunityID    ID     `json:"community_id" validate:"required" label:"社区"`
	TeamID         ID     `json:"team_id" description:"组织的志愿服务队（队长组织时必填）" label:"队伍"`
	TypeID         ID     `json:"type_id" validate:"required" description:"GET /communities/:id/activity-types 中的类型" label:"活动类型"`
	Title          string `json:"title" validate:"required,max=64" label:"标题"`
	Description    string `json:"description" validate:"max=2000" label:"描述"`
	Place          string `json:"place" validate:"required,max=100" label:"地点"`
	StartAt        string `json:"start_at" validate:"required,datetime=2006-01-02T15:04:05Z07:00" format:"date-time" label:"开始时间"`
	EndAt          string `json:"end_at" validate:"required,datetime=2006-01-02T15:04:05Z07:00" format:"date-time" label:"结束时间"`
	Capacity       int    `json:"capacity" validate:"required,min=1,max=10000" label:"名额"`
	SignupOpensAt  string `json:"signup_opens_at" validate:"omitempty,datetime=2006-01-02T15:04:05Z07:00" format:"date-time" description:"默认：创建时" label:"报名开始时间"`
	SignupClosesAt string `json:"signup_closes_at" validate:"omitempty,datetime=2006-01-02T15:04:05Z07:00" format:"date-time" description:"默认：开始时间" label:"报名截止时间"`
	CancelCutoffAt string `json:"cancel_cutoff_at" validate:"omitempty,datetime=2006-01-02T15:04:05Z07:00" format:"date-time" description:"默认：开始前 activities.cancel_before（2 小时）" label:"取消截止时间"`
	Audience       string `json:"audience" validate:"omitempty,oneof=community estate building" description:"默认 community" label:"面向对象"`
	AudienceID     ID     `json:"audience_id" description:"audience 为 estate/building 时必填" label:"范围"`
	PointsPerHour  string `json:"points_per_hour" validate:"omitempty,max=7" description:"每小时积分，如 \"1.5\"；默认取类型的规则，仅社区工作者可改" label:"每小时积分"`
}

// ActivityPatchRequest changes an activity; absent fields stay.
type ActivityPatchRequest struct {
	ActivityPath
	TeamID         *ID     `json:"team_id" description:"\"0\" 表示不再由志愿服务队组织" label:"队伍"`
	TypeID         *ID     `json:"type_id" label:"活动类型"`
	Title          *string `json:"title" validate:"omitempty,min=1,max=64" label:"标题"`
	Description    *string `json:"description" validate:"omitempty,max=2000" label:"描述"`
	Place          *string `json:"place" validate:"omitempty,min=1,max=100" label:"地点"`
	StartAt        *string `json:"start_at" validate:"omitempty,datetime=2006-01-02T15:04:05Z07:00" format:"date-time" label:"开始时间"`
	EndAt          *string `json:"end_at" validate:"omitempty,datetime=2006-01-02T15:04:05Z07:00" format:"date-time" label:"结束时间"`
	Capacity       *int    `json:"capacity" validate:"omitempty,min=1,max=10000" description:"不能少于已确认人数；增加时立即按顺序递补候补" label:"名额"`
	SignupOpensAt  *string `json:"signup_opens_at" validate:"omitempty,datetime=2006-01-02T15:04:05Z07:00" format:"date-time" label:"报名开始时间"`
	SignupClosesAt *string `json:"signup_closes_at" validate:"omitempty,datetime=2006-01-02T15:04:05Z07:00" format:"date-time" label:"报名截止时间"`
	CancelCutoffAt *string `json:"cancel_cutoff_at" validate:"omitempty,datetime=2006-01-02T15:04:05Z07:00" format:"date-time" label:"取消截止时间"`
	Audience       *string `json:"audience" validate:"omitempty,oneof=community estate building" label:"面向对象"`
	AudienceID     *ID     `json:"audience_id" label:"范围"`
	PointsPerHour  *string `json:"points_per_hour" validate:"omitempty,max=7" label:"每小时积分"`
}

// ActivityCancelRequest cancels an activity; the body may be omitted.
type ActivityCancelRequest struct {
	ActivityPath
	Reason string `json:"reason" validate:"max=200" description:"取消原因，随通知发给已报名者" label:"原因"`
}

// ActivityListQuery pages through a community's activities.
type ActivityListQuery struct {
	CommunityPath
	Status string `query:"status" validate:"omitempty,oneof=upcoming ongoing past draft" description:"upcoming 未开始（默认）；ongoing 进行中；past 已结束或已取消；draft 我可管理的草稿" label:"状态"`
	PageQuery
}

func (a *API) activityRoutes() error {
	auth := a.requireUser
	for _, r := range []struct {
		rt route
		h  gin.HandlerFunc
	}{
		{route{op: "createActivity", method: "POST", path: "/activities", tag: "志愿活动", summary: "创建活动（草稿）",
			description: "社区工作者可组织本社区任意范围的活动；楼栋长可组织报名范围为其负责楼栋的活动；志愿服务队队长可组织本队活动（team_id）。" +
				"文字经内容安全检查：risky → 422；无法判定 → 保存为待审核（held），须社区工作者发布。",
			auth: true, req: new(ActivityCreateRequest), resp: data[ActivityDTO](), status: 201, errors: []int{403, 404, 422}}, a.createActivity},
		{route{op: "updateActivity", method: "PATCH", path: "/activities/:id", tag: "志愿活动", summary: "修改活动（组织者）",
			description: "草稿或已发布的活动可改。人数少于已确认人数 → 409；增加人数时在同一事务内按顺序递补候补并通知。已发布活动改时间或地点会通知所有报名者。",
			auth:        true, req: new(ActivityPatchRequest), resp: data[ActivityDTO](), errors: []int{403, 404, 409, 422}}, a.updateActivity},
		{route{op: "publishActivity", method: "POST", path: "/activities/:id/publish", tag: "志愿活动", summary: "发布活动（组织者）",
			description: "草稿 → 已发布，开放报名。待审核（held）的活动只能由社区工作者发布。", auth: true,
			req: new(ActivityPath), resp: data[ActivityDTO](), errors: []int{403, 404, 409}}, a.publishActivity},
		{route{op: "cancelActivity", method: "POST", path: "/activities/:id/cancel", tag: "志愿活动", summary: "取消活动（组织者）",
			description: "草稿或未结束的已发布活动可取消；所有报名者（含候补）在同一事务内收到通知。请求体可省略。", auth: true,
			req: new(ActivityCancelRequest), resp: data[ActivityDTO](), errors: []int{403, 404, 409}}, a.cancelActivity},
		{route{op: "listActivities", method: "GET", path: "/communities/:id/activities", tag: "志愿活动", summary: "社区的活动列表",
			description: "活动列表对登录用户公开。含剩余名额、候补人数与我的报名状态；列表与名额缓存在 Redis，任何变动即失效。" +
				"upcoming/ongoing 按开始时间升序，past 按开始时间降序。",
			auth: true, req: new(ActivityListQuery), resp: data[Page[ActivityDTO]](), errors: []int{404}}, a.listActivities},
		{route{op: "getActivity", method: "GET", path: "/activities/:id", tag: "志愿活动", summary: "活动详情",
			description: "已发布、已取消、已结束的活动对登录用户公开；草稿仅组织者可见。", auth: true,
			req: new(ActivityPath), resp: data[ActivityDTO](), errors: []int{404}}, a.getActivity},
	} {
		h := []gin.HandlerFunc{auth, r.h}
		// An organiser's edit, publication or cancellation tells everyone signed up.
		if r.rt.method == "PATCH" || (r.rt.method == "POST" && r.rt.path != "/activities") {
			h = []gin.HandlerFunc{auth, a.rate(config.ActionActivity), r.h}
			r.rt.errors = append(r.rt.errors, 429)
		}
		if err := a.handle(a.v1, r.rt, h...); err != nil {
			return err
		}
	}
	for _, register := range []func() error{a.activityTypeRoutes, a.teamRoutes, a.signupRoutes} {
		if err := register(); err != nil {
			return err
		}
	}
	return nil
}

func (a *API) createActivity(c *gin.Context) {
	var req ActivityCreateRequest
	if err := a.bind.JSON(c, &req); err != nil {
		fail(c, a.log, err)
		return
	}
	in := service.ActivityInput{CommunityID: uint64(req.CommunityID), Title: &req.Title, Description: &req.Description,
		Place: &req.Place, Capacity: &req.Capacity}
	typeID := uint64(req.TypeID)
	in.TypeID = &typeID
	if req.TeamID != 0 {
		team := uint64(req.TeamID)
		in.TeamID = &team
	}
	if req.Audience != "" {
		in.Audience = &req.Audience
		aid := uint64(req.AudienceID)
		in.AudienceID = &aid
	}
	var err error
	for _, t := range []struct {
		field, v string
		dst      **time.Time
	}{{"start_at", req.StartAt, &in.StartAt}, {"end_at", req.EndAt, &in.EndAt}, {"signup_opens_at", req.SignupOpensAt, &in.SignupOpensAt},
		{"signup_closes_at", req.SignupClosesAt, &in.SignupClosesAt}, {"cancel_cutoff_at", req.CancelCutoffAt, &in.CancelCutoffAt}} {
		if *t.dst, err = parseTime(t.field, &t.v); err != nil {
			fail(c, a.log, err)
			return
		}
	}
	if in.PointsPerHour, err = parsePoints(&req.PointsPerHour); err != nil {
		fail(c, a.log, err)
		return
	}
	p, err := a.principal(c)
	if err != nil {
		fail(c, a.log, err)
		return
	}
	act, err := a.deps.Activities.Create(c.Request.Context(), p, in)
	if err != nil {
		fail(c, a.log, err)
		return
	}
	a.activityReply(c, p, act.ID, http.StatusCreated)
}

func (a *API) updateActivity(c *gin.Context) {
	id, err := pathID(c, "id")
	var req ActivityPatchRequest
	if err == nil {
		err = a.bind.JSON(c, &req)
	}
	if err != nil {
		fail(c, a.log, err)
		return
	}
	in := service.ActivityInput{Title: req.Title, Description: req.Description, Place: req.Place, Capacity: req.Capacity,
		Audience: req.Audience, TeamID: optionalID(req.TeamID), TypeID: optionalID(req.TypeID), AudienceID: optionalID(req.AudienceID)}
	for _, t := range []struct {
		field string
		v     *string
		dst   **time.Time
	}{{"start_at", req.StartAt, &in.StartAt}, {"end_at", req.EndAt, &in.EndAt}, {"signup_opens_at", req.SignupOpensAt, &in.SignupOpensAt},
		{"signup_closes_at", req.SignupClosesAt, &in.SignupClosesAt}, {"cancel_cutoff_at", req.CancelCutoffAt, &in.CancelCutoffAt}} {
		if *t.dst, err = parseTime(t.field, t.v); err != nil {
			fail(c, a.log, err)
			return
		}
	}
	if in.PointsPerHour, err = parsePoints(req.PointsPerHour); err != nil {
		fail(c, a.log, err)
		return
	}
	p, err := a.principal(c)
	if err != nil {
		fail(c, a.log, err)
		return
	}
	if _, err := a.deps.Activities.Update(c.Request.Context(), p, id, in); err != nil {
		fail(c, a.log, err)
		return
	}
	a.activityReply(c, p, id, http.StatusOK)
}

func (a *API) publishActivity(c *gin.Context) {
	a.activityAction(c, func(p *service.Principal, id uint64) error {
		_, err := a.deps.Activities.Publish(c.Request.Context(), p, id)
		return err
	})
}

func (a *API) cancelActivity(c *gin.Context) {
	var req ActivityCancelRequest
	if c.Request.ContentLength != 0 {
		if err := a.bind.JSON(c, &req); err != nil {
			fail(c, a.log, err)
			return
		}
	}
	a.activityAction(c, func(p *service.Principal, id uint64) error {
		_, err := a.deps.Activities.Cancel(c.Request.Context(), p, id, req.Reason)
		return err
	})
}

// activityAction runs f for the activity of the path and answers with the activity.
func (a *API) activityAction(c *gin.Context, f func(p *service.Principal, id uint64) error) {
	id, err := pathID(c, "id")
	if err != nil {
		fail(c, a.log, err)
		return
	}
	p, err := a.principal(c)
	if err == nil {
		err = f(p, id)
	}
	if err != nil {
		fail(c, a.log, err)
		return
	}
	a.activityReply(c, p, id, http.StatusOK)
}

func (a *API) activityReply(c *gin.Context, p *service.Principal, id uint64, status int) {
	it, err := a.deps.Activities.Get(c.Request.Context(), p, id)
	if err != nil {
		fail(c, a.log, err)
		return
	}
	ok(c, status, activityDTO(it))
}

func (a *API) getActivity(c *gin.Context) {
	a.activityAction(c, func(*service.Principal, uint64) error { return nil })
}

func (a *API) listActivities(c *gin.Context) {
	var q ActivityListQuery
	cid, err := pathID(c, "id")
	if err == nil {
		err = a.bind.Query(c, &q)
	}
	var after model.ActivityCursor
	if err == nil {
		after, err = activityCursorPos(q.Cursor)
	}
	p, perr := a.principal(c)
	if err == nil {
		err = perr
	}
	if err != nil {
		fail(c, a.log, err)
		return
	}
	window := q.Status
	if window == "" {
		window = service.WindowUpcoming
	}
	items, more, err := a.deps.Activities.List(c.Request.Context(), p,
		service.ActivityQuery{CommunityID: cid, Window: window, After: after, Limit: q.Size()})
	if err != nil {
		fail(c, a.log, err)
		return
	}
	page := Page[ActivityDTO]{Items: make([]ActivityDTO, len(items))}
	for i := range items {
		page.Items[i] = activityDTO(&items[i])
	}
	if more && len(items) > 0 {
		last := items[len(items)-1].Row
		page.NextCursor = strconv.FormatInt(last.StartAt.UnixMicro(), 10) + "." + idCursor(last.ID)
	}
	ok(c, http.StatusOK, page)
}
