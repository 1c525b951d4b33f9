package service

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"time"

	"linli/cache"
	"linli/model"
)

// Photo kinds: what an upload is attached to.
const (
	PhotoIssue      = "issue"
	PhotoIssueEvent = "issue_event"
	PhotoComment    = "issue_comment"
)

// Content-safety scenes (msg_sec_check v2).
const sceneForum = 3

// Issues is issue reporting (报事): report, read, list, follow, comment, rate; the workflow is
// in issue_workflow.go.
type Issues struct {
	store      *model.Store
	categories *IssueCategories
	uploads    *Uploads
	safety     *Safety
	notify     *Notifier
	users      *Users
	autoClose  time.Duration
	log        *slog.Logger
	now        func() time.Time
	// mem keeps queue pages in memory (issue_memory.go).
	mem *issueMemory
}

// NewIssues builds the issue service. autoClose is how long a resolved issue waits for its
// reporter before it closes itself.
func NewIssues(store *model.Store, categories *IssueCategories, uploads *Uploads, safety *Safety,
	notify *Notifier, users *Users, autoClose time.Duration, inval *cache.Invalidations, log *slog.Logger) *Issues {
	return &Issues{store: store, categories: categories, uploads: uploads, safety: safety, notify: notify,
		users: users, autoClose: autoClose, log: log, now: func() time.Time { return time.Now().UTC() },
		mem: newIssueMemory(inval)}
}

// Report is what a resident submits.
type Report struct {
	BuildingID  uint64
	CategoryID  uint64
	Description string
	Location    string
	Urgent      bool
	Anonymous   bool
	PhotoIDs    []uint64
}

// Report files a new issue for an approved resident of the building. Text that WeChat calls
// risky is refused (422) and nothing is stored; text or photos it cannot clear now are stored
// but held (pending_review) until staff release them.
func (s *Issues) Report(ctx context.Context, p *Principal, r Report) (*model.Issue, error) {
	b, err := s.store.BuildingByID(ctx, r.BuildingID)
	if errors.Is(err, model.ErrNotFound) {
		return nil, Errorf(KindNotFound, "楼栋不存在")
	}
	if err != nil {
		return nil, err
	}
	if err := Authorize(p, ActResidentAct, Scope{CommunityID: b.CommunityID, BuildingID: b.ID}); err != nil {
		if KindOf(err) == KindForbidden || KindOf(err) == KindNotFound {
			return nil, Errorf(KindForbidden, "只有通过房屋认证的本楼居民才能报事")
		}
		return nil, err
	}
	cat, err := s.activeCategory(ctx, b.CommunityID, r.CategoryID)
	if err != nil {
		return nil, err
	}
	desc := strings.TrimSpace(r.Description)
	if desc == "" {
		return nil, Invalid("description", "请描述遇到的问题")
	}
	status := model.IssueSubmitted
	switch s.checkText(ctx, p.UserID, desc+"\n"+r.Location) {
	case VerdictRisky:
		return nil, Errorf(KindUnprocessable, "内容未通过安全检查，请修改后再提交")
	case VerdictReview:
		status = model.IssuePendingReview
	}
	now := s.now()
	is := &model.Issue{CommunityID: b.CommunityID, BuildingID: b.ID, CategoryID: cat.ID, ReporterID: p.UserID,
		Description: desc, Location: strings.TrimSpace(r.Location), Urgent: r.Urgent, Anonymous: r.Anonymous,
		Status: status, CreatedAt: now, UpdatedAt: now}
	err = s.store.Tx(ctx, func(tx *model.Store) error {
		if err := tx.CreateIssue(ctx, is); err != nil {
			return err
		}
		if len(r.PhotoIDs) > 0 {
			v, err := s.uploads.Attach(ctx, tx, p.UserID, r.PhotoIDs, PhotoIssue, is.ID)
			if err != nil {
				return err
			}
			if v == VerdictReview && is.Status == model.IssueSubmitted {
				is.Status = model.IssuePendingReview
				if _, err := tx.MoveIssue(ctx, is.ID, []string{model.IssueSubmitted}, model.IssueMove{Status: is.Status, At: now}); err != nil {
					return err
				}
			}
		}
		if err := tx.AddIssueEvent(ctx, &model.IssueEvent{IssueID: is.ID, ActorID: p.UserID, Action: "report",
			ToStatus: is.Status, CreatedAt: now}); err != nil {
			return err
		}
		if is.Status == model.IssueSubmitted {
			return s.noticeNew(ctx, tx, is, cat)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	s.issuesChanged(ctx, is.CommunityID, is.BuildingID)
	return is, nil
}

func (s *Issues) activeCategory(ctx context.Context, communityID, id uint64) (*model.IssueCategory, error) {
	cats, err := s.categories.List(ctx, communityID, true)
	if err != nil {
		return nil, err
	}
	for i := range cats {
		if cats[i].ID == id {
			return &cats[i], nil
		}
	}
	return nil, Invalid("category_id", "类别不存在或已停用")
}

// checkText runs the content-safety check with the author's openid.
func (s *Issues) checkText(ctx context.Context, userID uint64, text string) Verdict {
	openid := ""
	if s.safety.ChecksWithWeChat() { // only WeChat's check needs it
		if u, err := s.store.UserByID(ctx, userID); err == nil && u.OpenID != nil {
			openid = *u.OpenID
		}
	}
	return s.safety.Text(ctx, openid, sceneForum, text)
}

// Access is what a user may see of an issue.
type Access int

// Levels of access to an issue, from nothing to everything.
const (
	AccessNone      Access = iota
	AccessNeighbour        // a resident of the same building: the reporter hidden if anonymous
	AccessFollower         // follows it (我也遇到了)
	AccessReporter         // reported it
	AccessManager          // captain of the building, staff of the community, admin
)

// AccessTo computes a user's access to an issue.
func AccessTo(p *Principal, is *model.Issue, following bool) Access {
	switch {
	case p.Admin || p.Staff[is.CommunityID]:
		return AccessManager
	case p.Captain[is.BuildingID] == is.CommunityID && is.Status != model.IssuePendingReview:
		return AccessManager
	case p.UserID == is.ReporterID:
		return AccessReporter
	case is.Status == model.IssuePendingReview:
		return AccessNone
	case following:
		return AccessFollower
	case p.Resident[is.BuildingID] == is.CommunityID:
		return AccessNeighbour
	}
	return AccessNone
}

// IssueDetail is one issue with everything its viewer may see.
type IssueDetail struct {
	Row       *model.IssueRow
	Access    Access
	Following bool
	// CanCall: the viewer is the building's captain or the community's staff, who may have to
	// call the reporter (a platform admin is not).
	CanCall  bool
	Events   []model.IssueEvent
	Comments []model.IssueComment
	Users    map[uint64]model.User
	Photos   map[uint64][]Photo // by issue id (kind issue)
	EvPhotos map[uint64][]Photo // by event id
	CmPhotos map[uint64][]Photo // by comment id
}

// Get loads an issue for a viewer; an issue they may not see does not exist for them.
func (s *Issues) Get(ctx context.Context, p *Principal, id uint64) (*IssueDetail, error) {
	row, err := s.store.IssueRowByID(ctx, id)
	if errors.Is(err, model.ErrNotFound) {
		return nil, Errorf(KindNotFound, "报事不存在或无权查看")
	}
	if err != nil {
		return nil, err
	}
	following, err := s.store.Following(ctx, id, p.UserID)
	if err != nil {
		return nil, err
	}
	acc := AccessTo(p, &row.Issue, following)
	if acc == AccessNone {
		return nil, Errorf(KindNotFound, "报事不存在或无权查看")
	}
	d := &IssueDetail{Row: row, Access: acc, Following: following,
		CanCall: p.Staff[row.CommunityID] || p.Captain[row.BuildingID] == row.CommunityID}
	if d.Events, err = s.store.IssueEvents(ctx, id); err != nil {
		return nil, err
	}
	comments, err := s.store.Comments(ctx, id)
	if err != nil {
		return nil, err
	}
	for _, c := range comments {
		if c.Status == model.CommentVisible || c.AuthorID == p.UserID || acc == AccessManager {
			d.Comments = append(d.Comments, c)
		}
	}
	ids := []uint64{row.ReporterID}
	evIDs := make([]uint64, 0, len(d.Events))
	for _, ev := range d.Events {
		ids = append(ids, ev.ActorID)
		evIDs = append(evIDs, ev.ID)
	}
	cmIDs := make([]uint64, 0, len(d.Comments))
	for _, c := range d.Comments {
		ids = append(ids, c.AuthorID)
		cmIDs = append(cmIDs, c.ID)
	}
	if d.Users, err = s.store.UsersByIDs(ctx, ids); err != nil {
		return nil, err
	}
	if d.Photos, err = s.uploads.Photos(ctx, PhotoIssue, []uint64{id}); err != nil {
		return nil, err
	}
	if d.EvPhotos, err = s.uploads.Photos(ctx, PhotoIssueEvent, evIDs); err != nil {
		return nil, err
	}
	// A volunteer's completion photos live on the dispatch; show them on its timeline entries.
	var dispatchIDs []uint64
	for _, ev := range d.Events {
		if ev.DispatchID != nil {
			dispatchIDs = append(dispatchIDs, *ev.DispatchID)
		}
	}
	if len(dispatchIDs) > 0 {
		byDispatch, err := s.uploads.Photos(ctx, PhotoDispatch, dispatchIDs)
		if err != nil {
			return nil, err
		}
		for _, ev := range d.Events {
			if ev.DispatchID != nil && ev.Action == "dispatch_"+ActionResolve {
				d.EvPhotos[ev.ID] = append(d.EvPhotos[ev.ID], byDispatch[*ev.DispatchID]...)
			}
		}
	}
	if d.CmPhotos, err = s.uploads.Photos(ctx, PhotoComment, cmIDs); err != nil {
		return nil, err
	}
	return d, nil
}

// ReporterPhone returns the reporter's phone number to those who may have to call them.
func (s *Issues) ReporterPhone(d *IssueDetail) string {
	if !d.CanCall {
		return ""
	}
	if u, ok := d.Users[d.Row.ReporterID]; ok {
		return s.users.PhoneOf(&u)
	}
	return ""
}
