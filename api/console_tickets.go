package api

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"linli/service"
)

// ticketCookie holds a console login ticket's secret in the browser that asked for it, scoped
// to that ticket's path: the ticket id is in the code on the screen for anyone to see, the
// secret is what lets only this browser take the session once the code is confirmed.
const ticketCookie = "linli_ticket"

// ConsoleTicketPath names a console login ticket.
type ConsoleTicketPath struct {
	ID string `path:"id" label:"二维码编号" validate:"required,len=32,hexadecimal" description:"登录二维码的编号（POST /console/tickets 返回）"`
}

// ConsoleTicketDTO is a new login code for the console to show.
type ConsoleTicketDTO struct {
	ID        string    `json:"id" example:"3f2a9c1e0b7d4e6f8a5b2c1d0e9f8a7b" description:"二维码编号，即小程序码的 scene"`
	ImageURL  string    `json:"image_url" example:"/api/v1/console/tickets/3f2a9c1e0b7d4e6f8a5b2c1d0e9f8a7b/image" description:"二维码图片地址（同一浏览器中用 <img> 加载）"`
	ExpiresAt time.Time `json:"expires_at" description:"二维码过期时间，过期后须重新获取"`
}

// ConsoleTicketPollDTO is what the console learns polling its ticket.
type ConsoleTicketPollDTO struct {
	Status    string             `json:"status" enum:"pending,approved" description:"pending：等待扫码确认；approved：已确认，会话 Cookie 已随本响应下发"`
	ExpiresAt *time.Time         `json:"expires_at,omitempty" description:"二维码过期时间（pending 时）"`
	Session   *ConsoleSessionDTO `json:"session,omitempty" description:"新开的工作台会话（approved 时）"`
}

// ConsoleTicketApprovalDTO answers the mini-program's confirmation.
type ConsoleTicketApprovalDTO struct {
	Status     string    `json:"status" enum:"approved"`
	ApprovedAt time.Time `json:"approved_at"`
}

func (a *API) consoleTicketRoutes() error {
	const flow = "扫码登录：工作台网页调用本接口取得二维码并显示；工作人员用小程序扫码，在小程序中确认" +
		"（POST /console/tickets/{id}/approve）；工作台网页轮询 GET /console/tickets/{id}，确认后取得会话 Cookie。"
	for _, r := range []struct {
		rt route
		h  []gin.HandlerFunc
	}{
		{route{op: "createConsoleTicket", method: "POST", path: "/console/tickets", tag: "工作台网页",
			summary: "获取工作台登录二维码",
			description: flow + "无需登录。二维码有效 console.ticket_ttl（默认 5 分钟）。同时下发 HttpOnly、SameSite=Strict 的 Cookie " +
				"linli_ticket（仅发往该二维码的路径），只有持有它的浏览器才能取图与领取会话：看到屏幕上的二维码的人拿不到会话。" +
				"按来源地址限流（limits.console_ticket_per_ip）。",
			resp: data[ConsoleTicketDTO](), status: 201, errors: []int{429, 503}},
			[]gin.HandlerFunc{a.h(a.createConsoleTicket)}},
		{route{op: "consoleTicketImage", method: "GET", path: "/console/tickets/:id/image", tag: "工作台网页",
			summary: "登录二维码图片",
			description: "待确认二维码的图片：微信模式下为 getwxacodeunlimit 生成的小程序码（image/jpeg，scene 为二维码编号，" +
				"打开 console.ticket_page 页面）；开发模式下为本地生成的普通二维码（image/png），内容为该页面路径加 ?scene=编号。" +
				"须带获取二维码时下发的 linli_ticket Cookie（否则 403）。不存在 → 404；已过期或已确认 → 410；按来源地址限流。",
			req: new(ConsoleTicketPath), resp: new(Binary), contentType: "image/*", errors: []int{400, 403, 404, 410, 429, 503}},
			[]gin.HandlerFunc{a.h(a.consoleTicketImage)}},
		{route{op: "pollConsoleTicket", method: "GET", path: "/console/tickets/:id", tag: "工作台网页",
			summary: "轮询登录二维码（工作台网页）",
			description: "待确认 → status=pending。已确认 → 领取一次：status=approved，并如开发登录一样下发会话 Cookie（linli_session，" +
				"HttpOnly、SameSite=Strict）与可读的 CSRF Cookie（linli_csrf），响应中带会话信息；同时轮询者中只有一个能领到，" +
				"其余及之后的轮询 → 410。须带 linli_ticket Cookie（否则 403）；不存在 → 404；已过期 → 410；" +
				"确认者此后失去工作台资格 → 403。",
			req: new(ConsoleTicketPath), resp: data[ConsoleTicketPollDTO](), errors: []int{400, 403, 404, 410, 503}},
			[]gin.HandlerFunc{a.h(a.pollConsoleTicket)}},
		{route{op: "approveConsoleTicket", method: "POST", path: "/console/tickets/:id/approve", tag: "工作台网页",
			summary: "确认工作台扫码登录（小程序）",
			description: "小程序扫码后以本人会话调用（scene 即二维码编号），确认让该浏览器以本人身份登录工作台；小程序应先请用户确认。" +
				"只有平台管理员、社区工作人员与楼栋长可确认，其他用户 403。同一人重复确认结果相同；他人已确认 → 409；" +
				"不存在 → 404；已过期或已用于登录 → 410。",
			auth: true, req: new(ConsoleTicketPath), resp: data[ConsoleTicketApprovalDTO](), errors: []int{400, 403, 404, 409, 410, 503}},
			[]gin.HandlerFunc{a.requireUser, a.h(a.approveConsoleTicket)}},
	} {
		if err := a.handle(a.v1, r.rt, r.h...); err != nil {
			return err
		}
	}
	return nil
}

func (a *API) createConsoleTicket(c *gin.Context) error {
	t, err := a.deps.ConsoleTickets.Create(c.Request.Context(), c.ClientIP())
	if err != nil {
		return err
	}
	path := a.v1.BasePath() + "/console/tickets/" + t.ID
	http.SetCookie(c.Writer, &http.Cookie{Name: ticketCookie, Value: t.Secret, Path: path,
		MaxAge: int(t.ExpiresAt.Sub(a.deps.Clock.Now()).Seconds()) + 1, HttpOnly: true, Secure: !a.deps.Auth.DevModeEnabled(), SameSite: http.SameSiteStrictMode})
	c.Header("Cache-Control", "no-store")
	ok(c, http.StatusCreated, ConsoleTicketDTO{ID: t.ID, ImageURL: path + "/image", ExpiresAt: Time(t.ExpiresAt)})
	return nil
}

func (a *API) consoleTicketImage(c *gin.Context) error {
	var req ConsoleTicketPath
	if err := a.bind.Request(c, &req); err != nil {
		return err
	}
	secret, _ := c.Cookie(ticketCookie)
	img, contentType, err := a.deps.ConsoleTickets.Image(c.Request.Context(), req.ID, secret, c.ClientIP())
	if err != nil {
		return err
	}
	c.Header("Cache-Control", "private, no-store")
	c.Data(http.StatusOK, contentType, img)
	return nil
}

func (a *API) pollConsoleTicket(c *gin.Context) error {
	var req ConsoleTicketPath
	if err := a.bind.Request(c, &req); err != nil {
		return err
	}
	c.Header("Cache-Control", "no-store")
	secret, _ := c.Cookie(ticketCookie)
	res, err := a.deps.ConsoleTickets.Poll(c.Request.Context(), req.ID, secret)
	if err != nil {
		return err
	}
	if res.Pending {
		exp := Time(res.ExpiresAt)
		ok(c, http.StatusOK, ConsoleTicketPollDTO{Status: "pending", ExpiresAt: &exp})
		return nil
	}
	http.SetCookie(c.Writer, &http.Cookie{Name: ticketCookie, Path: a.v1.BasePath() + "/console/tickets/" + req.ID,
		MaxAge: -1, HttpOnly: true, Secure: !a.deps.Auth.DevModeEnabled(), SameSite: http.SameSiteStrictMode})
	s, err := a.startConsoleSession(c, res.Session)
	if err != nil {
		return err
	}
	ok(c, http.StatusOK, ConsoleTicketPollDTO{Status: "approved", Session: &s})
	return nil
}

func (a *API) approveConsoleTicket(c *gin.Context) error {
	p, err := a.principal(c)
	if err != nil {
		return err
	}
	var req ConsoleTicketPath
	// Someone the console does not admit learns nothing, not even that the id is malformed.
	if err := a.bind.Request(c, &req, func() error { return service.AdmitToConsole(p) }); err != nil {
		return err
	}
	at, err := a.deps.ConsoleTickets.Approve(c.Request.Context(), p, req.ID)
	if err != nil {
		return err
	}
	ok(c, http.StatusOK, ConsoleTicketApprovalDTO{Status: "approved", ApprovedAt: Time(at)})
	return nil
}
