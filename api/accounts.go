package api

import (
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"linli/service"
)

// CommunityAccountDTO is an account of a community as staff see it.
type CommunityAccountDTO struct {
	ID         ID        `json:"id"`
	Kind       string    `json:"kind" enum:"resident,collective,issuing,spending"`
	Card       string    `json:"card,omitempty" enum:"unit,enterprise,courtyard"`
	Name       string    `json:"name"`
	UserID     *ID       `json:"user_id,omitempty"`
	Balance    string    `json:"balance" example:"120.00" description:"余额；issuing（时间银行发行账户）为负，其绝对值即已发行的积分"`
	ManagerIDs []ID      `json:"manager_ids" description:"集体账户的管理人"`
	CreatedAt  time.Time `json:"created_at"`
}

// AccountListQuery pages through a community's accounts.
type AccountListQuery struct {
	CommunityPath
	Kind string `query:"kind" validate:"omitempty,oneof=collective system resident" description:"collective 集体账户；system 社区自有账户；resident 居民账户；默认集体与社区自有账户" label:"类型"`
	PageQuery
}

// CreateAccountRequest opens a collective account.
type CreateAccountRequest struct {
	CommunityPath
	Name       string `json:"name" validate:"required,max=64" description:"账户名称，社区内唯一，如 “东亭街道办 单位卡”" label:"名称"`
	Card       string `json:"card" validate:"required,oneof=unit enterprise courtyard" description:"unit 单位卡；enterprise 企业卡；courtyard 院落集体卡" label:"卡类型"`
	ManagerIDs []ID   `json:"manager_ids" validate:"max=20" description:"管理人（本社区的居民或工作人员），可从该账户转出（只能捐赠时只能捐给社区或集体账户）" label:"管理人"`
}

// UpdateAccountRequest renames a collective account or replaces its managers.
type UpdateAccountRequest struct {
	ID         ID      `path:"id" json:"-"`
	Name       *string `json:"name" validate:"omitempty,min=1,max=64" label:"名称"`
	ManagerIDs *[]ID   `json:"manager_ids" validate:"omitempty,max=20" description:"新的管理人名单（整体替换）" label:"管理人"`
}

// AccountLedgerQuery pages through an account's passbook.
type AccountLedgerQuery struct {
	ID ID `path:"id" json:"-"`
	PageQuery
}

// RecordListQuery lists a community's service records for staff.
type RecordListQuery struct {
	CommunityPath
	UserID string `query:"user_id" validate:"omitempty,number,max=20" description:"只列此人的记录" label:"用户"`
	Month  string `query:"month" validate:"omitempty,len=7" description:"只列该月（YYYY-MM，北京时间）的服务" label:"月份"`
	PageQuery
}

func (a *API) accountRoutes() error {
	auth := a.requireUser
	for _, r := range []struct {
		rt route
		h  []gin.HandlerFunc
	}{
		{route{op: "listAccounts", method: "GET", path: "/communities/:id/accounts", tag: "时间银行", summary: "社区的账户（本社区工作者）",
			description: "集体账户（单位卡、企业卡、院落集体卡）与社区自有账户（时间银行发行账户、社区公益账户）及余额；kind=resident 列居民账户。",
			auth:        true, req: new(AccountListQuery), resp: data[Page[CommunityAccountDTO]](), errors: []int{403, 404}},
			[]gin.HandlerFunc{auth, a.listAccounts}},
		{route{op: "createAccount", method: "POST", path: "/communities/:id/accounts", tag: "时间银行", summary: "开设集体账户（本社区工作者）",
			description: "同名 → 409；管理人须为本社区的居民或工作人员（400，字段 manager_ids）。",
			auth:        true, req: new(CreateAccountRequest), resp: data[CommunityAccountDTO](), status: 201, errors: []int{403, 404, 409}},
			[]gin.HandlerFunc{auth, a.createAccount}},
		{route{op: "updateAccount", method: "PATCH", path: "/accounts/:id", tag: "时间银行", summary: "修改集体账户（本社区工作者）",
			description: "改名或整体替换管理人；只能修改集体账户（409）；名称未通过内容安全检查 → 422。", auth: true, req: new(UpdateAccountRequest),
			resp: data[CommunityAccountDTO](), errors: []int{403, 404, 409, 422}},
			[]gin.HandlerFunc{auth, a.updateAccount}},
		{route{op: "accountLedger", method: "GET", path: "/accounts/:id/ledger", tag: "时间银行", summary: "账户存折（工作者；集体账户管理人）",
			description: "本社区工作者可看任一账户，集体账户的管理人可看该账户，居民可看自己的账户。倒序分页。",
			auth:        true, req: new(AccountLedgerQuery), resp: data[Page[LedgerLineDTO]](), errors: []int{403, 404}},
			[]gin.HandlerFunc{auth, a.accountLedger}},
		{route{op: "communityServiceRecords", method: "GET", path: "/communities/:id/service-records", tag: "时间银行", summary: "社区的志愿服务记录（本社区工作者）",
			description: "按人（user_id）或按月（month=YYYY-MM）查询，供开具志愿服务证明；倒序分页。",
			auth:        true, req: new(RecordListQuery), resp: data[Page[ServiceRecordDTO]](), errors: []int{403, 404}},
			[]gin.HandlerFunc{auth, a.communityServiceRecords}},
	} {
		if err := a.handle(a.v1, r.rt, r.h...); err != nil {
			return err
		}
	}
	return nil
}

func (a *API) listAccounts(c *gin.Context) {
	var q AccountListQuery
	cid, err := pathID(c, "id")
	if err == nil {
		err = a.bind.Query(c, &q)
	}
	var after uint64
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
	kinds := map[string][]string{"collective": {"collective"}, "system": {"issuing", "spending"}, "resident": {"resident"}}[q.Kind]
	list, more, err := a.deps.TimeBank.ListAccounts(c.Request.Context(), p, cid, kinds, after, q.Size())
	if err != nil {
		fail(c, a.log, err)
		return
	}
	page := Page[CommunityAccountDTO]{Items: make([]CommunityAccountDTO, len(list))}
	for i, v := range list {
		page.Items[i] = communityAccountDTO(v)
	}
	if more {
		page.NextCursor = idCursor(list[len(list)-1].ID)
	}
	ok(c, http.StatusOK, page)
}

func (a *API) createAccount(c *gin.Context) {
	cid, allowed := a.communityAction(c, service.ActTimeBankManage)
	if !allowed {
		return
	}
	var req CreateAccountRequest
	err := a.bind.JSON(c, &req)
	var p *service.Principal
	if err == nil {
		p, err = a.principal(c)
	}
	if err != nil {
		fail(c, a.log, err)
		return
	}
	v, err := a.deps.TimeBank.CreateCollective(c.Request.Context(), p, cid, service.CollectiveInput{
		Name: strings.TrimSpace(req.Name), Card: req.Card, ManagerIDs: Uint64s(req.ManagerIDs)})
	if err != nil {
		fail(c, a.log, err)
		return
	}
	ok(c, http.StatusCreated, communityAccountDTO(*v))
}

func (a *API) updateAccount(c *gin.Context) {
	id, err := pathID(c, "id")
	var req UpdateAccountRequest
	if err == nil {
		err = a.bind.JSON(c, &req)
	}
	var p *service.Principal
	if err == nil {
		p, err = a.principal(c)
	}
	if err != nil {
		fail(c, a.log, err)
		return
	}
	in := service.CollectivePatch{Name: req.Name}
	if req.ManagerIDs != nil {
		ids := Uint64s(*req.ManagerIDs)
		in.ManagerIDs = &ids
	}
	v, err := a.deps.TimeBank.UpdateCollective(c.Request.Context(), p, id, in)
	if err != nil {
		fail(c, a.log, err)
		return
	}
	ok(c, http.StatusOK, communityAccountDTO(*v))
}

func (a *API) accountLedger(c *gin.Context) {
	id, err := pathID(c, "id")
	var q AccountLedgerQuery
	if err == nil {
		err = a.bind.Query(c, &q)
	}
	var before uint64
	if err == nil {
		before, err = cursorID(q.Cursor)
	}
	var p *service.Principal
	if err == nil {
		p, err = a.principal(c)
	}
	if err != nil {
		fail(c, a.log, err)
		return
	}
	lines, more, err := a.deps.TimeBank.AccountPassbook(c.Request.Context(), p, id, before, q.Size())
	if err != nil {
		fail(c, a.log, err)
		return
	}
	ok(c, http.StatusOK, ledgerPage(lines, more))
}

func (a *API) communityServiceRecords(c *gin.Context) {
	var q RecordListQuery
	cid, err := pathID(c, "id")
	if err == nil {
		err = a.bind.Query(c, &q)
	}
	var uid, before uint64
	if err == nil {
		uid, err = queryID("user_id", q.UserID)
	}
	if err == nil {
		before, err = cursorID(q.Cursor)
	}
	var p *service.Principal
	if err == nil {
		p, err = a.principal(c)
	}
	if err != nil {
		fail(c, a.log, err)
		return
	}
	list, more, err := a.deps.TimeBank.CommunityServiceRecords(c.Request.Context(), p, service.RecordQuery{
		CommunityID: cid, UserID: uid, Month: q.Month, Before: before, Limit: q.Size()})
	if err != nil {
		fail(c, a.log, err)
		return
	}
	ok(c, http.StatusOK, recordPage(list, more))
}

func communityAccountDTO(v service.AccountView) CommunityAccountDTO {
	out := CommunityAccountDTO{ID: ID(v.ID), Kind: v.Kind, Card: v.Card, Name: v.DisplayName,
		Balance: service.Points(v.Balance).String(), ManagerIDs: IDs(v.ManagerIDs), CreatedAt: Time(v.CreatedAt)}
	if v.UserID != 0 {
		id := ID(v.UserID)
		out.UserID = &id
	}
	return out
}
