package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"linli/model"
	"linli/service"
)

// ActivityTypeDTO is one of a community's activity types with its points rule.
type ActivityTypeDTO struct {
	ID            ID     `json:"id"`
	Name          string `json:"name" example:"巡逻"`
	PointsPerHour string `json:"points_per_hour" example:"1.00" description:"每小时积分（十进制字符串，两位小数），新建该类型活动的默认规则"`
	SortOrder     int    `json:"sort_order"`
	Active        bool   `json:"active"`
}

// ActivityTypeListQuery asks for inactive types too (staff).
type ActivityTypeListQuery struct {
	CommunityPath
	All bool `query:"all" description:"包含已停用的类型（社区工作者）" label:"包含全部"`
}

// ActivityTypeRequest creates an activity type.
type ActivityTypeRequest struct {
	CommunityPath
	Name          string `json:"name" validate:"required,max=16" label:"名称"`
	PointsPerHour string `json:"points_per_hour" validate:"omitempty,max=7" description:"默认 \"1\"（每小时 1 分），最多 10，两位小数" label:"每小时积分"`
	SortOrder     *int   `json:"sort_order" validate:"omitempty,min=0,max=100000" label:"排序"`
}

// ActivityTypePatch changes an activity type; absent fields stay.
type ActivityTypePatch struct {
	CommunityPath
	TypeID        ID      `path:"type_id" json:"-"`
	Name          *string `json:"name" validate:"omitempty,min=1,max=16" label:"名称"`
	PointsPerHour *string `json:"points_per_hour" validate:"omitempty,max=7" description:"只影响此后新建的活动" label:"每小时积分"`
	SortOrder     *int    `json:"sort_order" validate:"omitempty,min=0,max=100000" label:"排序"`
	Active        *bool   `json:"active" label:"启用"`
}

func (a *API) activityTypeRoutes() error {
	auth := a.requireUser
	for _, r := range []struct {
		rt route
		h  gin.HandlerFunc
	}{
		{route{op: "listActivityTypes", method: "GET", path: "/communities/:id/activity-types", tag: "志愿活动", summary: "社区的活动类型与积分规则（本社区用户）",
			description: "首次读取时创建默认类型（巡逻、助老、环境整治、文明养犬、课程、其他，均为每小时 1 分）。类型不多：一次返回全部，next_cursor 恒为空。",
			auth:        true, req: new(ActivityTypeListQuery), resp: data[Page[ActivityTypeDTO]](), errors: []int{403, 404}}, a.listActivityTypes},
		{route{op: "createActivityType", method: "POST", path: "/communities/:id/activity-types", tag: "志愿活动", summary: "新增活动类型（社区工作者）",
			auth: true, req: new(ActivityTypeRequest), resp: data[ActivityTypeDTO](), status: 201, errors: []int{403, 404, 409}}, a.createActivityType},
		{route{op: "updateActivityType", method: "PATCH", path: "/communities/:id/activity-types/:type_id", tag: "志愿活动", summary: "修改活动类型或积分规则（社区工作者）", description: "只改请求中给出的字段。类型不属于该社区 → 404；同名 → 409；非本社区工作者 → 403。已结算的活动按结算时的规则，不受修改影响。",
			auth: true, req: new(ActivityTypePatch), resp: data[ActivityTypeDTO](), errors: []int{403, 404, 409}}, a.updateActivityType},
	} {
		if err := a.handle(a.v1, r.rt, auth, r.h); err != nil {
			return err
		}
	}
	return nil
}

func (a *API) listActivityTypes(c *gin.Context) {
	var q ActivityTypeListQuery
	id, err := pathID(c, "id")
	if err == nil {
		err = a.bind.Query(c, &q)
	}
	if err == nil {
		_, err = a.deps.Places.Community(c.Request.Context(), id)
	}
	if err != nil {
		fail(c, a.log, err)
		return
	}
	action := service.ActCommunityView
	if q.All {
		action = service.ActPlacesManage
	}
	if !a.authorize(c, action, service.Scope{CommunityID: id}) {
		return
	}
	types, err := a.deps.Activities.Types(c.Request.Context(), id, !q.All)
	if err != nil {
		fail(c, a.log, err)
		return
	}
	// A community has a handful of activity types: they all fit in one page.
	page := Page[ActivityTypeDTO]{Items: make([]ActivityTypeDTO, len(types))}
	for i := range types {
		page.Items[i] = activityTypeDTO(&types[i])
	}
	ok(c, http.StatusOK, page)
}

func (a *API) createActivityType(c *gin.Context) {
	id, err := pathID(c, "id")
	var req ActivityTypeRequest
	if err == nil {
		err = a.bind.JSON(c, &req)
	}
	var points *int
	if err == nil {
		points, err = parsePoints(&req.PointsPerHour)
	}
	if err == nil {
		_, err = a.deps.Places.Community(c.Request.Context(), id)
	}
	if err != nil {
		fail(c, a.log, err)
		return
	}
	if !a.authorize(c, service.ActPlacesManage, service.Scope{CommunityID: id}) {
		return
	}
	t, err := a.deps.Activities.CreateType(c.Request.Context(), id,
		service.ActivityTypeInput{Name: &req.Name, PointsPerHour: points, SortOrder: req.SortOrder})
	if err != nil {
		fail(c, a.log, err)
		return
	}
	ok(c, http.StatusCreated, activityTypeDTO(t))
}

func (a *API) updateActivityType(c *gin.Context) {
	id, err := pathID(c, "id")
	var typeID uint64
	if err == nil {
		typeID, err = pathID(c, "type_id")
	}
	var req ActivityTypePatch
	if err == nil {
		err = a.bind.JSON(c, &req)
	}
	var points *int
	if err == nil {
		points, err = parsePoints(req.PointsPerHour)
	}
	if err == nil {
		_, err = a.deps.Places.Community(c.Request.Context(), id)
	}
	if err != nil {
		fail(c, a.log, err)
		return
	}
	if !a.authorize(c, service.ActPlacesManage, service.Scope{CommunityID: id}) {
		return
	}
	t, err := a.deps.Activities.UpdateType(c.Request.Context(), id, typeID, service.ActivityTypeInput{Name: req.Name,
		PointsPerHour: points, SortOrder: req.SortOrder, Active: req.Active})
	if err != nil {
		fail(c, a.log, err)
		return
	}
	ok(c, http.StatusOK, activityTypeDTO(t))
}

func activityTypeDTO(t *model.ActivityType) ActivityTypeDTO {
	return ActivityTypeDTO{ID: ID(t.ID), Name: t.Name, PointsPerHour: service.FormatRate(t.PointsPerHour),
		SortOrder: t.SortOrder, Active: t.Active}
}
