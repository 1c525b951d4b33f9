package service

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"

	"linli/cache"
	"linli/model"
)

// Each instance keeps the pages of building and community queues it read (a captain's queue,
// the neighbours' issues of a building, a community's queue), shared by everyone who asks for
// the same buildings. Nothing is trusted unless the instance hears the invalidation channel:
// every change to an issue — reported, moved, closed by the clock, followed, commented, rated,
// or moved by its dispatch — publishes its building and community, each instance notes the
// epoch of the change, and a page read before a change of one of its buildings (or its
// community) is no longer used. Any change to a person drops every page (a reporter's name).
// Pages live issueMemoryTTL at most, the backstop for a message Redis could not pass on.
type issueMemory struct {
	inval   *cache.Invalidations
	changes *cache.Changes
	pages   *lru.Cache[string, kept[[]model.IssueRow]]
	now     func() time.Time
}

const (
	issueMemoryTTL = 30 * time.Second
	issuePages     = 8192
	issueChanges   = 100000
	// msgIssues + "b<building>" or "c<community>": an issue there changed.
	msgIssues = "iss:"
)

func newIssueMemory(inval *cache.Invalidations) *issueMemory {
	pages, _ := lru.New[string, kept[[]model.IssueRow]](issuePages) // a positive size: no error
	m := &issueMemory{inval: inval, pages: pages, now: time.Now}
	m.changes = cache.NewChanges(inval, issueChanges, func(msg string) (string, bool) {
		return strings.CutPrefix(msg, msgIssues)
	})
	inval.OnMessage(func(msg string) {
		if strings.HasPrefix(msg, msgIdentity) {
			pages.Purge()
		}
	})
	inval.OnReset(pages.Purge)
	return m
}

// issuePageKeys names a page and the places whose changes it depends on; ok is false for
// lists of one person (mine, following), which are not kept.
func issuePageKeys(f model.IssueFilter) (string, []string, bool) {
	if f.ReporterID != 0 || f.FollowerID != 0 {
		return "", nil, false
	}
	var deps []string
	for _, b := range f.BuildingIDs {
		deps = append(deps, "b"+strconv.FormatUint(b, 10))
	}
	if f.CommunityID != 0 {
		deps = append(deps, "c"+strconv.FormatUint(f.CommunityID, 10))
	}
	if len(deps) == 0 {
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
	if p, found := s.mem.pages.Get(key); found && s.mem.now().Sub(p.at) <= issueMemoryTTL &&
		s.mem.changes.Unchanged(p.epoch, deps...) {
		return p.v, nil
	}
	epoch, live := s.mem.inval.Epoch()
	at := s.mem.now()
	rows, err := s.store.Issues(ctx, f)
	if err == nil && live {
		s.mem.pages.Add(key, kept[[]model.IssueRow]{v: rows, epoch: epoch, at: at})
	}
	return rows, err
}

// issuesChanged tells every instance that an issue of the building changed.
func (s *Issues) issuesChanged(ctx context.Context, communityID, buildingID uint64) {
	err := s.mem.inval.Publish(context.WithoutCancel(ctx), msgIssues+"b"+strconv.FormatUint(buildingID, 10),
		msgIssues+"c"+strconv.FormatUint(communityID, 10))
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
