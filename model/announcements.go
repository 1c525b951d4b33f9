package model

import (
	"context"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Announcement statuses.
const (
	// AnnouncementPendingReview: content safety could not clear a captain's text or photos; its
	// author and the community's staff see it until staff release it. Nobody is told yet.
	AnnouncementPendingReview = "pending_review"
	AnnouncementPublished     = "published"
	AnnouncementWithdrawn     = "withdrawn"
)

// Announcement is a 公告 to the residents of a community, an estate or a building (Audience:
// AudienceCommunity, AudienceEstate or AudienceBuilding, as activities).
// Delivery writes an inbox notice to every approved resident of the audience in batches from
// a background job: DeliveredThrough is the last user id told (the cursor, moved by a
// conditional update so two instances never tell anyone twice) and Delivering is true until
// the last batch. Households is the number of households of the audience when it was
// published, the denominator of its reach.
type Announcement struct {
	ID          uint64 `gorm:"primaryKey"`
	CommunityID uint64 `gorm:"not null;index:ix_announcements_list,priority:1"`
	Audience    string `gorm:"size:16;not null"`
	EstateID    uint64 `gorm:"not null"` // the estate of an estate or building audience, else 0
	BuildingID  uint64 `gorm:"not null"` // the building of a building audience, else 0
	// AuthorID is who wrote it; 0 for the system (a council result's 公示).
	AuthorID         uint64 `gorm:"not null;index:ix_announcements_author"`
	Title            string `gorm:"size:40;not null"`
	Body             string `gorm:"type:text;not null"`
	Pinned           bool   `gorm:"not null"`
	Status           string `gorm:"size:16;not null;index:ix_announcements_list,priority:2"`
	ExpiresAt        time.Time
	PublishedAt      *time.Time
	Households       int    `gorm:"not null"`
	Recipients       int    `gorm:"not null"`
	DeliveredThrough uint64 `gorm:"not null"`
	Delivering       bool   `gorm:"not null;index:ix_announcements_delivering"`
	CreatedAt        time.Time
	UpdatedAt        time.Time
}

// AnnouncementRead is one person's reading of an announcement (已读); its primary key makes
// it once per person. Receipts count households through the readers' residencies.
type AnnouncementRead struct {
	AnnouncementID uint64 `gorm:"primaryKey;autoIncrement:false"`
	UserID         uint64 `gorm:"primaryKey;autoIncrement:false"`
	ReadAt         time.Time
}

// TableName keeps the reads beside their announcements.
func (AnnouncementRead) TableName() string { return "announcement_reads" }

// AnnouncementFilter selects the announcements a person sees in a community: those addressed
// to the whole community, to one of EstateIDs or BuildingIDs, and (with All, for staff)
// every one; AuthorID's own are seen in any state. Published selects every published one
// (a community's board). Unexpired ones only, at Now.
type AnnouncementFilter struct {
	CommunityID           uint64
	EstateIDs, BuildingID []uint64
	AuthorID              uint64
	All, Published        bool
	Now                   time.Time
}

// AnnouncementCursor is where a page of announcements starts: after the one with this
// pinned flag, publication time and id (in the order pinned first, then newest).
type AnnouncementCursor struct {
	Pinned bool
	At     time.Time
	ID     uint64
}

// CreateAnnouncement inserts an announcement and fills in its id.
func (s *Store) CreateAnnouncement(ctx context.Context, a *Announcement) error {
	return translate(s.db.WithContext(ctx).Create(a).Error)
}

// AnnouncementByID returns an announcement; ErrNotFound when there is none.
func (s *Store) AnnouncementByID(ctx context.Context, id uint64) (*Announcement, error) {
	var a Announcement
	if err := s.db.WithContext(ctx).Take(&a, id).Error; err != nil {
		return nil, translate(err)
	}
	return &a, nil
}

// Announcements lists a page of what f sees, pinned first, then newest, after the cursor.
func (s *Store) Announcements(ctx context.Context, f AnnouncementFilter, after *AnnouncementCursor, limit int) ([]Announcement, error) {
	q := s.db.WithContext(ctx).Where("community_id = ? AND status <> ? AND expires_at > ?",
		f.CommunityID, AnnouncementWithdrawn, f.Now)
	switch {
	case f.Published:
		q = q.Where("status = ?", AnnouncementPublished)
	case !f.All:
		vis := s.db.Where("audience = ? AND status = ?", AudienceCommunity, AnnouncementPublished).
			Or("author_id = ? AND author_id <> 0", f.AuthorID)
		if len(f.EstateIDs) > 0 {
			vis = vis.Or("audience = ? AND status = ? AND estate_id IN ?", AudienceEstate, AnnouncementPublished, f.EstateIDs)
		}
		if len(f.BuildingID) > 0 {
			vis = vis.Or("audience = ? AND status = ? AND building_id IN ?", AudienceBuilding, AnnouncementPublished, f.BuildingID)
		}
		q = q.Where(vis)
	}
	if after != nil {
		at := after.At
		q = q.Where(s.db.Where("pinned < ?", after.Pinned).
			Or("pinned = ? AND COALESCE(published_at, created_at) < ?", after.Pinned, at).
			Or("pinned = ? AND COALESCE(published_at, created_at) = ? AND id < ?", after.Pinned, at, after.ID))
	}
	var out []Announcement
	err := q.Order("pinned DESC").Order("COALESCE(published_at, created_at) DESC").Order("id DESC").
		Limit(limit).Find(&out).Error
	return out, translate(err)
}

// PublishAnnouncement moves a held announcement to published at t with the audience's
// household count, and starts its delivery; false when it is not held (any more).
func (s *Store) PublishAnnouncement(ctx context.Context, id uint64, households int, t time.Time) (bool, error) {
	res := s.db.WithContext(ctx).Model(&Announcement{}).Where("id = ? AND status = ?", id, AnnouncementPendingReview).
		Updates(map[string]any{"status": AnnouncementPublished, "published_at": t, "households": households,
			"delivering": true, "updated_at": t})
	return res.RowsAffected == 1, translate(res.Error)
}

// WithdrawAnnouncement withdraws an announcement that is published or held, stopping its
// delivery; false when it was withdrawn already.
func (s *Store) WithdrawAnnouncement(ctx context.Context, id uint64, t time.Time) (bool, error) {
	res := s.db.WithContext(ctx).Model(&Announcement{}).Where("id = ? AND status <> ?", id, AnnouncementWithdrawn).
		Updates(map[string]any{"status": AnnouncementWithdrawn, "delivering": false, "updated_at": t})
	return res.RowsAffected == 1, translate(res.Error)
}

// MarkAnnouncementRead records that the user read the announcement at t (the first reading
// stands); true when this was the first.
func (s *Store) MarkAnnouncementRead(ctx context.Context, id, userID uint64, t time.Time) (bool, error) {
	res := s.db.WithContext(ctx).Clauses(clause.OnConflict{DoNothing: true}).
		Create(&AnnouncementRead{AnnouncementID: id, UserID: userID, ReadAt: t})
	return res.RowsAffected == 1, translate(res.Error)
}

// ReadAnnouncements returns which of the ids the user has read.
func (s *Store) ReadAnnouncements(ctx context.Context, userID uint64, ids []uint64) (map[uint64]bool, error) {
	out := map[uint64]bool{}
	if len(ids) == 0 {
		return out, nil
	}
	var read []uint64
	err := s.db.WithContext(ctx).Model(&AnnouncementRead{}).Where("user_id = ? AND announcement_id IN ?", userID, ids).
		Pluck("announcement_id", &read).Error
	for _, id := range read {
		out[id] = true
	}
	return out, translate(err)
}

// audienceResidents is the query of the approved residents of the announcement's audience.
func (s *Store) audienceResidents(ctx context.Context, a *Announcement) *gorm.DB {
	q := s.db.WithContext(ctx).Table("residencies").Where("residencies.community_id = ? AND residencies.status = ?",
		a.CommunityID, ResidencyApproved)
	switch a.Audience {
	case AudienceEstate:
		q = q.Joins("JOIN buildings ON buildings.id = residencies.building_id").Where("buildings.estate_id = ?", a.EstateID)
	case AudienceBuilding:
		q = q.Where("residencies.building_id = ?", a.BuildingID)
	}
	return q
}

// AudienceOf is the household scope of an announcement's audience.
func AudienceOf(a *Announcement) HouseholdScope {
	sc := HouseholdScope{CommunityID: a.CommunityID}
	switch a.Audience {
	case AudienceEstate:
		sc.EstateID = a.EstateID
	case AudienceBuilding:
		sc.BuildingID = a.BuildingID
	}
	return sc
}
