package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"linli/model"
	"linli/service"
)

// photoDTOs lists the photos a viewer may see: one that content safety has not cleared yet
// is shown only to whoever may review it (managers) and its own author.
func photoDTOs(ps []service.Photo, mayReview bool) []PhotoDTO {
	out := make([]PhotoDTO, 0, len(ps))
	for _, p := range ps {
		if p.Safety != service.VerdictPass && !mayReview {
			continue
		}
		out = append(out, PhotoDTO{ID: ID(p.ID), URL: p.URL})
	}
	return out
}

// issueDTO shows an issue to a viewer with the given access: an anonymous reporter is hidden
// from neighbours and followers; the phone goes to managers only (phone set by the caller).
func issueDTO(r *model.IssueRow, acc service.Access, viewer uint64, following bool, photos []service.Photo) IssueDTO {
	d := IssueDTO{ID: ID(r.ID), CommunityID: ID(r.CommunityID), BuildingID: ID(r.BuildingID), BuildingName: r.BuildingName,
		CategoryID: ID(r.CategoryID), CategoryName: r.CategoryName, Description: r.Description, Location: r.Location,
		Urgency: "normal", Anonymous: r.Anonymous, Status: r.Status, StatusText: service.StatusText[r.Status],
		Mine: r.ReporterID == viewer, Following: following, Followers: r.Followers, Rating: r.Rating,
		RatingCommentHeld: r.RatingCommentHeld, Photos: photoDTOs(photos, acc >= service.AccessReporter), CreatedAt: Time(r.CreatedAt), UpdatedAt: Time(r.UpdatedAt),
		AcknowledgedAt: TimePtr(r.AcknowledgedAt), ResolvedAt: TimePtr(r.ResolvedAt), ClosedAt: TimePtr(r.ClosedAt)}
	if r.Urgent {
		d.Urgency = "urgent"
	}
	if r.DuplicateOf != nil {
		v := ID(*r.DuplicateOf)
		d.DuplicateOf = &v
	}
	if !r.RatingCommentHeld || acc >= service.AccessReporter {
		d.RatingComment = r.RatingComment
	}
	if !r.Anonymous || acc >= service.AccessReporter {
		d.Reporter = &PersonDTO{ID: ID(r.ReporterID), Nickname: r.ReporterNickname}
	}
	return d
}

func (a *API) reportIssue(c *gin.Context) {
	var req ReportRequest
	if err := a.bind.JSON(c, &req); err != nil {
		fail(c, a.log, err)
		return
	}
	p, err := a.principal(c)
	if err != nil {
		fail(c, a.log, err)
		return
	}
	ctx := c.Request.Context()
	is, err := a.deps.Issues.Report(ctx, p, service.Report{BuildingID: uint64(req.BuildingID), CategoryID: uint64(req.CategoryID),
		Description: req.Description, Location: req.Location, Urgent: req.Urgency == "urgent", Anonymous: req.Anonymous,
		PhotoIDs: Uint64s(req.Photos)})
	if err != nil {
		fail(c, a.log, err)
		return
	}
	// The new issue as a list shows it: one query, not the whole detail (Get).
	it, photos, phone, err := a.deps.Issues.Reported(ctx, p, is.ID, len(req.Photos) > 0)
	if err != nil {
		fail(c, a.log, err)
		return
	}
	out := issueDTO(&it.Row, it.Access, p.UserID, false, photos)
	out.ReporterPhone = phone
	ok(c, http.StatusCreated, out)
}

func (a *API) listIssues(c *gin.Context) {
	var q IssueQuery
	if err := a.bind.Query(c, &q); err != nil {
		fail(c, a.log, err)
		return
	}
	after, err := parseIssueCursor(q.Cursor)
	if err != nil {
		fail(c, a.log, err)
		return
	}
	p, err := a.principal(c)
	if err != nil {
		fail(c, a.log, err)
		return
	}
	ctx := c.Request.Context()
	items, more, err := a.deps.Issues.List(ctx, p, service.IssueQuery{Scope: q.Scope, CommunityID: uint64(q.CommunityID),
		BuildingID: uint64(q.BuildingID), CategoryID: uint64(q.CategoryID), Status: q.Status, After: after, Limit: q.Size()})
	if err != nil {
		fail(c, a.log, err)
		return
	}
	photos, err := a.deps.Issues.ListPhotos(ctx, items)
	if err != nil {
		fail(c, a.log, err)
		return
	}
	newest := q.Scope == service.ScopeMine || q.Scope == service.ScopeFollowing
	page := Page[IssueDTO]{Items: make([]IssueDTO, len(items))}
	for i, it := range items {
		page.Items[i] = issueDTO(&it.Row, it.Access, p.UserID, it.Access == service.AccessFollower, photos[it.Row.ID])
	}
	if more && len(items) > 0 {
		page.NextCursor = issueCursor(items[len(items)-1].Row, newest)
	}
	ok(c, http.StatusOK, page)
}

func (a *API) similarIssues(c *gin.Context) {
	var q SimilarQuery
	if err := a.bind.Query(c, &q); err != nil {
		fail(c, a.log, err)
		return
	}
	p, err := a.principal(c)
	if err != nil {
		fail(c, a.log, err)
		return
	}
	ctx := c.Request.Context()
	items, err := a.deps.Issues.Similar(ctx, p, uint64(q.BuildingID), uint64(q.CategoryID))
	if err == nil {
		var photos map[uint64][]service.Photo
		if photos, err = a.deps.Issues.ListPhotos(ctx, items); err == nil {
			out := make([]IssueDTO, len(items))
			for i, it := range items {
				out[i] = issueDTO(&it.Row, it.Access, p.UserID, false, photos[it.Row.ID])
			}
			ok(c, http.StatusOK, out)
			return
		}
	}
	fail(c, a.log, err)
}

func (a *API) getIssue(c *gin.Context) {
	id, err := pathID(c, "id")
	var p *service.Principal
	if err == nil {
		p, err = a.principal(c)
	}
	var d *service.IssueDetail
	if err == nil {
		d, err = a.deps.Issues.Get(c.Request.Context(), p, id)
	}
	if err != nil {
		fail(c, a.log, err)
		return
	}
	ok(c, http.StatusOK, a.detailDTO(d, p.UserID))
}

func (a *API) detailDTO(d *service.IssueDetail, viewer uint64) IssueDetailDTO {
	out := IssueDetailDTO{IssueDTO: issueDTO(d.Row, d.Access, viewer, d.Following, d.Photos[d.Row.ID]),
		Timeline: make([]EventDTO, 0, len(d.Events)), Comments: make([]CommentDTO, 0, len(d.Comments))}
	out.ReporterPhone = a.deps.Issues.ReporterPhone(d)
	hideReporter := d.Row.Anonymous && d.Access < service.AccessReporter
	person := func(uid uint64) *PersonDTO {
		u, found := d.Users[uid]
		if !found || (hideReporter && uid == d.Row.ReporterID) {
			return nil
		}
		return &PersonDTO{ID: ID(u.ID), Nickname: u.Nickname}
	}
	for _, ev := range d.Events {
		reviewer := d.Access == service.AccessManager || ev.ActorID == viewer
		note := ev.Note
		if ev.NoteHeld && !reviewer {
			note = ""
		}
		out.Timeline = append(out.Timeline, EventDTO{ID: ID(ev.ID), Action: ev.Action, FromStatus: ev.FromStatus, ToStatus: ev.ToStatus,
			Note: note, NoteHeld: ev.NoteHeld, Actor: person(ev.ActorID), Photos: photoDTOs(d.EvPhotos[ev.ID], reviewer),
			CreatedAt: Time(ev.CreatedAt)})
	}
	for _, cm := range d.Comments {
		out.Comments = append(out.Comments, CommentDTO{ID: ID(cm.ID), Author: person(cm.AuthorID), Body: cm.Body,
			Held: cm.Status == model.CommentHeld, Photos: photoDTOs(d.CmPhotos[cm.ID], d.Access == service.AccessManager || cm.AuthorID == viewer),
			CreatedAt: Time(cm.CreatedAt)})
	}
	return out
}

// issueAnswer answers with the issue as the caller now sees it.
func (a *API) issueAnswer(c *gin.Context, status int, id uint64, err error) {
	var p *service.Principal
	if err == nil {
		p, err = a.principal(c)
	}
	var d *service.IssueDetail
	if err == nil {
		d, err = a.deps.Issues.Get(c.Request.Context(), p, id)
	}
	if err != nil {
		fail(c, a.log, err)
		return
	}
	ok(c, status, a.detailDTO(d, p.UserID).IssueDTO)
}

func (a *API) followIssue(c *gin.Context)   { a.followToggle(c, true) }
func (a *API) unfollowIssue(c *gin.Context) { a.followToggle(c, false) }

func (a *API) followToggle(c *gin.Context, on bool) {
	id, err := pathID(c, "id")
	var p *service.Principal
	if err == nil {
		p, err = a.principal(c)
	}
	if err == nil {
		if on {
			_, err = a.deps.Issues.Follow(c.Request.Context(), p, id)
		} else {
			_, err = a.deps.Issues.Unfollow(c.Request.Context(), p, id)
		}
	}
	a.issueAnswer(c, http.StatusOK, id, err)
}

func (a *API) moveIssue(c *gin.Context) {
	id, err := pathID(c, "id")
	var req TransitionRequest
	if err == nil {
		err = a.bind.JSON(c, &req)
	}
	var p *service.Principal
	if err == nil {
		p, err = a.principal(c)
	}
	if err == nil {
		_, err = a.deps.Issues.Move(c.Request.Context(), p, id, service.Transition{Action: req.Action, Note: req.Note,
			PhotoIDs: Uint64s(req.Photos), DuplicateOf: uint64(req.DuplicateOf)})
	}
	a.issueAnswer(c, http.StatusOK, id, err)
}

func (a *API) commentIssue(c *gin.Context) {
	id, err := pathID(c, "id")
	var req CommentRequest
	if err == nil {
		err = a.bind.JSON(c, &req)
	}
	var p *service.Principal
	if err == nil {
		p, err = a.principal(c)
	}
	var cm *model.IssueComment
	if err == nil {
		cm, err = a.deps.Issues.Comment(c.Request.Context(), p, id, req.Body, Uint64s(req.Photos))
	}
	if err != nil {
		fail(c, a.log, err)
		return
	}
	d, err := a.deps.Issues.Get(c.Request.Context(), p, id)
	if err != nil {
		fail(c, a.log, err)
		return
	}
	for _, dto := range a.detailDTO(d, p.UserID).Comments {
		if uint64(dto.ID) == cm.ID {
			ok(c, http.StatusCreated, dto)
			return
		}
	}
	fail(c, a.log, service.Errorf(service.KindInternal, "评论已保存但无法读取"))
}

func (a *API) rateIssue(c *gin.Context) {
	id, err := pathID(c, "id")
	var req RatingRequest
	if err == nil {
		err = a.bind.JSON(c, &req)
	}
	var p *service.Principal
	if err == nil {
		p, err = a.principal(c)
	}
	if err == nil {
		_, err = a.deps.Issues.Rate(c.Request.Context(), p, id, req.Score, req.Comment)
	}
	a.issueAnswer(c, http.StatusOK, id, err)
}
