package service

import (
	"context"
	"errors"
	"fmt"

	"linli/model"
)

// TransferInput is a request to move points.
type TransferInput struct {
	// CommunityID says where, when neither account says it and the user belongs to several.
	CommunityID uint64
	// FromAccountID is a collective account the caller manages or, for staff, any collective
	// account of their community; 0 means the caller's own account.
	FromAccountID uint64
	// Exactly one of ToAccountID (a collective account or the community's) and ToUserID (a
	// resident of the same community).
	ToAccountID, ToUserID uint64
	Points                Points
	Memo                  string
}

// TransferResult is a completed transfer.
type TransferResult struct {
	Posting  model.Posting
	From, To AccountBrief
	// BalanceAfter is the paying account's balance after the transfer.
	BalanceAfter Points
}

// Transfer moves points between two accounts of one community under the community's policies:
// a resident gives to another resident (family) or donates to a collective account or the
// community; a collective account, moved by staff or its managers, may only donate when
// timebank.collective_donate_only is on; nobody receives beyond the balance cap. Both
// accounts are locked in id order and the payer's balance is lowered by a conditional UPDATE,
// so concurrent transfers can never overdraw it: an insufficient balance is 409 and nothing
// is written. Retries with the same Idempotency-Key are answered by the API layer.
func (tb *TimeBank) Transfer(ctx context.Context, p *Principal, in TransferInput) (*TransferResult, error) {
	if (in.ToAccountID == 0) == (in.ToUserID == 0) {
		return nil, Invalid("to_account_id", "请指定收款账户 to_account_id 或收款人 to_user_id（二选一）")
	}
	if in.Points <= 0 {
		return nil, Invalid("points", "转赠积分必须大于 0")
	}
	memo, err := CleanText(TextRule{Field: "memo", What: "附言", Max: 100}, in.Memo)
	if err != nil {
		return nil, err
	}
	var to *model.Account
	if in.ToAccountID != 0 {
		if to, err = tb.store.AccountByID(ctx, in.ToAccountID); errors.Is(err, model.ErrNotFound) {
			return nil, Invalid("to_account_id", "收款账户不存在")
		} else if err != nil {
			return nil, Internal(err)
		}
	}
	from, err := tb.payer(ctx, p, in, to)
	if err != nil {
		return nil, err
	}
	if to != nil && to.CommunityID != from.CommunityID {
		return nil, Invalid("to_account_id", "收款账户不存在")
	}
	// The memo reaches the recipient verbatim (the notice, their passbook): it is checked like
	// a comment, outside the transaction and before anything is written (the recipient's
	// account is made on first use). Held, it is kept for the payer and staff only.
	memoHeld, err := tb.safety.Screen(ctx, tb.store, p.UserID, SceneComment, "附言", memo)
	if err != nil {
		return nil, err
	}
	if in.ToUserID != 0 {
		rp, err := LoadPrincipal(ctx, tb.store, in.ToUserID)
		if err != nil {
			return nil, Internal(err)
		}
		if !inCommunity(rp.Resident, from.CommunityID) {
			return nil, Invalid("to_user_id", "收款人不是本社区的认证居民")
		}
		if to, err = tb.residentAccount(ctx, from.CommunityID, in.ToUserID); err != nil {
			return nil, Internal(err)
		}
	}
	if to.ID == from.ID {
		return nil, Invalid("to_account_id", "不能转给自己的账户")
	}
	if to.Kind == model.AccountIssuing {
		return nil, Invalid("to_account_id", "不能转入时间银行的发行账户")
	}
	if from.Kind == model.AccountCollective && tb.opts.CollectiveDonateOnly && to.Kind == model.AccountResident {
		return nil, Errorf(KindUnprocessable, "按社区规定，集体账户只能捐赠给社区或其他集体账户")
	}
	res := &TransferResult{}
	err = retryTx(ctx, tb.store, func(tx *model.Store) error {
		accts, err := lockAccounts(ctx, tx, from.ID, to.ID)
		if err != nil {
			return err
		}
		if c := tb.opts.BalanceCap; c > 0 && to.Kind == model.AccountResident && Points(accts[to.ID].Balance)+in.Points > c {
			return Errorf(KindUnprocessable, "对方积分余额将超过上限 %s，无法转入", c)
		}
		res.Posting = model.Posting{CommunityID: from.CommunityID, Kind: model.PostingTransfer, SourceKind: model.SourceTransfer,
			Memo: memo, MemoHeld: memoHeld, CreatedBy: p.UserID}
		if err := tx.Post(ctx, &res.Posting, []model.Leg{{AccountID: from.ID, Amount: -int64(in.Points)},
			{AccountID: to.ID, Amount: int64(in.Points)}}); err != nil {
			return err
		}
		entries, err := tx.EntriesOfPosting(ctx, res.Posting.ID)
		if err != nil {
			return err
		}
		for _, e := range entries {
			if e.AccountID == from.ID {
				res.BalanceAfter = Points(e.BalanceAfter)
			}
		}
		if to.Kind != model.AccountResident {
			return nil
		}
		body := fmt.Sprintf("收到 %s 积分。", in.Points)
		if !memoHeld {
			body += memo
		}
		return tb.notifier.Enqueue(ctx, tx, Notice{UserID: to.UserID, CommunityID: to.CommunityID, Kind: NoticePointsReceived,
			Title: "收到积分转赠", Body: body, Link: "pages/timebank/ledger"})
	})
	if err != nil {
		return nil, postError(err, "积分余额不足")
	}
	briefs, err := tb.briefs(ctx, []uint64{from.ID, to.ID})
	if err != nil {
		return nil, Internal(err)
	}
	res.From, res.To = briefs[from.ID], briefs[to.ID]
	return res, nil
}

// payer decides which account pays and checks the caller may move its points.
func (tb *TimeBank) payer(ctx context.Context, p *Principal, in TransferInput, to *model.Account) (*model.Account, error) {
	if in.FromAccountID != 0 {
		from, err := tb.store.AccountByID(ctx, in.FromAccountID)
		if errors.Is(err, model.ErrNotFound) {
			return nil, Errorf(KindNotFound, "转出账户不存在")
		}
		if err != nil {
			return nil, Internal(err)
		}
		switch {
		case from.Kind == model.AccountResident && from.UserID == p.UserID:
			return from, nil
		case from.Kind == model.AccountCollective:
			if err := tb.mayManage(ctx, p, from); err != nil {
				return nil, err
			}
			return from, nil
		}
		if err := Authorize(p, ActTimeBankManage, Scope{CommunityID: from.CommunityID}); err != nil {
			return nil, err
		}
		return nil, Errorf(KindForbidden, "只能从本人账户或集体账户转出")
	}
	cid := in.CommunityID
	if cid == 0 && to != nil {
		cid = to.CommunityID
	}
	if cid == 0 {
		var err error
		if cid, err = tb.MyCommunity(ctx, p, 0); err != nil {
			return nil, err
		}
	}
	if err := Authorize(p, ActResidentAct, Scope{CommunityID: cid}); err != nil {
		return nil, err
	}
	from, err := tb.store.AccountOf(ctx, cid, model.ResidentOwnerKey(p.UserID))
	if errors.Is(err, model.ErrNotFound) { // no account yet: nothing to give
		return nil, Errorf(KindConflict, "积分余额不足")
	}
	if err != nil {
		return nil, Internal(err)
	}
	return from, nil
}
