package model

import (
	"context"
	"time"

	"gorm.io/gorm"
)

// Help request statuses (居民点单).
const (
	HelpOpen       = "open"       // waiting for a dispatch
	HelpDispatched = "dispatched" // a dispatch is offered, accepted or completed
	HelpDone       = "done"       // the service was confirmed
)

// HelpRequest is a resident asking for help with a skill, or a captain asking on behalf of
// someone who cannot use the phone (then BeneficiaryName/Room say who and where).
type HelpRequest struct {
	ID              uint64 `gorm:"primaryKey;index:ix_help_requests_queue,priority:3;index:ix_help_requests_building,priority:2;index:ix_help_requests_requester,priority:2"`
	CommunityID     uint64 `gorm:"not null;index:ix_help_requests_queue,priority:1"`
	BuildingID      uint64 `gorm:"not null;index:ix_help_requests_building,priority:1"`
	RequesterID     uint64 `gorm:"not null;index:ix_help_requests_requester,priority:1"`
	SkillID         uint64 `gorm:"not null"`
	Description     string `gorm:"size:500;not null"`
	PreferredAt     *time.Time
	OnBehalf        bool   `gorm:"not null"`
	BeneficiaryName string `gorm:"size:32;not null"`
	BeneficiaryRoom string `gorm:"size:32;not null"`
	// Held: content safety could not pass the description; only staff may dispatch it.
	Held      bool   `gorm:"not null"`
	Status    string `gorm:"size:16;not null;index:ix_help_requests_queue,priority:2"`
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Dispatch statuses (派单).
const (
	DispatchOffered   = "offered"
	DispatchAccepted  = "accepted"
	DispatchDeclined  = "declined"
	DispatchCancelled = "cancelled"
	DispatchExpired   = "expired"
	DispatchCompleted = "completed"
	DispatchConfirmed = "confirmed"
)

// Dispatch sources.
const (
	DispatchFromIssue = "issue"
	DispatchFromHelp  = "help_request"
)

// DispatchOpenStatuses hold one of the volunteer's open slots (skill_profiles.open_dispatches).
var DispatchOpenStatuses = []string{DispatchOffered, DispatchAccepted}

// Dispatch sends one volunteer to an issue or a help request. LiveKey ("issue:12") is set while
// the dispatch is offered, accepted or completed and NULL afterwards: its unique index lets a
// source have at most one live dispatch, whoever races to offer it.
type Dispatch struct {
	ID           uint64  `gorm:"primaryKey;index:ix_dispatches_community,priority:2;index:ix_dispatches_building,priority:2;index:ix_dispatches_volunteer,priority:2;index:ix_dispatches_requester,priority:2"`
	CommunityID  uint64  `gorm:"not null;index:ix_dispatches_community,priority:1"`
	BuildingID   uint64  `gorm:"not null;index:ix_dispatches_building,priority:1"`
	SourceKind   string  `gorm:"size:16;not null;index:ix_dispatches_source,priority:1"`
	SourceID     uint64  `gorm:"not null;index:ix_dispatches_source,priority:2"`
	LiveKey      *string `gorm:"size:40;uniqueIndex"`
	Title        string  `gorm:"size:32;not null"` // the skill or the issue category
	VolunteerID  uint64  `gorm:"not null;index:ix_dispatches_volunteer,priority:1"`
	DispatcherID uint64  `gorm:"not null"`
	RequesterID  uint64  `gorm:"not null;index:ix_dispatches_requester,priority:1"`
	Status       string  `gorm:"size:16;not null;index:ix_dispatches_expiry,priority:1"`
	Note         string  `gorm:"size:200;not null"`
	// OfferNoteHeld: content safety could not clear Note; managers see it, the volunteer and
	// the requester do not.
	OfferNoteHeld bool   `gorm:"not null"`
	DeclineReason string `gorm:"size:200;not null"`
	CancelReason  string `gorm:"size:200;not null"`
	// ReasonHeld: content safety could not clear the decline or cancel reason; its author and
	// managers see it.
	ReasonHeld     bool   `gorm:"not null"`
	CompletionNote string `gorm:"size:500;not null"`
	NoteHeld       bool   `gorm:"not null"`
	Minutes        int    `gorm:"not null"`
	Score          *int
	RatingComment  string `gorm:"size:200;not null"`
	CommentHeld    bool   `gorm:"not null"`
	ConfirmerID    *uint64
	OfferedAt      time.Time `gorm:"not null"`
	ExpiresAt      time.Time `gorm:"not null;index:ix_dispatches_expiry,priority:2"`
	RespondedAt    *time.Time
	CompletedAt    *time.Time
	ConfirmedAt    *time.Time
	ClosedAt       *time.Time
	UpdatedAt      time.Time
}

func migrateDispatch(tx *gorm.DB) error {
	type HelpRequest struct {
		ID              uint64 `gorm:"primaryKey;index:ix_help_requests_queue,priority:3;index:ix_help_requests_building,priority:2;index:ix_help_requests_requester,priority:2"`
		CommunityID     uint64 `gorm:"not null;index:ix_help_requests_queue,priority:1"`
		BuildingID      uint64 `gorm:"not null;index:ix_help_requests_building,priority:1"`
		RequesterID     uint64 `gorm:"not null;index:ix_help_requests_requester,priority:1"`
		SkillID         uint64 `gorm:"not null"`
		Description     string `gorm:"size:500;not null"`
		PreferredAt     *time.Time
		OnBehalf        bool   `gorm:"not null"`
		BeneficiaryName string `gorm:"size:32;not null"`
		BeneficiaryRoom string `gorm:"size:32;not null"`
		Held            bool   `gorm:"not null"`
		Status          string `gorm:"size:16;not null;index:ix_help_requests_queue,priority:2"`
		CreatedAt       time.Time
		UpdatedAt       time.Time
	}
	type Dispatch struct {
		ID             uint64  `gorm:"primaryKey;index:ix_dispatches_community,priority:2;index:ix_dispatches_building,priority:2;index:ix_dispatches_volunteer,priority:2;index:ix_dispatches_requester,priority:2"`
		CommunityID    uint64  `gorm:"not null;index:ix_dispatches_community,priority:1"`
		BuildingID     uint64  `gorm:"not null;index:ix_dispatches_building,priority:1"`
		SourceKind     string  `gorm:"size:16;not null;index:ix_dispatches_source,priority:1"`
		SourceID       uint64  `gorm:"not null;index:ix_dispatches_source,priority:2"`
		LiveKey        *string `gorm:"size:40;uniqueIndex"`
		Title          string  `gorm:"size:32;not null"`
		VolunteerID    uint64  `gorm:"not null;index:ix_dispatches_volunteer,priority:1"`
		DispatcherID   uint64  `gorm:"not null"`
		RequesterID    uint64  `gorm:"not null;index:ix_dispatches_requester,priority:1"`
		Status         string  `gorm:"size:16;not null;index:ix_dispatches_expiry,priority:1"`
		Note           string  `gorm:"size:200;not null"`
		DeclineReason  string  `gorm:"size:200;not null"`
		CancelReason   string  `gorm:"size:200;not null"`
		CompletionNote string  `gorm:"size:500;not null"`
		NoteHeld       bool    `gorm:"not null"`
		Minutes        int     `gorm:"not null"`
		Score          *int
		RatingComment  string `gorm:"size:200;not null"`
		CommentHeld    bool   `gorm:"not null"`
		ConfirmerID    *uint64
		OfferedAt      time.Time `gorm:"not null"`
		ExpiresAt      time.Time `gorm:"not null;index:ix_dispatches_expiry,priority:2"`
		RespondedAt    *time.Time
		CompletedAt    *time.Time
		ConfirmedAt    *time.Time
		ClosedAt       *time.Time
		UpdatedAt      time.Time
	}
	return tx.Migrator().CreateTable(&HelpRequest{}, &Dispatch{})
}

// CreateHelpRequest inserts a help request.
func (s *Store) CreateHelpRequest(ctx context.Context, h *HelpRequest) error {
	return translate(s.db.WithContext(ctx).Create(h).Error)
}

// OpenHelpRequestsOf counts the help requests the user filed for themselves (not on behalf of
// someone) that are not done yet (ix_help_requests_requester). Take the user's row lock first
// (LockLiveUser) when the count decides whether another may be filed.
func (s *Store) OpenHelpRequestsOf(ctx context.Context, userID uint64) (int64, error) {
	var n int64
	err := s.db.WithContext(ctx).Model(&HelpRequest{}).
		Where("requester_id = ? AND on_behalf = ? AND status IN ?", userID, false, []string{HelpOpen, HelpDispatched}).
		Count(&n).Error
	return n, translate(err)
}

// HelpRequestByID returns a help request.
func (s *Store) HelpRequestByID(ctx context.Context, id uint64) (*HelpRequest, error) {
	var h HelpRequest
	err := s.db.WithContext(ctx).First(&h, id).Error
	return &h, translate(err)
}

// MoveHelpRequest sets the status only while it is from (one conditional update); releasing
// (when set) clears the hold too. It reports whether it applied.
func (s *Store) MoveHelpRequest(ctx context.Context, id uint64, from, to string, release bool) (bool, error) {
	set := map[string]any{"status": to, "updated_at": s.now()}
	if release {
		set["held"] = false
	}
	res := s.db.WithContext(ctx).Model(&HelpRequest{}).Where("id = ? AND status = ?", id, from).Updates(set)
	return res.RowsAffected == 1, translate(res.Error)
}

// CreateDispatch inserts a dispatch; a live dispatch of the same source is ErrConflict.
func (s *Store) CreateDispatch(ctx context.Context, d *Dispatch) error {
	return translate(s.db.WithContext(ctx).Create(d).Error)
}

// DispatchByID returns a dispatch.
func (s *Store) DispatchByID(ctx context.Context, id uint64) (*Dispatch, error) {
	var d Dispatch
	err := s.db.WithContext(ctx).First(&d, id).Error
	return &d, translate(err)
}

// DispatchesByIDs returns the dispatches with these ids, keyed by id.
func (s *Store) DispatchesByIDs(ctx context.Context, ids []uint64) (map[uint64]Dispatch, error) {
	out := make(map[uint64]Dispatch, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	var list []Dispatch
	if err := s.db.WithContext(ctx).Where("id IN ?", ids).Find(&list).Error; err != nil {
		return nil, err
	}
	for _, d := range list {
		out[d.ID] = d
	}
	return out, nil
}

// DispatchMove is one conditional step of a dispatch: the statuses it may leave from, the
// columns it sets, and optional guards.
type DispatchMove struct {
	From []string
	Set  map[string]any
	// VolunteerID, when set, must be the dispatch's volunteer.
	VolunteerID uint64
	// LiveAfter, when set, must be before the offer's expiry.
	LiveAfter *time.Time
	// Close releases the source for another dispatch (LiveKey NULL).
	Close bool
}

// MoveDispatch applies m in one conditional UPDATE and reports whether it applied.
func (s *Store) MoveDispatch(ctx context.Context, id uint64, m DispatchMove) (bool, error) {
	q := s.db.WithContext(ctx).Model(&Dispatch{}).Where("id = ? AND status IN ?", id, m.From)
	if m.VolunteerID != 0 {
		q = q.Where("volunteer_id = ?", m.VolunteerID)
	}
	if m.LiveAfter != nil {
		q = q.Where("expires_at > ?", *m.LiveAfter)
	}
	if m.Close {
		m.Set["live_key"] = nil
	}
	res := q.Updates(m.Set)
	return res.RowsAffected == 1, translate(res.Error)
}

// ReserveDispatchSlot takes one of the volunteer's open slots in one conditional UPDATE: only
// a listed profile of the community with fewer than limit open dispatches changes. It reports
// whether it did; concurrent offers to one volunteer can never exceed limit.
func (s *Store) ReserveDispatchSlot(ctx context.Context, userID, communityID uint64, limit int) (bool, error) {
	res := s.db.WithContext(ctx).Model(&SkillProfile{}).
		Where("user_id = ? AND community_id = ? AND visible = ? AND intro_held = ? AND withdrawn = ? AND open_dispatches < ?",
			userID, communityID, true, false, false, limit).
		UpdateColumn("open_dispatches", gorm.Expr("open_dispatches + 1"))
	return res.RowsAffected == 1, translate(res.Error)
}

// ReleaseDispatchSlot gives a slot back (never below zero).
func (s *Store) ReleaseDispatchSlot(ctx context.Context, userID uint64) error {
	return translate(s.db.WithContext(ctx).Model(&SkillProfile{}).Where("user_id = ? AND open_dispatches > 0", userID).
		UpdateColumn("open_dispatches", gorm.Expr("open_dispatches - 1")).Error)
}

// SetVolunteerRating stores a volunteer's rating totals; the caller locked the row and
// computed them from its current values.
func (s *Store) SetVolunteerRating(ctx context.Context, userID uint64, sum, count int) error {
	x100 := 0
	if count > 0 {
		x100 = sum * 100 / count
	}
	return translate(s.db.WithContext(ctx).Model(&SkillProfile{}).Where("user_id = ?", userID).
		UpdateColumns(map[string]any{"rating_sum": sum, "rating_count": count, "rating_x100": x100}).Error)
}

// DueOffers lists up to limit offers whose answer time has passed (ix_dispatches_expiry).
func (s *Store) DueOffers(ctx context.Context, now time.Time, limit int) ([]Dispatch, error) {
	var out []Dispatch
	err := s.db.WithContext(ctx).Where("status = ? AND expires_at <= ?", DispatchOffered, now).
		Order("expires_at").Limit(limit).Find(&out).Error
	return out, err
}

// DispatchesOf lists the dispatches of a source, newest first.
func (s *Store) DispatchesOf(ctx context.Context, kind string, sourceID uint64) ([]Dispatch, error) {
	var out []Dispatch
	err := s.db.WithContext(ctx).Where("source_kind = ? AND source_id = ?", kind, sourceID).Order("id DESC").Find(&out).Error
	return out, err
}

// ScopeFilter selects rows of a list: by one person, or by a manager's scope (the
// communities they are staff of or the buildings they captain: either matches), narrowed by
// CommunityID, BuildingID and Statuses; newest first, below BeforeID.
type ScopeFilter struct {
	// PersonColumn and PersonID select "mine" lists (volunteer_id, requester_id).
	PersonColumn string
	PersonID     uint64
	Communities  []uint64
	Buildings    []uint64
	CommunityID  uint64
	BuildingID   uint64
	Statuses     []string
	BeforeID     uint64
	Limit        int
}

func (f ScopeFilter) apply(q *gorm.DB, table string) *gorm.DB {
	col := func(c string) string { return table + "." + c }
	switch {
	case f.PersonColumn != "":
		q = q.Where(col(f.PersonColumn)+" = ?", f.PersonID)
	case len(f.Communities) > 0 && len(f.Buildings) > 0:
		q = q.Where("("+col("community_id")+" IN ? OR "+col("building_id")+" IN ?)", f.Communities, f.Buildings)
	case len(f.Communities) > 0:
		q = q.Where(col("community_id")+" IN ?", f.Communities)
	case len(f.Buildings) > 0:
		q = q.Where(col("building_id")+" IN ?", f.Buildings)
	default:
		q = q.Where("1 = 0")
	}
	if f.CommunityID != 0 {
		q = q.Where(col("community_id")+" = ?", f.CommunityID)
	}
	if f.BuildingID != 0 {
		q = q.Where(col("building_id")+" = ?", f.BuildingID)
	}
	if len(f.Statuses) > 0 {
		q = q.Where(col("status")+" IN ?", f.Statuses)
	}
	if f.BeforeID != 0 {
		q = q.Where(col("id")+" < ?", f.BeforeID)
	}
	return q.Order(col("id") + " DESC").Limit(f.Limit)
}

// Dispatches lists dispatches by f.
func (s *Store) Dispatches(ctx context.Context, f ScopeFilter) ([]Dispatch, error) {
	var out []Dispatch
	err := f.apply(s.db.WithContext(ctx).Model(&Dispatch{}), "dispatches").Find(&out).Error
	return out, err
}

// HelpRequests lists help requests by f.
func (s *Store) HelpRequests(ctx context.Context, f ScopeFilter) ([]HelpRequest, error) {
	var out []HelpRequest
	err := f.apply(s.db.WithContext(ctx).Model(&HelpRequest{}), "help_requests").Find(&out).Error
	return out, err
}

// SkillsByIDs returns the skills with these ids, keyed by id.
func (s *Store) SkillsByIDs(ctx context.Context, ids []uint64) (map[uint64]Skill, error) {
	out := make(map[uint64]Skill, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	var list []Skill
	if err := s.db.WithContext(ctx).Where("id IN ?", ids).Find(&list).Error; err != nil {
		return nil, err
	}
	for _, sk := range list {
		out[sk.ID] = sk
	}
	return out, nil
}

// BuildingsByIDs returns the buildings with these ids and their estates' names, keyed by id.
func (s *Store) BuildingsByIDs(ctx context.Context, ids []uint64) (map[uint64]BuildingView, error) {
	out := make(map[uint64]BuildingView, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	var list []BuildingView
	if err := s.buildingViews(ctx).Where("buildings.id IN ?", ids).Scan(&list).Error; err != nil {
		return nil, err
	}
	for _, b := range list {
		out[b.ID] = b
	}
	return out, nil
}
