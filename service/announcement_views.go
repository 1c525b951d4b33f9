package service

import (
	"context"

	"linli/cache"
	"linli/model"
)

// AnnouncementList asks for a page of a community's announcements.
type AnnouncementList struct {
	CommunityID uint64
	After       *model.AnnouncementCursor
	Limit       int
}

// AnnouncementItem is an announcement as a reader sees it in a list: whether they read it,
// and its author's name (empty for the system's). Rendered, when not nil, is where the
// instance keeps the item's encoded form without the reader's part (whether it is theirs, and
// read), shared by every reader while the item is in memory.
type AnnouncementItem struct {
	model.Announcement
	Read         bool
	AuthorName   string
	AudienceName string
	Rendered     *cache.Rendered
}

// List returns the unexpired announcements addressed to p in the community, pinned first,
// then newest: to the whole community, to an estate or building where p lives or captains,
// and p's own in any state; staff see all of them. more is true when another page follows.
// 404 to someone with no relation to the community.
func (s *Announcements) List(ctx context.Context, p *Principal, q AnnouncementList) (items []AnnouncementItem, more bool, err error) {
	if _, err := s.places.Community(ctx, q.CommunityID); err != nil {
		return nil, false, err
	}
	if !p.Related(q.CommunityID) {
		return nil, false, Errorf(KindNotFound, "社区不存在或无权查看")
	}
	f := model.AnnouncementFilter{CommunityID: q.CommunityID, AuthorID: p.UserID, Now: s.now(),
		All: p.Can(ActAnnouncementManage, Scope{CommunityID: q.CommunityID})}
	if !f.All {
		if f.BuildingID, f.EstateIDs, err = s.buildingsOf(ctx, p, q.CommunityID); err != nil {
			return nil, false, err
		}
	}
	var (
		rows     []model.Announcement
		onBoard  []int // rows[i] is b.items[onBoard[i]]
		b        *board
		complete bool
	)
	if !f.All && !p.captainIn(q.CommunityID) { // a resident authors nothing: the board is all they see
		if b, complete, err = s.boardOf(ctx, q.CommunityID); err != nil {
			return nil, false, err
		}
	}
	if complete {
		onBoard = b.page(f.EstateIDs, f.BuildingID, q.After, f.Now, q.Limit)
		rows = make([]model.Announcement, len(onBoard))
		for i, j := range onBoard {
			rows[i] = b.items[j]
		}
	} else if rows, err = s.store.Announcements(ctx, f, q.After, q.Limit+1); err != nil {
		return nil, false, err
	}
	if len(rows) > q.Limit {
		rows, more = rows[:q.Limit], true
	}
	ids, authors := make([]uint64, len(rows)), make([]uint64, len(rows))
	for i := range rows {
		ids[i], authors[i] = rows[i].ID, rows[i].AuthorID
	}
	var read map[uint64]bool
	if complete {
		read, err = s.readOnBoard(ctx, p.UserID, b, q.CommunityID)
	} else {
		read, err = s.store.ReadAnnouncements(ctx, p.UserID, ids)
	}
	if err != nil {
		return nil, false, err
	}
	var names map[uint64]string
	if complete {
		names = b.names
	} else if names, err = s.users.Names(ctx, authors); err != nil {
		return nil, false, err
	}
	items = make([]AnnouncementItem, len(rows))
	for i := range rows {
		items[i] = AnnouncementItem{Announcement: rows[i], Read: read[rows[i].ID], AuthorName: names[rows[i].AuthorID]}
		if complete {
			items[i].AudienceName, items[i].Rendered = b.audiences[rows[i].ID], &b.renders[onBoard[i]]
		} else if items[i].AudienceName, err = s.AudienceName(ctx, &rows[i]); err != nil {
			return nil, false, err
		}
	}
	return items, more, nil
}

// buildingsOf lists the buildings of the community p lives in or captains, and their estates.
func (s *Announcements) buildingsOf(ctx context.Context, p *Principal, communityID uint64) (buildings, estates []uint64, err error) {
	seen := map[uint64]bool{}
	for _, m := range []map[uint64]uint64{p.Resident, p.Captain} {
		for b, c := range m {
			if c != communityID || seen[b] {
				continue
			}
			seen[b] = true
			bv, err := s.places.Building(ctx, b)
			if err != nil {
				return nil, nil, err
			}
			buildings = append(buildings, b)
			estates = append(estates, bv.EstateID)
		}
	}
	return buildings, estates, nil
}

// AnnouncementDetail is one announcement with its photos, whether p has read it and whether
// p may see its receipts.
type AnnouncementDetail struct {
	model.Announcement
	Photos      []Photo
	Read        bool
	MayReceipts bool
}

// Peek returns an announcement p may see, without marking it read (the answer to its author
// after publishing, releasing or withdrawing).
func (s *Announcements) Peek(ctx context.Context, p *Principal, id uint64) (*AnnouncementDetail, error) {
	a, err := s.visible(ctx, p, id)
	if err != nil {
		return nil, err
	}
	d := &AnnouncementDetail{Announcement: *a,
		MayReceipts: authorOrStaff(p, a)}
	photos, err := s.uploads.Photos(ctx, PhotoAnnouncement, []uint64{a.ID})
	if err != nil {
		return nil, err
	}
	d.Photos = photos[a.ID]
	read, err := s.store.ReadAnnouncements(ctx, p.UserID, []uint64{a.ID})
	if err != nil {
		return nil, err
	}
	d.Read = read[a.ID]
	return d, nil
}

// Get returns an announcement p may see and, when it is published, marks it read for p (the
// first reading stands) with its inbox notice.
func (s *Announcements) Get(ctx context.Context, p *Principal, id uint64) (*AnnouncementDetail, error) {
	d, err := s.Peek(ctx, p, id)
	if err != nil || d.Status != model.AnnouncementPublished || d.Read {
		return d, err
	}
	now := s.now()
	if _, err := s.store.MarkAnnouncementRead(ctx, d.ID, p.UserID, now); err != nil {
		return nil, err
	}
	s.readChanged(ctx, p.UserID)
	d.Read = true
	if err := s.store.MarkNoticesReadByLink(ctx, p.UserID, NoticeAnnouncement, announcementLink(d.ID), now); err != nil {
		s.log.Warn("announcements: inbox notice not marked read", "announcement", d.ID, "err", err)
	}
	return d, nil
}
