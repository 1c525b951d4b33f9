package service

import (
	"context"
	"fmt"
	"slices"
	"time"

	"linli/model"
)

// The time bank of the demo's history (see demoHistory): ledger operations scheduled as things
// happen and run in time order, credits, redemptions, transfers and corrections.

// ledgerOp is a ledger operation of the history, run when its time comes; it returns false
// (and writes nothing) when an account lacks the points.
type ledgerOp struct {
	at  time.Time
	run func(ctx context.Context, tx *model.Store) (bool, error)
}

// runOps runs the ledger operations due before to (and before now), in time order.
func (h *demoHistory) runOps(ctx context.Context, tx *model.Store, to time.Time) error {
	slices.SortStableFunc(h.ops, func(a, b ledgerOp) int { return a.at.Compare(b.at) })
	i := 0
	for ; i < len(h.ops) && h.ops[i].at.Before(to); i++ {
		if !h.ops[i].at.Before(h.now) {
			continue
		}
		if _, err := h.ops[i].run(ctx, tx); err != nil {
			return err
		}
	}
	h.ops = h.ops[i:]
	return ctx.Err()
}

// post records a posting of legs at p.CreatedAt when every account but the issuing one can pay.
func (h *demoHistory) post(ctx context.Context, tx *model.Store, p *model.Posting, legs ...model.Leg) (bool, error) {
	for _, l := range legs {
		if l.AccountID != h.issuing && h.balance[l.AccountID]+l.Amount < 0 {
			return false, nil
		}
	}
	if p.BeneficiaryID != 0 {
		p.RankedAt = &h.now // the leaderboards are rebuilt from the ledger when first read
	}
	if err := tx.Post(ctx, p, legs); err != nil {
		return false, err
	}
	for _, l := range legs {
		h.balance[l.AccountID] += l.Amount
	}
	h.out.Postings++
	return true, nil
}

// credit schedules the time-bank credit of a service record at the time given.
func (h *demoHistory) credit(rec *model.ServiceRecord, at time.Time) {
	h.ops = append(h.ops, ledgerOp{at: at, run: func(ctx context.Context, tx *model.Store) (bool, error) {
		if ok, err := tx.ClaimServiceRecord(ctx, rec.ID, at); err != nil || !ok {
			return false, err
		}
		points := int64(PointsFor(rec.Minutes, rec.PointsPerHour))
		p := &model.Posting{CommunityID: rec.CommunityID, Kind: model.PostingCredit, SourceKind: model.SourceServiceRecord,
			SourceID: &rec.ID, Memo: rec.Content, BeneficiaryID: rec.UserID, BuildingID: h.building[rec.UserID],
			Month: MonthOf(rec.ServedAt), Minutes: rec.Minutes, Points: points, CreatedAt: at}
		ok, err := h.post(ctx, tx, p, model.Leg{AccountID: h.issuing, Amount: -points},
			model.Leg{AccountID: h.account[rec.UserID], Amount: points})
		if ok {
			h.credits = append(h.credits, *p)
		}
		return ok, err
	}})
}

// record writes a confirmed service, credited a minute after it is recorded (if before now).
func (h *demoHistory) record(ctx context.Context, tx *model.Store, rec *model.ServiceRecord) error {
	if _, err := tx.AddServiceRecord(ctx, rec); err != nil {
		return err
	}
	h.out.Records++
	if at := rec.CreatedAt.Add(time.Minute); at.Before(h.now) {
		h.credit(rec, at)
	}
	return nil
}

// redeem schedules a resident redeeming a reward at at: a voucher used a few days later,
// sometimes cancelled (points refunded), skipped when they lack the points or it is sold out.
func (h *demoHistory) redeem(cid uint64, at time.Time) {
	p, w, fate, later := pick(h.rng, h.people), h.rng.IntN(len(h.rewards)), h.rng.IntN(100), h.after(at, 2*24*60)
	h.ops = append(h.ops, ledgerOp{at: at, run: func(ctx context.Context, tx *model.Store) (bool, error) {
		acct, reward := h.account[p.UserID], &h.rewards[w]
		if h.balance[acct] < reward.Price || reward.Stock == 0 {
			return false, nil
		}
		h.seq++
		x := &model.Redemption{RewardID: reward.ID, UserID: p.UserID, CommunityID: cid, AccountID: acct, Price: reward.Price,
			Code: fmt.Sprintf("DEMO%08d", h.seq), Status: model.RedemptionIssued, CreatedAt: at}
		switch {
		case !later.Before(h.now):
		case fate < 6:
			x.Status, x.CancelledAt = model.RedemptionCancelled, &later
		case fate < 80:
			x.Status, x.UsedAt, x.UsedBy = model.RedemptionUsed, &later, &h.staff
		}
		if err := tx.CreateRedemption(ctx, x); err != nil {
			return false, err
		}
		ok, err := h.post(ctx, tx, &model.Posting{CommunityID: cid, Kind: model.PostingRedeem, SourceKind: model.SourceRedemption,
			SourceID: &x.ID, Memo: "兑换：" + reward.Name, CreatedBy: p.UserID, CreatedAt: at},
			model.Leg{AccountID: acct, Amount: -x.Price}, model.Leg{AccountID: h.spending, Amount: x.Price})
		if err != nil || !ok {
			return ok, err
		}
		h.out.Redemptions++
		reward.Stock--
		if x.Status != model.RedemptionCancelled {
			return true, nil
		}
		reward.Stock++
		return h.post(ctx, tx, &model.Posting{CommunityID: cid, Kind: model.PostingRefund, SourceKind: model.SourceRedemptionCancel,
			SourceID: &x.ID, Memo: "取消兑换：" + reward.Name, CreatedBy: p.UserID, CreatedAt: later},
			model.Leg{AccountID: h.spending, Amount: -x.Price}, model.Leg{AccountID: acct, Amount: x.Price})
	}})
}

// transfer schedules a resident giving points to a neighbour, or donating them to the
// community or the courtyard's collective account.
func (h *demoHistory) transfer(cid uint64, at time.Time) {
	from, to, where, amount := pick(h.rng, h.people), pick(h.rng, h.people), h.rng.IntN(10), int64(100+h.rng.IntN(3)*50)
	h.ops = append(h.ops, ledgerOp{at: at, run: func(ctx context.Context, tx *model.Store) (bool, error) {
		target := h.account[to.UserID]
		switch {
		case where < 2:
			target = h.spending
		case where < 4:
			target = h.collective
		case to.UserID == from.UserID:
			return false, nil
		}
		return h.post(ctx, tx, &model.Posting{CommunityID: cid, Kind: model.PostingTransfer,
			SourceKind: model.SourceTransfer, Memo: "转赠", CreatedBy: from.UserID, CreatedAt: at},
			model.Leg{AccountID: h.account[from.UserID], Amount: -amount}, model.Leg{AccountID: target, Amount: amount})
	}})
}

// correct schedules staff reversing the latest credit before at (hours recorded wrongly).
func (h *demoHistory) correct(cid uint64, at time.Time) {
	h.ops = append(h.ops, ledgerOp{at: at, run: func(ctx context.Context, tx *model.Store) (bool, error) {
		if len(h.credits) == 0 {
			return false, nil
		}
		c := h.credits[len(h.credits)-1]
		h.credits = h.credits[:len(h.credits)-1]
		return h.post(ctx, tx, &model.Posting{CommunityID: cid, Kind: model.PostingReversal,
			SourceKind: model.SourceReversal, SourceID: &c.ID, ReversesID: &c.ID, Memo: "登记时长有误，冲正",
			CreatedBy: h.staff, BeneficiaryID: c.BeneficiaryID, BuildingID: c.BuildingID, Month: c.Month,
			Minutes: -c.Minutes, Points: -c.Points, CreatedAt: at},
			model.Leg{AccountID: h.account[c.BeneficiaryID], Amount: -c.Points}, model.Leg{AccountID: h.issuing, Amount: c.Points})
	}})
}
