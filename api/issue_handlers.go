package api

import (
	"context"
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
	d := IssueDTO{ID: ID(r.ID), CommunityID: ID(r.CommunityID), BuildingID: ID(r.BuildingID), BuildingName: r.BuildingLabel(),
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

func (a *API) reportIssue(c *gin.Context) error {
	var req ReportRequest
	if err := a.bind.Request(c, &req); err != nil {
		return err
	}
	p, err := a.principal(c)
	if err != nil {
		return err
	}
	ctx := c.Request.Context()
	is, err := a.deps.Issues.Report(ctx, p, service.Report{BuildingID: uint64(req.BuildingID), CategoryID: uint64(req.CategoryID),
		Description: req.Description, Location: req.Location, Urgent: req.Urgency == "urgent", Anonymous: req.Anonymous,
		PhotoIDs: Uint64s(req.Photos)})
	if err != nil {
		return err
	}
	// The new issue as a list shows it: one query, not the whole detail (Get).
	it, photos, phone, err := a.deps.Issues.Reported(ctx, p, is.ID, len(req.Photos) > 0)
	if err != nil {
		return err
	}
	out := issueDTO(&it.Row, it.Access, p.UserID, false, photos)
	out.ReporterPhone = phone
	ok(c, http.StatusCreated, out)
	return nil
}

func (a *API) listIssues(c *gin.Context) error {
	var q IssueQuery
	if err := a.bind.Request(c, &q); err != nil {
		return err
	}
	after, err := parseIssueCursor(q.Cursor)
	if err != nil {
		return err
	}
	p, err := a.principal(c)
	if err != nil {
		return err
	}
	ctx := c.Request.Context()
	items, more, err := a.deps.Issues.List(ctx, p, service.IssueQuery{Scope: q.Scope, CommunityID: uint64(q.CommunityID),
		BuildingID: uint64(q.BuildingID), CategoryID: uint64(q.CategoryID), Status: q.Status, After: after, Limit: q.Size()})
	if err != nil {
		return err
	}
	photos, err := a.deps.Issues.ListPhotos(ctx, items)
	if err != nil {
		return err
	}
	newest := q.Scope == service.ScopeMine || q.Scope == service.ScopeFollowing
	ok(c, http.StatusOK, pageOf(items, more, func(it *service.IssueItem) IssueDTO {
		return issueDTO(&it.Row, it.Access, p.UserID, it.Access == service.AccessFollower, photos[it.Row.ID])
	}, func(it *service.IssueItem) string { return issueCursor(it.Row, newest) }))
	return nil
}

func (a *API) similarIssues(c *gin.Context) error {
	var q SimilarQuery
	if err := a.bind.Request(c, &q); err != nil {
		return err
	}
	p, err := a.principal(c)
	if err != nil {
		return err
	}
	ctx := c.Request.Context()
	items, err := a.deps.Issues.Similar(ctx, p, uint64(q.BuildingID), uint64(q.CategoryID))
	if err != nil {
		return err
	}
	photos, err := a.deps.Issues.ListPhotos(ctx, items)
	if err != nil {
		return err
	}
	out := make([]IssueDTO, len(items))
	for i, it := range items {
		out[i] = issueDTO(&it.Row, it.Access, p.UserID, false, photos[it.Row.ID])
	}
	ok(c, http.StatusOK, out)
	return nil
}

func (a *API) getIssue(c *gin.Context) error {
	var req IssuePath
	if err := a.bind.Request(c, &req); err != nil {
		return err
	}
	p, err := a.principal(c)
	if err != nil {
		return err
	}
	d, err := a.deps.Issues.Get(c.Request.Context(), p, uint64(req.ID))
	if err != nil {
		return err
	}
	ok(c, http.StatusOK, a.detailDTO(d, p.UserID))
	return nil
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

// issueAct binds req, runs act as the caller and answers with the issue as the caller now
// sees it.
func (a *API) issueAct(c *gin.Context, req any, id *ID, act func(ctx context.Context, p *service.Principal) error) error {
	if err := a.bind.Request(c, req); err != nil {
		return err
	}
	p, err := a.principal(c)
	if err != nil {
		return err
	}
	if err := act(c.Request.Context(), p); err != nil {
		return err
	}
	d, err := a.deps.Issues.Get(c.Request.Context(), p, uint64(*id))
	if err != nil {
		return err
	}
	ok(c, http.StatusOK, a.detailDTO(d, p.UserID).IssueDTO)
	return nil
}

func (a *API) followIssue(c *gin.Context) error {
	var req IssuePath
	return a.issueAct(c, &req, &req.ID, func(ctx context.Context, p *service.Principal) error {
		_, err := a.deps.Issues.Follow(ctx, p, uint64(req.ID))
		return err
	})
}

func (a *API) unfollowIssue(c *gin.Context) error {
	var req IssuePath
	return a.issueAct(c, &req, &req.ID, func(ctx context.Context, p *service.Principal) error {
		_, err := a.deps.Issues.Unfollow(ctx, p, uint64(req.ID))
		return err
	})
}

func (a *API) moveIssue(c *gin.Context) error {
	var req TransitionRequest
	return a.issueAct(c, &req, &req.ID, func(ctx context.Context, p *service.Principal) error {
		_, err := a.deps.Issues.Move(ctx, p, uint64(req.ID), service.Transition{Action: req.Action, Note: req.Note,
			PhotoIDs: Uint64s(req.Photos), DuplicateOf: uint64(req.DuplicateOf)})
		return err
	})
}

func (a *API) commentIssue(c *gin.Context) error {
	var req CommentRequest
	if err := a.bind.Request(c, &req); err != nil {
		return err
	}
	p, err := a.principal(c)
	if err != nil {
		return err
	}
	cm, err := a.deps.Issues.Comment(c.Request.Context(), p, uint64(req.ID), req.Body, Uint64s(req.Photos))
	if err != nil {
		return err
	}
	d, err := a.deps.Issues.Get(c.Request.Context(), p, uint64(req.ID))
	if err != nil {
		return err
	}
	for _, dto := range a.detailDTO(d, p.UserID).Comments {
		if uint64(dto.ID) == cm.ID {
			ok(c, http.StatusCreated, dto)
			return nil
		}
	}
	return service.Errorf(service.KindInternal, "评论已保存但无法读取")
}

func (a *API) rateIssue(c *gin.Context) error {
	var req RatingRequest
	return a.issueAct(c, &req, &req.ID, func(ctx context.Context, p *service.Principal) error {
		_, err := a.deps.Issues.Rate(ctx, p, uint64(req.ID), req.Score, req.Comment)
		return err
	})
}
