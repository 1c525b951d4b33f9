package api

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"linli/config"
	"linli/model"
	"linli/service"
)

// CategoryDTO is one of a community's issue categories.
type CategoryDTO struct {
	ID        ID       `json:"id"`
	Name      string   `json:"name"`
	Skills    []string `json:"skills" description:"通常能解决此类问题的技能"`
	RouteTo   string   `json:"route_to" enum:"captain,staff" description:"新报事先通知谁"`
	SortOrder int      `json:"sort_order"`
	Active    bool     `json:"active"`
}

// CategoryPath names a community.
type CategoryPath struct {
	ID ID `path:"id"`
}

// CategoryListQuery asks for inactive categories too (staff).
type CategoryListQuery struct {
	ID  ID   `path:"id"`
	All bool `query:"all" description:"包含已停用的类别（社区工作者）" label:"包含已停用"`
}

// CategoryRequest creates a category.
type CategoryRequest struct {
	ID        ID       `path:"id" json:"-"`
	Name      string   `json:"name" validate:"required,max=32" label:"类别名称"`
	Skills    []string `json:"skills" validate:"max=10,dive,min=1,max=16" label:"相关技能"`
	RouteTo   string   `json:"route_to" validate:"omitempty,oneof=captain staff" label:"通知对象"`
	SortOrder *int     `json:"sort_order" validate:"omitempty,min=0,max=100000" label:"排序"`
}

// CategoryPatch changes a category; absent fields stay.
type CategoryPatch struct {
	ID         ID       `path:"id" json:"-"`
	CategoryID ID       `path:"category_id" json:"-"`
	Name       *string  `json:"name" validate:"omitempty,min=1,max=32" label:"类别名称"`
	Skills     []string `json:"skills" validate:"omitempty,max=10,dive,min=1,max=16" label:"相关技能"`
	RouteTo    *string  `json:"route_to" validate:"omitempty,oneof=captain staff" label:"通知对象"`
	SortOrder  *int     `json:"sort_order" validate:"omitempty,min=0,max=100000" label:"排序"`
	Active     *bool    `json:"active" label:"启用"`
}

// ReportRequest files an issue.
type ReportRequest struct {
	BuildingID  ID     `json:"building_id" validate:"required" label:"楼栋"`
	CategoryID  ID     `json:"category_id" validate:"required" label:"类别"`
	Description string `json:"description" validate:"required,min=1,max=1000" description:"问题描述，1–1000 字" label:"问题描述"`
	Location    string `json:"location" validate:"max=100" description:"具体位置，如 3 单元 2 楼楼道" label:"具体位置"`
	Urgency     string `json:"urgency" validate:"omitempty,oneof=normal urgent" description:"默认 normal" label:"紧急程度"`
	Anonymous   bool   `json:"anonymous" description:"对其他居民匿名（楼栋长与社区工作者仍可见）" label:"匿名"`
	Photos      []ID   `json:"photos" validate:"max=9" description:"POST /uploads 返回的图片 ID，最多 9 张" label:"图片"`
}

// IssueQuery lists issues.
type IssueQuery struct {
	PageQuery
	Scope       string `query:"scope,default=mine" default:"mine" validate:"oneof=mine following building community" description:"mine 我反映的（默认）；following 我关注的；building 我所在/负责的楼栋；community 社区全部（社区工作者）" label:"范围"`
	Status      string `query:"status" validate:"omitempty,oneof=open all pending_review submitted acknowledged in_progress resolved closed rejected duplicate" description:"默认：队列为 open，mine/following 为 all" label:"状态"`
	CommunityID ID     `query:"community_id" label:"社区"`
	BuildingID  ID     `query:"building_id" label:"楼栋"`
	CategoryID  ID     `query:"category_id" label:"类别"`
}

// SimilarQuery names a building and category.
type SimilarQuery struct {
	BuildingID ID `query:"building_id" required:"true" validate:"required" label:"楼栋"`
	CategoryID ID `query:"category_id" label:"类别"`
}

// IssuePath names an issue.
type IssuePath struct {
	ID ID `path:"id"`
}

// TransitionRequest moves an issue through its workflow.
type TransitionRequest struct {
	ID          ID     `path:"id" json:"-"`
	Action      string `json:"action" validate:"required,oneof=acknowledge start resolve reject mark_duplicate reopen close release" label:"操作"`
	Note        string `json:"note" validate:"max=500" description:"驳回时必填" label:"说明"`
	Photos      []ID   `json:"photos" validate:"max=9" label:"图片"`
	DuplicateOf ID     `json:"duplicate_of" description:"mark_duplicate 时必填：原报事 ID" label:"原报事"`
}

// CommentRequest comments on an issue.
type CommentRequest struct {
	ID     ID     `path:"id" json:"-"`
	Body   string `json:"body" validate:"required,min=1,max=500" label:"评论内容"`
	Photos []ID   `json:"photos" validate:"max=9" label:"图片"`
}

// RatingRequest rates a resolved issue.
type RatingRequest struct {
	ID      ID     `path:"id" json:"-"`
	Score   int    `json:"score" validate:"required,min=1,max=5" label:"评分"`
	Comment string `json:"comment" validate:"max=200" label:"评价"`
}

// PersonDTO names a person shown on an issue.
type PersonDTO struct {
	ID       ID     `json:"id"`
	Nickname string `json:"nickname"`
}

// PhotoDTO is an attached image with a signed, expiring URL.
type PhotoDTO struct {
	ID  ID     `json:"id"`
	URL string `json:"url"`
}

// IssueDTO is an issue as its viewer may see it.
type IssueDTO struct {
	ID                ID         `json:"id"`
	CommunityID       ID         `json:"community_id"`
	BuildingID        ID         `json:"building_id"`
	BuildingName      string     `json:"building_name"`
	CategoryID        ID         `json:"category_id"`
	CategoryName      string     `json:"category_name"`
	Description       string     `json:"description"`
	Location          string     `json:"location"`
	Urgency           string     `json:"urgency" enum:"normal,urgent"`
	Anonymous         bool       `json:"anonymous"`
	Status            string     `json:"status" enum:"pending_review,submitted,acknowledged,in_progress,resolved,closed,rejected,duplicate"`
	StatusText        string     `json:"status_text"`
	Reporter          *PersonDTO `json:"reporter" description:"匿名报事对其他居民为 null"`
	ReporterPhone     string     `json:"reporter_phone,omitempty" description:"仅楼栋长与社区工作者可见"`
	Mine              bool       `json:"mine"`
	Following         bool       `json:"following"`
	Followers         int        `json:"followers" description:"“我也遇到了”人数"`
	DuplicateOf       *ID        `json:"duplicate_of,omitempty"`
	Rating            *int       `json:"rating,omitempty"`
	RatingComment     string     `json:"rating_comment,omitempty" description:"待内容安全审核的评价仅报事人与管理者可见"`
	RatingCommentHeld bool       `json:"rating_comment_held" description:"评价待内容安全审核"`
	Photos            []PhotoDTO `json:"photos"`
	CreatedAt         time.Time  `json:"created_at"`
	UpdatedAt         time.Time  `json:"updated_at"`
	AcknowledgedAt    *time.Time `json:"acknowledged_at,omitempty"`
	ResolvedAt        *time.Time `json:"resolved_at,omitempty"`
	ClosedAt          *time.Time `json:"closed_at,omitempty"`
}

// EventDTO is one timeline entry.
type EventDTO struct {
	ID         ID         `json:"id"`
	Action     string     `json:"action"`
	FromStatus string     `json:"from_status"`
	ToStatus   string     `json:"to_status"`
	Note       string     `json:"note" description:"待审核的说明仅作者与管理者可见，对其他人为空"`
	NoteHeld   bool       `json:"note_held" description:"说明待内容安全审核"`
	Actor      *PersonDTO `json:"actor" description:"系统操作或匿名报事人对其他居民为 null"`
	Photos     []PhotoDTO `json:"photos"`
	CreatedAt  time.Time  `json:"created_at"`
}

// CommentDTO is a comment.
type CommentDTO struct {
	ID        ID         `json:"id"`
	Author    *PersonDTO `json:"author"`
	Body      string     `json:"body"`
	Held      bool       `json:"held" description:"待审核：仅作者与管理者可见"`
	Photos    []PhotoDTO `json:"photos"`
	CreatedAt time.Time  `json:"created_at"`
}

// IssueDetailDTO is an issue with its timeline and comments.
type IssueDetailDTO struct {
	IssueDTO
	Timeline []EventDTO   `json:"timeline"`
	Comments []CommentDTO `json:"comments"`
}

func (a *API) issueRoutes() error {
	auth := a.requireUser
	list := []struct {
		rt route
		h  gin.HandlerFunc
	}{
		{route{op: "listCategories", method: "GET", path: "/communities/:id/issue-categories", tag: "报事", summary: "社区的报事类别（本社区居民、楼栋长、社区工作者）",
			description: "首次读取时创建默认类别（照明、供水、供暖、环境卫生、宠物扰民、安全隐患、公共设施、邻里纠纷、其他）。类别不多：一次返回全部，next_cursor 恒为空。",
			auth:        true, req: new(CategoryListQuery), resp: data[Page[CategoryDTO]](), errors: []int{404}}, a.h(a.listCategories)},
		{route{op: "createCategory", method: "POST", path: "/communities/:id/issue-categories", tag: "报事", summary: "新增报事类别（社区工作者）",
			auth: true, req: new(CategoryRequest), resp: data[CategoryDTO](), status: 201, errors: []int{403, 404, 409}}, a.h(a.createCategory)},
		{route{op: "updateCategory", method: "PATCH", path: "/communities/:id/issue-categories/:category_id", tag: "报事", summary: "修改报事类别（社区工作者）", description: "只改请求中给出的字段（名称、排序、停用）。类别不属于该社区 → 404；同名 → 409；非本社区工作者 → 403。",
			auth: true, req: new(CategoryPatch), resp: data[CategoryDTO](), errors: []int{403, 404, 409}}, a.h(a.updateCategory)},
		{route{op: "similarIssues", method: "GET", path: "/issues/similar", tag: "报事", summary: "同楼同类的未完结报事（提交前查重）", description: "提交报事前按楼栋与类别查找未完结的同类报事，供居民选择“我也遇到了”而不重复报事。非本楼已认证居民 → 403；楼栋或类别不存在 → 404。",
			auth: true, req: new(SimilarQuery), resp: data[[]IssueDTO](), errors: []int{403, 404}}, a.h(a.similarIssues)},
		{route{op: "reportIssue", method: "POST", path: "/issues", tag: "报事", summary: "报事（本楼已认证居民）",
			description: "内容经微信内容安全检测：risky → 422 且不保存；无法判定或微信不可达 → 保存为 pending_review，仅报事人与社区工作者可见，待审核后发布。",
			auth:        true, req: new(ReportRequest), resp: data[IssueDTO](), status: 201, errors: []int{403, 404, 422}}, a.h(a.reportIssue)},
		{route{op: "listIssues", method: "GET", path: "/issues", tag: "报事", summary: "报事列表与工作队列",
			description: "队列（building、community）按紧急优先、时间最早优先排列；mine、following 按时间倒序。楼栋长的 building 为其负责楼栋。",
			auth:        true, req: new(IssueQuery), resp: data[Page[IssueDTO]](), errors: []int{403, 404}}, a.h(a.listIssues)},
		{route{op: "getIssue", method: "GET", path: "/issues/:id", tag: "报事", summary: "报事详情与处理时间线", description: "包含处理时间线、评论与图片（签名链接）。匿名报事对他人隐藏报事人；待审核的报事仅报事人与社区工作者可见，其他人 → 404。",
			auth: true, req: new(IssuePath), resp: data[IssueDetailDTO](), errors: []int{404}}, a.h(a.getIssue)},
		{route{op: "followIssue", method: "POST", path: "/issues/:id/follow", tag: "报事", summary: "我也遇到了（关注）",
			auth: true, req: new(IssuePath), resp: data[IssueDTO](), errors: []int{403, 404, 409}}, a.h(a.followIssue)},
		{route{op: "unfollowIssue", method: "DELETE", path: "/issues/:id/follow", tag: "报事", summary: "取消关注", description: "取消“我也遇到了”；未关注时也返回 200 与当前报事。报事不存在或不可见 → 404。",
			auth: true, req: new(IssuePath), resp: data[IssueDTO](), errors: []int{404}}, a.h(a.unfollowIssue)},
		{route{op: "moveIssue", method: "POST", path: "/issues/:id/transitions", tag: "报事", summary: "流转：受理、处理、解决、驳回、标记重复、重新打开、关闭、审核通过",
			description: "楼栋长（本楼）与社区工作者：acknowledge、start、resolve、reject（需 note）、mark_duplicate（需 duplicate_of）；报事人：reopen（已解决但未修好）、close；社区工作者：release（待审核内容审核通过）。非法流转 → 409 并说明当前状态。",
			auth:        true, req: new(TransitionRequest), resp: data[IssueDTO](), errors: []int{403, 404, 409}}, a.h(a.moveIssue)},
		{route{op: "commentIssue", method: "POST", path: "/issues/:id/comments", tag: "报事", summary: "评论（报事人、关注者、楼栋长、社区工作者）",
			auth: true, req: new(CommentRequest), resp: data[CommentDTO](), status: 201, errors: []int{403, 404, 422}}, a.h(a.commentIssue)},
		{route{op: "rateIssue", method: "POST", path: "/issues/:id/rating", tag: "报事", summary: "评单：报事人在解决后评价一次（1–5 分）",
			auth: true, req: new(RatingRequest), resp: data[IssueDTO](), errors: []int{403, 404, 409}}, a.h(a.rateIssue)},
	}
	for _, r := range list {
		h := []gin.HandlerFunc{auth, r.h}
		switch r.rt.method + " " + r.rt.path {
		case "POST /issues":
			h = []gin.HandlerFunc{auth, a.rateReport(), r.h}
			r.rt.errors = append(r.rt.errors, 429)
		case "POST /issues/:id/comments":
			h = []gin.HandlerFunc{auth, a.rateComment(), r.h}
			r.rt.errors = append(r.rt.errors, 429)
		case "POST /issues/:id/transitions": // the reporter and followers are told
			h = []gin.HandlerFunc{auth, a.rate(config.ActionTransition), r.h}
			r.rt.errors = append(r.rt.errors, 429)
		}
		if err := a.handle(a.v1, r.rt, h...); err != nil {
			return err
		}
	}
	return nil
}

func categoryDTO(c model.IssueCategory) CategoryDTO {
	skills := []string{}
	if c.Skills != "" {
		skills = strings.Split(c.Skills, ",")
	}
	return CategoryDTO{ID: ID(c.ID), Name: c.Name, Skills: skills, RouteTo: c.RouteTo, SortOrder: c.SortOrder, Active: c.Active}
}

func (a *API) listCategories(c *gin.Context) error {
	var q CategoryListQuery
	if err := a.bind.Request(c, &q); err != nil {
		return err
	}
	id := uint64(q.ID)
	if _, err := a.deps.Places.Community(c.Request.Context(), id); err != nil {
		return err
	}
	action := service.ActCommunityView
	if q.All {
		action = service.ActPlacesManage
	}
	if err := a.can(c, action, service.Scope{CommunityID: id}); err != nil {
		return err
	}
	cats, err := a.deps.IssueCategories.List(c.Request.Context(), id, !q.All)
	if err != nil {
		return err
	}
	// A community has a handful of categories: they all fit in one page.
	page := Page[CategoryDTO]{Items: make([]CategoryDTO, len(cats))}
	for i, cat := range cats {
		page.Items[i] = categoryDTO(cat)
	}
	ok(c, http.StatusOK, page)
	return nil
}

func (a *API) createCategory(c *gin.Context) error {
	var req CategoryRequest
	if err := a.bind.Request(c, &req); err != nil {
		return err
	}
	if err := a.can(c, service.ActPlacesManage, service.Scope{CommunityID: uint64(req.ID)}); err != nil {
		return err
	}
	in := service.CategoryInput{Name: &req.Name, Skills: req.Skills, SortOrder: req.SortOrder}
	if req.RouteTo != "" {
		in.RouteTo = &req.RouteTo
	}
	cat, err := a.deps.IssueCategories.Create(c.Request.Context(), uint64(req.ID), in)
	if err != nil {
		return err
	}
	ok(c, http.StatusCreated, categoryDTO(*cat))
	return nil
}

func (a *API) updateCategory(c *gin.Context) error {
	var req CategoryPatch
	if err := a.bind.Request(c, &req); err != nil {
		return err
	}
	if err := a.can(c, service.ActPlacesManage, service.Scope{CommunityID: uint64(req.ID)}); err != nil {
		return err
	}
	cat, err := a.deps.IssueCategories.Update(c.Request.Context(), uint64(req.ID), uint64(req.CategoryID), service.CategoryInput{
		Name: req.Name, Skills: req.Skills, RouteTo: req.RouteTo, SortOrder: req.SortOrder, Active: req.Active})
	if err != nil {
		return err
	}
	ok(c, http.StatusOK, categoryDTO(*cat))
	return nil
}

// issueCursor encodes a position: "<urgent 0|1>.<id>" in work order, "<id>" newest first.
func issueCursor(r model.IssueRow, newestFirst bool) string {
	if newestFirst {
		return strconv.FormatUint(r.ID, 10)
	}
	u := "0"
	if r.Urgent {
		u = "1"
	}
	return u + "." + strconv.FormatUint(r.ID, 10)
}

func parseIssueCursor(s string) (model.IssueCursor, error) {
	if s == "" {
		return model.IssueCursor{}, nil
	}
	u, idPart, dotted := strings.Cut(s, ".")
	if !dotted {
		idPart, u = s, "0"
	}
	id, err := strconv.ParseUint(idPart, 10, 63)
	if err != nil || (u != "0" && u != "1") {
		return model.IssueCursor{}, service.Invalid("cursor", "cursor 无效，请从第一页重新加载")
	}
	return model.IssueCursor{Urgent: u == "1", ID: id}, nil
}
