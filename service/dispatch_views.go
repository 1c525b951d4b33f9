package service

import (
	"context"

	"linli/model"
)

// DispatchView is a dispatch as one viewer may see it.
type DispatchView struct {
	Dispatch   model.Dispatch
	Role       DispatchRole
	Building   model.BuildingView
	Volunteer  model.User
	Dispatcher model.User
	Requester  model.User
	// HideRequester: an anonymous issue's reporter, seen by anyone but managers.
	HideRequester bool
	// Description and Location are the source's (detail only).
	Description, Location string
	// Help is the help request a dispatch serves (nil for an issue).
	Help *model.HelpRequest
	// Beneficiary is the help request's name and room, for managers who may call, the
	// requester, and the volunteer once accepted.
	BeneficiaryName, BeneficiaryRoom string
	// Phones of those who must call each other: managers who may call see all; the
	// volunteer, once accepted, the dispatcher's and (help requests) the requester's; the
	// requester, once accepted, the volunteer's.
	VolunteerPhone, RequesterPhone, DispatcherPhone string
	// ShowNote and ShowComment: the completion note and the rating comment are not held, or
	// the viewer wrote them or manages the dispatch. ShowOfferNote and ShowReason: the same
	// for the dispatcher's note and the decline or cancel reason.
	ShowNote, ShowComment     bool
	ShowOfferNote, ShowReason bool
	Photos                    []Photo
}

// accepted reports whether the volunteer has taken the task (and not dropped it).
func accepted(x *model.Dispatch) bool {
	switch x.Status {
	case model.DispatchAccepted, model.DispatchCompleted, model.DispatchConfirmed:
		return true
	}
	return false
}

// Get loads a dispatch with everything its viewer may see.
func (d *Dispatches) Get(ctx context.Context, p *Principal, id uint64) (*DispatchView, error) {
	x, r, err := d.load(ctx, p, id)
	if err != nil {
		return nil, err
	}
	v := &DispatchView{Dispatch: *x, Role: r}
	if err := d.fill(ctx, []*DispatchView{v}); err != nil {
		return nil, err
	}
	src, err := d.sourceOf(ctx, x.SourceKind, x.SourceID)
	if err != nil {
		return nil, err
	}
	v.Description = src.description
	live := accepted(x)
	if src.issue != nil {
		v.Location = src.issue.Location
		v.HideRequester = hidesReporter(p, src.issue)
	}
	if h := src.help; h != nil {
		v.Help = h
		if r.CanCall || r.Requester || (r.Volunteer && live) {
			v.BeneficiaryName, v.BeneficiaryRoom = h.BeneficiaryName, h.BeneficiaryRoom
		}
	}
	phone := func(u *model.User) string { return d.users.PhoneOf(u) }
	switch {
	case r.CanCall:
		v.VolunteerPhone, v.RequesterPhone, v.DispatcherPhone = phone(&v.Volunteer), phone(&v.Requester), phone(&v.Dispatcher)
	case r.Volunteer && live && x.Status != model.DispatchConfirmed:
		v.DispatcherPhone = phone(&v.Dispatcher)
		if src.help != nil {
			v.RequesterPhone = phone(&v.Requester)
		}
	case r.Requester && live && x.Status != model.DispatchConfirmed:
		v.VolunteerPhone = phone(&v.Volunteer)
	}
	photos, err := d.uploads.Photos(ctx, PhotoDispatch, []uint64{x.ID})
	if err != nil {
		return nil, err
	}
	v.Photos = photos[x.ID]
	return v, nil
}

// fill loads the names a view shows and decides what of its text the viewer may read.
func (d *Dispatches) fill(ctx context.Context, vs []*DispatchView) error {
	var userIDs, buildingIDs []uint64
	for _, v := range vs {
		x := &v.Dispatch
		userIDs = append(userIDs, x.VolunteerID, x.DispatcherID, x.RequesterID)
		buildingIDs = append(buildingIDs, x.BuildingID)
	}
	users, err := d.store.UsersByIDs(ctx, userIDs)
	if err != nil {
		return err
	}
	buildings, err := d.store.BuildingsByIDs(ctx, buildingIDs)
	if err != nil {
		return err
	}
	for _, v := range vs {
		x := &v.Dispatch
		v.Volunteer, v.Dispatcher, v.Requester = users[x.VolunteerID], users[x.DispatcherID], users[x.RequesterID]
		v.Building = buildings[x.BuildingID]
		// An issue's reporter may be anonymous: lists hide every reporter from volunteers; Get
		// decides by the issue.
		v.HideRequester = x.SourceKind == model.DispatchFromIssue && !v.Role.Manager && !v.Role.Requester
		v.ShowNote = !x.NoteHeld || v.Role.Volunteer || v.Role.Manager
		v.ShowComment = !x.CommentHeld || v.Role.Manager || (x.ConfirmerID != nil && *x.ConfirmerID == v.Role.Viewer)
		v.ShowOfferNote = !x.OfferNoteHeld || v.Role.Manager
		v.ShowReason = !x.ReasonHeld || v.Role.Manager || (v.Role.Volunteer && x.Status == model.DispatchDeclined)
	}
	return nil
}

// List returns a page of dispatches, newest first, and the id the next page starts below (0:
// no more): mine (I serve them), requested (I asked for them), managed (my buildings or
// community). Status "open" means offered or accepted.
func (d *Dispatches) List(ctx context.Context, p *Principal, q ListQuery) ([]*DispatchView, uint64, error) {
	var f model.ScopeFilter
	switch q.Scope {
	case ListMine:
		f = model.ScopeFilter{PersonColumn: "volunteer_id", PersonID: p.UserID, BeforeID: q.BeforeID, Limit: q.Limit + 1}
	case ListRequested:
		f = model.ScopeFilter{PersonColumn: "requester_id", PersonID: p.UserID, BeforeID: q.BeforeID, Limit: q.Limit + 1}
	case ListManaged:
		var err error
		if f, err = managedFilter(p, q); err != nil {
			return nil, 0, err
		}
	default:
		return nil, 0, Invalid("scope", "scope 只能是 mine、requested 或 managed")
	}
	switch q.Status {
	case "":
	case "open":
		f.Statuses = model.DispatchOpenStatuses
	default:
		f.Statuses = []string{q.Status}
	}
	rows, err := d.store.Dispatches(ctx, f)
	if err != nil {
		return nil, 0, err
	}
	rows, more := trimPage(rows, q.Limit)
	var next uint64
	if more {
		next = rows[len(rows)-1].ID
	}
	out, err := d.Summaries(ctx, p, rows)
	if err != nil {
		return nil, 0, err
	}
	return out, next, nil
}

// Summaries are list views of dispatches the caller may see (a list page, a help request's
// dispatches): names, no source text, no phones.
func (d *Dispatches) Summaries(ctx context.Context, p *Principal, rows []model.Dispatch) ([]*DispatchView, error) {
	out := make([]*DispatchView, len(rows))
	for i := range rows {
		out[i] = &DispatchView{Dispatch: rows[i], Role: roleOf(p, &rows[i])}
	}
	if err := d.fill(ctx, out); err != nil {
		return nil, err
	}
	return out, nil
}
