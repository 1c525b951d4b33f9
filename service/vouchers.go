package service

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"strings"

	"linli/model"
)

// voucherCode draws a 10-character code from 32 unambiguous letters and digits (50 bits);
// the unique index catches the rare repeat.
func voucherCode() string {
	const alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
	var b [10]byte
	_, _ = rand.Read(b[:])
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b[:])
}

// NormalizeVoucher uppercases a typed code and drops spaces and dashes.
func NormalizeVoucher(code string) string {
	return strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' {
			return -1
		}
		return r
	}, strings.ToUpper(strings.TrimSpace(code)))
}

// MyRedemptions lists the user's vouchers, newest first.
func (rs *Rewards) MyRedemptions(ctx context.Context, userID uint64, status string, before uint64, limit int) ([]model.RedemptionView, bool, error) {
	list, err := rs.store.RedemptionsOf(ctx, userID, status, before, limit+1)
	if err != nil {
		return nil, false, Internal(err)
	}
	more := len(list) > limit
	return list[:min(len(list), limit)], more, nil
}

// Verify marks a voucher used (核销): staff of its community or the reward's merchant while
// they still belong to the community, once.
func (rs *Rewards) Verify(ctx context.Context, p *Principal, code string) (*model.RedemptionView, error) {
	d, err := rs.store.RedemptionByCode(ctx, NormalizeVoucher(code))
	if errors.Is(err, model.ErrNotFound) {
		return nil, Errorf(KindNotFound, "券码不存在")
	}
	if err != nil {
		return nil, Internal(err)
	}
	merchant := d.MerchantUserID != nil && *d.MerchantUserID == p.UserID && p.Belongs(d.CommunityID)
	if !merchant {
		if err := Authorize(p, ActTimeBankManage, Scope{CommunityID: d.CommunityID}); err != nil {
			return nil, err
		}
	}
	ok, err := rs.store.SetRedemptionStatus(ctx, d.ID, model.RedemptionUsed, p.UserID, rs.now())
	if err != nil {
		return nil, Internal(err)
	}
	if !ok {
		return nil, rs.notIssued(ctx, d.ID)
	}
	return rs.redemption(ctx, d.ID)
}

// Cancel cancels an unused voucher (its owner or staff): the points come back by a refund
// posting and the item goes back into stock, in one transaction that locks the reward, then
// the voucher (conditional UPDATE: only an issued voucher), then the accounts.
func (rs *Rewards) Cancel(ctx context.Context, p *Principal, id uint64) (*model.RedemptionView, error) {
	d, err := rs.store.RedemptionByID(ctx, id)
	if errors.Is(err, model.ErrNotFound) {
		return nil, Errorf(KindNotFound, "兑换记录不存在")
	}
	if err != nil {
		return nil, Internal(err)
	}
	if d.UserID != p.UserID {
		if err := Authorize(p, ActTimeBankManage, Scope{CommunityID: d.CommunityID}); err != nil {
			return nil, err
		}
	}
	_, spending, err := rs.tb.systemAccounts(ctx, d.CommunityID)
	if err != nil {
		return nil, Internal(err)
	}
	errGone := errors.New("not issued")
	err = retryTx(ctx, rs.store, func(tx *model.Store) error {
		if _, err := tx.LockReward(ctx, d.RewardID); err != nil {
			return err
		}
		ok, err := tx.SetRedemptionStatus(ctx, d.ID, model.RedemptionCancelled, p.UserID, rs.now())
		if err != nil {
			return err
		}
		if !ok {
			return errGone
		}
		if err := tx.ReturnStock(ctx, d.RewardID); err != nil {
			return err
		}
		if _, err := lockAccounts(ctx, tx, d.AccountID, spending.ID); err != nil {
			return err
		}
		var legs []model.Leg
		if d.Price > 0 {
			legs = []model.Leg{{AccountID: spending.ID, Amount: -d.Price}, {AccountID: d.AccountID, Amount: d.Price}}
		}
		if err := tx.Post(ctx, &model.Posting{CommunityID: d.CommunityID, Kind: model.PostingRefund,
			SourceKind: model.SourceRedemptionCancel, SourceID: &d.ID, Memo: clip("取消兑换："+d.RewardName, 200),
			CreatedBy: p.UserID}, legs); err != nil {
			return err
		}
		if d.UserID == p.UserID {
			return nil
		}
		return rs.notifier.Enqueue(ctx, tx, Notice{UserID: d.UserID, CommunityID: d.CommunityID, Kind: NoticeVoucherCancelled,
			Title: "兑换券已取消", Body: fmt.Sprintf("社区取消了您兑换的“%s”，%s 积分已退回", d.RewardName, Points(d.Price)),
			Link: "pages/timebank/redemptions"})
	})
	if errors.Is(err, errGone) {
		return nil, rs.notIssued(ctx, d.ID)
	}
	if err != nil {
		return nil, postError(err, "社区公益账户余额不足，暂时无法退还")
	}
	return rs.redemption(ctx, d.ID)
}

// notIssued says why a voucher can no longer be used or cancelled.
func (rs *Rewards) notIssued(ctx context.Context, id uint64) error {
	d, err := rs.store.RedemptionByID(ctx, id)
	if err != nil {
		return Internal(err)
	}
	if d.Status == model.RedemptionUsed {
		return Errorf(KindConflict, "该券已核销，不能重复使用或取消")
	}
	return Errorf(KindConflict, "该券已取消")
}

func (rs *Rewards) redemption(ctx context.Context, id uint64) (*model.RedemptionView, error) {
	d, err := rs.store.RedemptionByID(ctx, id)
	if err != nil {
		return nil, Internal(err)
	}
	return d, nil
}
