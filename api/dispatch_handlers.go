package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"linli/service"
)

// The handlers of help requests and dispatches (routes and DTOs in dispatch.go).

func (a *API) createHelpRequest(c *gin.Context) {
	var req HelpRequestRequest
	err := a.bind.JSON(c, &req)
	var in service.HelpInput
	if err == nil {
		in = service.HelpInput{BuildingID: uint64(req.BuildingID), SkillID: uint64(req.SkillID), Description: req.Description,
			BeneficiaryName: req.BeneficiaryName, BeneficiaryRoom: req.BeneficiaryRoom}
		in.PreferredAt, err = parseTimeField("preferred_at", req.PreferredAt)
	}
	var p *service.Principal
	if err == nil {
		p, err = a.principal(c)
	}
	if err == nil {
		hr, cerr := a.deps.HelpRequests.Create(c.Request.Context(), p, in)
		if cerr == nil {
			a.helpAnswer(c, http.StatusCreated, hr.ID)
			return
		}
		err = cerr
	}
	fail(c, a.log, err)
}

// helpAnswer answers with the help request as the caller now sees it.
func (a *API) helpAnswer(c *gin.Context, status int, id uint64) {
	p, err := a.principal(c)
	var v *service.HelpView
	if err == nil {
		v, err = a.deps.HelpRequests.Get(c.Request.Context(), p, id)
	}
	if err != nil {
		fail(c, a.log, err)
		return
	}
	d := helpRequestDTO(v)
	views, err := a.deps.Dispatches.Summaries(c.Request.Context(), p, v.Dispatches)
	if err != nil {
		fail(c, a.log, err)
		return
	}
	for _, dv := range views {
		d.Dispatches = append(d.Dispatches, dispatchDTO(dv))
	}
	ok(c, status, d)
}

func (a *API) getHelpRequest(c *gin.Context) {
	id, err := pathID(c, "id")
	if err != nil {
		fail(c, a.log, err)
		return
	}
	a.helpAnswer(c, http.StatusOK, id)
}

// listQuery binds a list's query into the service's form.
func (a *API) listQuery(c *gin.Context) (*service.Principal, service.ListQuery, error) {
	var q ListQuery
	err := a.bind.Query(c, &q)
	var before uint64
	if err == nil {
		before, err = cursorID(q.Cursor)
	}
	var p *service.Principal
	if err == nil {
		p, err = a.principal(c)
	}
	return p, service.ListQuery{Scope: q.Scope, Status: q.Status, CommunityID: uint64(q.CommunityID),
		BuildingID: uint64(q.BuildingID), BeforeID: before, Limit: q.Size()}, err
}

func nextCursor(next uint64) string {
	if next == 0 {
		return ""
	}
	return idCursor(next)
}

func (a *API) listHelpRequests(c *gin.Context) {
	p, q, err := a.listQuery(c)
	var items []*service.HelpView
	var next uint64
	if err == nil {
		items, next, err = a.deps.HelpRequests.List(c.Request.Context(), p, q)
	}
	if err != nil {
		fail(c, a.log, err)
		return
	}
	page := Page[HelpRequestDTO]{Items: make([]HelpRequestDTO, len(items)), NextCursor: nextCursor(next)}
	for i, v := range items {
		page.Items[i] = helpRequestDTO(v)
	}
	ok(c, http.StatusOK, page)
}

func (a *API) createDispatch(c *gin.Context) {
	var req DispatchRequest
	err := a.bind.JSON(c, &req)
	var p *service.Principal
	if err == nil {
		p, err = a.principal(c)
	}
	if err == nil {
		x, derr := a.deps.Dispatches.Offer(c.Request.Context(), p, service.OfferInput{IssueID: uint64(req.IssueID),
			HelpRequestID: uint64(req.HelpRequestID), VolunteerID: uint64(req.VolunteerID), Note: req.Note})
		if derr == nil {
			a.dispatchAnswer(c, http.StatusCreated, x.ID, nil)
			return
		}
		err = derr
	}
	fail(c, a.log, err)
}

// dispatchAnswer answers with the dispatch as the caller now sees it, unless err.
func (a *API) dispatchAnswer(c *gin.Context, status int, id uint64, err error) {
	var p *service.Principal
	if err == nil {
		p, err = a.principal(c)
	}
	var v *service.DispatchView
	if err == nil {
		v, err = a.deps.Dispatches.Get(c.Request.Context(), p, id)
	}
	if err != nil {
		fail(c, a.log, err)
		return
	}
	ok(c, status, dispatchDTO(v))
}

func (a *API) listDispatches(c *gin.Context) {
	p, q, err := a.listQuery(c)
	var items []*service.DispatchView
	var next uint64
	if err == nil {
		items, next, err = a.deps.Dispatches.List(c.Request.Context(), p, q)
	}
	if err != nil {
		fail(c, a.log, err)
		return
	}
	page := Page[DispatchDTO]{Items: make([]DispatchDTO, len(items)), NextCursor: nextCursor(next)}
	for i, v := range items {
		page.Items[i] = dispatchDTO(v)
	}
	ok(c, http.StatusOK, page)
}

func (a *API) getDispatch(c *gin.Context) {
	id, err := pathID(c, "id")
	a.dispatchAnswer(c, http.StatusOK, id, err)
}

// dispatchStep binds the path (and the body into req, when not nil: an empty body leaves req
// zero, as every field of these bodies is optional or checked by the service), runs step and
// answers with the dispatch.
func (a *API) dispatchStep(c *gin.Context, req any, step func(p *service.Principal, id uint64) error) {
	id, err := pathID(c, "id")
	if err == nil && req != nil && (c.Request.ContentLength != 0 || c.GetHeader("Content-Type") != "") {
		err = a.bind.JSON(c, req)
	}
	var p *service.Principal
	if err == nil {
		p, err = a.principal(c)
	}
	if err == nil {
		err = step(p, id)
	}
	a.dispatchAnswer(c, http.StatusOK, id, err)
}

func (a *API) acceptDispatch(c *gin.Context) {
	a.dispatchStep(c, nil, func(p *service.Principal, id uint64) error {
		return a.deps.Dispatches.Accept(c.Request.Context(), p, id)
	})
}

func (a *API) declineDispatch(c *gin.Context) {
	var req ReasonRequest
	a.dispatchStep(c, &req, func(p *service.Principal, id uint64) error {
		return a.deps.Dispatches.Decline(c.Request.Context(), p, id, req.Reason)
	})
}

func (a *API) cancelDispatch(c *gin.Context) {
	var req ReasonRequest
	a.dispatchStep(c, &req, func(p *service.Principal, id uint64) error {
		return a.deps.Dispatches.Cancel(c.Request.Context(), p, id, req.Reason)
	})
}

func (a *API) completeDispatch(c *gin.Context) {
	var req CompleteRequest
	a.dispatchStep(c, &req, func(p *service.Principal, id uint64) error {
		return a.deps.Dispatches.Complete(c.Request.Context(), p, id, service.Completion{Note: req.Note,
			Minutes: req.Minutes, PhotoIDs: Uint64s(req.Photos)})
	})
}

func (a *API) confirmDispatch(c *gin.Context) {
	var req ConfirmRequest
	a.dispatchStep(c, &req, func(p *service.Principal, id uint64) error {
		return a.deps.Dispatches.Confirm(c.Request.Context(), p, id, service.Rating{Score: req.Score, Comment: req.Comment})
	})
}
