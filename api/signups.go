package api

import (
	"context"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"linli/model"
	"linli/service"
)

// SignupDTO is a sign-up.
type SignupDTO struct {
	ID          ID         `json:"id"`
	ActivityID  ID         `json:"activity_id"`
	Status      string     `json:"status" enum:"confirmed,waitlisted,cancelled"`
	Position    int        `json:"position" description:"候补位次（1 为下一位）；非候补为 0"`
	Attendance  string     `json:"attendance" enum:",attended,no_show" description:"出勤：空为未登记"`
	CheckinAt   *time.Time `json:"checkin_at,omitempty"`
	CheckoutAt  *time.Time `json:"checkout_at,omitempty"`
	Minutes     int        `json:"minutes" description:"活动时段内的服务分钟数"`
	Settled     bool       `json:"settled" description:"已结算为志愿服务记录，出勤不再可改"`
	CreatedAt   time.Time  `json:"created_at"`
	CancelledAt *time.Time `json:"cancelled_at,omitempty"`
}

// RosterEntryDTO is one volunteer on an activity's roster.
type RosterEntryDTO struct {
	SignupDTO
	User  PersonDTO `json:"user"`
	Phone string    `json:"phone" description:"社区工作者可见完整号码，其他组织者为脱敏号码"`
}

// CheckinCodeDTO is the payload of an activity's check-in code.
type CheckinCodeDTO struct {
	Token     string    `json:"token" description:"小程序码的 scene（≤32 字符），签到/签退时提交"`
	Page      string    `json:"page" example:"pages/activity/checkin"`
	ExpiresAt time.Time `json:"expires_at" description:"活动结束后 activities.checkout_grace 过期"`
}

// CheckinCodeQuery asks for the code's payload instead of the image.
type CheckinCodeQuery struct {
	ActivityPath
	Format string `query:"format" validate:"omitempty,oneof=jpeg json" description:"jpeg（默认，开发模式下无微信则总是 json）或 json" label:"格式"`
}

// TokenRequest carries the scanned check-in token.
type TokenRequest struct {
	ActivityPath
	Token string `json:"token" validate:"required,max=64" description:"扫描活动小程序码得到的 scene" label:"签到码"`
}

// AttendanceRequest records one volunteer's attendance.
type AttendanceRequest struct {
	ActivityPath
	UserID  ID     `json:"user_id" validate:"required" label:"用户"`
	Status  string `json:"status" validate:"required,oneof=attended no_show" label:"出勤"`
	Minutes int    `json:"minutes" validate:"min=0,max=10080" description:"attended 时必填：服务分钟数，不超过活动时长" label:"时长（分钟）"`
}

// SettlementDTO is the outcome of a settlement.
type SettlementDTO struct {
	Created   int       `json:"created" description:"本次新生成的志愿服务记录数（重复结算为 0）"`
	Records   int64     `json:"records" description:"该活动的志愿服务记录总数"`
	NoShows   int64     `json:"no_shows" description:"本次记为未到场的人数"`
	SettledAt time.Time `json:"settled_at"`
}

func (a *API) signupRoutes() error {
	auth := a.requireUser
	for _, r := range []struct {
		rt route
		h  gin.HandlerFunc
	}{
		{route{op: "signUp", method: "POST", path: "/activities/:id/signups", tag: "志愿活动", summary: "报名（活动范围内的认证居民）",
			description: "有名额则 confirmed，否则 waitlisted 并给出候补位次。名额在数据库内以行锁与条件更新保证，任何并发下都不会超额。" +
				"重复报名 → 409；与已确认参加的活动时间重叠 → 409 并指明该活动；不在报名时间内 → 409 并给出报名时间；近期多次未到场 → 409。",
			auth: true, req: new(ActivityPath), resp: data[SignupDTO](), status: 201, errors: []int{403, 404, 409}}, a.signUp},
		{route{op: "cancelSignup", method: "DELETE", path: "/activities/:id/signups/me", tag: "志愿活动", summary: "取消我的报名",
			description: "已确认者须在取消截止时间前（之后 → 409）；名额在同一事务内按顺序递补给第一位候补并通知。候补者在活动开始前可随时退出。",
			auth:        true, req: new(ActivityPath), resp: data[SignupDTO](), errors: []int{404, 409}}, a.cancelSignup},
		{route{op: "listSignups", method: "GET", path: "/activities/:id/signups", tag: "志愿活动", summary: "报名名单（组织者）",
			description: "确认参加者在前（按报名顺序），候补按位次在后；分页（limit 默认 20，最多 100），用上一页的 next_cursor 读下一页。" +
				"cursor 无效 → 400。", auth: true,
			req: new(RosterQuery), resp: data[Page[RosterEntryDTO]](), errors: []int{403, 404}}, a.h(a.roster)},
		{route{op: "checkinCode", method: "GET", path: "/activities/:id/checkin-code", tag: "志愿活动", summary: "签到小程序码（组织者）",
			description: "已发布活动的签到码：微信模式下返回 getwxacodeunlimit 生成的小程序码图片（Content-Type: image/jpeg，scene 为签名令牌）；" +
				"开发模式或 format=json 时返回令牌本身（如下）。令牌随活动过期（结束后 activities.checkout_grace）。",
			auth: true, req: new(CheckinCodeQuery), resp: data[CheckinCodeDTO](), errors: []int{403, 404, 409, 503}}, a.checkinCode},
		{route{op: "checkIn", method: "POST", path: "/activities/:id/checkin", tag: "志愿活动", summary: "签到（确认参加的志愿者，扫码）",
			description: "开始前 activities.checkin_early 起至结束可签到；重复签到保留首次时间。令牌无效、属于其他活动或已过期 → 403。",
			auth:        true, req: new(TokenRequest), resp: data[SignupDTO](), errors: []int{403, 404, 409}}, a.checkIn},
		{route{op: "checkOut", method: "POST", path: "/activities/:id/checkout", tag: "志愿活动", summary: "签退（扫码）",
			description: "记录服务时长：只计活动时段内的分钟数。令牌无效或已过期 → 403。", auth: true,
			req: new(TokenRequest), resp: data[SignupDTO](), errors: []int{403, 404, 409}}, a.checkOut},
		{route{op: "markAttendance", method: "POST", path: "/activities/:id/attendance", tag: "志愿活动", summary: "登记出勤（组织者）",
			description: "活动开始后，为确认参加者登记 attended（附分钟数，不超过活动时长）或 no_show；结算后不可改 → 409。", auth: true,
			req: new(AttendanceRequest), resp: data[SignupDTO](), errors: []int{403, 404, 409}}, a.markAttendance},
		{route{op: "settleActivity", method: "POST", path: "/activities/:id/settle", tag: "志愿活动", summary: "结算（组织者，活动结束后）",
			description: "每个已出勤的报名生成一条志愿服务记录（时长、积分规则），供时间银行入账；未签到且未登记者记为未到场。" +
				"幂等：重复或并发结算不会重复生成记录。", auth: true,
			req: new(ActivityPath), resp: data[SettlementDTO](), errors: []int{403, 404, 409}}, a.settle},
	} {
		h := []gin.HandlerFunc{auth, r.h}
		// A cancellation counts as a sign-up: it tells the first on the waiting list.
		if k := r.rt.method + " " + r.rt.path; k == "POST /activities/:id/signups" || k == "DELETE /activities/:id/signups/me" {
			h = []gin.HandlerFunc{auth, a.rateSignup(), r.h}
			r.rt.errors = append(r.rt.errors, 429)
		}
		if err := a.handle(a.v1, r.rt, h...); err != nil {
			return err
		}
	}
	return nil
}

// withActivity reads the activity id of the path and the principal.
func (a *API) withActivity(c *gin.Context) (*service.Principal, uint64, bool) {
	id, err := pathID(c, "id")
	var p *service.Principal
	if err == nil {
		p, err = a.principal(c)
	}
	if err != nil {
		fail(c, a.log, err)
		return nil, 0, false
	}
	return p, id, true
}

func (a *API) signUp(c *gin.Context) {
	p, id, good := a.withActivity(c)
	if !good {
		return
	}
	su, err := a.deps.Activities.SignUp(c.Request.Context(), p, id)
	if err != nil {
		fail(c, a.log, err)
		return
	}
	ok(c, http.StatusCreated, signupDTO(su))
}

func (a *API) cancelSignup(c *gin.Context) {
	p, id, good := a.withActivity(c)
	if !good {
		return
	}
	su, err := a.deps.Activities.CancelSignup(c.Request.Context(), p, id)
	if err != nil {
		fail(c, a.log, err)
		return
	}
	ok(c, http.StatusOK, signupDTO(su))
}

func (a *API) checkinCode(c *gin.Context) {
	var q CheckinCodeQuery
	if err := a.bind.Query(c, &q); err != nil {
		fail(c, a.log, err)
		return
	}
	p, id, good := a.withActivity(c)
	if !good {
		return
	}
	code, err := a.deps.Activities.CheckinCode(c.Request.Context(), p, id)
	if err != nil {
		fail(c, a.log, err)
		return
	}
	if code.JPEG != nil && q.Format != "json" {
		c.Header("Cache-Control", "private, no-store")
		c.Data(http.StatusOK, "image/jpeg", code.JPEG)
		return
	}
	ok(c, http.StatusOK, CheckinCodeDTO{Token: code.Token, Page: code.Page, ExpiresAt: Time(code.ExpiresAt)})
}

func (a *API) checkIn(c *gin.Context)  { a.attend(c, a.deps.Activities.CheckIn) }
func (a *API) checkOut(c *gin.Context) { a.attend(c, a.deps.Activities.CheckOut) }

func (a *API) attend(c *gin.Context, f func(ctx context.Context, p *service.Principal, id uint64, token string) (*model.Signup, error)) {
	p, id, good := a.withActivity(c)
	if !good {
		return
	}
	var req TokenRequest
	if err := a.bind.JSON(c, &req); err != nil {
		fail(c, a.log, err)
		return
	}
	su, err := f(c.Request.Context(), p, id, req.Token)
	if err != nil {
		fail(c, a.log, err)
		return
	}
	ok(c, http.StatusOK, signupDTO(su))
}

func (a *API) markAttendance(c *gin.Context) {
	p, id, good := a.withActivity(c)
	if !good {
		return
	}
	var req AttendanceRequest
	if err := a.bind.JSON(c, &req); err != nil {
		fail(c, a.log, err)
		return
	}
	su, err := a.deps.Activities.MarkAttendance(c.Request.Context(), p, id,
		service.Attendance{UserID: uint64(req.UserID), Status: req.Status, Minutes: req.Minutes})
	if err != nil {
		fail(c, a.log, err)
		return
	}
	ok(c, http.StatusOK, signupDTO(su))
}

func (a *API) settle(c *gin.Context) {
	p, id, good := a.withActivity(c)
	if !good {
		return
	}
	s, err := a.deps.Activities.Settle(c.Request.Context(), p, id)
	if err != nil {
		fail(c, a.log, err)
		return
	}
	ok(c, http.StatusOK, SettlementDTO{Created: s.Created, Records: s.Records, NoShows: s.NoShows, SettledAt: Time(s.SettledAt)})
}

func signupDTO(su *model.Signup) SignupDTO {
	return SignupDTO{ID: ID(su.ID), ActivityID: ID(su.ActivityID), Status: su.Status, Position: su.Position,
		Attendance: su.Attendance, CheckinAt: TimePtr(su.CheckinAt), CheckoutAt: TimePtr(su.CheckoutAt), Minutes: su.Minutes,
		Settled: su.RecordedAt != nil, CreatedAt: Time(su.CreatedAt), CancelledAt: TimePtr(su.CancelledAt)}
}
