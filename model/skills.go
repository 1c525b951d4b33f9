package model

import (
	"context"
	"errors"
	"slices"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Skill is one entry of a community's skill list (能人库): 电工, 水暖, ….
type Skill struct {
	ID          uint64 `gorm:"primaryKey"`
	CommunityID uint64 `gorm:"not null;uniqueIndex:ux_skills_name,priority:1"`
	Name        string `gorm:"size:16;not null;uniqueIndex:ux_skills_name,priority:2"`
	SortOrder   int    `gorm:"not null"`
	CreatedAt   time.Time
}

// How far a volunteer will go (service scope), nearest first.
const (
	ReachBuilding  = 0 // own building only
	ReachEstate    = 1 // own estate (小区)
	ReachCommunity = 2 // the whole community
)

// SkillProfile is a person's listing in the directory, one per user. The row outlives the
// listing: deleting it (Withdrawn) removes skills and windows but keeps the counters, which
// dispatch needs (OpenDispatches is the per-volunteer cap, updated only by conditional
// statements) and which ranking uses (the rating).
type SkillProfile struct {
	ID          uint64 `gorm:"primaryKey"`
	UserID      uint64 `gorm:"not null;uniqueIndex"`
	CommunityID uint64 `gorm:"not null;index:ix_skill_profiles_community,priority:1"`
	EstateID    uint64 `gorm:"not null"`
	BuildingID  uint64 `gorm:"not null"`
	Intro       string `gorm:"size:300;not null"`
	// IntroHeld: content safety could not pass the intro; the listing stays out of the
	// directory until staff release it or the owner rewrites it.
	IntroHeld bool `gorm:"not null;index:ix_skill_profiles_community,priority:2"`
	Reach     int  `gorm:"not null"`
	Visible   bool `gorm:"not null"`
	Withdrawn bool `gorm:"not null"`
	// OpenDispatches counts offered and accepted dispatches.
	OpenDispatches int `gorm:"not null"`
	RatingSum      int `gorm:"not null"`
	RatingCount    int `gorm:"not null"`
	// RatingX100 is the average rating × 100 (ordering needs one comparable column).
	RatingX100 int `gorm:"not null"`
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// Listed reports whether the profile shows in the directory.
func (p *SkillProfile) Listed() bool { return p.Visible && !p.IntroHeld && !p.Withdrawn }

// SkillListing is one skill of one profile: the directory's search table. It repeats the
// profile's place, reach and listed flag so that "has skill X, listed, reach covers building
// B" is answered from one index (ix_skill_listings_search) without touching other rows.
type SkillListing struct {
	ProfileID  uint64 `gorm:"primaryKey;autoIncrement:false;index:ix_skill_listings_search,priority:6"`
	SkillID    uint64 `gorm:"primaryKey;autoIncrement:false;index:ix_skill_listings_search,priority:1"`
	Listed     bool   `gorm:"not null;index:ix_skill_listings_search,priority:2"`
	Reach      int    `gorm:"not null;index:ix_skill_listings_search,priority:3"`
	EstateID   uint64 `gorm:"not null;index:ix_skill_listings_search,priority:4"`
	BuildingID uint64 `gorm:"not null;index:ix_skill_listings_search,priority:5"`
	// Verified: staff saw proof (an electrician's licence, …).
	Verified   bool `gorm:"not null"`
	VerifiedBy *uint64
	VerifiedAt *time.Time
}

// SkillWindow is one weekly availability window: Weekday 1 (Monday) … 7 (Sunday), minutes of
// the day [StartMin, EndMin).
type SkillWindow struct {
	ID        uint64 `gorm:"primaryKey"`
	ProfileID uint64 `gorm:"not null;index:ix_skill_windows_at,priority:1"`
	Weekday   int    `gorm:"not null;index:ix_skill_windows_at,priority:2"`
	StartMin  int    `gorm:"not null;index:ix_skill_windows_at,priority:3"`
	EndMin    int    `gorm:"not null;index:ix_skill_windows_at,priority:4"`
}

// migrateSkills (0006_skills) creates the skill directory's tables and those of dispatch.
func migrateSkills(tx *gorm.DB) error {
	type Skill struct {
		ID          uint64 `gorm:"primaryKey"`
		CommunityID uint64 `gorm:"not null;uniqueIndex:ux_skills_name,priority:1"`
		Name        string `gorm:"size:16;not null;uniqueIndex:ux_skills_name,priority:2"`
		SortOrder   int    `gorm:"not null"`
		CreatedAt   time.Time
	}
	type SkillProfile struct {
		ID             uint64 `gorm:"primaryKey"`
		UserID         uint64 `gorm:"not null;uniqueIndex"`
		CommunityID    uint64 `gorm:"not null;index:ix_skill_profiles_community,priority:1"`
		EstateID       uint64 `gorm:"not null"`
		BuildingID     uint64 `gorm:"not null"`
		Intro          string `gorm:"size:300;not null"`
		IntroHeld      bool   `gorm:"not null;index:ix_skill_profiles_community,priority:2"`
		Reach          int    `gorm:"not null"`
		Visible        bool   `gorm:"not null"`
		Withdrawn      bool   `gorm:"not null"`
		OpenDispatches int    `gorm:"not null"`
		RatingSum      int    `gorm:"not null"`
		RatingCount    int    `gorm:"not null"`
		RatingX100     int    `gorm:"not null"`
		CreatedAt      time.Time
		UpdatedAt      time.Time
	}
	type SkillListing struct {
		ProfileID  uint64 `gorm:"primaryKey;autoIncrement:false;index:ix_skill_listings_search,priority:6"`
		SkillID    uint64 `gorm:"primaryKey;autoIncrement:false;index:ix_skill_listings_search,priority:1"`
		Listed     bool   `gorm:"not null;index:ix_skill_listings_search,priority:2"`
		Reach      int    `gorm:"not null;index:ix_skill_listings_search,priority:3"`
		EstateID   uint64 `gorm:"not null;index:ix_skill_listings_search,priority:4"`
		BuildingID uint64 `gorm:"not null;index:ix_skill_listings_search,priority:5"`
		Verified   bool   `gorm:"not null"`
		VerifiedBy *uint64
		VerifiedAt *time.Time
	}
	type SkillWindow struct {
		ID        uint64 `gorm:"primaryKey"`
		ProfileID uint64 `gorm:"not null;index:ix_skill_windows_at,priority:1"`
		Weekday   int    `gorm:"not null;index:ix_skill_windows_at,priority:2"`
		StartMin  int    `gorm:"not null;index:ix_skill_windows_at,priority:3"`
		EndMin    int    `gorm:"not null;index:ix_skill_windows_at,priority:4"`
	}
	if err := tx.Migrator().CreateTable(&Skill{}, &SkillProfile{}, &SkillListing{}, &SkillWindow{}); err != nil {
		return err
	}
	return migrateDispatch(tx) // help requests and dispatches (model/dispatch.go), same release
}

// EnsureSkills inserts the default skills a community lacks (by name); concurrent callers
// cannot create duplicates (the unique key decides).
func (s *Store) EnsureSkills(ctx context.Context, defaults []Skill) error {
	if len(defaults) == 0 {
		return nil
	}
	return translate(s.db.WithContext(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&defaults).Error)
}

// Skills lists a community's skills in display order.
func (s *Store) Skills(ctx context.Context, communityID uint64) ([]Skill, error) {
	var out []Skill
	err := s.db.WithContext(ctx).Where("community_id = ?", communityID).Order("sort_order, id").Find(&out).Error
	return out, err
}

// CreateSkill inserts a skill; a name already used in the community is ErrConflict.
func (s *Store) CreateSkill(ctx context.Context, sk *Skill) error {
	return translate(s.db.WithContext(ctx).Create(sk).Error)
}

// SkillProfileOf returns the user's profile row (withdrawn or not).
func (s *Store) SkillProfileOf(ctx context.Context, userID uint64) (*SkillProfile, error) {
	var p SkillProfile
	err := s.db.WithContext(ctx).Where("user_id = ?", userID).First(&p).Error
	return &p, translate(err)
}

// LockSkillProfile locks the user's profile row for the rest of the transaction (the first
// statement of every dispatch transition, so that they serialise per volunteer).
func (s *Store) LockSkillProfile(ctx context.Context, userID uint64) (*SkillProfile, error) {
	var p SkillProfile
	err := s.db.WithContext(ctx).Clauses(clause.Locking{Strength: "UPDATE"}).Where("user_id = ?", userID).First(&p).Error
	return &p, translate(err)
}

// The writes to a listing below run inside Store.Tx and lock the owner's users row first
// (a primary-key record lock: LockLiveUser), so that they serialise per person and every plain
// read after it sees the latest commit. They then touch listing and window rows by their
// primary keys only: a range DELETE or a FOR UPDATE on a missing row takes gap locks on
// MariaDB, and two people listing themselves at once would deadlock on each other's gaps.

// SaveSkillProfile writes p (by p.UserID: created or replaced, and no longer withdrawn) with
// exactly these skills and windows. Skills kept keep their verification; every listing row
// gets the profile's place, reach and listed flag. The counters are never touched here.
func (s *Store) SaveSkillProfile(ctx context.Context, p *SkillProfile, skillIDs []uint64, windows []SkillWindow) error {
	db := s.db.WithContext(ctx)
	if _, err := s.LockLiveUser(ctx, p.UserID); err != nil {
		return err
	}
	cur, err := s.SkillProfileOf(ctx, p.UserID)
	switch {
	case err == nil:
		p.ID, p.CreatedAt = cur.ID, cur.CreatedAt
		p.OpenDispatches, p.RatingSum, p.RatingCount, p.RatingX100 = cur.OpenDispatches, cur.RatingSum, cur.RatingCount, cur.RatingX100
		err = db.Model(&SkillProfile{}).Where("id = ?", cur.ID).Updates(map[string]any{
			"community_id": p.CommunityID, "estate_id": p.EstateID, "building_id": p.BuildingID, "intro": p.Intro,
			"intro_held": p.IntroHeld, "reach": p.Reach, "visible": p.Visible, "withdrawn": false, "updated_at": p.UpdatedAt}).Error
	case errors.Is(err, ErrNotFound):
		p.ID, p.Withdrawn = 0, false
		err = db.Create(p).Error
	}
	if err != nil {
		return translate(err)
	}
	have, err := s.listingSkills(ctx, p.ID)
	if err != nil {
		return err
	}
	var drop []uint64
	for _, id := range have {
		if !slices.Contains(skillIDs, id) {
			drop = append(drop, id)
		}
	}
	if len(drop) > 0 {
		if err := db.Where("profile_id = ? AND skill_id IN ?", p.ID, drop).Delete(&SkillListing{}).Error; err != nil {
			return translate(err)
		}
	}
	var add []SkillListing
	for _, id := range skillIDs {
		if !slices.Contains(have, id) {
			add = append(add, SkillListing{ProfileID: p.ID, SkillID: id})
		}
	}
	if len(add) > 0 {
		if err := db.Create(&add).Error; err != nil {
			return translate(err)
		}
	}
	if err := s.setListings(ctx, p.ID, skillIDs, map[string]any{"listed": p.Listed(), "reach": p.Reach,
		"estate_id": p.EstateID, "building_id": p.BuildingID}); err != nil {
		return err
	}
	if err := s.dropWindows(ctx, p.ID); err != nil {
		return err
	}
	for i := range windows {
		windows[i].ID, windows[i].ProfileID = 0, p.ID
	}
	if len(windows) > 0 {
		return translate(db.Create(&windows).Error)
	}
	return nil
}

// listingSkills returns the skills a profile lists (plain read: call it after the lock).
func (s *Store) listingSkills(ctx context.Context, profileID uint64) ([]uint64, error) {
	var out []uint64
	err := s.db.WithContext(ctx).Model(&SkillListing{}).Where("profile_id = ?", profileID).Order("skill_id").Pluck("skill_id", &out).Error
	return out, err
}

// setListings updates the listing rows (profileID, each of skillIDs) by primary key.
func (s *Store) setListings(ctx context.Context, profileID uint64, skillIDs []uint64, set map[string]any) error {
	if len(skillIDs) == 0 {
		return nil
	}
	return translate(s.db.WithContext(ctx).Model(&SkillListing{}).Where("profile_id = ? AND skill_id IN ?", profileID, skillIDs).
		Updates(set).Error)
}

// dropWindows deletes a profile's windows by their ids.
func (s *Store) dropWindows(ctx context.Context, profileID uint64) error {
	var ids []uint64
	db := s.db.WithContext(ctx)
	if err := db.Model(&SkillWindow{}).Where("profile_id = ?", profileID).Pluck("id", &ids).Error; err != nil || len(ids) == 0 {
		return err
	}
	return translate(db.Where("id IN ?", ids).Delete(&SkillWindow{}).Error)
}

// WithdrawSkillProfile deletes the user's listing at once: skills and windows go, the row
// stays (withdrawn, hidden) with its counters. It reports whether there was a live listing.
func (s *Store) WithdrawSkillProfile(ctx context.Context, userID uint64) (bool, error) {
	db := s.db.WithContext(ctx)
	if _, err := s.LockLiveUser(ctx, userID); err != nil {
		return false, err
	}
	p, err := s.SkillProfileOf(ctx, userID)
	if errors.Is(err, ErrNotFound) || (err == nil && p.Withdrawn) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if err := db.Model(&SkillProfile{}).Where("id = ?", p.ID).
		Updates(map[string]any{"withdrawn": true, "visible": false, "intro_held": false, "updated_at": s.now()}).Error; err != nil {
		return false, translate(err)
	}
	have, err := s.listingSkills(ctx, p.ID)
	if err != nil {
		return false, err
	}
	if len(have) > 0 {
		if err := db.Where("profile_id = ? AND skill_id IN ?", p.ID, have).Delete(&SkillListing{}).Error; err != nil {
			return false, translate(err)
		}
	}
	return true, s.dropWindows(ctx, p.ID)
}

// ReleaseSkillIntro clears the hold on a community's profile and lists it again if visible;
// it reports whether a held profile was released.
func (s *Store) ReleaseSkillIntro(ctx context.Context, communityID, userID uint64) (bool, error) {
	if _, err := s.LockLiveUser(ctx, userID); err != nil {
		if errors.Is(err, ErrNotFound) {
			return false, nil
		}
		return false, err
	}
	p, err := s.SkillProfileOf(ctx, userID)
	if errors.Is(err, ErrNotFound) || (err == nil && (p.CommunityID != communityID || !p.IntroHeld || p.Withdrawn)) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if err := s.db.WithContext(ctx).Model(&SkillProfile{}).Where("id = ?", p.ID).
		Updates(map[string]any{"intro_held": false, "updated_at": s.now()}).Error; err != nil {
		return false, translate(err)
	}
	p.IntroHeld = false
	have, err := s.listingSkills(ctx, p.ID)
	if err != nil {
		return false, err
	}
	return true, s.setListings(ctx, p.ID, have, map[string]any{"listed": p.Listed()})
}

// VerifySkill sets whether staff verified one skill of a community's profile; ErrNotFound
// when the person does not list that skill there.
func (s *Store) VerifySkill(ctx context.Context, communityID, userID, skillID uint64, verified bool, by uint64, at time.Time) error {
	p, err := s.SkillProfileOf(ctx, userID)
	if err != nil || p.CommunityID != communityID || p.Withdrawn {
		if err == nil {
			err = ErrNotFound
		}
		return err
	}
	set := map[string]any{"verified": verified, "verified_by": nil, "verified_at": nil}
	if verified {
		set["verified_by"], set["verified_at"] = by, at
	}
	res := s.db.WithContext(ctx).Model(&SkillListing{}).Where("profile_id = ? AND skill_id = ?", p.ID, skillID).Updates(set)
	if res.Error != nil || res.RowsAffected == 1 {
		return translate(res.Error)
	}
	var n int64 // MySQL counts changed rows: verifying twice changes none
	if err := s.db.WithContext(ctx).Model(&SkillListing{}).Where("profile_id = ? AND skill_id = ?", p.ID, skillID).Count(&n).Error; err != nil {
		return err
	}
	if n == 0 {
		return ErrNotFound
	}
	return nil
}

// ProfileSkill is one skill of a profile with its name.
type ProfileSkill struct {
	ProfileID uint64
	SkillID   uint64
	Name      string
	Verified  bool
}

// ProfileSkills returns the skills of the profiles, in the skill list's order.
func (s *Store) ProfileSkills(ctx context.Context, profileIDs []uint64) ([]ProfileSkill, error) {
	var out []ProfileSkill
	if len(profileIDs) == 0 {
		return out, nil
	}
	err := s.db.WithContext(ctx).Table("skill_listings").
		Select("skill_listings.profile_id, skill_listings.skill_id, skills.name, skill_listings.verified").
		Joins("JOIN skills ON skills.id = skill_listings.skill_id").
		Where("skill_listings.profile_id IN ?", profileIDs).
		Order("skill_listings.profile_id, skills.sort_order, skills.id").Scan(&out).Error
	return out, err
}

// ProfileWindows returns the windows of the profiles, by weekday and start.
func (s *Store) ProfileWindows(ctx context.Context, profileIDs []uint64) ([]SkillWindow, error) {
	var out []SkillWindow
	if len(profileIDs) == 0 {
		return out, nil
	}
	err := s.db.WithContext(ctx).Where("profile_id IN ?", profileIDs).Order("profile_id, weekday, start_min").Find(&out).Error
	return out, err
}
