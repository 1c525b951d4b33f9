package api

import (
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"linli/model"
	"linli/service"
)

// RewardDTO is a reward of the 爱心超市.
type RewardDTO struct {
	ID             ID         `json:"id"`
	CommunityID    ID         `json:"community_id"`
	Name           string     `json:"name" example:"书法课一节"`
	Description    string     `json:"description"`
	Kind           string     `json:"kind" enum:"course,merchant,service,honour" description:"course 课程；merchant 商户服务；service 志愿服务；honour 荣誉"`
	MerchantName   string     `json:"merchant_name"`
	MerchantUserID *ID        `json:"merchant_user_id,omitempty" description:"可核销兑换券的商户用户"`
	Price          string     `json:"price" example:"5.00" description:"所需积分"`
	Stock          int        `json:"stock" description:"剩余数量"`
	PerPersonLimit int        `json:"per_person_limit" description:"每人最多持有的有效兑换券数；0 不限"`
	StartsAt       *time.Time `json:"starts_at"`
	EndsAt         *time.Time `json:"ends_at"`
	Active         bool       `json:"active"`
	Available      bool       `json:"available" description:"此刻可兑换：已上架、在兑换期内且有库存"`
	CreatedAt      time.Time  `json:"created_at"`
}

// RewardListQuery pages through a community's rewards.
type RewardListQuery struct {
	CommunityPath
	All bool `query:"all" description:"true：含已下架的（本社区工作者）" label:"包含全部"`
	PageQuery
}

// RewardBody is a reward's fields in a request: all of them on create (name, kind and price
// required), the ones to change on PATCH (absent fields stay).
type RewardBody struct {
	Name           *string    `json:"name" validate:"omitempty,min=1,max=64" description:"名称（创建时必填）" label:"名称"`
	Description    *string    `json:"description" validate:"omitempty,max=500" label:"描述"`
	Kind           *string    `json:"kind" validate:"omitempty,oneof=course merchant service honour" description:"类型（创建时必填）" label:"类型"`
	MerchantName   *string    `json:"merchant_name" validate:"omitempty,max=64" label:"商家名称"`
	MerchantUserID *ID        `json:"merchant_user_id" description:"可核销的商户用户；\"0\" 表示去掉" label:"商家"`
	Price          *string    `json:"price" validate:"omitempty,max=12" example:"5.00" description:"所需积分（创建时必填），最多两位小数" label:"所需积分"`
	Stock          *int       `json:"stock" validate:"omitempty,min=0,max=1000000" description:"剩余数量（修改时为新的剩余数量）" label:"库存"`
	PerPersonLimit *int       `json:"per_person_limit" validate:"omitempty,min=0,max=1000" description:"每人限兑；0 不限" label:"每人限兑"`
	StartsAt       *time.Time `json:"starts_at" description:"开始兑换时间（可选）" label:"开始时间"`
	EndsAt         *time.Time `json:"ends_at" description:"结束兑换时间（可选）" label:"结束时间"`
	ClearWindow    bool       `json:"clear_window" description:"true：取消兑换期限制（修改时）" label:"清除时段"`
	Active         *bool      `json:"active" description:"是否上架（创建时默认上架）" label:"启用"`
}

// CreateRewardRequest puts a reward on the shelf of the community of the path.
type CreateRewardRequest struct {
	CommunityPath
	RewardBody
}

// UpdateRewardRequest changes a reward.
type UpdateRewardRequest struct {
	ID ID `path:"id" json:"-"`
	RewardBody
}

// RedemptionDTO is a voucher.
type RedemptionDTO struct {
	ID           ID         `json:"id"`
	RedemptionID ID         `json:"redemption_id" description:"同 id"`
	VoucherCode  string     `json:"voucher_code" example:"K7Q2M9XPLA" description:"兑换券码，出示给工作人员或商户核销"`
	Reward       RewardRef  `json:"reward"`
	User         PersonDTO  `json:"user"`
	Price        string     `json:"price" example:"5.00"`
	Status       string     `json:"status" enum:"issued,used,cancelled" description:"issued 待使用；used 已核销；cancelled 已取消（积分已退回）"`
	CreatedAt    time.Time  `json:"created_at"`
	UsedAt       *time.Time `json:"used_at"`
	CancelledAt  *time.Time `json:"cancelled_at"`
}

// RewardRef names the reward of a voucher.
type RewardRef struct {
	ID           ID     `json:"id"`
	Name         string `json:"name"`
	Kind         string `json:"kind"`
	MerchantName string `json:"merchant_name"`
}

// RedemptionListQuery pages through the own vouchers.
type RedemptionListQuery struct {
	Status string `query:"status" validate:"omitempty,oneof=issued used cancelled" label:"状态"`
	PageQuery
}

// VerifyRequest verifies (核销) a voucher.
type VerifyRequest struct {
	VoucherCode string `json:"voucher_code" validate:"required,max=32" description:"兑换券码（不区分大小写，可含空格或短横线）" label:"兑换码"`
}

// RedemptionPath names a redemption.
type RedemptionPath struct {
	ID ID `path:"id" json:"-"`
}

func (a *API) rewardRoutes() error {
	auth := a.requireUser
	for _, r := range []struct {
		rt route
		h  []gin.HandlerFunc
	}{
		{route{op: "listRewards", method: "GET", path: "/communities/:id/rewards", tag: "爱心超市", summary: "奖励目录",
			description: "本社区的居民与工作人员可看已上架的奖励；all=true（工作者）含已下架。", auth: true,
			req: new(RewardListQuery), resp: data[Page[RewardDTO]](), errors: []int{403, 404}},
			[]gin.HandlerFunc{auth, a.listRewards}},
		{route{op: "createReward", method: "POST", path: "/communities/:id/rewards", tag: "爱心超市", summary: "上架奖励（本社区工作者）",
			description: "name、kind、price 必填。" + pointsDoc + "。", auth: true, req: new(CreateRewardRequest),
			resp: data[RewardDTO](), status: 201, errors: []int{403, 404}},
			[]gin.HandlerFunc{auth, a.createReward}},
		{route{op: "updateReward", method: "PATCH", path: "/rewards/:id", tag: "爱心超市", summary: "修改奖励（本社区工作者）",
			description: "只改提供的字段；stock 为新的剩余数量；名称或说明未通过内容安全检查 → 422。", auth: true, req: new(UpdateRewardRequest),
			resp: data[RewardDTO](), errors: []int{403, 404, 422}},
			[]gin.HandlerFunc{auth, a.updateReward}},
		{route{op: "redeemReward", method: "POST", path: "/rewards/:id/redeem", tag: "爱心超市", summary: "兑换奖励（本社区认证居民）",
			description: "在一个事务里检查兑换期、每人限兑、库存与余额，扣减库存与积分并发放唯一的兑换券码；" +
				"已兑完、超出限兑、余额不足或不在兑换期 → 409，不写入任何记录。", auth: true, req: new(RedemptionPath),
			resp: data[RedemptionDTO](), status: 201, errors: []int{403, 404, 409, 429}},
			[]gin.HandlerFunc{auth, a.rateRedeem(), a.redeem}},
		{route{op: "myRedemptions", method: "GET", path: "/me/redemptions", tag: "爱心超市", summary: "我的兑换券",
			description: "倒序分页；status 可筛选。", auth: true, req: new(RedemptionListQuery), resp: data[Page[RedemptionDTO]]()},
			[]gin.HandlerFunc{auth, a.myRedemptions}},
		{route{op: "verifyVoucher", method: "POST", path: "/redemptions/verify", tag: "爱心超市", summary: "核销兑换券（工作者或该奖励的商户）",
			description: "每张券只能核销一次（再次核销或已取消 → 409）；券码不存在 → 404。", auth: true,
			req: new(VerifyRequest), resp: data[RedemptionDTO](), errors: []int{403, 404, 409}},
			[]gin.HandlerFunc{auth, a.verifyVoucher}},
		{route{op: "cancelVoucher", method: "POST", path: "/redemptions/:id/cancel", tag: "爱心超市", summary: "取消兑换券（本人或工作者）",
			description: "使用前可取消：积分以反向记账退回，库存加回；已核销或已取消 → 409。", auth: true,
			req: new(RedemptionPath), resp: data[RedemptionDTO](), errors: []int{403, 404, 409, 429}},
			[]gin.HandlerFunc{auth, a.rateVoucherCancel(), a.cancelVoucher}},
	} {
		if err := a.handle(a.v1, r.rt, r.h...); err != nil {
			return err
		}
	}
	return nil
}

func (a *API) listRewards(c *gin.Context) {
	var q RewardListQuery
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
	list, more, err := a.deps.Rewards.ListRewards(c.Request.Context(), p, cid, q.All, after, q.Size())
	if err != nil {
		fail(c, a.log, err)
		return
	}
	now := a.deps.Clock.Now()
	page := Page[RewardDTO]{Items: make([]RewardDTO, len(list))}
	for i := range list {
		page.Items[i] = rewardDTO(&list[i], now)
	}
	if more {
		page.NextCursor = idCursor(list[len(list)-1].ID)
	}
	ok(c, http.StatusOK, page)
}

// rewardInput converts a request; create requires name, kind and price.
func rewardInput(req *RewardBody, create bool) (service.RewardInput, error) {
	if create {
		for field, missing := range map[string]bool{"name": req.Name == nil, "kind": req.Kind == nil, "price": req.Price == nil} {
			if missing {
				return service.RewardInput{}, service.Invalid(field, field+"为必填字段")
			}
		}
	}
	in := service.RewardInput{Name: req.Name, Description: req.Description, Kind: req.Kind, MerchantName: req.MerchantName,
		Stock: req.Stock, PerPersonLimit: req.PerPersonLimit, StartsAt: req.StartsAt, EndsAt: req.EndsAt,
		ClearWindow: req.ClearWindow, Active: req.Active}
	if req.Name != nil {
		name := strings.TrimSpace(*req.Name)
		if name == "" {
			return in, service.Invalid("name", "name不能为空")
		}
		in.Name = &name
	}
	if req.MerchantUserID != nil {
		v := uint64(*req.MerchantUserID)
		in.MerchantUserID = &v
	}
	if req.Price != nil {
		p, err := service.ParsePoints(*req.Price)
		if err != nil {
			return in, service.Invalid("price", "price 应为最多两位小数的数字字符串，如 \"5.00\"")
		}
		in.Price = &p
	}
	return in, nil
}

func (a *API) createReward(c *gin.Context) {
	cid, allowed := a.communityAction(c, service.ActTimeBankManage)
	if !allowed {
		return
	}
	var req CreateRewardRequest
	err := a.bind.JSON(c, &req)
	var in service.RewardInput
	if err == nil {
		in, err = rewardInput(&req.RewardBody, true)
	}
	var p *service.Principal
	if err == nil {
		p, err = a.principal(c)
	}
	if err != nil {
		fail(c, a.log, err)
		return
	}
	r, err := a.deps.Rewards.CreateReward(c.Request.Context(), p, cid, in)
	if err != nil {
		fail(c, a.log, err)
		return
	}
	ok(c, http.StatusCreated, rewardDTO(r, a.deps.Clock.Now()))
}

func (a *API) updateReward(c *gin.Context) {
	id, err := pathID(c, "id")
	var req UpdateRewardRequest
	if err == nil {
		err = a.bind.JSON(c, &req)
	}
	var in service.RewardInput
	if err == nil {
		in, err = rewardInput(&req.RewardBody, false)
	}
	var p *service.Principal
	if err == nil {
		p, err = a.principal(c)
	}
	if err != nil {
		fail(c, a.log, err)
		return
	}
	r, err := a.deps.Rewards.UpdateReward(c.Request.Context(), p, id, in)
	if err != nil {
		fail(c, a.log, err)
		return
	}
	ok(c, http.StatusOK, rewardDTO(r, a.deps.Clock.Now()))
}

func (a *API) redeem(c *gin.Context) {
	id, err := pathID(c, "id")
	var p *service.Principal
	if err == nil {
		p, err = a.principal(c)
	}
	if err != nil {
		fail(c, a.log, err)
		return
	}
	d, err := a.deps.Rewards.Redeem(c.Request.Context(), p, id)
	if err != nil {
		fail(c, a.log, err)
		return
	}
	ok(c, http.StatusCreated, redemptionDTO(d))
}

func (a *API) myRedemptions(c *gin.Context) {
	var q RedemptionListQuery
	err := a.bind.Query(c, &q)
	var before uint64
	if err == nil {
		before, err = cursorID(q.Cursor)
	}
	if err != nil {
		fail(c, a.log, err)
		return
	}
	list, more, err := a.deps.Rewards.MyRedemptions(c.Request.Context(), userID(c), q.Status, before, q.Size())
	if err != nil {
		fail(c, a.log, err)
		return
	}
	page := Page[RedemptionDTO]{Items: make([]RedemptionDTO, len(list))}
	for i := range list {
		page.Items[i] = redemptionDTO(&list[i])
	}
	if more {
		page.NextCursor = idCursor(list[len(list)-1].ID)
	}
	ok(c, http.StatusOK, page)
}

func (a *API) verifyVoucher(c *gin.Context) {
	var req VerifyRequest
	err := a.bind.JSON(c, &req)
	var p *service.Principal
	if err == nil {
		p, err = a.principal(c)
	}
	if err != nil {
		fail(c, a.log, err)
		return
	}
	d, err := a.deps.Rewards.Verify(c.Request.Context(), p, req.VoucherCode)
	if err != nil {
		fail(c, a.log, err)
		return
	}
	ok(c, http.StatusOK, redemptionDTO(d))
}

func (a *API) cancelVoucher(c *gin.Context) {
	id, err := pathID(c, "id")
	var p *service.Principal
	if err == nil {
		p, err = a.principal(c)
	}
	if err != nil {
		fail(c, a.log, err)
		return
	}
	d, err := a.deps.Rewards.Cancel(c.Request.Context(), p, id)
	if err != nil {
		fail(c, a.log, err)
		return
	}
	ok(c, http.StatusOK, redemptionDTO(d))
}

func redemptionDTO(d *model.RedemptionView) RedemptionDTO {
	return RedemptionDTO{ID: ID(d.ID), RedemptionID: ID(d.ID), VoucherCode: d.Code,
		Reward: RewardRef{ID: ID(d.RewardID), Name: d.RewardName, Kind: d.RewardKind, MerchantName: d.MerchantName},
		User:   PersonDTO{ID: ID(d.UserID), Nickname: d.UserNickname}, Price: service.Points(d.Price).String(), Status: d.Status,
		CreatedAt: Time(d.CreatedAt), UsedAt: TimePtr(d.UsedAt), CancelledAt: TimePtr(d.CancelledAt)}
}

func rewardDTO(r *model.Reward, now time.Time) RewardDTO {
	out := RewardDTO{ID: ID(r.ID), CommunityID: ID(r.CommunityID), Name: r.Name, Description: r.Description, Kind: r.Kind,
		MerchantName: r.MerchantName, MerchantUserID: idPtr(r.MerchantUserID), Price: service.Points(r.Price).String(),
		Stock: r.Stock, PerPersonLimit: r.PerPersonLimit, StartsAt: TimePtr(r.StartsAt), EndsAt: TimePtr(r.EndsAt),
		Active: r.Active, Available: service.RewardAvailable(r, now), CreatedAt: Time(r.CreatedAt)}
	return out
}
