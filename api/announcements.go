package api

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"
	gojson "github.com/goccy/go-json"

	"linli/config"
	"linli/model"
	"linli/service"
)

// PublishAnnouncementRequest publishes an announcement.
type PublishAnnouncementRequest struct {
	CommunityPath
	Title      string     `json:"title" validate:"required,max=40" label:"标题" description:"1–40 字"`
	Body       string     `json:"body" validate:"required,max=2000" label:"正文" description:"1–2000 字"`
	Audience   string     `json:"audience" validate:"required,oneof=community estate building" label:"发布范围" description:"community 全社区；estate 某个小区；building 某栋楼"`
	AudienceID ID         `json:"audience_id" label:"范围" description:"estate 时为小区 ID，building 时为楼栋 ID；community 时不填"`
	Pinned     bool       `json:"pinned" label:"置顶" description:"置顶的公告排在最前"`
	ExpiresAt  *time.Time `json:"expires_at" label:"有效期至" description:"晚于现在，最长一年；不填为 30 天后"`
	Photos     []ID       `json:"photos" validate:"max=9" label:"图片" description:"POST /uploads 返回的图片 ID，最多 9 张"`
}

// AnnouncementListQuery pages through the announcements addressed to me.
type AnnouncementListQuery struct {
	CommunityPath
	PageQuery
}

// AnnouncementPath names an announcement.
type AnnouncementPath struct {
	AnnouncementID ID `path:"id" json:"-" label:"公告" description:"公告 ID"`
}

// ReceiptsQuery pages through the households an announcement has not reached.
type ReceiptsQuery struct {
	AnnouncementPath
	PageQuery
}

func (a *API) announcementRoutes() error {
	auth := a.requireUser
	const tag = "公告"
	for _, r := range []struct {
		rt route
		h  []gin.HandlerFunc
	}{
		{route{method: "POST", path: "/communities/:id/announcements", op: "publishAnnouncement", tag: tag,
			status: http.StatusCreated, summary: "发布公告",
			description: "社区工作者可向全社区、某个小区或某栋楼发布；楼栋长只能向自己负责的楼栋发布（否则 403）。" +
				"内容安全检查不通过 → 422 且不保存；楼栋长的内容暂不能确定的以 pending_review 保存，只有发布人与社区工作者可见，待社区工作者放行。" +
				"发布后由后台逐批给范围内每位已认证居民发站内通知（在其订阅授权内同时发订阅消息），不等通知发完即返回。",
			auth: true, req: new(PublishAnnouncementRequest), resp: data[AnnouncementDetailDTO](),
			errors: []int{400, 403, 404, 422, 429}},
			[]gin.HandlerFunc{auth, a.rate(config.ActionReport), a.h(a.publishAnnouncement)}},
		{route{method: "GET", path: "/communities/:id/announcements", op: "listAnnouncements", tag: tag, summary: "公告列表",
			description: "发给我的、未过期的公告：置顶的在前，其余新的在前。居民看到全社区的公告和自己所在小区、楼栋的公告，以及自己发布的；" +
				"社区工作者看到本社区全部公告。与本社区无关 → 404。",
			auth: true, req: new(AnnouncementListQuery), resp: data[Page[AnnouncementDTO]](), errors: []int{400, 404}},
			[]gin.HandlerFunc{auth, a.h(a.listAnnouncements)}},
		{route{method: "GET", path: "/announcements/:id", op: "getAnnouncement", tag: tag, summary: "公告详情",
			description: "发给我的公告（或我发布的；社区工作者可看本社区全部）。打开即记为我已读，站内通知同时记为已读。",
			auth:        true, req: new(AnnouncementPath), resp: data[AnnouncementDetailDTO](), errors: []int{404}},
			[]gin.HandlerFunc{auth, a.h(a.getAnnouncement)}},
		{route{method: "GET", path: "/announcements/:id/receipts", op: "getAnnouncementReceipts", tag: tag, summary: "阅读回执",
			description: "发布人与社区工作者：范围内 M 户中已有 N 户读过（一户中任何一人读过即算），以及尚未读到的户（楼栋、单元、房号，" +
				"是否有住户绑定手机号），按台账顺序分页，便于上门或电话告知。其他人 → 403。",
			auth: true, req: new(ReceiptsQuery), resp: data[ReceiptsDTO](), errors: []int{400, 403, 404}},
			[]gin.HandlerFunc{auth, a.h(a.announcementReceipts)}},
		{route{method: "POST", path: "/announcements/:id/release", op: "releaseAnnouncement", tag: tag, summary: "放行待审核的公告",
			description: "社区工作者：发布一条待审核（pending_review）的公告并开始通知。不在待审核状态 → 409。（合同之外：审核的放行。）",
			auth:        true, req: new(AnnouncementPath), resp: data[AnnouncementDetailDTO](), errors: []int{403, 404, 409}},
			[]gin.HandlerFunc{auth, a.h(a.releaseAnnouncement)}},
		{route{method: "POST", path: "/announcements/:id/withdraw", op: "withdrawAnnouncement", tag: tag, summary: "撤回公告",
			description: "发布人或社区工作者：公告从所有列表中撤下，尚未发出的通知不再发送。已撤回 → 409。（合同之外：发错的公告要能撤回。）",
			auth:        true, req: new(AnnouncementPath), resp: data[AnnouncementDetailDTO](), errors: []int{403, 404, 409}},
			[]gin.HandlerFunc{auth, a.h(a.withdrawAnnouncement)}},
	} {
		if err := a.handle(a.v1, r.rt, r.h...); err != nil {
			return err
		}
	}
	return nil
}

func (a *API) publishAnnouncement(c *gin.Context) error {
	var req PublishAnnouncementRequest
	if err := a.bind.Request(c, &req); err != nil {
		return err
	}
	p, err := a.principal(c)
	if err != nil {
		return err
	}
	photos := make([]uint64, len(req.Photos))
	for i, id := range req.Photos {
		photos[i] = uint64(id)
	}
	ctx := c.Request.Context()
	an, err := a.deps.Announcements.Publish(ctx, p, service.Announce{CommunityID: uint64(req.CommunityID),
		Audience: req.Audience, AudienceID: uint64(req.AudienceID), Title: req.Title, Body: req.Body, Pinned: req.Pinned,
		ExpiresAt: req.ExpiresAt, PhotoIDs: photos})
	if err != nil {
		return err
	}
	return a.answerAnnouncement(c, p, an.ID, http.StatusCreated)
}

// answerAnnouncement answers with the announcement as p sees it now, without marking it read.
func (a *API) answerAnnouncement(c *gin.Context, p *service.Principal, id uint64, status int) error {
	ctx := c.Request.Context()
	d, err := a.deps.Announcements.Peek(ctx, p, id)
	if err != nil {
		return err
	}
	out, err := a.announcementDetailDTO(ctx, p, d)
	if err != nil {
		return err
	}
	ok(c, status, out)
	return nil
}

func (a *API) listAnnouncements(c *gin.Context) error {
	var q AnnouncementListQuery
	if err := a.bind.Request(c, &q); err != nil {
		return err
	}
	after, err := parseAnnouncementCursor(q.Cursor)
	if err != nil {
		return err
	}
	p, err := a.principal(c)
	if err != nil {
		return err
	}
	ctx := c.Request.Context()
	items, more, err := a.deps.Announcements.List(ctx, p, service.AnnouncementList{CommunityID: uint64(q.CommunityID),
		After: after, Limit: q.Size()})
	if err != nil {
		return err
	}
	page := Page[AnnouncementDTO]{}
	if more {
		page.NextCursor = announcementCursor(&items[len(items)-1].Announcement)
	}
	list, err := a.announcementItems(items, p.UserID)
	if err != nil {
		return err
	}
	// The envelope is encoded without the items, which are then put in place of its null.
	body, err := gojson.Marshal(Envelope[Page[AnnouncementDTO]]{Code: 0, Message: "ok", Data: page})
	if err != nil {
		return service.Internal(err)
	}
	writeJSON(c, http.StatusOK, spliceItems(body, list))
	return nil
}

// readerPart is how an encoded AnnouncementDTO ends when it is neither the reader's nor read.
const readerPart = `,"mine":false,"read":false}`

// announcementItems encodes a page of announcements for the viewer as a JSON array: each
// item's bytes without the reader's part are kept in its Rendered slot (when it has one) and
// encoded once per instance; the reader's part is appended. The bytes are those of encoding
// the DTOs whole (TestAnnouncementListEncodingMatches).
func (a *API) announcementItems(items []service.AnnouncementItem, viewer uint64) ([]byte, error) {
	out := append(make([]byte, 0, 512*len(items)+2), '[')
	for i := range items {
		it := &items[i]
		rest, kept := it.Rendered.Load()
		if !kept {
			enc, err := gojson.Marshal(announcementDTO(&it.Announcement, it.AuthorName, it.AudienceName, 0, false))
			if err != nil || !bytes.HasSuffix(enc, []byte(readerPart)) {
				return nil, service.Internal(fmt.Errorf("encode announcement %d: %v", it.ID, err))
			}
			rest = enc[:len(enc)-len(readerPart)]
			it.Rendered.Store(rest)
		}
		if i > 0 {
			out = append(out, ',')
		}
		out = append(out, rest...)
		out = strconv.AppendBool(append(out, `,"mine":`...), it.AuthorID != 0 && it.AuthorID == viewer)
		out = append(strconv.AppendBool(append(out, `,"read":`...), it.Read), '}')
	}
	return append(out, ']'), nil
}

func (a *API) getAnnouncement(c *gin.Context) error {
	var req AnnouncementPath
	if err := a.bind.Request(c, &req); err != nil {
		return err
	}
	p, err := a.principal(c)
	if err != nil {
		return err
	}
	ctx := c.Request.Context()
	d, err := a.deps.Announcements.Get(ctx, p, uint64(req.AnnouncementID))
	if err != nil {
		return err
	}
	out, err := a.announcementDetailDTO(ctx, p, d)
	if err != nil {
		return err
	}
	ok(c, http.StatusOK, out)
	return nil
}

// announcementDetailDTO shows the announcement with its author's name and audience's name.
func (a *API) announcementDetailDTO(ctx context.Context, p *service.Principal, d *service.AnnouncementDetail) (AnnouncementDetailDTO, error) {
	names, err := a.deps.Users.Names(ctx, []uint64{d.AuthorID})
	if err != nil {
		return AnnouncementDetailDTO{}, err
	}
	name, err := a.deps.Announcements.AudienceName(ctx, &d.Announcement)
	if err != nil {
		return AnnouncementDetailDTO{}, err
	}
	// Staff and the author review what they publish: they see photos still being checked.
	return AnnouncementDetailDTO{AnnouncementDTO: announcementDTO(&d.Announcement, names[d.AuthorID], name, p.UserID, d.Read),
		Photos: photoDTOs(d.Photos, d.MayReceipts), MayReceipts: d.MayReceipts}, nil
}

func (a *API) announcementReceipts(c *gin.Context) error {
	var q ReceiptsQuery
	if err := a.bind.Request(c, &q); err != nil {
		return err
	}
	after, err := cursorID(q.Cursor)
	if err != nil {
		return err
	}
	p, err := a.principal(c)
	if err != nil {
		return err
	}
	r, err := a.deps.Announcements.Receipts(c.Request.Context(), p, uint64(q.AnnouncementID), after, q.Size())
	if err != nil {
		return err
	}
	ok(c, http.StatusOK, receiptsDTO(r))
	return nil
}

func (a *API) releaseAnnouncement(c *gin.Context) error {
	return a.moveAnnouncement(c, a.deps.Announcements.Release)
}

func (a *API) withdrawAnnouncement(c *gin.Context) error {
	return a.moveAnnouncement(c, a.deps.Announcements.Withdraw)
}

// moveAnnouncement runs a change of an announcement's state and answers with it.
func (a *API) moveAnnouncement(c *gin.Context, move func(context.Context, *service.Principal, uint64) (*model.Announcement, error)) error {
	var req AnnouncementPath
	if err := a.bind.Request(c, &req); err != nil {
		return err
	}
	p, err := a.principal(c)
	if err != nil {
		return err
	}
	an, err := move(c.Request.Context(), p, uint64(req.AnnouncementID))
	if err != nil {
		return err
	}
	return a.answerAnnouncement(c, p, an.ID, http.StatusOK)
}
