package model

import (
	"context"
	"time"

	"gorm.io/gorm"
)

// Kinds of reward in the 爱心超市.
const (
	RewardCourse   = "course"   // 课程: a class at the community school
	RewardMerchant = "merchant" // 商户服务: a merchant's service
	RewardService  = "service"  // 志愿服务: a service offered by volunteers
	RewardHonour   = "honour"   // 荣誉: a title or certificate
)

// Redemption statuses.
const (
	RedemptionIssued    = "issued"    // the voucher can be used
	RedemptionUsed      = "used"      // verified (核销) by staff or the merchant
	RedemptionCancelled = "cancelled" // cancelled before use: points refunded, stock returned
)

// Reward is something residents redeem points for. Price is in hundredths of a point. Stock
// only changes under the row's lock (redeem, cancel, staff edits).
type Reward struct {
	ID           uint64 `gorm:"primaryKey"`
	CommunityID  uint64 `gorm:"not null;index"`
	Name         string `gorm:"size:64;not null"`
	Description  string `gorm:"size:500;not null"`
	Kind         string `gorm:"size:16;not null"`
	MerchantName string `gorm:"size:64;not null"`
	// MerchantUserID is the merchant's user, who may verify the reward's vouchers.
	MerchantUserID *uint64 `gorm:"index"`
	Price          int64   `gorm:"not null"`
	Stock          int     `gorm:"not null"`
	// PerPersonLimit is how many live (not cancelled) vouchers one person may hold; 0 = no limit.
	PerPersonLimit int `gorm:"not null"`
	StartsAt       *time.Time
	EndsAt         *time.Time
	Active         bool   `gorm:"not null"`
	CreatedBy      uint64 `gorm:"not null"`
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// Redemption is a voucher: a reward redeemed by a person, with a unique code.
type Redemption struct {
	ID          uint64 `gorm:"primaryKey"`
	RewardID    uint64 `gorm:"not null;index:ix_redemptions_person,priority:1"`
	UserID      uint64 `gorm:"not null;index:ix_redemptions_person,priority:2;index:ix_redemptions_user,priority:1"`
	CommunityID uint64 `gorm:"not null"`
	AccountID   uint64 `gorm:"not null"`
	Price       int64  `gorm:"not null"`
	Code        string `gorm:"size:16;not null;uniqueIndex"`
	Status      string `gorm:"size:16;not null"`
	UsedAt      *time.Time
	UsedBy      *uint64
	CancelledAt *time.Time
	CreatedAt   time.Time
}

// RedemptionView is a redemption with its reward's names.
type RedemptionView struct {
	Redemption
	RewardName     string
	RewardKind     string
	MerchantName   string
	MerchantUserID *uint64
	// UserNickname is the holder's nickname.
	UserNickname string
}

// CreateReward inserts a reward.
func (s *Store) CreateReward(ctx context.Context, r *Reward) error {
	return translate(s.db.WithContext(ctx).Create(r).Error)
}

// RewardByID returns one reward.
func (s *Store) RewardByID(ctx context.Context, id uint64) (*Reward, error) {
	var r Reward
	err := s.db.WithContext(ctx).First(&r, id).Error
	return &r, translate(err)
}

// LockReward takes the reward's row lock and returns its current row; take it before any
// account lock.
func (s *Store) LockReward(ctx context.Context, id uint64) (*Reward, error) {
	var r Reward
	err := s.db.WithContext(ctx).Clauses(lockingRead()).First(&r, id).Error
	return &r, translate(err)
}

// UpdateReward sets the given columns of a reward.
func (s *Store) UpdateReward(ctx context.Context, id uint64, set map[string]any) error {
	set["updated_at"] = s.now()
	return translate(s.db.WithContext(ctx).Model(&Reward{}).Where("id = ?", id).Updates(set).Error)
}

// Rewards lists a community's rewards by id after after; activeOnly leaves out the inactive.
func (s *Store) Rewards(ctx context.Context, communityID uint64, activeOnly bool, after uint64, limit int) ([]Reward, error) {
	q := s.db.WithContext(ctx).Where("community_id = ? AND id > ?", communityID, after)
	if activeOnly {
		q = q.Where("active = ?", true)
	}
	var out []Reward
	err := q.Order("id").Limit(limit).Find(&out).Error
	return out, err
}

// TakeStock takes one item of the reward's stock: false when none is left.
func (s *Store) TakeStock(ctx context.Context, rewardID uint64) (bool, error) {
	res := s.db.WithContext(ctx).Exec("UPDATE rewards SET stock = stock - 1 WHERE id = ? AND stock > 0", rewardID)
	return res.RowsAffected == 1, translate(res.Error)
}

// ReturnStock puts one item back.
func (s *Store) ReturnStock(ctx context.Context, rewardID uint64) error {
	return translate(s.db.WithContext(ctx).Exec("UPDATE rewards SET stock = stock + 1 WHERE id = ?", rewardID).Error)
}

// LiveRedemptions counts the person's vouchers of the reward that are not cancelled. It is a
// locking (current) read: call it holding the reward's lock.
func (s *Store) LiveRedemptions(ctx context.Context, rewardID, userID uint64) (int64, error) {
	var ids []uint64
	err := s.db.WithContext(ctx).Model(&Redemption{}).Clauses(lockingRead()).
		Where("reward_id = ? AND user_id = ? AND status <> ?", rewardID, userID, RedemptionCancelled).Pluck("id", &ids).Error
	return int64(len(ids)), err
}

// CreateRedemption inserts a voucher; a code already in use is ErrConflict.
func (s *Store) CreateRedemption(ctx context.Context, d *Redemption) error {
	return translate(s.db.WithContext(ctx).Create(d).Error)
}

// RedemptionByID returns one redemption with its reward's names.
func (s *Store) RedemptionByID(ctx context.Context, id uint64) (*RedemptionView, error) {
	return s.redemptionWhere(ctx, "redemptions.id = ?", id)
}

// RedemptionByCode returns the redemption with this voucher code.
func (s *Store) RedemptionByCode(ctx context.Context, code string) (*RedemptionView, error) {
	return s.redemptionWhere(ctx, "redemptions.code = ?", code)
}

func (s *Store) redemptionWhere(ctx context.Context, cond string, arg any) (*RedemptionView, error) {
	var out []RedemptionView
	err := s.redemptionViews(ctx).Where(cond, arg).Limit(1).Scan(&out).Error
	if err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, ErrNotFound
	}
	return &out[0], nil
}

// RedemptionsOf lists the user's redemptions, newest first, with an id below before;
// status "" means any.
func (s *Store) RedemptionsOf(ctx context.Context, userID uint64, status string, before uint64, limit int) ([]RedemptionView, error) {
	q := s.redemptionViews(ctx).Where("redemptions.user_id = ?", userID)
	if status != "" {
		q = q.Where("redemptions.status = ?", status)
	}
	if before != 0 {
		q = q.Where("redemptions.id < ?", before)
	}
	var out []RedemptionView
	err := q.Order("redemptions.id DESC").Limit(limit).Scan(&out).Error
	return out, err
}

// SetRedemptionStatus moves a redemption from issued to status (used or cancelled): false when
// it is no longer issued (someone else used or cancelled it first).
func (s *Store) SetRedemptionStatus(ctx context.Context, id uint64, status string, by uint64, at time.Time) (bool, error) {
	set := map[string]any{"status": status}
	if status == RedemptionUsed {
		set["used_at"], set["used_by"] = at, by
	} else {
		set["cancelled_at"] = at
	}
	res := s.db.WithContext(ctx).Model(&Redemption{}).Where("id = ? AND status = ?", id, RedemptionIssued).Updates(set)
	return res.RowsAffected == 1, translate(res.Error)
}

func (s *Store) redemptionViews(ctx context.Context) *gorm.DB {
	return s.db.WithContext(ctx).Table("redemptions").
		Select("redemptions.*, rewards.name AS reward_name, rewards.kind AS reward_kind, " +
			"rewards.merchant_name AS merchant_name, rewards.merchant_user_id AS merchant_user_id, users.nickname AS user_nickname").
		Joins("JOIN rewards ON rewards.id = redemptions.reward_id").
		Joins("JOIN users ON users.id = redemptions.user_id")
}
