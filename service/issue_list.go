package service

import (
	"context"
	"slices"

	"linli/model"
)

// Issue list scopes.
const (
	ScopeMine      = "mine"      // reported by me, newest first
	ScopeFollowing = "following" // followed by me (我也遇到了), newest first
	ScopeBuilding  = "building"  // my buildings: a captain's queue, or a resident's neighbours' issues
	ScopeCommunity = "community" // a community's whole queue: staff, admin
)

// IssueQuery selects a list of issues.
type IssueQuery struct {
	Scope       string
	CommunityID uint64
	BuildingID  uint64
	CategoryID  uint64
	// Status is a status, "open" (the default for queues) or "all" (the default for mine).
	Status string
	After  model.IssueCursor
	Limit  int
}

// IssueItem is one issue of a list with what its viewer may see.
type IssueItem struct {
	Row    model.IssueRow
	Access Access
}

// List returns one page of issues and whether there are more. Queues are in work order
// (urgent first, then oldest); mine and following are newest first.
func (s *Issues) List(ctx context.Context, p *Principal, q IssueQuery) ([]IssueItem, bool, error) {
	f := model.IssueFilter{CategoryID: q.CategoryID, After: q.After, Limit: q.Limit + 1, PhotoKind: PhotoIssue}
	managerOf := map[uint64]bool{} // buildings the viewer manages in this list
	switch q.Scope {
	case ScopeMine:
		f.ReporterID, f.NewestFirst = p.UserID, true
	case ScopeFollowing:
		f.FollowerID, f.NewestFirst = p.UserID, true
	case ScopeBuilding:
		var ids []uint64
		for b := range p.Captain {
			ids = append(ids, b)
			managerOf[b] = true
		}
		for b := range p.Resident {
			ids = append(ids, b)
		}
		if q.BuildingID != 0 {
			if !slices.Contains(ids, q.BuildingID) {
				return nil, false, Errorf(KindForbidden, "只能查看自己所在或负责的楼栋")
			}
			ids = []uint64{q.BuildingID}
		}
		if len(ids) == 0 {
			return nil, false, Errorf(KindForbidden, "通过房屋认证后才能查看本楼的报事")
		}
		slices.Sort(ids)
		f.BuildingIDs = slices.Compact(ids)
	case ScopeCommunity:
		cid := q.CommunityID
		if cid == 0 && len(p.Staff) == 1 {
			for c := range p.Staff {
				cid = c
			}
		}
		if cid == 0 {
			return nil, false, Invalid("community_id", "请指定社区")
		}
		if err := Authorize(p, ActPlacesManage, Scope{CommunityID: cid}); err != nil {
			return nil, false, err
		}
		f.CommunityID = cid
		if q.BuildingID != 0 {
			f.BuildingIDs = []uint64{q.BuildingID}
		}
	default:
		return nil, false, Invalid("scope", "scope 只能是 mine、following、building 或 community")
	}
	switch {
	case q.Status == "open" || (q.Status == "" && !f.NewestFirst):
		f.Statuses = model.IssueOpenStatuses
		if q.Scope == ScopeCommunity {
			f.Statuses = append([]string{model.IssuePendingReview}, f.Statuses...)
		}
	case q.Status == "all" || q.Status == "":
	default:
		f.Statuses = []string{q.Status}
	}
	if q.Scope == ScopeBuilding && slices.Contains(f.Statuses, model.IssuePendingReview) {
		return nil, false, Invalid("status", "待审核的报事只在社区队列中可见")
	}
	rows, err := s.keptIssues(ctx, f)
	if err != nil {
		return nil, false, err
	}
	more := len(rows) > q.Limit
	if more {
		rows = rows[:q.Limit]
	}
	items := make([]IssueItem, 0, len(rows))
	for _, r := range rows {
		acc := AccessTo(p, &r.Issue, q.Scope == ScopeFollowing)
		if acc == AccessNone { // e.g. a followed issue later held for review
			continue
		}
		items = append(items, IssueItem{Row: r, Access: acc})
	}
	return items, more, nil
}

// Similar lists open issues of the same building and category, so a resident can follow one
// instead of reporting it again.
func (s *Issues) Similar(ctx context.Context, p *Principal, buildingID, categoryID uint64) ([]IssueItem, error) {
	b, err := s.store.BuildingByID(ctx, buildingID)
	if err != nil {
		return nil, Errorf(KindNotFound, "楼栋不存在")
	}
	if !p.Can(ActResidentAct, Scope{CommunityID: b.CommunityID, BuildingID: b.ID}) &&
		!p.Can(ActResidencyDecide, Scope{CommunityID: b.CommunityID, BuildingID: b.ID}) {
		return nil, Authorize(p, ActResidentAct, Scope{CommunityID: b.CommunityID, BuildingID: b.ID})
	}
	rows, err := s.store.Issues(ctx, model.IssueFilter{BuildingIDs: []uint64{buildingID}, CategoryID: categoryID,
		Statuses: model.IssueOpenStatuses, Limit: 20, PhotoKind: PhotoIssue})
	if err != nil {
		return nil, err
	}
	items := make([]IssueItem, 0, len(rows))
	for _, r := range rows {
		items = append(items, IssueItem{Row: r, Access: AccessTo(p, &r.Issue, false)})
	}
	return items, nil
}

// ListPhotos returns the report photos of the listed issues (List, Similar) in one query, and
// none at all for a page without photos (the list marked which issues have some).
func (s *Issues) ListPhotos(ctx context.Context, items []IssueItem) (map[uint64][]Photo, error) {
	var ids []uint64
	for _, it := range items {
		if it.Row.HasPhotos {
			ids = append(ids, it.Row.ID)
		}
	}
	if len(ids) == 0 {
		return map[uint64][]Photo{}, nil
	}
	ph, err := s.uploads.Photos(ctx, PhotoIssue, ids)
	if err != nil {
		return nil, err
	}
	return ph, nil
}

// Reported returns a just-reported issue as its reporter sees it: the row with its names in one
// query, its photos only when it has some (withPhotos), and the reporter's own number when
// they are the building's captain or the community's staff (as Get would show it) — instead
// of the whole detail, which a new issue does not have yet (no timeline beyond the report, no
// comments, no followers).
func (s *Issues) Reported(ctx context.Context, p *Principal, id uint64, withPhotos bool) (IssueItem, []Photo, string, error) {
	row, err := s.store.IssueRowByID(ctx, id)
	if err != nil {
		return IssueItem{}, nil, "", err
	}
	it := IssueItem{Row: *row, Access: AccessTo(p, &row.Issue, false)}
	var photos []Photo
	if withPhotos {
		ph, err := s.uploads.Photos(ctx, PhotoIssue, []uint64{id})
		if err != nil {
			return IssueItem{}, nil, "", err
		}
		photos = ph[id]
	}
	phone := ""
	if p.Staff[row.CommunityID] || p.Captain[row.BuildingID] == row.CommunityID {
		u, err := s.store.UserByID(ctx, row.ReporterID)
		if err != nil {
			return IssueItem{}, nil, "", err
		}
		phone = s.users.PhoneOf(u)
	}
	return it, photos, phone, nil
}
