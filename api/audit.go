package api

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"linli/clock"
	"linli/service"
)

// AuditLogQuery pages through a community's audit log, newest first.
type AuditLogQuery struct {
	CommunityPath
	UserID string `query:"user_id" validate:"omitempty,number,max=20" description:"只看此人的操作" label:"用户"`
	From   string `query:"from" validate:"omitempty,len=10" description:"起始日期（含），YYYY-MM-DD，北京时间" label:"开始日期"`
	To     string `query:"to" validate:"omitempty,len=10" description:"结束日期（含），YYYY-MM-DD，北京时间" label:"结束日期"`
	PageQuery
}

// AuditUserDTO is who acted.
type AuditUserDTO struct {
	ID       ID     `json:"id"`
	Nickname string `json:"nickname"`
}

// AuditEntryDTO is one line of the audit log: who, in which role, did what to which target,
// when and from where, and how it ended. It carries no request body and no phone number.
type AuditEntryDTO struct {
	ID         ID           `json:"id"`
	User       AuditUserDTO `json:"user"`
	Role       string       `json:"role" enum:"admin,staff,captain" description:"操作时所用的身份"`
	Method     string       `json:"method" example:"POST"`
	Route      string       `json:"route" example:"/api/v1/issues/:id/transitions" description:"接口路径模式"`
	TargetType string       `json:"target_type" example:"issues" description:"操作对象的类型（路径中的资源名）"`
	TargetID   *ID          `json:"target_id,omitempty" description:"操作对象的 ID"`
	Status     int          `json:"status" example:"200" description:"HTTP 状态码"`
	IP         string       `json:"ip" example:"203.0.113.7" description:"客户端地址"`
	RequestID  string       `json:"request_id"`
	CreatedAt  time.Time    `json:"created_at"`
}

func (a *API) auditRoutes() error {
	return a.handle(a.v1, route{op: "listAudit", method: "GET", path: "/communities/:id/audit-log", tag: "社区与楼栋",
		summary: "操作日志（本社区工作者、平台管理员）",
		description: "社区工作者、楼栋长与平台管理员在本社区的每一次成功写操作，以及每一次角色授予与撤销：谁（及其身份）、" +
			"做了什么（方法、接口、对象）、何时、从哪里（客户端地址、请求 ID）。不含请求内容与手机号。按时间倒序分页；" +
			"user_id 只看某人，from / to 按北京时间的日期筛选（含两端）。",
		auth: true, req: new(AuditLogQuery), resp: data[Page[AuditEntryDTO]](), errors: []int{403, 404}},
		a.requireUser, a.listAudit)
}

func (a *API) listAudit(c *gin.Context) {
	var q AuditLogQuery
	cid, err := pathID(c, "id")
	if err == nil {
		err = a.bind.Query(c, &q)
	}
	sq := service.AuditQuery{CommunityID: cid, Limit: q.Size()}
	if err == nil {
		sq.UserID, err = queryID("user_id", q.UserID)
	}
	if err == nil {
		sq.From, err = auditDay("from", q.From, 0)
	}
	if err == nil {
		sq.To, err = auditDay("to", q.To, 1)
	}
	if err == nil {
		sq.Before, err = cursorID(q.Cursor)
	}
	var p *service.Principal
	if err == nil {
		p, err = a.principal(c)
	}
	if err != nil {
		fail(c, a.log, err)
		return
	}
	res, err := a.deps.Audit.List(c.Request.Context(), p, sq)
	if err != nil {
		fail(c, a.log, err)
		return
	}
	page := Page[AuditEntryDTO]{Items: make([]AuditEntryDTO, len(res.Items))}
	for i, r := range res.Items {
		d := AuditEntryDTO{ID: ID(r.ID), User: AuditUserDTO{ID: ID(r.UserID), Nickname: r.UserNickname}, Role: r.Role,
			Method: r.Method, Route: r.Route, TargetType: r.TargetType, Status: r.Status, IP: r.IP,
			RequestID: r.RequestID, CreatedAt: Time(r.CreatedAt)}
		if r.TargetID != 0 {
			id := ID(r.TargetID)
			d.TargetID = &id
		}
		page.Items[i] = d
	}
	if res.More {
		page.NextCursor = idCursor(res.Items[len(res.Items)-1].ID)
	}
	ok(c, http.StatusOK, page)
}

// auditDay reads a date (YYYY-MM-DD, Beijing time) of the years 2000–2099 and returns the start
// of that day plus addDays; "" is the zero time (no bound).
func auditDay(field, v string, addDays int) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	d, err := time.ParseInLocation("2006-01-02", v, clock.China)
	if err != nil || d.Year() < 2000 || d.Year() > 2099 {
		return time.Time{}, service.Invalid(field, field+"须为 2000–2099 年间的日期，格式 YYYY-MM-DD")
	}
	return d.AddDate(0, 0, addDays), nil
}

// auditWriter keeps the start of what the handler writes: the created resource's id is read
// from it.
type auditWriter struct {
	gin.ResponseWriter
	head bytes.Buffer
}

// auditHead is how much of a response the audit middleware keeps to find the created id.
const auditHead = 16 << 10

func (w *auditWriter) Write(b []byte) (int, error) {
	if room := auditHead - w.head.Len(); room > 0 {
		w.head.Write(b[:min(room, len(b))])
	}
	return w.ResponseWriter.Write(b)
}

func (w *auditWriter) WriteString(s string) (int, error) {
	if room := auditHead - w.head.Len(); room > 0 {
		w.head.WriteString(s[:min(room, len(s))])
	}
	return w.ResponseWriter.WriteString(s)
}

// audit runs first on every authenticated write route (handle puts it there). After the
// request, a success (status < 400) of a staff member, captain or admin, and every role grant
// or revocation, is written to the audit log. Writing it never changes the answer: a failed
// insert is logged, the request has already succeeded. Idempotent replays are not new actions.
func (a *API) audit(c *gin.Context) {
	w := &auditWriter{ResponseWriter: c.Writer}
	c.Writer = w
	c.Next()
	status := w.Status()
	if status >= 400 || userID(c) == 0 || w.Header().Get("Idempotent-Replayed") == "true" {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(c.Request.Context()), 3*time.Second)
	defer cancel()
	route := c.FullPath()
	roleChange := strings.HasPrefix(route, a.v1.BasePath()+"/communities/:id/roles")
	// The principal as the handler saw it (before a role change), else as it is now.
	p, err := a.principal(c)
	if err != nil && !roleChange {
		a.log.WarnContext(ctx, "audit: roles of the user unknown; entry skipped", "request_id", requestID(c),
			"route", route, "error", err.Error())
		return
	}
	community, targetType, targetID := a.auditTarget(ctx, c, w.head.Bytes())
	role := service.RoleIn(p, community)
	if role == "" && !roleChange {
		return // a resident's own action
	}
	rec := service.AuditRecord{UserID: userID(c), Role: role, CommunityID: community, Method: c.Request.Method,
		Route: route, TargetType: targetType, TargetID: targetID, Status: status, IP: c.ClientIP(),
		RequestID: requestID(c), At: a.deps.Clock.Now()}
	if err := a.deps.Audit.Record(ctx, rec); err != nil {
		a.log.ErrorContext(ctx, "audit entry lost", "request_id", requestID(c), "route", route,
			"user_id", rec.UserID, "community_id", community, "target_type", targetType, "target_id", targetID,
			"status", status, "error", err.Error())
	}
}

// auditTarget finds what a request acted on and the community it happened in. The target is
// the resource a 201 created (data.id, or a transfer's posting_id), else the last id in the
// path, else the resource an action answered with (/redemptions/verify). The community is the
// one of /communities/:id, else that of the resource the path starts with, else the target's.
func (a *API) auditTarget(ctx context.Context, c *gin.Context, body []byte) (community uint64, kind string, id uint64) {
	segs := strings.Split(strings.TrimPrefix(c.FullPath(), a.v1.BasePath()+"/"), "/")
	param := func(i int) uint64 {
		if i < 0 || i >= len(segs) || !strings.HasPrefix(segs[i], ":") {
			return 0
		}
		v, _ := strconv.ParseUint(c.Param(segs[i][1:]), 10, 63)
		return v
	}
	var answer struct {
		Data struct {
			ID        ID `json:"id"`
			PostingID ID `json:"posting_id"`
		} `json:"data"`
	}
	_ = json.Unmarshal(body, &answer) // not an object (or cut short): it names nothing
	last := len(segs) - 1
	lastParam := -1
	for i := last; i > 0 && lastParam < 0; i-- {
		if strings.HasPrefix(segs[i], ":") {
			lastParam = i
		}
	}
	created := c.Writer.Status() == http.StatusCreated
	switch {
	case created && answer.Data.PostingID != 0:
		kind, id = "postings", uint64(answer.Data.PostingID)
	case created && answer.Data.ID != 0:
		kind, id = segs[last], uint64(answer.Data.ID)
	case lastParam > 0:
		kind, id = segs[lastParam-1], param(lastParam)
	case answer.Data.ID != 0:
		kind, id = segs[0], uint64(answer.Data.ID)
	default:
		kind = segs[last]
	}
	owner, ownerID := segs[0], param(1)
	switch {
	case owner == "communities" && ownerID == 0 && kind == "communities":
		return id, kind, id // a community just created
	case owner == "communities":
		return ownerID, kind, id
	case ownerID == 0:
		owner, ownerID = kind, id
	}
	community, err := a.deps.Audit.CommunityOf(ctx, owner, ownerID)
	if err != nil {
		a.log.WarnContext(ctx, "audit: community unknown", "request_id", requestID(c), "error", err.Error())
	}
	return community, kind, id
}
