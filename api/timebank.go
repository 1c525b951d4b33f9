package api

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"linli/config"
	"linli/model"
	"linli/service"
)

// Points in the API are decimal strings with two places ("2.50"): the ledger stores exact
// integers in hundredths of a point, never floats.
const pointsDoc = "积分，两位小数的十进制字符串（如 \"2.50\"）；账本以百分之一积分为单位精确存储"

// MyCommunityQuery names the community of a "me" request (optional when the user belongs to one).
type MyCommunityQuery struct {
	CommunityID string `query:"community_id" validate:"omitempty,number,max=20" description:"社区 ID；只属于一个社区时可省略" label:"社区"`
}

// MyLedgerQuery pages through the own passbook.
type MyLedgerQuery struct {
	MyCommunityQuery
	PageQuery
}

// AccountDTO is the own account in one community (GET /me/account).
type AccountDTO struct {
	CommunityID ID     `json:"community_id"`
	AccountID   *ID    `json:"account_id" description:"首次入账或转入前为 null"`
	Balance     string `json:"balance" example:"12.50" description:"余额（积分）"`
	Minutes     int64  `json:"minutes" description:"累计服务时长（分钟，已扣除更正）"`
	Hours       string `json:"hours" example:"3.25" description:"累计服务时长（小时，两位小数）：每条服务记录先四舍五入到 0.01 小时再相加，与积分的舍入规则相同，因此等于各条记录 hours 之和"`
	Earned      string `json:"earned" example:"20.00" description:"服务累计获得的积分（含因余额上限转入社区的部分）"`
	Spent       string `json:"spent" example:"5.00" description:"兑换奖励花费的积分（已扣除取消退还）"`
	Received    string `json:"received" example:"0.00" description:"收到的转赠"`
	Given       string `json:"given" example:"2.50" description:"转出的积分"`
	Cap         string `json:"cap" example:"1500.00" description:"余额上限；\"0.00\" 表示不设上限"`
}

// AccountRefDTO names an account: a resident's nickname, a collective account's name, or the
// community's own accounts.
type AccountRefDTO struct {
	ID     ID     `json:"id"`
	Kind   string `json:"kind" enum:"resident,collective,issuing,spending" description:"resident 居民账户；collective 集体账户；issuing 时间银行（发行）；spending 社区公益账户"`
	Card   string `json:"card,omitempty" enum:"unit,enterprise,courtyard" description:"集体账户类型：unit 单位卡、enterprise 企业卡、courtyard 院落集体卡"`
	Name   string `json:"name"`
	UserID *ID    `json:"user_id,omitempty" description:"居民账户的用户"`
}

// LedgerLineDTO is one line of a passbook (存折).
type LedgerLineDTO struct {
	ID           ID            `json:"id"`
	PostingID    ID            `json:"posting_id"`
	Date         time.Time     `json:"date"`
	Kind         string        `json:"kind" enum:"credit,transfer,redeem,refund,reversal" description:"credit 服务入账；transfer 转赠；redeem 兑换；refund 取消兑换退还；reversal 更正（冲正）"`
	Counterparty AccountRefDTO `json:"counterparty"`
	Amount       string        `json:"amount" example:"-2.50" description:"本账户的变动，转入为正、转出为负"`
	BalanceAfter string        `json:"balance_after" example:"10.00"`
	Memo         string        `json:"memo" description:"附言；待内容安全审核的附言只有转出方与社区工作者可见，收款方为空"`
	MemoHeld     bool          `json:"memo_held" description:"附言待内容安全审核"`
	ReversesID   *ID           `json:"reverses_id,omitempty" description:"冲正所更正的记账记录"`
}

// ServiceRecordDTO is one confirmed volunteer service (志愿服务记录): what a certificate needs.
type ServiceRecordDTO struct {
	ID          ID         `json:"id"`
	CommunityID ID         `json:"community_id"`
	Volunteer   PersonDTO  `json:"volunteer"`
	Content     string     `json:"content" description:"服务内容"`
	Place       string     `json:"place"`
	ServedAt    time.Time  `json:"served_at"`
	Date        string     `json:"date" example:"2024-05-03" description:"服务日期（北京时间）"`
	Minutes     int        `json:"minutes" description:"实际服务时长（分钟，不含路途）"`
	Hours       string     `json:"hours" example:"1.50"`
	Points      string     `json:"points" example:"1.50" description:"按分钟 × 每小时积分 / 60 计算，四舍五入到 0.01"`
	Organiser   PersonDTO  `json:"organiser"`
	Confirmer   PersonDTO  `json:"confirmer" description:"确认人；匿名报事的报事人确认时，对志愿者显示为 id \"0\"、昵称“匿名”"`
	Source      string     `json:"source" enum:"dispatch,activity" description:"dispatch 派单服务；activity 志愿活动"`
	SourceID    ID         `json:"source_id"`
	CreditedAt  *time.Time `json:"credited_at" description:"时间银行入账时间；尚未入账为 null（通常数秒内入账）"`
}

// TransferRequest moves points.
type TransferRequest struct {
	CommunityID   ID     `json:"community_id" description:"社区；可由账户推断或只属于一个社区时可省略" label:"社区"`
	FromAccountID ID     `json:"from_account_id" description:"转出的集体账户（工作人员或该账户管理人）；省略则从本人账户转出" label:"转出账户"`
	ToAccountID   ID     `json:"to_account_id" description:"收款的集体账户或社区公益账户（捐赠）；与 to_user_id 二选一" label:"转入账户"`
	ToUserID      ID     `json:"to_user_id" description:"收款的本社区认证居民（如家人）；与 to_account_id 二选一" label:"转入用户"`
	Points        string `json:"points" validate:"required,max=12" example:"2.50" description:"转赠积分，大于 0，最多两位小数" label:"积分"`
	Memo          string `json:"memo" validate:"max=100" description:"附言" label:"备注"`
}

// TransferDTO is a completed transfer.
type TransferDTO struct {
	PostingID    ID            `json:"posting_id"`
	From         AccountRefDTO `json:"from"`
	To           AccountRefDTO `json:"to"`
	Points       string        `json:"points" example:"2.50"`
	BalanceAfter string        `json:"balance_after" description:"转出账户转账后的余额"`
	Memo         string        `json:"memo"`
	MemoHeld     bool          `json:"memo_held" description:"附言待内容安全审核：暂不显示给收款方"`
	CreatedAt    time.Time     `json:"created_at"`
}

// ReverseRequest corrects a posting.
type ReverseRequest struct {
	ID     ID     `path:"id" json:"-" description:"要更正的记账记录（posting_id）"`
	Reason string `json:"reason" validate:"required,max=200" description:"更正原因（记入存折）" label:"原因"`
}

// PostingDTO is a posting (记账记录) made by a correction.
type PostingDTO struct {
	ID         ID        `json:"id"`
	Kind       string    `json:"kind"`
	ReversesID *ID       `json:"reverses_id,omitempty"`
	Memo       string    `json:"memo"`
	Points     string    `json:"points" description:"服务积分的变动（服务入账的更正为负）"`
	Minutes    int       `json:"minutes" description:"服务时长的变动（分钟）"`
	CreatedAt  time.Time `json:"created_at"`
}

func (a *API) timeBankRoutes() error {
	auth := a.requireUser
	for _, r := range []struct {
		rt route
		h  []gin.HandlerFunc
	}{
		{route{op: "myAccount", method: "GET", path: "/me/account", tag: "时间银行", summary: "我的时间银行账户",
			description: "余额、累计服务时长、获得与花费的积分。" + pointsDoc + "。刚确认的服务会先入账再返回。",
			auth:        true, req: new(MyCommunityQuery), resp: data[AccountDTO](), errors: []int{404}},
			[]gin.HandlerFunc{auth, a.myAccount}},
		{route{op: "myLedger", method: "GET", path: "/me/ledger", tag: "时间银行", summary: "我的存折",
			description: "每笔变动：日期、类型、对方、金额、变动后余额、附言；按时间倒序分页。",
			auth:        true, req: new(MyLedgerQuery), resp: data[Page[LedgerLineDTO]](), errors: []int{404}},
			[]gin.HandlerFunc{auth, a.myLedger}},
		{route{op: "myServiceRecords", method: "GET", path: "/me/service-records", tag: "时间银行", summary: "我的志愿服务记录",
			description: "每次确认的服务：姓名、服务内容、日期、地点、实际时长、组织者、确认人、来源——开具志愿服务证明所需。倒序分页。",
			auth:        true, req: new(PageQuery), resp: data[Page[ServiceRecordDTO]]()},
			[]gin.HandlerFunc{auth, a.myServiceRecords}},
		{route{op: "createTransfer", method: "POST", path: "/transfers", tag: "时间银行", summary: "转赠积分",
			description: "居民转给本社区的其他居民（家人），或捐赠给集体账户、社区公益账户；工作人员与管理人可从集体账户转出。" +
				"集体账户只能捐赠（社区规定）→ 422；对方余额将超过上限 → 422；余额不足 → 409，不写入任何记录。",
			auth: true, req: new(TransferRequest), resp: data[TransferDTO](), status: 201, errors: []int{403, 404, 409, 422, 429}},
			[]gin.HandlerFunc{auth, a.rate(config.ActionTransfer), a.transfer}},
		{route{op: "reversePosting", method: "POST", path: "/postings/:id/reverse", tag: "时间银行", summary: "更正（冲正）一笔记录（本社区工作者）",
			description: "对服务入账或转赠做反向记账，原记录不修改；每笔只能更正一次（409），余额不足以退回 → 409。兑换请取消兑换券。",
			auth:        true, req: new(ReverseRequest), resp: data[PostingDTO](), status: 201, errors: []int{403, 404, 409, 429}},
			[]gin.HandlerFunc{auth, a.rate(config.ActionTransfer), a.reversePosting}},
	} {
		if err := a.handle(a.v1, r.rt, r.h...); err != nil {
			return err
		}
	}
	return a.accountRoutes()
}

// myCommunity reads community_id and decides the community of a "me" request.
func (a *API) myCommunity(c *gin.Context, raw string) (uint64, bool) {
	cid, err := queryID("community_id", raw)
	var p *service.Principal
	if err == nil {
		p, err = a.principal(c)
	}
	if err == nil {
		cid, err = a.deps.TimeBank.MyCommunity(c.Request.Context(), p, cid)
	}
	if err != nil {
		fail(c, a.log, err)
		return 0, false
	}
	return cid, true
}

func (a *API) myAccount(c *gin.Context) {
	var q MyCommunityQuery
	if err := a.bind.Query(c, &q); err != nil {
		fail(c, a.log, err)
		return
	}
	cid, allowed := a.myCommunity(c, q.CommunityID)
	if !allowed {
		return
	}
	s, err := a.deps.TimeBank.Summary(c.Request.Context(), userID(c), cid)
	if err != nil {
		fail(c, a.log, err)
		return
	}
	out := AccountDTO{CommunityID: ID(s.CommunityID), Balance: s.Balance.String(), Minutes: s.Minutes,
		Hours: service.HundredthsString(s.HourHundredths), Earned: s.Earned.String(), Spent: s.Spent.String(),
		Received: s.Received.String(), Given: s.Given.String(), Cap: s.Cap.String()}
	if s.AccountID != nil {
		id := ID(*s.AccountID)
		out.AccountID = &id
	}
	ok(c, http.StatusOK, out)
}

func (a *API) myLedger(c *gin.Context) {
	var q MyLedgerQuery
	err := a.bind.Query(c, &q)
	var before uint64
	if err == nil {
		before, err = cursorID(q.Cursor)
	}
	if err != nil {
		fail(c, a.log, err)
		return
	}
	cid, allowed := a.myCommunity(c, q.CommunityID)
	if !allowed {
		return
	}
	lines, more, err := a.deps.TimeBank.Passbook(c.Request.Context(), userID(c), cid, before, q.Size())
	if err != nil {
		fail(c, a.log, err)
		return
	}
	ok(c, http.StatusOK, ledgerPage(lines, more))
}

func ledgerPage(lines []service.PassbookLine, more bool) Page[LedgerLineDTO] {
	page := Page[LedgerLineDTO]{Items: make([]LedgerLineDTO, len(lines))}
	for i, l := range lines {
		page.Items[i] = LedgerLineDTO{ID: ID(l.ID), PostingID: ID(l.PostingID), Date: Time(l.CreatedAt), Kind: l.Kind,
			Counterparty: accountRef(l.Counterparty), Amount: service.Points(l.Amount).String(),
			BalanceAfter: service.Points(l.BalanceAfter).String(), Memo: l.Memo, MemoHeld: l.MemoHeld, ReversesID: idPtr(l.ReversesID)}
	}
	if more {
		page.NextCursor = idCursor(lines[len(lines)-1].ID)
	}
	return page
}

func (a *API) myServiceRecords(c *gin.Context) {
	var q PageQuery
	err := a.bind.Query(c, &q)
	var before uint64
	if err == nil {
		before, err = cursorID(q.Cursor)
	}
	if err != nil {
		fail(c, a.log, err)
		return
	}
	list, more, err := a.deps.TimeBank.MyServiceRecords(c.Request.Context(), userID(c), before, q.Size())
	if err != nil {
		fail(c, a.log, err)
		return
	}
	ok(c, http.StatusOK, recordPage(list, more))
}

func recordPage(list []service.ServiceRecordView, more bool) Page[ServiceRecordDTO] {
	page := Page[ServiceRecordDTO]{Items: make([]ServiceRecordDTO, len(list))}
	for i, r := range list {
		person := func(u model.User, id uint64) PersonDTO { return PersonDTO{ID: ID(id), Nickname: u.Nickname} }
		page.Items[i] = ServiceRecordDTO{ID: ID(r.ID), CommunityID: ID(r.CommunityID), Volunteer: person(r.Volunteer, r.UserID),
			Content: r.Content, Place: r.Place, ServedAt: Time(r.ServedAt), Date: Time(r.ServedAt).Format("2006-01-02"),
			Minutes: r.Minutes, Hours: service.HoursString(int64(r.Minutes)), Points: r.Points.String(),
			Organiser: person(r.Organiser, r.OrganiserID), Confirmer: person(r.Confirmer, r.ConfirmerID),
			Source: r.SourceKind, SourceID: ID(r.SourceID), CreditedAt: TimePtr(r.CreditedAt)}
		if r.ConfirmerHidden {
			page.Items[i].Confirmer = PersonDTO{Nickname: service.AnonymousName}
		}
	}
	if more {
		page.NextCursor = idCursor(list[len(list)-1].ID)
	}
	return page
}

func (a *API) transfer(c *gin.Context) {
	var req TransferRequest
	if err := a.bind.JSON(c, &req); err != nil {
		fail(c, a.log, err)
		return
	}
	pts, err := service.ParsePoints(req.Points)
	if err != nil {
		fail(c, a.log, service.Invalid("points", "points 应为大于 0、最多两位小数的数字字符串，如 \"2.50\""))
		return
	}
	p, err := a.principal(c)
	if err != nil {
		fail(c, a.log, err)
		return
	}
	res, err := a.deps.TimeBank.Transfer(c.Request.Context(), p, service.TransferInput{CommunityID: uint64(req.CommunityID),
		FromAccountID: uint64(req.FromAccountID), ToAccountID: uint64(req.ToAccountID), ToUserID: uint64(req.ToUserID),
		Points: pts, Memo: req.Memo})
	if err != nil {
		fail(c, a.log, err)
		return
	}
	ok(c, http.StatusCreated, TransferDTO{PostingID: ID(res.Posting.ID), From: accountRef(res.From), To: accountRef(res.To),
		Points: pts.String(), BalanceAfter: res.BalanceAfter.String(), Memo: res.Posting.Memo, MemoHeld: res.Posting.MemoHeld,
		CreatedAt: Time(res.Posting.CreatedAt)})
}

func (a *API) reversePosting(c *gin.Context) {
	id, err := pathID(c, "id")
	var req ReverseRequest
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
	rev, err := a.deps.TimeBank.Reverse(c.Request.Context(), p, id, req.Reason)
	if err != nil {
		fail(c, a.log, err)
		return
	}
	ok(c, http.StatusCreated, PostingDTO{ID: ID(rev.ID), Kind: rev.Kind, ReversesID: idPtr(rev.ReversesID), Memo: rev.Memo,
		Points: service.Points(rev.Points).String(), Minutes: rev.Minutes, CreatedAt: Time(rev.CreatedAt)})
}

func accountRef(b service.AccountBrief) AccountRefDTO {
	out := AccountRefDTO{ID: ID(b.ID), Kind: b.Kind, Card: b.Card, Name: b.Name}
	if b.UserID != 0 {
		id := ID(b.UserID)
		out.UserID = &id
	}
	return out
}

func idPtr(v *uint64) *ID {
	if v == nil {
		return nil
	}
	id := ID(*v)
	return &id
}
