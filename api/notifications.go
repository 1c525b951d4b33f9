package api

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"linli/model"
	"linli/service"
)

// NotificationDTO is one entry of the own inbox.
type NotificationDTO struct {
	ID        ID        `json:"id"`
	Kind      string    `json:"kind" example:"issue_status" description:"发生了什么：issue_new、issue_status、issue_comment、dispatch_offer 等"`
	Title     string    `json:"title" example:"报事已受理"`
	Body      string    `json:"body" example:"您报告的「3栋楼道灯不亮」已由楼栋长受理"`
	Link      string    `json:"link" example:"pages/issue/detail?id=42" description:"点击后打开的小程序页面（含参数），可能为空"`
	Read      bool      `json:"read"`
	CreatedAt time.Time `json:"created_at"`
}

// NotificationPage is a page of the inbox with the number of unread notifications.
type NotificationPage struct {
	Page[NotificationDTO]
	UnreadCount int64 `json:"unread_count" description:"全部未读通知的数量（不受分页与 unread 筛选影响）"`
}

// NotificationListQuery pages through the own inbox, newest first.
type NotificationListQuery struct {
	Unread bool `query:"unread" description:"true：只列未读通知" label:"只看未读"`
	PageQuery
}

// MarkReadRequest marks notifications read: the listed ones, or all.
type MarkReadRequest struct {
	IDs []ID `json:"ids" validate:"max=100" description:"要标为已读的通知（1–100 个）；他人的（或不存在的）通知会被忽略" label:"通知"`
	All bool `json:"all" description:"true：全部标为已读（此时忽略 ids）" label:"包含全部"`
}

// MarkReadResponse says how many notifications changed from unread to read.
type MarkReadResponse struct {
	Updated int64 `json:"updated"`
}

// SubscriptionsRequest reports the one-time subscription grants the user just gave.
type SubscriptionsRequest struct {
	TemplateIDs []string `json:"template_ids" validate:"required,min=1,max=10,unique" description:"wx.requestSubscribeMessage 中用户选择“允许”的模板 ID（1–10 个，须为服务端配置的模板）" label:"订阅消息模板"`
}

// SubscriptionsResponse says how many grants were recorded.
type SubscriptionsResponse struct {
	Granted int `json:"granted"`
}

func (a *API) notificationRoutes() error {
	v1 := a.v1
	auth := a.requireUser
	for _, r := range []struct {
		rt route
		h  []gin.HandlerFunc
	}{
		{route{op: "listNotifications", method: "GET", path: "/me/notifications", tag: "通知", summary: "我的通知（站内信）",
			description: "按时间倒序分页；unread=true 只列未读。unread_count 为全部未读数量。站内信是通知的正式记录，微信订阅消息只是额外推送。",
			auth:        true, req: new(NotificationListQuery), resp: data[NotificationPage]()},
			[]gin.HandlerFunc{auth, a.listNotifications}},
		{route{op: "markNotificationsRead", method: "POST", path: "/me/notifications/read", tag: "通知", summary: "标记通知为已读",
			description: "ids（1–100 个）或 all: true 二选一；只会修改自己的通知，他人的 ID 被忽略。返回本次由未读变为已读的数量。",
			auth:        true, req: new(MarkReadRequest), resp: data[MarkReadResponse]()},
			[]gin.HandlerFunc{auth, a.markNotificationsRead}},
		{route{op: "grantSubscriptions", method: "POST", path: "/me/subscriptions", tag: "通知", summary: "上报一次性订阅授权",
			description: "小程序调用 wx.requestSubscribeMessage 后，把用户“允许”的模板 ID 报给服务端；每个 ID 记一次授权，" +
				"每次授权最多换来一条微信订阅消息。未配置的模板 ID → 400（字段 template_ids）。",
			auth: true, req: new(SubscriptionsRequest), resp: data[SubscriptionsResponse](), status: 201},
			[]gin.HandlerFunc{auth, a.grantSubscriptions}},
	} {
		if err := a.handle(v1, r.rt, r.h...); err != nil {
			return err
		}
	}
	return nil
}

func (a *API) listNotifications(c *gin.Context) {
	var q NotificationListQuery
	err := a.bind.Query(c, &q)
	var before uint64
	if err == nil {
		before, err = cursorID(q.Cursor)
	}
	if err != nil {
		fail(c, a.log, err)
		return
	}
	res, err := a.deps.Notifier.Inbox(c.Request.Context(),
		service.InboxQuery{UserID: userID(c), UnreadOnly: q.Unread, Before: before, Limit: q.Size()})
	if err != nil {
		fail(c, a.log, err)
		return
	}
	page := NotificationPage{Page: Page[NotificationDTO]{Items: make([]NotificationDTO, len(res.Items))}, UnreadCount: res.Unread}
	for i, n := range res.Items {
		page.Items[i] = notificationDTO(&n)
	}
	if res.More {
		page.NextCursor = idCursor(res.Items[len(res.Items)-1].ID)
	}
	ok(c, http.StatusOK, page)
}

func (a *API) markNotificationsRead(c *gin.Context) {
	var req MarkReadRequest
	if err := a.bind.JSON(c, &req); err != nil {
		fail(c, a.log, err)
		return
	}
	n, err := a.deps.Notifier.MarkRead(c.Request.Context(), userID(c), Uint64s(req.IDs), req.All)
	if err != nil {
		fail(c, a.log, err)
		return
	}
	ok(c, http.StatusOK, MarkReadResponse{Updated: n})
}

func (a *API) grantSubscriptions(c *gin.Context) {
	var req SubscriptionsRequest
	if err := a.bind.JSON(c, &req); err != nil {
		fail(c, a.log, err)
		return
	}
	n, err := a.deps.Notifier.Grant(c.Request.Context(), userID(c), req.TemplateIDs)
	if err != nil {
		fail(c, a.log, err)
		return
	}
	ok(c, http.StatusCreated, SubscriptionsResponse{Granted: n})
}

func notificationDTO(n *model.Notification) NotificationDTO {
	return NotificationDTO{ID: ID(n.ID), Kind: n.Kind, Title: n.Title, Body: n.Body, Link: n.Link,
		Read: n.ReadAt != nil, CreatedAt: Time(n.CreatedAt)}
}
