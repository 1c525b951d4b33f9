package service

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"linli/clock"
	"linli/model"
)

// DispatchPointsPerHour is the points rule written on the service record of a confirmed
// dispatch, in hundredths of a point per hour (100 = 1 point an hour, the seeds' rule). The
// time bank will make it a community setting; the record keeps the rule that applied.
const DispatchPointsPerHour = 100

// DispatchConfig is dispatch's configuration (config dispatch.*).
type DispatchConfig struct {
	// OfferTTL is how long a volunteer has to answer an offer.
	OfferTTL time.Duration
	// MaxOpen is how many offered or accepted dispatches one volunteer may hold.
	MaxOpen int
}

// Dispatches is 派单: a captain or staff sends one volunteer to an issue or a help request;
// offered → accepted → completed → confirmed, or declined, cancelled, expired. Every step is
// one conditional UPDATE of the dispatch, after locking the volunteer's profile row (the
// first statement of each transaction), so that racing steps have one winner and the
// volunteer's open-dispatch counter can never pass the cap nor drift.
type Dispatches struct {
	store   *model.Store
	issues  *Issues
	uploads *Uploads
	safety  *Safety
	notify  *Notifier
	users   *Users
	cfg     DispatchConfig
	now     func() time.Time
	// listings learns of every change to a volunteer's open dispatches or rating, which order
	// the directory (nil: nobody to tell).
	listings *Skills
}

// NewDispatches builds the dispatch service.
func NewDispatches(store *model.Store, issues *Issues, uploads *Uploads, safety *Safety, notify *Notifier,
	users *Users, cfg DispatchConfig) *Dispatches {
	return &Dispatches{store: store, issues: issues, uploads: uploads, safety: safety, notify: notify, users: users,
		cfg: cfg, now: func() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }}
}

// SetClock makes the service read the time from now (tests move it past an offer's expiry);
// call it before the service is in use.
func (d *Dispatches) SetClock(now func() time.Time) { d.now = now }

// DispatchStatusText is how each status reads.
var DispatchStatusText = map[string]string{
	model.DispatchOffered: "待接单", model.DispatchAccepted: "已接单", model.DispatchDeclined: "已婉拒",
	model.DispatchCancelled: "已取消", model.DispatchExpired: "已超时", model.DispatchCompleted: "待确认",
	model.DispatchConfirmed: "已确认",
}

// OfferInput is a dispatch as the dispatcher asks for it: exactly one source.
type OfferInput struct {
	IssueID, HelpRequestID uint64
	VolunteerID            uint64
	Note                   string
}

// dispatchSource is what a dispatch is for.
type dispatchSource struct {
	kind                                 string
	id, communityID, buildingID, reqerID uint64
	title, description                   string
	help                                 *model.HelpRequest
	issue                                *model.Issue
}

func (d *Dispatches) sourceOf(ctx context.Context, kind string, id uint64) (*dispatchSource, error) {
	src := &dispatchSource{kind: kind, id: id}
	if kind == model.DispatchFromIssue {
		is, err := d.store.IssueByID(ctx, id)
		if errors.Is(err, model.ErrNotFound) {
			return nil, Errorf(KindNotFound, "报事不存在或无权查看")
		}
		if err != nil {
			return nil, err
		}
		cat, err := d.store.CategoryByID(ctx, is.CategoryID)
		if err != nil {
			return nil, err
		}
		src.issue, src.communityID, src.buildingID, src.reqerID = is, is.CommunityID, is.BuildingID, is.ReporterID
		src.title, src.description = cat.Name, is.Description
		return src, nil
	}
	h, err := d.store.HelpRequestByID(ctx, id)
	if errors.Is(err, model.ErrNotFound) {
		return nil, Errorf(KindNotFound, "求助不存在或无权查看")
	}
	if err != nil {
		return nil, err
	}
	skills, err := d.store.SkillsByIDs(ctx, []uint64{h.SkillID})
	if err != nil {
		return nil, err
	}
	src.help, src.communityID, src.buildingID, src.reqerID = h, h.CommunityID, h.BuildingID, h.RequesterID
	src.title, src.description = skills[h.SkillID].Name, h.Description
	return src, nil
}

// Offer dispatches one volunteer (a listed person of the community) to an issue or a help
// request, for the building's captain or the community's staff. In one transaction: the
// volunteer's slot is taken by a conditional UPDATE of their counter (409 at the cap), a help
// request moves open → dispatched, and the dispatch row's unique live key refuses a second
// live dispatch of the same source (409); the volunteer is notified.
func (d *Dispatches) Offer(ctx context.Context, p *Principal, in OfferInput) (*model.Dispatch, error) {
	kind, id := model.DispatchFromIssue, in.IssueID
	switch {
	case (in.IssueID == 0) == (in.HelpRequestID == 0):
		return nil, Invalid("issue_id", "请指定 issue_id 或 help_request_id 其中之一")
	case in.HelpRequestID != 0:
		kind, id = model.DispatchFromHelp, in.HelpRequestID
	}
	src, err := d.sourceOf(ctx, kind, id)
	if err != nil {
		return nil, err
	}
	scope := Scope{CommunityID: src.communityID, BuildingID: src.buildingID}
	if err := Authorize(p, ActDispatchManage, scope); err != nil {
		return nil, err
	}
	switch {
	case src.help != nil && src.help.Held && !p.Can(ActSkillsManage, scope):
		return nil, Errorf(KindForbidden, "该求助待审核，只有社区工作者可以派单")
	case src.help != nil && src.help.Status != model.HelpOpen:
		return nil, Errorf(KindConflict, "该求助已派单或已完成")
	case src.issue != nil && !slices.Contains(model.IssueOpenStatuses, src.issue.Status):
		return nil, Errorf(KindConflict, "该报事当前状态为「%s」，不能派单", StatusText[src.issue.Status])
	case in.VolunteerID == src.reqerID:
		return nil, Invalid("volunteer_id", "不能派给"+requesterNoun(kind)+"自己")
	}
	prof, err := d.store.SkillProfileOf(ctx, in.VolunteerID)
	if errors.Is(err, model.ErrNotFound) || (err == nil && (prof.Withdrawn || prof.CommunityID != src.communityID)) {
		return nil, Invalid("volunteer_id", "该用户未在本社区能人库登记")
	}
	if err != nil {
		return nil, err
	}
	if u, err := d.store.UserByID(ctx, in.VolunteerID); err != nil || u.DeletedAt != nil {
		return nil, Invalid("volunteer_id", "该用户未在本社区能人库登记")
	}
	if !prof.Listed() {
		return nil, Errorf(KindConflict, "该志愿者目前暂停接单")
	}
	note, err := CleanText(TextRule{Field: "note", What: "派单说明", Max: 200, Multiline: true}, in.Note)
	if err != nil {
		return nil, err
	}
	noteHeld, err := d.safety.Screen(ctx, d.store, p.UserID, SceneComment, "派单说明", note)
	if err != nil {
		return nil, err
	}
	now := d.now()
	key := fmt.Sprintf("%s:%d", kind, id)
	x := &model.Dispatch{CommunityID: src.communityID, BuildingID: src.buildingID, SourceKind: kind, SourceID: id,
		LiveKey: &key, Title: clip(src.title, 32), VolunteerID: in.VolunteerID, DispatcherID: p.UserID, RequesterID: src.reqerID,
		Status: model.DispatchOffered, Note: note, OfferNoteHeld: noteHeld, OfferedAt: now, ExpiresAt: now.Add(d.cfg.OfferTTL), UpdatedAt: now}
	err = d.store.Tx(ctx, func(tx *model.Store) error {
		ok, err := tx.ReserveDispatchSlot(ctx, in.VolunteerID, src.communityID, d.cfg.MaxOpen)
		if err != nil {
			return err
		}
		if !ok {
			return Errorf(KindConflict, "该志愿者已有 %d 个进行中的派单（或已暂停接单），请选择其他人", d.cfg.MaxOpen)
		}
		if src.help != nil {
			moved, err := tx.MoveHelpRequest(ctx, id, model.HelpOpen, model.HelpDispatched, true)
			if err != nil {
				return err
			}
			if !moved {
				return Errorf(KindConflict, "该求助已派单或已完成")
			}
		}
		if err := tx.CreateDispatch(ctx, x); err != nil {
			if errors.Is(err, model.ErrConflict) {
				return Errorf(KindConflict, "该事项已有进行中的派单")
			}
			return err
		}
		b, err := tx.BuildingByID(ctx, x.BuildingID)
		if err != nil {
			return err
		}
		return d.tell(ctx, tx, x, x.VolunteerID, NoticeDispatchOffer, "新的派单："+x.Title,
			fmt.Sprintf("%s：%s。请在 %s 前答复", b.Label(), clip(src.description, 60), x.ExpiresAt.In(clock.China).Format("01-02 15:04")))
	})
	if err != nil {
		return nil, err
	}
	d.changed(ctx, x)
	return x, nil
}

// DispatchRole is how a viewer relates to a dispatch.
type DispatchRole struct {
	Viewer               uint64
	Volunteer, Requester bool
	// Manager: captain of the building, staff of the community, admin.
	Manager bool
	// CanCall: captain of the building or staff of the community (not a platform admin).
	CanCall bool
}

func roleOf(p *Principal, x *model.Dispatch) DispatchRole {
	scope := Scope{CommunityID: x.CommunityID, BuildingID: x.BuildingID}
	return DispatchRole{Viewer: p.UserID, Volunteer: p.UserID == x.VolunteerID, Requester: p.UserID == x.RequesterID,
		Manager: p.Can(ActDispatchManage, scope), CanCall: p.Staff[x.CommunityID] || p.Captain[x.BuildingID] == x.CommunityID}
}

func (r DispatchRole) any() bool { return r.Volunteer || r.Requester || r.Manager }

// load reads a dispatch its viewer has a part in (404 outside the community, 403 inside).
func (d *Dispatches) load(ctx context.Context, p *Principal, id uint64) (*model.Dispatch, DispatchRole, error) {
	x, err := d.store.DispatchByID(ctx, id)
	if errors.Is(err, model.ErrNotFound) {
		return nil, DispatchRole{}, Errorf(KindNotFound, "派单不存在或无权查看")
	}
	if err != nil {
		return nil, DispatchRole{}, err
	}
	r := roleOf(p, x)
	if !r.any() {
		return nil, r, denied(p, x.CommunityID, "派单")
	}
	return x, r, nil
}

// step runs one transition: lock the volunteer's profile row, move the dispatch by one
// conditional UPDATE (409 naming the current status when it does not apply), then rest in the
// same transaction with the locked profile (nil when the volunteer has none).
func (d *Dispatches) step(ctx context.Context, x *model.Dispatch, m model.DispatchMove, verb string,
	rest func(tx *model.Store, prof *model.SkillProfile) error) error {
	err := d.store.Tx(ctx, func(tx *model.Store) error {
		prof, err := tx.LockSkillProfile(ctx, x.VolunteerID)
		if errors.Is(err, model.ErrNotFound) {
			prof, err = nil, nil
		}
		if err != nil {
			return err
		}
		moved, err := tx.MoveDispatch(ctx, x.ID, m)
		if err != nil {
			return err
		}
		if !moved {
			cur, err := tx.DispatchByID(ctx, x.ID)
			if err != nil {
				return err
			}
			if cur.Status == model.DispatchOffered && !cur.ExpiresAt.After(d.now()) {
				return Errorf(KindConflict, "该派单已超过答复时限，不能%s", verb)
			}
			return Errorf(KindConflict, "该派单当前状态为「%s」，不能%s", DispatchStatusText[cur.Status], verb)
		}
		return rest(tx, prof)
	})
	if err != nil {
		return err
	}
	d.changed(ctx, x)
	return nil
}

// changed tells the directory that a volunteer's open dispatches or rating changed, and the
// queues that the dispatch's issue (when it has one) may have moved.
func (d *Dispatches) changed(ctx context.Context, x *model.Dispatch) {
	if d.listings != nil {
		d.listings.directoryChanged(ctx)
	}
	if x.SourceKind == model.DispatchFromIssue {
		d.issues.issuesChanged(ctx, x.CommunityID, x.BuildingID)
	}
}

// reopen gives the volunteer's slot back and reopens a help request for another dispatch.
func (d *Dispatches) reopen(ctx context.Context, tx *model.Store, x *model.Dispatch) error {
	if err := tx.ReleaseDispatchSlot(ctx, x.VolunteerID); err != nil {
		return err
	}
	if x.SourceKind == model.DispatchFromHelp {
		_, err := tx.MoveHelpRequest(ctx, x.SourceID, model.HelpDispatched, model.HelpOpen, false)
		return err
	}
	return nil
}

// tell notifies one person about a dispatch, inside tx.
func (d *Dispatches) tell(ctx context.Context, tx *model.Store, x *model.Dispatch, to uint64, kind, title, body string) error {
	return d.notify.Enqueue(ctx, tx, Notice{UserID: to, CommunityID: x.CommunityID, Kind: kind, Title: title, Body: body,
		Link: fmt.Sprintf("pages/dispatch/detail?id=%d", x.ID)})
}

// nickname is a user's nickname for a notification ("志愿者" when unknown).
func (d *Dispatches) nickname(ctx context.Context, tx *model.Store, id uint64) string {
	if u, err := tx.UserByID(ctx, id); err == nil && u.Nickname != "" {
		return u.Nickname
	}
	return "志愿者"
}

// ExpireDue expires the offers nobody answered in time and tells their dispatchers, who may
// offer the task to someone else. Each expiry is the same conditional step as a person's
// (offered and past its time), so several instances running it at once expire each offer once.
func (d *Dispatches) ExpireDue(ctx context.Context) (int, error) {
	now := d.now()
	due, err := d.store.DueOffers(ctx, now, 200)
	if err != nil {
		return 0, err
	}
	n := 0
	for i := range due {
		x := &due[i]
		expired := false
		err := d.step(ctx, x, model.DispatchMove{From: []string{model.DispatchOffered}, Close: true,
			Set: map[string]any{"status": model.DispatchExpired, "closed_at": now, "updated_at": now}}, "超时",
			func(tx *model.Store, _ *model.SkillProfile) error {
				expired = true
				if err := d.reopen(ctx, tx, x); err != nil {
					return err
				}
				return d.tell(ctx, tx, x, x.DispatcherID, NoticeDispatchExpired, "派单已超时："+x.Title,
					d.nickname(ctx, tx, x.VolunteerID)+" 未在时限内答复，可改派他人")
			})
		if KindOf(err) == KindConflict { // answered or expired meanwhile (another instance)
			continue
		}
		if err != nil {
			return n, err
		}
		if expired {
			n++
		}
	}
	return n, nil
}
