package service

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"linli/cache"
	"linli/model"
)

// NoticeAnnouncement is the inbox kind of an announcement (公告) to its audience.
const NoticeAnnouncement = "announcement"

// PhotoAnnouncement is the upload kind of an announcement's photos.
const PhotoAnnouncement = "announcement"

// Announcements are the community's notices (公告): staff publish to the community, an
// estate or a building, captains to their buildings; every resident of the audience gets an
// inbox notice (and a subscription message within their grants) from a background delivery;
// receipts count the households reached and list those not reached yet. Delivery is in
// announcement_delivery.go, receipts in announcement_receipts.go.
type Announcements struct {
	store   *model.Store
	places  *Places
	safety  *Safety
	uploads *Uploads
	notify  *Notifier
	users   *Users
	inval   *cache.Invalidations
	boards  *cache.Memo[uint64, *board] // see announcement_memory.go
	reads   *cache.Memo[readKey, map[uint64]bool]
	opt     AnnouncementOptions
	log     *slog.Logger
	now     func() time.Time
}

// AnnouncementOptions configures announcements (config announcements.*).
type AnnouncementOptions struct {
	// DefaultFor is how long an announcement without an expiry stays up; MaxFor the longest
	// expiry that may be set.
	DefaultFor, MaxFor time.Duration
	// Batch is how many residents one delivery step tells.
	Batch int
}

// NewAnnouncements builds the announcements service.
func NewAnnouncements(store *model.Store, places *Places, safety *Safety, uploads *Uploads, notify *Notifier,
	users *Users, inval *cache.Invalidations, opt AnnouncementOptions, log *slog.Logger) *Announcements {
	if opt.DefaultFor <= 0 {
		opt.DefaultFor = 30 * 24 * time.Hour
	}
	if opt.MaxFor <= 0 {
		opt.MaxFor = 366 * 24 * time.Hour
	}
	if opt.Batch <= 0 {
		opt.Batch = 500
	}
	return &Announcements{store: store, places: places, safety: safety, uploads: uploads, notify: notify,
		users: users, inval: inval, boards: cache.NewMemo[uint64, *board](inval, boardMemoSize, boardMemoTTL),
		reads: cache.NewMemo[readKey, map[uint64]bool](inval, readMemoSize, boardMemoTTL),
		opt:   opt, log: log, now: func() time.Time { return time.Now().UTC() }}
}

// Announce is an announcement a person publishes.
type Announce struct {
	CommunityID uint64
	Audience    string // community, estate or building
	AudienceID  uint64 // the estate or building; the community (or 0) for the community
	Title, Body string
	Pinned      bool
	ExpiresAt   *time.Time // nil: DefaultFor from now
	PhotoIDs    []uint64
}

// Publish publishes an announcement: staff of the community to any audience, a captain to a
// building they captain. Text content safety refuses is a 422 and nothing is kept. A captain's
// text or photos it cannot clear now are kept as pending_review (seen by the author and staff)
// until staff release it; staff are the reviewers, so theirs stands. Delivery starts at once
// in the background; the answer does not wait for it.
func (s *Announcements) Publish(ctx context.Context, p *Principal, in Announce) (*model.Announcement, error) {
	if _, err := s.places.Community(ctx, in.CommunityID); err != nil {
		return nil, err
	}
	if !p.Related(in.CommunityID) {
		return nil, Errorf(KindNotFound, "社区不存在或无权查看")
	}
	sc, err := resolveScope(ctx, s.store, in.CommunityID, in.Audience, in.AudienceID, "audience", "audience_id")
	if err != nil {
		return nil, err
	}
	if err := Authorize(p, ActAnnouncementPublish, Scope{CommunityID: sc.CommunityID, BuildingID: sc.BuildingID}); err != nil {
		return nil, Errorf(KindForbidden, "社区工作者可向全社区、小区或楼栋发布公告，楼栋长只能向自己负责的楼栋发布")
	}
	title, err := CleanText(TextRule{Field: "title", What: "标题", Max: 40, Required: true}, in.Title)
	if err != nil {
		return nil, err
	}
	body, err := CleanText(TextRule{Field: "body", What: "正文", Max: 2000, Required: true, Multiline: true}, in.Body)
	if err != nil {
		return nil, err
	}
	now := s.stamp()
	expires := now.Add(s.opt.DefaultFor)
	if in.ExpiresAt != nil {
		expires = in.ExpiresAt.UTC().Truncate(time.Second)
		if !expires.After(now) {
			return nil, Invalid("expires_at", "有效期须晚于现在")
		}
		if expires.After(now.Add(s.opt.MaxFor)) {
			return nil, Invalid("expires_at", fmt.Sprintf("有效期最长 %d 天", int(s.opt.MaxFor/(24*time.Hour))))
		}
	}
	staff := p.Can(ActAnnouncementManage, Scope{CommunityID: sc.CommunityID})
	held, err := s.safety.Screen(ctx, s.store, p.UserID, SceneForum, "公告", title+"\n"+body)
	if err != nil {
		return nil, err
	}
	a := &model.Announcement{CommunityID: sc.CommunityID, Audience: sc.Kind, EstateID: sc.EstateID, BuildingID: sc.BuildingID,
		AuthorID: p.UserID, Title: title, Body: body, Pinned: in.Pinned, Status: model.AnnouncementPendingReview,
		ExpiresAt: expires, CreatedAt: now, UpdatedAt: now}
	err = s.store.Tx(ctx, func(tx *model.Store) error {
		if err := tx.CreateAnnouncement(ctx, a); err != nil {
			return err
		}
		v, err := s.uploads.Attach(ctx, tx, p.UserID, in.PhotoIDs, PhotoAnnouncement, a.ID)
		if err != nil {
			return err
		}
		if v == VerdictRisky {
			return Errorf(KindUnprocessable, "公告的照片未通过内容安全检查，请更换后再发布")
		}
		if (held || v == VerdictReview) && !staff {
			return nil
		}
		return s.publish(ctx, tx, a, now)
	})
	if err != nil {
		return nil, err
	}
	if a.Status == model.AnnouncementPublished {
		s.changed(ctx, a.CommunityID)
	}
	return a, nil
}

// stamp is the time announcements are written with: the service's clock in whole seconds, so
// that their times compare as text the same as in time on SQLite (which keeps "…:00Z" after
// "…:00.5Z") and the list's order and cursors agree on both back ends.
func (s *Announcements) stamp() time.Time { return s.now().UTC().Truncate(time.Second) }

// publish moves a held announcement to published and starts its delivery, inside tx.
func (s *Announcements) publish(ctx context.Context, tx *model.Store, a *model.Announcement, now time.Time) error {
	n, err := tx.CountHouseholds(ctx, model.AudienceOf(a))
	if err != nil {
		return err
	}
	ok, err := tx.PublishAnnouncement(ctx, a.ID, int(n), now)
	if err != nil {
		return err
	}
	if !ok {
		return Errorf(KindConflict, "该公告已发布或已撤回")
	}
	a.Status, a.PublishedAt, a.Households, a.Delivering = model.AnnouncementPublished, &now, int(n), true
	return nil
}

// SystemNotice is an announcement the system publishes (a council result's 公示): no author,
// no content-safety check (the text is the system's own, made of texts already checked).
type SystemNotice struct {
	Audience    model.HouseholdScope
	Title, Body string
	Pinned      bool
	ExpiresAt   time.Time
}

// PublishSystem publishes a system announcement to the residents of the scope and returns
// its id; delivery is the same as anyone's.
func (s *Announcements) PublishSystem(ctx context.Context, n SystemNotice) (uint64, error) {
	kind, id := model.AudienceCommunity, uint64(0)
	switch {
	case n.Audience.BuildingID != 0:
		kind, id = model.AudienceBuilding, n.Audience.BuildingID
	case n.Audience.EstateID != 0:
		kind, id = model.AudienceEstate, n.Audience.EstateID
	}
	sc, err := resolveScope(ctx, s.store, n.Audience.CommunityID, kind, id, "audience", "audience_id")
	if err != nil {
		return 0, err
	}
	now := s.stamp()
	a := &model.Announcement{CommunityID: sc.CommunityID, Audience: sc.Kind, EstateID: sc.EstateID, BuildingID: sc.BuildingID,
		Title: clip(noticeLine(n.Title), 40), Body: clip(n.Body, 2000), Pinned: n.Pinned, Status: model.AnnouncementPendingReview,
		ExpiresAt: n.ExpiresAt.UTC().Truncate(time.Second), CreatedAt: now, UpdatedAt: now}
	err = s.store.Tx(ctx, func(tx *model.Store) error {
		if err := tx.CreateAnnouncement(ctx, a); err != nil {
			return err
		}
		return s.publish(ctx, tx, a, now)
	})
	if err == nil {
		s.changed(ctx, a.CommunityID)
	}
	return a.ID, err
}

// Release publishes an announcement held for review (staff of its community), and starts
// its delivery; 409 when it is not held.
func (s *Announcements) Release(ctx context.Context, p *Principal, id uint64) (*model.Announcement, error) {
	a, err := s.visible(ctx, p, id)
	if err != nil {
		return nil, err
	}
	if err := Authorize(p, ActAnnouncementManage, Scope{CommunityID: a.CommunityID}); err != nil {
		return nil, Errorf(KindForbidden, "只有社区工作者可以放行待审核的公告")
	}
	if a.Status != model.AnnouncementPendingReview {
		return nil, Errorf(KindConflict, "该公告不在待审核状态")
	}
	err = s.store.Tx(ctx, func(tx *model.Store) error { return s.publish(ctx, tx, a, s.stamp()) })
	if err != nil {
		return nil, err
	}
	s.changed(ctx, a.CommunityID)
	return a, nil
}

// Withdraw takes an announcement down (its author or staff of its community): it leaves
// every list and its delivery stops; 409 when it was withdrawn already.
func (s *Announcements) Withdraw(ctx context.Context, p *Principal, id uint64) (*model.Announcement, error) {
	a, err := s.visible(ctx, p, id)
	if err != nil {
		return nil, err
	}
	if !authorOrStaff(p, a) {
		return nil, Errorf(KindForbidden, "只有发布人或社区工作者可以撤回公告")
	}
	ok, err := s.store.WithdrawAnnouncement(ctx, a.ID, s.now())
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, Errorf(KindConflict, "该公告已撤回")
	}
	s.changed(ctx, a.CommunityID)
	return s.store.AnnouncementByID(ctx, id)
}

// authorOrStaff reports whether p wrote the announcement or is staff of its community: who
// sees it in any state, its receipts, and may withdraw it.
func authorOrStaff(p *Principal, a *model.Announcement) bool {
	return (a.AuthorID != 0 && a.AuthorID == p.UserID) || p.Can(ActAnnouncementManage, Scope{CommunityID: a.CommunityID})
}

// scopeOf is where the announcement is addressed.
func scopeOf(a *model.Announcement) placeScope {
	return placeScope{CommunityID: a.CommunityID, Kind: a.Audience, EstateID: a.EstateID, BuildingID: a.BuildingID}
}

// AudienceName names the announcement's audience for people ("东亭花园 3栋").
func (s *Announcements) AudienceName(ctx context.Context, a *model.Announcement) (string, error) {
	return s.places.scopeName(ctx, scopeOf(a))
}

// visible loads an announcement p may see: staff of its community and its author see it in
// any state; a resident or captain of its audience once it is published. 404 otherwise, and
// for one withdrawn (except to staff and its author).
func (s *Announcements) visible(ctx context.Context, p *Principal, id uint64) (*model.Announcement, error) {
	a, err := s.store.AnnouncementByID(ctx, id)
	if errors.Is(err, model.ErrNotFound) {
		return nil, Errorf(KindNotFound, "公告不存在或无权查看")
	}
	if err != nil {
		return nil, err
	}
	if authorOrStaff(p, a) {
		return a, nil
	}
	if a.Status != model.AnnouncementPublished {
		return nil, Errorf(KindNotFound, "公告不存在或无权查看")
	}
	ok, err := s.addressed(ctx, p, a)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, Errorf(KindNotFound, "公告不存在或无权查看")
	}
	return a, nil
}

// addressed reports whether the announcement is addressed to p: p lives in, or captains a
// building of, its audience.
func (s *Announcements) addressed(ctx context.Context, p *Principal, a *model.Announcement) (bool, error) {
	ok, err := anyInScope(ctx, s.places, p.Resident, scopeOf(a))
	if err != nil || ok {
		return ok, err
	}
	return anyInScope(ctx, s.places, p.Captain, scopeOf(a))
}

// publishResult publishes a council result (公示) to the topic's scope until the given time,
// pinned: the council's publisher.
func (s *Announcements) publishResult(ctx context.Context, audience model.HouseholdScope, title, body string, until time.Time) error {
	_, err := s.PublishSystem(ctx, SystemNotice{Audience: audience, Title: title, Body: body, Pinned: true, ExpiresAt: until})
	return err
}
