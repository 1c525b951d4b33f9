package service

import (
	"context"
	"fmt"
	"time"

	"linli/cache"
	"linli/model"
)

// Each instance keeps the pages of building and community queues it read (a captain's queue,
// the neighbours' issues of a building, a community's queue), shared by everyone who asks for
// the same buildings, in a cache.Memo: a page depends on the issues of its buildings (or its
// community), which every change to an issue publishes — reported, moved, closed by the clock,
// followed, commented, rated, or moved by its dispatch — and on every person (a reporter's name).

// issueMemory is the queue pages kept, and the channel the changes go out on.
type issueMemory struct {
	inval *cache.Invalidations
	pages *cache.Memo[string, []model.IssueRow]
}

const (
	issueMemoryTTL = 30 * time.Second
	issuePages     = 8192
)

func newIssueMemory(inval *cache.Invalidations) *issueMemory {
	return &issueMemory{inval: inval, pages: cache.NewMemo[string, []model.IssueRow](inval, issuePages, issueMemoryTTL)}
}

// issuePageKeys names a page and the topics it depends on; ok is false for lists of one
// person (mine, following), which are not kept.
func issuePageKeys(f model.IssueFilter) (string, []cache.Topic, bool) {
	if f.ReporterID != 0 || f.FollowerID != 0 {
		return "", nil, false
	}
	deps := []cache.Topic{cache.AnyUser}
	for _, b := range f.BuildingIDs {
		deps = append(deps, cache.BuildingIssuesTopic(b))
	}
	if f.CommunityID != 0 {
		deps = append(deps, cache.CommunityIssuesTopic(f.CommunityID))
	}
	if len(deps) == 1 {
		return "", nil, false
	}
	return fmt.Sprintf("%+v", f), deps, true
}

// keptIssues is store.Issues through memory.
func (s *Issues) keptIssues(ctx context.Context, f model.IssueFilter) ([]model.IssueRow, error) {
	key, deps, ok := issuePageKeys(f)
	if !ok {
		return s.store.Issues(ctx, f)
	}
	return s.mem.pages.Get(ctx, key, deps, func(ctx context.Context) ([]model.IssueRow, error) { return s.store.Issues(ctx, f) })
}

// issuesChanged tells every instance that an issue of the building changed.
func (s *Issues) issuesChanged(ctx context.Context, communityID, buildingID uint64) {
	err := s.mem.inval.Publish(context.WithoutCancel(ctx), cache.BuildingIssuesTopic(buildingID),
		cache.CommunityIssuesTopic(communityID))
	if err != nil {
		s.log.WarnContext(ctx, "tell other instances an issue changed", "error", err.Error())
	}
}

// changedIssue reads an issue that was just changed and tells every instance.
func (s *Issues) changedIssue(ctx context.Context, id uint64) (*model.Issue, error) {
	is, err := s.store.IssueByID(ctx, id)
	if err != nil {
		return nil, err
	}
	s.issuesChanged(ctx, is.CommunityID, is.BuildingID)
	return is, nil
}
