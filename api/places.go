package api

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"linli/model"
	"linli/service"
)

// CommunityDTO is a community in the public directory.
type CommunityDTO struct {
	ID        ID        `json:"id"`
	Name      string    `json:"name" example:"东亭社区"`
	District  string    `json:"district" example:"锡山区东亭街道"`
	CreatedAt time.Time `json:"created_at"`
}

// EstateDTO is an estate (小区/院落) of a community.
type EstateDTO struct {
	ID          ID        `json:"id"`
	CommunityID ID        `json:"community_id"`
	Name        string    `json:"name" example:"春合苑"`
	CreatedAt   time.Time `json:"created_at"`
}

// BuildingDTO is a building (楼栋) with its estate.
type BuildingDTO struct {
	ID          ID        `json:"id"`
	CommunityID ID        `json:"community_id"`
	EstateID    ID        `json:"estate_id"`
	EstateName  string    `json:"estate_name"`
	Name        string    `json:"name" example:"12栋"`
	CreatedAt   time.Time `json:"created_at"`
}

// CreateCommunityRequest adds a community.
type CreateCommunityRequest struct {
	Name     string `json:"name" validate:"required,max=64" description:"社区名称，全平台唯一" label:"名称"`
	District string `json:"district" validate:"max=64" description:"所属区县/街道（可选）" label:"所在区"`
}

// CommunityPath names a community in the path.
type CommunityPath struct {
	CommunityID ID `path:"id" json:"-" description:"社区 ID"`
}

// EstateListQuery pages through a community's estates.
type EstateListQuery struct {
	CommunityPath
	PageQuery
}

// BuildingListQuery pages through a community's buildings.
type BuildingListQuery struct {
	CommunityPath
	EstateID string `query:"estate_id" validate:"omitempty,number,max=20" description:"只列出该小区的楼栋" label:"小区"`
	PageQuery
}

// CreateEstateRequest adds an estate to the community of the path.
type CreateEstateRequest struct {
	CommunityPath
	Name string `json:"name" validate:"required,max=64" description:"小区/院落名称，社区内唯一" label:"名称"`
}

// CreateBuildingRequest adds a building to an estate of the community of the path.
type CreateBuildingRequest struct {
	CommunityPath
	EstateID ID     `json:"estate_id" validate:"required" description:"所属小区（须属于该社区）" label:"小区"`
	Name     string `json:"name" validate:"required,max=64" description:"楼栋名称，小区内唯一" label:"名称"`
}

func (a *API) placesRoutes() error {
	v1 := a.v1
	auth := a.requireUser
	for _, r := range []struct {
		rt route
		h  []gin.HandlerFunc
	}{
		{route{op: "listCommunities", method: "GET", path: "/communities", tag: "社区与楼栋", summary: "社区目录（公开）",
			description: "无需登录，供选择居住地。按创建顺序分页。", req: new(PageQuery), resp: data[Page[CommunityDTO]]()},
			[]gin.HandlerFunc{a.h(a.listCommunities)}},
		{route{op: "createCommunity", method: "POST", path: "/communities", tag: "社区与楼栋", summary: "创建社区（平台管理员）",
			description: "社区名称重复 → 409。", auth: true, req: new(CreateCommunityRequest), resp: data[CommunityDTO](),
			status: 201, errors: []int{403, 409}}, []gin.HandlerFunc{auth, a.h(a.createCommunity)}},
		{route{op: "listEstates", method: "GET", path: "/communities/:id/estates", tag: "社区与楼栋", summary: "社区的小区/院落（公开）",
			description: "无需登录。按创建顺序分页；社区不存在 → 404。", req: new(EstateListQuery), resp: data[Page[EstateDTO]](),
			errors: []int{404}}, []gin.HandlerFunc{a.h(a.listEstates)}},
		{route{op: "listBuildings", method: "GET", path: "/communities/:id/buildings", tag: "社区与楼栋", summary: "社区的楼栋（公开）",
			description: "无需登录。先按小区（创建顺序），再按楼栋录入顺序排列并分页；每项带所属小区的 ID 与名称。" +
				"estate_id 不属于该社区 → 400；社区不存在 → 404。",
			req: new(BuildingListQuery), resp: data[Page[BuildingDTO]](), errors: []int{404}},
			[]gin.HandlerFunc{a.h(a.listBuildings)}},
		{route{op: "createEstate", method: "POST", path: "/communities/:id/estates", tag: "社区与楼栋", summary: "添加小区/院落（本社区工作者）",
			description: "同名 → 409。", auth: true, req: new(CreateEstateRequest), resp: data[EstateDTO](), status: 201,
			errors: []int{403, 404, 409}}, []gin.HandlerFunc{auth, a.h(a.createEstate)}},
		{route{op: "createBuilding", method: "POST", path: "/communities/:id/buildings", tag: "社区与楼栋", summary: "添加楼栋（本社区工作者）",
			description: "estate_id 须为本社区的小区，否则 400；同一小区内同名 → 409。", auth: true,
			req: new(CreateBuildingRequest), resp: data[BuildingDTO](), status: 201, errors: []int{403, 404, 409}},
			[]gin.HandlerFunc{auth, a.h(a.createBuilding)}},
	} {
		if err := a.handle(v1, r.rt, r.h...); err != nil {
			return err
		}
	}
	return nil
}

func (a *API) listCommunities(c *gin.Context) error {
	var q PageQuery
	if err := a.bind.Request(c, &q); err != nil {
		return err
	}
	after, err := cursorID(q.Cursor)
	if err != nil {
		return err
	}
	items, more, err := a.deps.Places.Communities(c.Request.Context(), after, q.Size())
	if err != nil {
		return err
	}
	ok(c, http.StatusOK, pageOf(items, more, communityDTO, func(v *model.Community) string { return idCursor(v.ID) }))
	return nil
}

func (a *API) createCommunity(c *gin.Context) error {
	var req CreateCommunityRequest
	if err := a.bind.Request(c, &req, func() error { return a.can(c, service.ActCommunityCreate, service.Scope{}) }); err != nil {
		return err
	}
	cm, err := a.deps.Places.CreateCommunity(c.Request.Context(), req.Name, req.District)
	if err != nil {
		return err
	}
	ok(c, http.StatusCreated, communityDTO(cm))
	return nil
}

func (a *API) listEstates(c *gin.Context) error {
	var q EstateListQuery
	if err := a.bind.Request(c, &q); err != nil {
		return err
	}
	after, err := cursorID(q.Cursor)
	if err != nil {
		return err
	}
	items, more, err := a.deps.Places.Estates(c.Request.Context(), uint64(q.CommunityID), after, q.Size())
	if err != nil {
		return err
	}
	ok(c, http.StatusOK, pageOf(items, more, estateDTO, func(v *model.Estate) string { return idCursor(v.ID) }))
	return nil
}

func (a *API) listBuildings(c *gin.Context) error {
	var q BuildingListQuery
	if err := a.bind.Request(c, &q); err != nil {
		return err
	}
	estateID, err := queryID("estate_id", q.EstateID)
	if err != nil {
		return err
	}
	after, err := buildingCursorPos(q.Cursor)
	if err != nil {
		return err
	}
	items, more, err := a.deps.Places.Buildings(c.Request.Context(),
		service.BuildingQuery{CommunityID: uint64(q.CommunityID), EstateID: estateID, After: after, Limit: q.Size()})
	if err != nil {
		return err
	}
	ok(c, http.StatusOK, pageOf(items, more, buildingDTO, func(v *model.BuildingView) string {
		return idCursor(v.EstateID) + "." + idCursor(v.ID)
	}))
	return nil
}

func (a *API) createEstate(c *gin.Context) error {
	var req CreateEstateRequest
	if err := a.bind.Request(c, &req, func() error {
		return a.can(c, service.ActPlacesManage, service.Scope{CommunityID: uint64(req.CommunityID)})
	}); err != nil {
		return err
	}
	cid := uint64(req.CommunityID)
	e, err := a.deps.Places.CreateEstate(c.Request.Context(), cid, req.Name)
	if err != nil {
		return err
	}
	ok(c, http.StatusCreated, estateDTO(e))
	return nil
}

func (a *API) createBuilding(c *gin.Context) error {
	var req CreateBuildingRequest
	if err := a.bind.Request(c, &req, func() error {
		return a.can(c, service.ActPlacesManage, service.Scope{CommunityID: uint64(req.CommunityID)})
	}); err != nil {
		return err
	}
	cid := uint64(req.CommunityID)
	b, err := a.deps.Places.CreateBuilding(c.Request.Context(), cid, uint64(req.EstateID), req.Name)
	if err != nil {
		return err
	}
	ok(c, http.StatusCreated, buildingDTO(b))
	return nil
}

// communityAction reads the community id of the path and asks the policy whether the user may
// do action there; on refusal it has written the error.
func (a *API) communityAction(c *gin.Context, action service.Action) (uint64, bool) {
	cid, err := pathID(c, "id")
	if err != nil {
		fail(c, a.log, err)
		return 0, false
	}
	return cid, a.authorize(c, action, service.Scope{CommunityID: cid})
}

// idCursor is the cursor after the item with this id.
func idCursor(id uint64) string { return strconv.FormatUint(id, 10) }

// cursorID reads a cursor made by idCursor; "" is the first page.
func cursorID(cursor string) (uint64, error) {
	if cursor == "" {
		return 0, nil
	}
	id, err := strconv.ParseUint(cursor, 10, 63)
	if err != nil {
		return 0, badCursor()
	}
	return id, nil
}

// buildingCursorPos reads the cursor of the building list: "<estate id>.<building id>".
func buildingCursorPos(cursor string) (model.BuildingPos, error) {
	if cursor == "" {
		return model.BuildingPos{}, nil
	}
	e, b, found := strings.Cut(cursor, ".")
	eid, err1 := strconv.ParseUint(e, 10, 63)
	bid, err2 := strconv.ParseUint(b, 10, 63)
	if !found || err1 != nil || err2 != nil {
		return model.BuildingPos{}, badCursor()
	}
	return model.BuildingPos{EstateID: eid, ID: bid}, nil
}

func badCursor() error {
	return service.Invalid("cursor", "cursor 无效，请从第一页重新加载")
}

// queryID reads an optional id from a query parameter already checked to be digits.
func queryID(field, v string) (uint64, error) {
	if v == "" {
		return 0, nil
	}
	id, err := strconv.ParseUint(v, 10, 63)
	if err != nil || id == 0 {
		return 0, service.Invalid(field, field+"必须是有效的编号")
	}
	return id, nil
}

func communityDTO(c *model.Community) CommunityDTO {
	return CommunityDTO{ID: ID(c.ID), Name: c.Name, District: c.District, CreatedAt: Time(c.CreatedAt)}
}

func estateDTO(e *model.Estate) EstateDTO {
	return EstateDTO{ID: ID(e.ID), CommunityID: ID(e.CommunityID), Name: e.Name, CreatedAt: Time(e.CreatedAt)}
}

func buildingDTO(b *model.BuildingView) BuildingDTO {
	return BuildingDTO{ID: ID(b.ID), CommunityID: ID(b.CommunityID), EstateID: ID(b.EstateID), EstateName: b.EstateName,
		Name: b.Name, CreatedAt: Time(b.CreatedAt)}
}
