package api

import (
	"bytes"
	"errors"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/url"
	"time"

	"github.com/gin-gonic/gin"

	"linli/model"
	"linli/service"
)

// HouseholdRoomDTO is a room of a building in the room picker.
type HouseholdRoomDTO struct {
	ID   ID     `json:"id" description:"住户 ID（POST /me/residencies 的 household_id）"`
	Unit string `json:"unit" description:"单元号；没有单元的楼栋为空" example:"2"`
	Room string `json:"room" description:"房号（已去掉全角、空格与“室/号”）" example:"302"`
}

// HouseholdMemberDTO is an approved resident of a household.
type HouseholdMemberDTO struct {
	UserID      ID         `json:"user_id"`
	ResidencyID ID         `json:"residency_id"`
	Nickname    string     `json:"nickname"`
	PhoneMasked string     `json:"phone_masked" description:"打码的手机号，未绑定时为空" example:"138****0000"`
	Phone       string     `json:"phone" description:"完整手机号，仅对该楼栋的楼栋长和本社区工作者显示（需要电话联系）；未绑定时为空"`
	Since       *time.Time `json:"since" description:"认证通过的时间"`
}

// HouseholdDTO is a household with its approved members (captain of its building, staff).
type HouseholdDTO struct {
	ID           ID                   `json:"id"`
	CommunityID  ID                   `json:"community_id"`
	EstateID     ID                   `json:"estate_id"`
	EstateName   string               `json:"estate_name"`
	BuildingID   ID                   `json:"building_id"`
	BuildingName string               `json:"building_name"`
	Unit         string               `json:"unit" example:"2"`
	Room         string               `json:"room" example:"302"`
	Label        string               `json:"label" description:"房号的完整写法，如 2单元302" example:"2单元302"`
	Head         string               `json:"head" description:"户主称呼（台账中登记的，可为空）"`
	Note         string               `json:"note" description:"社区工作者的备注"`
	NeedsReview  bool                 `json:"needs_review" description:"该住户由居民自填的房号生成（不在导入的台账中），待社区工作者核对"`
	Members      []HouseholdMemberDTO `json:"members"`
	CreatedAt    time.Time            `json:"created_at"`
}

// ImportErrorDTO is one problem of an imported workbook.
type ImportErrorDTO struct {
	Row     int    `json:"row" description:"行号（第 1 行为表头）"`
	Column  string `json:"column" description:"列名（小区、楼栋、单元、房号、户主称呼、备注）或无表头列的字母"`
	Message string `json:"message" description:"错误说明（中文，含行号与列）"`
}

// HouseholdImportDTO is what an import did, or (dry run) would do.
type HouseholdImportDTO struct {
	DryRun            bool             `json:"dry_run"`
	Rows              int              `json:"rows" description:"读到的数据行数（不含表头与空行）"`
	EstatesCreated    int              `json:"estates_created"`
	BuildingsCreated  int              `json:"buildings_created"`
	HouseholdsCreated int              `json:"households_created"`
	HouseholdsUpdated int              `json:"households_updated" description:"户主称呼、备注有变化，或原为待核对的住户"`
	Unchanged         int              `json:"unchanged"`
	Errors            []ImportErrorDTO `json:"errors" description:"前 200 个错误；有任何错误时不写入任何数据"`
	ErrorCount        int              `json:"error_count"`
}

// ImportRejectedEnvelope is the 400 of an import with errors: the error envelope and the report.
type ImportRejectedEnvelope struct {
	ErrorEnvelope
	Data HouseholdImportDTO `json:"data"`
}

// HouseholdImportRequest uploads a register workbook.
type HouseholdImportRequest struct {
	CommunityPath
	DryRun bool           `query:"dry_run" label:"仅检查" description:"true：只检查并统计，不写入"`
	File   multipart.File `formData:"file" required:"true" label:"台账文件" description:"房屋台账 .xlsx（按模板填写），最大 10 MB、50,000 行"`
}

// BuildingHouseholdsQuery pages through a building's rooms.
type BuildingHouseholdsQuery struct {
	BuildingID ID `path:"id" json:"-" label:"楼栋" description:"楼栋 ID"`
	PageQuery
}

// HouseholdPath names a household in the path.
type HouseholdPath struct {
	HouseholdID ID `path:"id" json:"-" label:"住户" description:"住户 ID"`
}

// importSlack is what a multipart body may carry beyond the workbook.
const importSlack = 64 << 10

func (a *API) householdRoutes() error {
	auth := a.requireUser
	for _, r := range []struct {
		g  *gin.RouterGroup
		rt route
		h  []gin.HandlerFunc
	}{
		{a.v1, route{method: "GET", path: "/communities/:id/households/template", op: "householdTemplate", tag: "房屋台账",
			summary:     "下载房屋台账模板（本社区工作者）",
			description: "返回 .xlsx：工作表「房屋台账」的列为 小区、楼栋、单元、房号、户主称呼、备注，带一行示例；工作表「填写说明」说明每列的写法。",
			auth:        true, req: new(CommunityPath), resp: new(Binary), contentType: xlsxType, errors: []int{403, 404}},
			[]gin.HandlerFunc{auth, a.h(a.householdTemplate)}},
		// Outside the /api/v1 group (whose body limit is 1 MB), like uploads: a workbook may be 10 MB.
		{nil, route{method: "POST", path: a.v1.BasePath() + "/communities/:id/households/import", op: "importHouseholds",
			tag: "房屋台账", summary: "导入房屋台账（本社区工作者）",
			description: "multipart/form-data，字段 file 为按模板填写的 .xlsx。创建社区中还没有的小区、楼栋和住户，更新户主称呼与备注；" +
				"同一份文件再次导入不会改变任何数据。先检查整份文件：任何一行有错（必填为空、未知的列、文件内重复、只差全角/空格/“室/号”写法的同一户……）" +
				"→ 400，data 中逐行逐列列出错误，且不写入任何数据；否则在一个事务中写入。dry_run=true 只检查并统计。" +
				"不是 .xlsx → 415；超过 10 MB → 413；超过 50,000 行、解压后异常巨大（压缩炸弹，按 zip 目录判断，不解压）→ 400。" +
				"公式与日期按单元格显示的文字读取。与另一次导入同时写入同样的房屋 → 409。",
			auth: true, req: new(HouseholdImportRequest), resp: data[HouseholdImportDTO](), errors: []int{400, 403, 404, 409, 413, 415}},
			[]gin.HandlerFunc{auth, a.limitImport, a.h(a.importHouseholds)}},
		{a.v1, route{method: "GET", path: "/buildings/:id/households", op: "listBuildingHouseholds", tag: "房屋台账",
			summary:     "楼栋的房间（选择所住房屋）",
			description: "任何登录用户：按台账顺序分页列出该楼栋的房间（只有 id、单元、房号），用于 POST /me/residencies 的 household_id。楼栋不存在 → 404。",
			auth:        true, req: new(BuildingHouseholdsQuery), resp: data[Page[HouseholdRoomDTO]](), errors: []int{404}},
			[]gin.HandlerFunc{auth, a.h(a.listBuildingHouseholds)}},
		{a.v1, route{method: "GET", path: "/households/:id", op: "getHousehold", tag: "房屋台账", summary: "住户详情（楼栋长/社区工作者）",
			description: "该楼栋的楼栋长、本社区工作者或平台管理员：住户与其已通过认证的成员；成员手机号打码，完整号码只给需要电话联系的楼栋长与工作者。" +
				"本社区其他人 → 403；其他社区 → 404。",
			auth: true, req: new(HouseholdPath), resp: data[HouseholdDTO](), errors: []int{403, 404}},
			[]gin.HandlerFunc{auth, a.h(a.getHousehold)}},
	} {
		if err := a.handle(r.g, r.rt, r.h...); err != nil {
			return err
		}
	}
	return nil
}

func (a *API) householdTemplate(c *gin.Context) error {
	var req CommunityPath
	if err := a.bind.Request(c, &req, func() error {
		return a.can(c, service.ActHouseholdsManage, service.Scope{CommunityID: uint64(req.CommunityID)})
	}); err != nil {
		return err
	}
	if _, err := a.deps.Places.Community(c.Request.Context(), uint64(req.CommunityID)); err != nil {
		return err
	}
	var body bytes.Buffer
	if err := a.deps.Households.Template(&body); err != nil {
		return err
	}
	c.Header("Content-Disposition", fmt.Sprintf(`attachment; filename="linli-households-template.xlsx"; filename*=UTF-8''%s`,
		url.PathEscape("房屋台账模板.xlsx")))
	c.Header("Cache-Control", "no-store")
	c.Data(http.StatusOK, xlsxType, body.Bytes())
	return nil
}

// limitImport refuses workbooks over 10 MB with 413, at once when Content-Length says so,
// otherwise when the reader passes it.
func (a *API) limitImport(c *gin.Context) {
	tooBig := service.Errorf(service.KindTooLarge, "文件超过 %d MB 上限", service.MaxImportBytes>>20)
	if c.Request.ContentLength > service.MaxImportBytes+importSlack {
		fail(c, a.log, tooBig)
		return
	}
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, service.MaxImportBytes+importSlack)
	c.Next()
}

func (a *API) importHouseholds(c *gin.Context) error {
	var req HouseholdImportRequest
	if err := a.bind.Request(c, &req, func() error {
		return a.can(c, service.ActHouseholdsManage, service.Scope{CommunityID: uint64(req.CommunityID)})
	}); err != nil {
		return err
	}
	mr, err := c.Request.MultipartReader()
	if err != nil {
		return service.Errorf(service.KindUnsupportedType, "请以 multipart/form-data 格式上传台账文件（字段 file）")
	}
	for {
		part, err := mr.NextPart()
		var tooBig *http.MaxBytesError
		switch {
		case errors.As(err, &tooBig):
			return service.Errorf(service.KindTooLarge, "文件超过 %d MB 上限", service.MaxImportBytes>>20)
		case err != nil:
			return service.Invalid("file", "请选择要导入的台账文件（字段 file）")
		}
		if part.FormName() != "file" {
			_ = part.Close()
			continue
		}
		rep, err := a.deps.Households.Import(c.Request.Context(), userID(c), uint64(req.CommunityID), part, req.DryRun)
		_ = part.Close()
		if errors.As(err, &tooBig) {
			return service.Errorf(service.KindTooLarge, "文件超过 %d MB 上限", service.MaxImportBytes>>20)
		}
		if err != nil {
			return err
		}
		dto := importDTO(rep)
		if rep.ErrorCount > 0 {
			c.AbortWithStatusJSON(http.StatusBadRequest, ImportRejectedEnvelope{ErrorEnvelope: ErrorEnvelope{
				Code: http.StatusBadRequest * 100, RequestID: requestID(c),
				Message: fmt.Sprintf("台账有 %d 处错误，未导入任何数据：%s", rep.ErrorCount, rep.Errors[0].Message)}, Data: dto})
			return nil
		}
		ok(c, http.StatusOK, dto)
		return nil
	}
}

func (a *API) listBuildingHouseholds(c *gin.Context) error {
	var q BuildingHouseholdsQuery
	if err := a.bind.Request(c, &q); err != nil {
		return err
	}
	after, err := cursorID(q.Cursor)
	if err != nil {
		return err
	}
	items, more, err := a.deps.Households.OfBuilding(c.Request.Context(), uint64(q.BuildingID), after, q.Size())
	if err != nil {
		return err
	}
	ok(c, http.StatusOK, pageOf(items, more, func(h *model.Household) HouseholdRoomDTO {
		return HouseholdRoomDTO{ID: ID(h.ID), Unit: h.Unit, Room: h.Room}
	}, func(h *model.Household) string { return idCursor(h.ID) }))
	return nil
}

func (a *API) getHousehold(c *gin.Context) error {
	var req HouseholdPath
	ctx := c.Request.Context()
	if err := a.bind.Request(c, &req, func() error {
		scope, err := a.deps.Households.Scope(ctx, uint64(req.HouseholdID))
		if err != nil {
			return err
		}
		return a.can(c, service.ActHouseholdView, scope)
	}); err != nil {
		return err
	}
	p, err := a.principal(c)
	if err != nil {
		return err
	}
	d, err := a.deps.Households.Detail(ctx, p, uint64(req.HouseholdID))
	if err != nil {
		return err
	}
	out := HouseholdDTO{ID: ID(d.ID), CommunityID: ID(d.CommunityID), EstateID: ID(d.EstateID), EstateName: d.EstateName,
		BuildingID: ID(d.BuildingID), BuildingName: d.BuildingName, Unit: d.Unit, Room: d.Room,
		Label: model.HouseholdLabel(d.Unit, d.Room), Head: d.Head, Note: d.Note, NeedsReview: d.NeedsReview,
		Members: make([]HouseholdMemberDTO, len(d.Members)), CreatedAt: Time(d.CreatedAt)}
	for i, m := range d.Members {
		out.Members[i] = HouseholdMemberDTO{UserID: ID(m.UserID), ResidencyID: ID(m.ResidencyID), Nickname: m.Nickname,
			PhoneMasked: m.PhoneMasked, Phone: m.Phone, Since: TimePtr(m.Since)}
	}
	ok(c, http.StatusOK, out)
	return nil
}

func importDTO(r *service.ImportReport) HouseholdImportDTO {
	out := HouseholdImportDTO{DryRun: r.DryRun, Rows: r.Rows, EstatesCreated: r.EstatesCreated, BuildingsCreated: r.BuildingsCreated,
		HouseholdsCreated: r.HouseholdsCreated, HouseholdsUpdated: r.HouseholdsUpdated, Unchanged: r.Unchanged,
		Errors: make([]ImportErrorDTO, len(r.Errors)), ErrorCount: r.ErrorCount}
	for i, e := range r.Errors {
		out.Errors[i] = ImportErrorDTO{Row: e.Row, Column: e.Column, Message: e.Message}
	}
	return out
}
