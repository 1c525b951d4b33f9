package service

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"linli/model"
)

// HelpRequests is 居民点单: a resident asks for help with a skill, or a captain asks on behalf
// of someone who cannot use the phone. The dispatching is in dispatch.go.
type HelpRequests struct {
	store  *model.Store
	places *Places
	skills *Skills
	safety *Safety
	notify *Notifier
	users  *Users
	// maxOpen is how many of their own help requests a person may have open at once (0: any).
	maxOpen int
	now     func() time.Time
}

// NewHelpRequests builds the help request service; maxOpen caps the help requests a person
// has open for themselves at once (config limits.help_open_per_user; 0: no cap).
func NewHelpRequests(store *model.Store, places *Places, skills *Skills, safety *Safety, notify *Notifier, users *Users,
	maxOpen int) *HelpRequests {
	return &HelpRequests{store: store, places: places, skills: skills, safety: safety, notify: notify, users: users,
		maxOpen: maxOpen, now: func() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }}
}

// HelpInput is a help request as filed.
type HelpInput struct {
	BuildingID  uint64
	SkillID     uint64
	Description string
	PreferredAt *time.Time
	// BeneficiaryName and BeneficiaryRoom file it on behalf of someone (captain or staff only).
	BeneficiaryName, BeneficiaryRoom string
}

// Create files a help request. For oneself: an approved resident of the building. On behalf
// of someone (a name is given): the building's captain or the community's staff, and the room
// is required. Risky text is refused (422); text content safety cannot clear now is kept but
// held: only staff see and dispatch it. The building's captains (else staff) are told.
//
// A person may have at most maxOpen of their own requests not yet done (409 beyond): each tells
// the captains, who help one by one. Requests on behalf of someone are not capped: a captain
// files them for many neighbours.
func (h *HelpRequests) Create(ctx context.Context, p *Principal, in HelpInput) (*model.HelpRequest, error) {
	b, err := h.places.Building(ctx, in.BuildingID)
	if err != nil {
		return nil, err
	}
	scope := Scope{CommunityID: b.CommunityID, BuildingID: b.ID}
	name, room := strings.TrimSpace(in.BeneficiaryName), strings.TrimSpace(in.BeneficiaryRoom)
	onBehalf := name != "" || room != ""
	switch {
	case onBehalf:
		if err := Authorize(p, ActDispatchManage, scope); err != nil {
			return nil, err
		}
		if name == "" {
			return nil, Invalid("beneficiary_name", "代人求助时请填写求助人的称呼")
		}
		if room == "" {
			return nil, Invalid("beneficiary_room", "代人求助时请填写求助人的房号")
		}
	case !p.Can(ActResidentAct, scope) && p.Can(ActDispatchManage, scope):
		return nil, Invalid("beneficiary_name", "楼栋长代人求助时请填写求助人的称呼和房号")
	default:
		if err := Authorize(p, ActResidentAct, scope); err != nil {
			return nil, err
		}
	}
	if utf8.RuneCountInString(name) > 32 || utf8.RuneCountInString(room) > 32 {
		return nil, Invalid("beneficiary_name", "称呼和房号均不能超过 32 个字")
	}
	desc := strings.TrimSpace(in.Description)
	if desc == "" {
		return nil, Invalid("description", "请描述需要什么帮助")
	}
	sk, err := h.skills.Resolve(ctx, b.CommunityID, "skill_id", idStr(in.SkillID))
	if err != nil {
		return nil, err
	}
	if !onBehalf && h.maxOpen > 0 { // early, to spare the content-safety call; the transaction decides
		if n, err := h.store.OpenHelpRequestsOf(ctx, p.UserID); err == nil && n >= int64(h.maxOpen) {
			return nil, tooManyOpen(n)
		}
	}
	held := false
	switch h.checkText(ctx, p.UserID, desc+"\n"+name+"\n"+room) {
	case VerdictRisky:
		return nil, Errorf(KindUnprocessable, "内容未通过安全检查，请修改后再提交")
	case VerdictReview:
		held = true
	}
	now := h.now()
	hr := &model.HelpRequest{CommunityID: b.CommunityID, BuildingID: b.ID, RequesterID: p.UserID, SkillID: sk.ID,
		Description: desc, PreferredAt: in.PreferredAt, OnBehalf: onBehalf, BeneficiaryName: name, BeneficiaryRoom: room,
		Held: held, Status: model.HelpOpen, CreatedAt: now, UpdatedAt: now}
	err = retryTx(ctx, h.store, func(tx *model.Store) error {
		hr.ID = 0 // a deadlock victim's run again inserts anew
		if !onBehalf {
			if err := h.checkOpen(ctx, tx, p.UserID); err != nil {
				return err
			}
		}
		if err := tx.CreateHelpRequest(ctx, hr); err != nil {
			return err
		}
		if held {
			return nil
		}
		to, err := tx.CaptainsOf(ctx, b.ID)
		if err != nil {
			return err
		}
		if len(to) == 0 {
			if to, err = tx.StaffOf(ctx, b.CommunityID); err != nil {
				return err
			}
		}
		var notices []Notice
		for _, uid := range to {
			if uid != p.UserID {
				notices = append(notices, Notice{UserID: uid, CommunityID: b.CommunityID, Kind: NoticeHelpRequestNew,
					Title: "居民求助：" + sk.Name, Body: b.Label() + "：" + clip(desc, 100), Link: helpLink(hr.ID)})
			}
		}
		return h.notify.Enqueue(ctx, tx, notices...)
	})
	if err != nil {
		return nil, err
	}
	return hr, nil
}

// checkOpen refuses a new help request of the user's own while maxOpen are not done. The user's
// row lock orders one person's concurrent requests, so that the count cannot be raced past.
func (h *HelpRequests) checkOpen(ctx context.Context, tx *model.Store, userID uint64) error {
	if h.maxOpen <= 0 {
		return nil
	}
	if _, err := tx.LockLiveUser(ctx, userID); err != nil {
		if errors.Is(err, model.ErrNotFound) {
			return Errorf(KindUnauthorized, "登录已失效，请重新登录")
		}
		return err
	}
	n, err := tx.OpenHelpRequestsOf(ctx, userID)
	if err != nil {
		return err
	}
	if n >= int64(h.maxOpen) {
		return tooManyOpen(n)
	}
	return nil
}

// tooManyOpen is the refusal of a help request while n of the person's own are open.
func tooManyOpen(n int64) error {
	return Errorf(KindConflict, "您已有 %d 个未完成的求助，请等志愿者处理完再提交新的求助；着急的话可以直接联系楼栋长", n)
}

func helpLink(id uint64) string { return fmt.Sprintf("pages/help/detail?id=%d", id) }

// checkText runs the content-safety check with the author's openid.
func (h *HelpRequests) checkText(ctx context.Context, userID uint64, text string) Verdict {
	openid := ""
	if u, err := h.store.UserByID(ctx, userID); err == nil && u.OpenID != nil {
		openid = *u.OpenID
	}
	return h.safety.Text(ctx, openid, SceneForum, text)
}

// HelpView is a help request as one viewer may see it.
type HelpView struct {
	Request   model.HelpRequest
	SkillName string
	Building  model.BuildingView
	Requester model.User
	// Personal: the viewer may read the beneficiary's name and room (the requester, the
	// building's captain, the community's staff, the volunteer who accepted it).
	Personal bool
	// RequesterPhone is set for the building's captain and the community's staff.
	RequesterPhone string
	// Dispatches are its dispatches, newest first, for the requester and managers.
	Dispatches []model.Dispatch
}

// Get loads a help request for a viewer: its requester, the building's captain, the
// community's staff (held ones: requester and staff only), and a volunteer it was dispatched to.
func (h *HelpRequests) Get(ctx context.Context, p *Principal, id uint64) (*HelpView, error) {
	hr, err := h.store.HelpRequestByID(ctx, id)
	if errors.Is(err, model.ErrNotFound) {
		return nil, Errorf(KindNotFound, "求助不存在或无权查看")
	}
	if err != nil {
		return nil, err
	}
	ds, err := h.store.DispatchesOf(ctx, model.DispatchFromHelp, id)
	if err != nil {
		return nil, err
	}
	scope := Scope{CommunityID: hr.CommunityID, BuildingID: hr.BuildingID}
	mine := p.UserID == hr.RequesterID
	manager := p.Can(ActDispatchManage, scope) && (!hr.Held || p.Can(ActSkillsManage, scope))
	volunteer, accepted := false, false
	for _, d := range ds {
		if d.VolunteerID == p.UserID && d.Status != model.DispatchDeclined && d.Status != model.DispatchCancelled &&
			d.Status != model.DispatchExpired {
			volunteer = true
			accepted = accepted || d.Status != model.DispatchOffered
		}
	}
	if !mine && !manager && !volunteer {
		return nil, denied(p, hr.CommunityID, "求助")
	}
	canCall := p.Staff[hr.CommunityID] || p.Captain[hr.BuildingID] == hr.CommunityID
	v := &HelpView{Request: *hr, Personal: mine || canCall || accepted}
	if mine || manager {
		v.Dispatches = ds
	}
	if err := h.fill(ctx, []*HelpView{v}); err != nil {
		return nil, err
	}
	if canCall {
		v.RequesterPhone = h.users.PhoneOf(&v.Requester)
	}
	return v, nil
}

// fill loads the names a view shows.
func (h *HelpRequests) fill(ctx context.Context, vs []*HelpView) error {
	var skillIDs, buildingIDs, userIDs []uint64
	for _, v := range vs {
		skillIDs = append(skillIDs, v.Request.SkillID)
		buildingIDs = append(buildingIDs, v.Request.BuildingID)
		userIDs = append(userIDs, v.Request.RequesterID)
	}
	skills, err := h.store.SkillsByIDs(ctx, skillIDs)
	if err != nil {
		return err
	}
	buildings, err := h.store.BuildingsByIDs(ctx, buildingIDs)
	if err != nil {
		return err
	}
	users, err := h.store.UsersByIDs(ctx, userIDs)
	if err != nil {
		return err
	}
	for _, v := range vs {
		v.SkillName = skills[v.Request.SkillID].Name
		v.Building = buildings[v.Request.BuildingID]
		v.Requester = users[v.Request.RequesterID]
	}
	return nil
}

// List scopes of help requests and dispatches.
const (
	ListMine      = "mine"      // help requests I filed; dispatches I serve
	ListRequested = "requested" // dispatches of what I asked for
	ListManaged   = "managed"   // a captain's buildings, a staff member's community
)

// ListQuery selects a page of help requests or dispatches, newest first.
type ListQuery struct {
	Scope       string
	Status      string
	CommunityID uint64
	BuildingID  uint64
	BeforeID    uint64
	Limit       int
}

// managedFilter turns a managed list's query into the viewer's scope: staff communities,
// captain buildings, or (admin) the community asked for.
func managedFilter(p *Principal, q ListQuery) (model.ScopeFilter, error) {
	f := model.ScopeFilter{CommunityID: q.CommunityID, BuildingID: q.BuildingID, BeforeID: q.BeforeID, Limit: q.Limit + 1}
	if q.CommunityID != 0 {
		if err := Authorize(p, ActDispatchManage, Scope{CommunityID: q.CommunityID}); err != nil {
			return f, err
		}
	}
	for c := range p.Staff {
		f.Communities = append(f.Communities, c)
	}
	for b := range p.Captain {
		f.Buildings = append(f.Buildings, b)
	}
	if p.Admin && q.CommunityID != 0 {
		f.Communities = []uint64{q.CommunityID}
	}
	if len(f.Communities) == 0 && len(f.Buildings) == 0 {
		return f, Errorf(KindForbidden, "只有楼栋长和社区工作者可以查看")
	}
	return f, nil
}

// List returns a page of help requests (the caller's own, or those they manage) and the id the
// next page starts below (0: no more).
func (h *HelpRequests) List(ctx context.Context, p *Principal, q ListQuery) ([]*HelpView, uint64, error) {
	var f model.ScopeFilter
	switch q.Scope {
	case ListMine:
		f = model.ScopeFilter{PersonColumn: "requester_id", PersonID: p.UserID, BeforeID: q.BeforeID, Limit: q.Limit + 1}
	case ListManaged:
		var err error
		if f, err = managedFilter(p, q); err != nil {
			return nil, 0, err
		}
	default:
		return nil, 0, Invalid("scope", "scope 只能是 mine 或 managed")
	}
	if q.Status != "" {
		f.Statuses = []string{q.Status}
	}
	rows, err := h.store.HelpRequests(ctx, f)
	if err != nil {
		return nil, 0, err
	}
	rows, more := trimPage(rows, q.Limit)
	var next uint64
	if more {
		next = rows[len(rows)-1].ID
	}
	out := make([]*HelpView, 0, len(rows))
	for _, r := range rows {
		scope := Scope{CommunityID: r.CommunityID, BuildingID: r.BuildingID}
		mine := r.RequesterID == p.UserID
		if !mine && r.Held && !p.Can(ActSkillsManage, scope) {
			continue // held for review: a captain's list leaves it out
		}
		canCall := p.Staff[r.CommunityID] || p.Captain[r.BuildingID] == r.CommunityID
		out = append(out, &HelpView{Request: r, Personal: mine || canCall})
	}
	if err := h.fill(ctx, out); err != nil { // phones only in the detail, for the one to call
		return nil, 0, err
	}
	return out, next, nil
}

// denied is the refusal for someone who may not see or do something of a community: 404 to
// outsiders (ids reveal nothing), 403 inside it.
func denied(p *Principal, communityID uint64, what string) error {
	if !p.Related(communityID) {
		return Errorf(KindNotFound, "%s不存在或无权查看", what)
	}
	return Errorf(KindForbidden, "没有权限查看或操作此%s", what)
}
