package service

import (
	"cmp"
	"context"
	"slices"
	"time"

	"linli/model"
)

// The issues section of the dashboard's month (see compute): the figures, the breakdowns by
// category and building, and their order.

// issueFigures: see IssueFigures and the definitions in the API description.
func (d *Dashboard) issueFigures(ctx context.Context, cid uint64, from, to, now time.Time, f *IssueFigures) error {
	touched, err := d.store.DashIssuesTouched(ctx, cid, from, to)
	if err != nil {
		return err
	}
	moves, err := d.store.DashIssueMoves(ctx, cid, from, to, []string{model.IssueResolved, model.IssueClosed,
		model.IssueRejected, model.IssueDuplicate, model.IssueInProgress})
	if err != nil {
		return err
	}
	statusThen := map[uint64]string{}
	if !to.After(now) { // a finished month: statuses of issues moved since its end, as they were
		if statusThen, err = d.store.DashStatusAt(ctx, cid, to); err != nil {
			return err
		}
	}
	untouched, err := d.store.DashOpenUntouched(ctx, cid, from)
	if err != nil {
		return err
	}
	oldest, err := d.store.DashOldestUntouched(ctx, cid, from, topN)
	if err != nil {
		return err
	}
	categories, err := d.store.DashCategoryNames(ctx, cid)
	if err != nil {
		return err
	}
	in := func(t time.Time) bool { return !t.Before(from) && t.Before(to) }
	atEnd := func(is model.DashIssue) string {
		if is.UpdatedAt.Before(to) {
			return is.Status
		}
		if s, ok := statusThen[is.ID]; ok {
			return s
		}
		return is.Status
	}
	byCat, byBuilding := map[uint64]*IssueBy{}, map[uint64]*IssueBy{}
	group := func(is model.DashIssue) (*IssueBy, *IssueBy) {
		c, b := byCat[is.CategoryID], byBuilding[is.BuildingID]
		if c == nil {
			c = &IssueBy{ID: is.CategoryID, Name: categories[is.CategoryID]}
			byCat[is.CategoryID] = c
		}
		if b == nil {
			b = &IssueBy{ID: is.BuildingID}
			byBuilding[is.BuildingID] = b
		}
		return c, b
	}
	issues := make(map[uint64]model.DashIssue, len(touched))
	var toAck []int64
	var open []model.DashIssue
	for _, is := range touched {
		issues[is.ID] = is
		c, b := group(is)
		status := atEnd(is)
		if in(is.CreatedAt) {
			f.Reported++
			c.Reported++
			b.Reported++
			if status == model.IssueResolved || status == model.IssueClosed {
				f.Settled++
			}
		}
		if is.AcknowledgedAt != nil && in(*is.AcknowledgedAt) {
			f.Acknowledged++
			toAck = append(toAck, seconds(is.CreatedAt, *is.AcknowledgedAt))
		}
		if slices.Contains(model.IssueOpenStatuses, status) {
			f.OpenAtEnd++
			c.OpenAtEnd++
			b.OpenAtEnd++
			is.Status = status
			open = append(open, is)
		}
	}
	for _, g := range untouched {
		c, b := group(model.DashIssue{CategoryID: g.CategoryID, BuildingID: g.BuildingID})
		f.OpenAtEnd += g.N
		c.OpenAtEnd += g.N
		b.OpenAtEnd += g.N
	}
	lastResolve := map[uint64]time.Time{}
	seen := map[string]map[uint64]bool{}
	for _, m := range moves {
		if seen[m.ToStatus] == nil {
			seen[m.ToStatus] = map[uint64]bool{}
		}
		if m.ToStatus == model.IssueInProgress && m.FromStatus != model.IssueResolved {
			continue // started, not reopened
		}
		if m.ToStatus == model.IssueResolved {
			lastResolve[m.IssueID] = m.CreatedAt
		}
		seen[m.ToStatus][m.IssueID] = true
	}
	f.Closed, f.Rejected = int64(len(seen[model.IssueClosed])), int64(len(seen[model.IssueRejected]))
	f.Duplicates, f.Reopened = int64(len(seen[model.IssueDuplicate])), int64(len(seen[model.IssueInProgress]))
	f.Resolved = int64(len(lastResolve))
	toResolve := make([]int64, 0, len(lastResolve))
	for id, at := range lastResolve {
		is := issues[id]
		toResolve = append(toResolve, seconds(is.CreatedAt, at))
		c, b := group(is)
		c.Resolved++
		b.Resolved++
		if is.Rating != nil {
			f.Rated++
			f.RatingSum += int64(*is.Rating)
		}
	}
	f.ToAck, f.ToResolve = durationsOf(toAck), durationsOf(toResolve)
	end := to
	if now.Before(end) {
		end = now
	}
	open = append(open, oldest...)
	slices.SortFunc(open, func(a, b model.DashIssue) int {
		return cmp.Or(a.CreatedAt.Compare(b.CreatedAt), cmp.Compare(a.ID, b.ID))
	})
	for _, is := range open[:min(len(open), topN)] {
		f.OldestOpen = append(f.OldestOpen, OpenItem{ID: is.ID, BuildingID: is.BuildingID,
			CategoryName: categories[is.CategoryID], Status: is.Status, CreatedAt: is.CreatedAt.UTC(),
			AgeDays: int64(end.Sub(is.CreatedAt) / (24 * time.Hour))})
	}
	return d.issueGroups(ctx, f, byCat, byBuilding)
}

// issueGroups orders the breakdowns (most reported first, then most open, then by id) and
// names the buildings ("东亭花园 3栋").
func (d *Dashboard) issueGroups(ctx context.Context, f *IssueFigures, byCat, byBuilding map[uint64]*IssueBy) error {
	var ids []uint64
	for id := range byBuilding {
		ids = append(ids, id)
	}
	for _, it := range f.OldestOpen {
		ids = append(ids, it.BuildingID)
	}
	buildings, err := d.store.BuildingsByIDs(ctx, ids)
	if err != nil {
		return err
	}
	name := func(id uint64) string {
		if b, ok := buildings[id]; ok {
			return b.EstateName + " " + b.Name
		}
		return ""
	}
	for id, b := range byBuilding {
		b.Name = name(id)
	}
	for i := range f.OldestOpen {
		f.OldestOpen[i].BuildingName = name(f.OldestOpen[i].BuildingID)
	}
	f.ByCategory, f.ByBuilding = sortedGroups(byCat), sortedGroups(byBuilding)
	return nil
}

func sortedGroups(m map[uint64]*IssueBy) []IssueBy {
	out := []IssueBy{}
	for _, g := range m {
		if g.Reported+g.Resolved+g.OpenAtEnd > 0 {
			out = append(out, *g)
		}
	}
	slices.SortFunc(out, func(a, b IssueBy) int {
		return cmp.Or(cmp.Compare(b.Reported, a.Reported), cmp.Compare(b.OpenAtEnd, a.OpenAtEnd), cmp.Compare(a.ID, b.ID))
	})
	return out
}
