package service

import (
	"context"
	"errors"
	"time"

	"linli/model"
)

// Rewards is the 爱心超市: rewards staff put on the shelf, redeemed for points with a voucher
// code that staff or the reward's merchant verify (核销), or that its owner cancels before use.
type Rewards struct {
	store    *model.Store
	tb       *TimeBank
	notifier *Notifier
	now      func() time.Time
}

// NewRewards builds the service.
func NewRewards(store *model.Store, tb *TimeBank, notifier *Notifier) *Rewards {
	return &Rewards{store: store, tb: tb, notifier: notifier, now: func() time.Time { return time.Now().UTC() }}
}

// RewardInput creates or changes a reward; nil fields are left as they are (on create: empty,
// zero, active).
type RewardInput struct {
	Name, Description, Kind, MerchantName *string
	// MerchantUserID names the merchant's user, who may verify; a pointer to 0 removes it.
	MerchantUserID   *uint64
	Price            *Points
	Stock            *int
	PerPersonLimit   *int
	StartsAt, EndsAt *time.Time
	// ClearWindow removes both ends of the active window.
	ClearWindow bool
	Active      *bool
}

// CreateReward puts a reward on the shelf (staff).
func (rs *Rewards) CreateReward(ctx context.Context, p *Principal, communityID uint64, in RewardInput) (*model.Reward, error) {
	if err := Authorize(p, ActTimeBankManage, Scope{CommunityID: communityID}); err != nil {
		return nil, err
	}
	if err := rs.checkTexts(ctx, p, &in); err != nil {
		return nil, err
	}
	r := &model.Reward{CommunityID: communityID, Active: true, CreatedBy: p.UserID}
	if err := rs.apply(ctx, r, in); err != nil {
		return nil, err
	}
	if err := rs.store.CreateReward(ctx, r); err != nil {
		return nil, Internal(err)
	}
	return r, nil
}

// UpdateReward changes a reward (staff). Stock set here is the new number left; redemptions
// in flight wait for the reward's lock, so none is lost or double counted.
func (rs *Rewards) UpdateReward(ctx context.Context, p *Principal, id uint64, in RewardInput) (*model.Reward, error) {
	cur, err := rs.store.RewardByID(ctx, id)
	if errors.Is(err, model.ErrNotFound) {
		return nil, Errorf(KindNotFound, "奖励不存在")
	}
	if err != nil {
		return nil, Internal(err)
	}
	if err := Authorize(p, ActTimeBankManage, Scope{CommunityID: cur.CommunityID}); err != nil {
		return nil, err
	}
	if err := rs.checkTexts(ctx, p, &in); err != nil { // WeChat is called outside the transaction
		return nil, err
	}
	var out *model.Reward
	err = rs.store.Tx(ctx, func(tx *model.Store) error {
		r, err := tx.LockReward(ctx, id)
		if err != nil {
			return err
		}
		if err := rs.apply(ctx, r, in); err != nil {
			return err
		}
		out = r
		return tx.UpdateReward(ctx, id, map[string]any{"name": r.Name, "description": r.Description, "kind": r.Kind,
			"merchant_name": r.MerchantName, "merchant_user_id": r.MerchantUserID, "price": r.Price, "stock": r.Stock,
			"per_person_limit": r.PerPersonLimit, "starts_at": r.StartsAt, "ends_at": r.EndsAt, "active": r.Active})
	})
	var se *Error
	if errors.As(err, &se) {
		return nil, err
	}
	if err != nil {
		return nil, Internal(err)
	}
	return out, nil
}

// checkTexts cleans the reward's texts that residents read (CleanText) and passes them through
// the content-safety check: a risky one is a 422 naming it.
func (rs *Rewards) checkTexts(ctx context.Context, p *Principal, in *RewardInput) error {
	for _, f := range []struct {
		v     **string
		rule  TextRule
		scene int
	}{
		{&in.Name, TextRule{Field: "name", What: "奖励名称", Max: 64, Required: true}, SceneProfile},
		{&in.MerchantName, TextRule{Field: "merchant_name", What: "商户名称", Max: 64}, SceneProfile},
		{&in.Description, TextRule{Field: "description", What: "奖励说明", Max: 500, Multiline: true}, SceneForum},
	} {
		if *f.v == nil {
			continue
		}
		v, err := CleanText(f.rule, **f.v)
		if err != nil {
			return err
		}
		if err := rs.tb.safety.ScreenByStaff(ctx, rs.store, p.UserID, f.scene, f.rule.What, v); err != nil {
			return err
		}
		*f.v = &v
	}
	return nil
}

// apply sets the input's fields on r and checks the result.
func (rs *Rewards) apply(ctx context.Context, r *model.Reward, in RewardInput) error {
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = *v
		}
	}
	set(&r.Name, in.Name)
	set(&r.Description, in.Description)
	set(&r.Kind, in.Kind)
	set(&r.MerchantName, in.MerchantName)
	if in.Price != nil {
		r.Price = int64(*in.Price)
	}
	if in.Stock != nil {
		r.Stock = *in.Stock
	}
	if in.PerPersonLimit != nil {
		r.PerPersonLimit = *in.PerPersonLimit
	}
	if in.ClearWindow {
		r.StartsAt, r.EndsAt = nil, nil
	}
	if in.StartsAt != nil {
		t := in.StartsAt.UTC()
		r.StartsAt = &t
	}
	if in.EndsAt != nil {
		t := in.EndsAt.UTC()
		r.EndsAt = &t
	}
	if in.Active != nil {
		r.Active = *in.Active
	}
	if r.StartsAt != nil && r.EndsAt != nil && !r.EndsAt.After(*r.StartsAt) {
		return Invalid("ends_at", "结束时间必须晚于开始时间")
	}
	if in.MerchantUserID != nil {
		if *in.MerchantUserID == 0 {
			r.MerchantUserID = nil
			return nil
		}
		// The merchant verifies vouchers and sees who holds them: someone of the community
		// (an approved resident or one with a role in it), as collective accounts' managers are.
		ok, err := memberOf(ctx, rs.store, r.CommunityID, *in.MerchantUserID)
		if err != nil {
			return Internal(err)
		}
		if !ok {
			const msg = "商户须为本社区的认证居民或工作人员"
			return &Error{Kind: KindUnprocessable, Message: msg, Fields: []FieldError{{Field: "merchant_user_id", Message: msg}}}
		}
		id := *in.MerchantUserID
		r.MerchantUserID = &id
	}
	return nil
}

// ListRewards lists a community's rewards to anyone of it; all (staff only) includes the
// inactive ones.
func (rs *Rewards) ListRewards(ctx context.Context, p *Principal, communityID uint64, all bool, after uint64, limit int) ([]model.Reward, bool, error) {
	action := ActCommunityView
	if all {
		action = ActTimeBankManage
	}
	if err := Authorize(p, action, Scope{CommunityID: communityID}); err != nil {
		return nil, false, err
	}
	list, err := rs.store.Rewards(ctx, communityID, !all, after, limit+1)
	if err != nil {
		return nil, false, Internal(err)
	}
	more := len(list) > limit
	return list[:min(len(list), limit)], more, nil
}

// RewardAvailable reports whether a reward can be redeemed at now (active, in its window, in stock).
func RewardAvailable(r *model.Reward, now time.Time) bool {
	return r.Active && r.Stock > 0 && (r.StartsAt == nil || !now.Before(*r.StartsAt)) && (r.EndsAt == nil || now.Before(*r.EndsAt))
}

// errCodeTaken makes Redeem draw another voucher code.
var errCodeTaken = errors.New("voucher code taken")

// Redeem exchanges points for a voucher (approved residents of the reward's community). In one
// transaction, the reward's row is locked first; then the window and the per-person limit are
// checked, one item of stock is taken by a conditional UPDATE, and the price moves from the
// resident's account to the community's under their locks with a conditional UPDATE that
// cannot overdraw. Sold out, over the limit or not enough points → 409 and nothing written.
func (rs *Rewards) Redeem(ctx context.Context, p *Principal, rewardID uint64) (*model.RedemptionView, error) {
	r, err := rs.store.RewardByID(ctx, rewardID)
	if errors.Is(err, model.ErrNotFound) {
		return nil, Errorf(KindNotFound, "奖励不存在")
	}
	if err != nil {
		return nil, Internal(err)
	}
	if err := Authorize(p, ActResidentAct, Scope{CommunityID: r.CommunityID}); err != nil {
		return nil, err
	}
	_, spending, err := rs.tb.systemAccounts(ctx, r.CommunityID)
	if err != nil {
		return nil, Internal(err)
	}
	// The account pays; a free reward needs none, and nobody gets an empty account by trying.
	var acctID uint64
	acct, err := rs.store.AccountOf(ctx, r.CommunityID, model.ResidentOwnerKey(p.UserID))
	switch {
	case err == nil:
		acctID = acct.ID
	case !errors.Is(err, model.ErrNotFound):
		return nil, Internal(err)
	case r.Price > 0:
		return nil, Errorf(KindConflict, "积分余额不足")
	}
	var d model.Redemption
	for range 3 {
		err = retryTx(ctx, rs.store, func(tx *model.Store) error {
			rw, err := tx.LockReward(ctx, rewardID)
			if err != nil {
				return err
			}
			now := rs.now()
			switch {
			case !rw.Active:
				return Errorf(KindConflict, "该奖励已下架")
			case rw.StartsAt != nil && now.Before(*rw.StartsAt):
				return Errorf(KindConflict, "该奖励尚未开始兑换")
			case rw.EndsAt != nil && !now.Before(*rw.EndsAt):
				return Errorf(KindConflict, "该奖励的兑换已结束")
			}
			if rw.PerPersonLimit > 0 {
				n, err := tx.LiveRedemptions(ctx, rewardID, p.UserID)
				if err != nil {
					return err
				}
				if n >= int64(rw.PerPersonLimit) {
					return Errorf(KindConflict, "每人限兑 %d 份，您已兑满", rw.PerPersonLimit)
				}
			}
			ok, err := tx.TakeStock(ctx, rewardID)
			if err != nil {
				return err
			}
			if !ok {
				return Errorf(KindConflict, "该奖励已兑完")
			}
			if rw.Price > 0 && acctID == 0 {
				return Errorf(KindConflict, "积分余额不足")
			}
			if _, err := lockAccounts(ctx, tx, acctID, spending.ID); err != nil {
				return err
			}
			d = model.Redemption{RewardID: rewardID, UserID: p.UserID, CommunityID: rw.CommunityID, AccountID: acctID,
				Price: rw.Price, Code: voucherCode(), Status: model.RedemptionIssued}
			if err := tx.CreateRedemption(ctx, &d); errors.Is(err, model.ErrConflict) {
				return errCodeTaken
			} else if err != nil {
				return err
			}
			var legs []model.Leg
			if rw.Price > 0 {
				legs = []model.Leg{{AccountID: acctID, Amount: -rw.Price}, {AccountID: spending.ID, Amount: rw.Price}}
			}
			return tx.Post(ctx, &model.Posting{CommunityID: rw.CommunityID, Kind: model.PostingRedeem,
				SourceKind: model.SourceRedemption, SourceID: &d.ID, Memo: clip(rw.Name, 200), CreatedBy: p.UserID}, legs)
		})
		if !errors.Is(err, errCodeTaken) {
			break
		}
	}
	if err != nil {
		return nil, postError(err, "积分余额不足")
	}
	return rs.redemption(ctx, d.ID)
}
