package service

import (
	"context"
	"slices"
	"time"

	"linli/cache"
	"linli/model"
)

// Each instance keeps in memory each community's board: its published announcements that
// had not expired when it was read, in list order, with their authors' names, so that a
// resident's list costs one small query (what they have read) instead of three. A board
// depends on the community's announcements topic (publishing, releasing and withdrawing
// publish it) and on its authors' identities (a new name, an erased account); it is filtered
// by the reader's estates and buildings and by expiry on the service's clock at each read.
// Staff and captains, who also see what is held for review, read the database.
type board struct {
	items     []model.Announcement
	renders   []cache.Rendered  // items[i]'s encoded form without the reader's part (api)
	names     map[uint64]string // author → name as others see it
	audiences map[uint64]string // announcement → its audience's name
}

// readKey is a reader in a community: the memo of what they read of its board.
type readKey struct{ user, community uint64 }

const (
	readMemoSize  = 100000 // readers × the communities they read
	boardMemoSize = 4096
	boardMemoTTL  = 30 * time.Second
	// boardMax is the most announcements a board holds; a community with more unexpired ones
	// is read from the database.
	boardMax = 200
)

// boardOf returns the community's board, from memory when it may be used; complete is false
// when the community has more than boardMax unexpired announcements.
func (s *Announcements) boardOf(ctx context.Context, communityID uint64) (b *board, complete bool, err error) {
	if b, ok := s.boards.Lookup(communityID); ok {
		return b, len(b.items) < boardMax, nil
	}
	t := s.boards.Begin()
	items, err := s.store.Announcements(ctx, model.AnnouncementFilter{CommunityID: communityID, Now: s.now(),
		Published: true}, nil, boardMax)
	if err != nil {
		return nil, false, err
	}
	ids := make([]uint64, len(items))
	topics := []cache.Topic{cache.AnnouncementsTopic(communityID)}
	for i := range items {
		ids[i] = items[i].AuthorID
		if items[i].AuthorID != 0 {
			topics = append(topics, cache.UserTopic(items[i].AuthorID))
		}
	}
	names, err := s.users.Names(ctx, ids)
	if err != nil {
		return nil, false, err
	}
	b = &board{items: items, renders: make([]cache.Rendered, len(items)), names: names,
		audiences: make(map[uint64]string, len(items))}
	for i := range items {
		if b.audiences[items[i].ID], err = s.AudienceName(ctx, &items[i]); err != nil {
			return nil, false, err
		}
	}
	s.boards.Keep(t, communityID, b, topics...)
	return b, len(items) < boardMax, nil
}

// page is a resident's page of the board, as indexes of its items: what is addressed to the
// estates and buildings, unexpired at now, after the cursor, up to limit+1 (the one more says
// another page follows).
func (b *board) page(estates, buildings []uint64, after *model.AnnouncementCursor, now time.Time, limit int) []int {
	var out []int
	for i := range b.items {
		a := &b.items[i]
		if !a.ExpiresAt.After(now) || (after != nil && !listedAfter(a, after)) || !addressedTo(a, estates, buildings) {
			continue
		}
		if out = append(out, i); len(out) > limit {
			break
		}
	}
	return out
}

// listedAfter reports whether a comes after the cursor in the list's order (pinned first,
// then newest, then the higher id).
func listedAfter(a *model.Announcement, c *model.AnnouncementCursor) bool {
	at := a.CreatedAt
	if a.PublishedAt != nil {
		at = *a.PublishedAt
	}
	switch {
	case a.Pinned != c.Pinned:
		return !a.Pinned
	case !at.Equal(c.At):
		return at.Before(c.At)
	}
	return a.ID < c.ID
}

// addressedTo reports whether a published announcement is for someone of these estates and
// buildings.
func addressedTo(a *model.Announcement, estates, buildings []uint64) bool {
	switch a.Audience {
	case model.AudienceEstate:
		return slices.Contains(estates, a.EstateID)
	case model.AudienceBuilding:
		return slices.Contains(buildings, a.BuildingID)
	}
	return true
}

// readOnBoard returns which announcements of the community's board the user has read, from
// memory when it may be used (it depends on the board and on the user's readings).
func (s *Announcements) readOnBoard(ctx context.Context, userID uint64, b *board, communityID uint64) (map[uint64]bool, error) {
	key := readKey{userID, communityID}
	if r, ok := s.reads.Lookup(key); ok {
		return r, nil
	}
	t := s.reads.Begin()
	ids := make([]uint64, len(b.items))
	for i := range b.items {
		ids[i] = b.items[i].ID
	}
	r, err := s.store.ReadAnnouncements(ctx, userID, ids)
	if err != nil {
		return nil, err
	}
	s.reads.Keep(t, key, r, cache.AnnouncementsTopic(communityID), cache.ReadsTopic(userID))
	return r, nil
}

// changed tells every instance that the community's published announcements changed; if
// Redis cannot pass it on, other instances show their board for boardMemoTTL at most.
func (s *Announcements) changed(ctx context.Context, communityID uint64) {
	if err := s.inval.Publish(context.WithoutCancel(ctx), cache.AnnouncementsTopic(communityID)); err != nil {
		s.log.WarnContext(ctx, "tell other instances that announcements changed", "error", err.Error())
	}
}

// readChanged tells every instance that the user read an announcement.
func (s *Announcements) readChanged(ctx context.Context, userID uint64) {
	if err := s.inval.Publish(context.WithoutCancel(ctx), cache.ReadsTopic(userID)); err != nil {
		s.log.WarnContext(ctx, "tell other instances that an announcement was read", "error", err.Error())
	}
}
