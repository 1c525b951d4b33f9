package service

import (
	"context"
	"errors"
	"fmt"

	"linli/model"
)

// Limits of a correction.
const (
	// MaxCorrectionMinutes is the longest a corrected record may be: one day.
	MaxCorrectionMinutes = 24 * 60
	maxCorrectionReason  = 200
)

// NoticeCorrectionDecided tells a volunteer that staff approved or rejected their correction.
const NoticeCorrectionDecided = "correction_decided"

// CorrectionView is a correction with its record and the volunteer's name (for staff).
type CorrectionView struct {
	model.Correction
	Record    model.ServiceRecord
	Volunteer model.User
}

// RequestCorrection is a volunteer asking to correct the minutes of one of their own records
// (民政部令第67号 lets volunteers ask for corrections). Someone else's record does not exist
// for the caller (404); a record with a pending correction refuses a second one (409, by the
// unique key of open corrections, however many arrive at once).
func (tb *TimeBank) RequestCorrection(ctx context.Context, p *Principal, recordID uint64, reason string, minutes int) (*CorrectionView, error) {
	rec, err := tb.store.ServiceRecordByID(ctx, recordID)
	if errors.Is(err, model.ErrNotFound) || (err == nil && rec.UserID != p.UserID) {
		return nil, Errorf(KindNotFound, "服务记录不存在")
	}
	if err != nil {
		return nil, Internal(err)
	}
	if reason, err = CleanText(TextRule{Field: "reason", What: "更正原因", Max: maxCorrectionReason, Required: true}, reason); err != nil {
		return nil, err
	}
	switch {
	case minutes < 0 || minutes > MaxCorrectionMinutes:
		return nil, Invalid("minutes", fmt.Sprintf("服务时长应为 0～%d 分钟", MaxCorrectionMinutes))
	case minutes == rec.Minutes:
		return nil, Invalid("minutes", "更正后的时长与现有记录相同")
	}
	// Staff read the reason, and staff are who review a held text: held or not, it stands.
	if _, err := tb.safety.Screen(ctx, tb.store, p.UserID, SceneComment, "更正原因", reason); err != nil {
		return nil, err
	}
	c := &model.Correction{CommunityID: rec.CommunityID, RecordID: rec.ID, UserID: rec.UserID, OldMinutes: rec.Minutes,
		Minutes: minutes, Reason: reason, CreatedAt: tb.now()}
	err = tb.store.Tx(ctx, func(tx *model.Store) error {
		if err := tx.AddCorrection(ctx, c); err != nil {
			return err
		}
		return tb.tellStaff(ctx, tx, c, rec)
	})
	if errors.Is(err, model.ErrConflict) {
		return nil, Errorf(KindConflict, "这条服务记录已有待处理的更正申请，请等待社区工作者处理")
	} else if err != nil {
		return nil, Internal(err)
	}
	return tb.correctionView(ctx, c.ID)
}

// tellStaff notifies the staff of the record's community of a new correction request, in the
// transaction that records it.
func (tb *TimeBank) tellStaff(ctx context.Context, tx *model.Store, c *model.Correction, rec *model.ServiceRecord) error {
	staff, err := tx.StaffOf(ctx, c.CommunityID)
	if err != nil {
		return err
	}
	notices := make([]Notice, len(staff))
	for i, u := range staff {
		notices[i] = Notice{UserID: u, CommunityID: c.CommunityID, Kind: NoticeCorrectionRequested, Title: "新的服务记录更正申请",
			Body: fmt.Sprintf("「%s」申请由 %s 小时更正为 %s 小时：%s", clip(rec.Content, 40), HoursString(int64(c.OldMinutes)),
				HoursString(int64(c.Minutes)), clip(c.Reason, 80)),
			Link: fmt.Sprintf("pages/staff/corrections?id=%d", c.ID)}
	}
	return tb.notifier.Enqueue(ctx, tx, notices...)
}

// Decision is staff's answer to a correction.
type Decision struct {
	Approve bool
	// Reason is required for a rejection (the volunteer reads it).
	Reason string
}

// DecideCorrection approves or rejects a pending correction (staff of the record's
// community). The decision is claimed by a conditional UPDATE (status still pending), so a
// second decision, or two at once, gets 409 and changes nothing. An approval, in the same
// transaction, sets the record's minutes and, if the record was credited already, corrects
// the ledger (see correctCredit); a record not credited yet is credited later with its new
// minutes. The volunteer is notified of either decision.
func (tb *TimeBank) DecideCorrection(ctx context.Context, p *Principal, id uint64, d Decision) (*CorrectionView, error) {
	c, err := tb.store.CorrectionByID(ctx, id)
	if errors.Is(err, model.ErrNotFound) {
		return nil, Errorf(KindNotFound, "更正申请不存在")
	}
	if err != nil {
		return nil, Internal(err)
	}
	if err := Authorize(p, ActTimeBankManage, Scope{CommunityID: c.CommunityID}); err != nil {
		return nil, err
	}
	reason, err := CleanText(TextRule{Field: "reason", What: "处理意见", Max: maxCorrectionReason, Required: !d.Approve}, d.Reason)
	if err != nil {
		return nil, err
	}
	if err := tb.safety.ScreenByStaff(ctx, tb.store, p.UserID, SceneComment, "处理意见", reason); err != nil {
		return nil, err
	}
	rec, err := tb.store.ServiceRecordByID(ctx, c.RecordID)
	if err != nil {
		return nil, Internal(err)
	}
	status := model.CorrectionRejected
	var issuing, spending, acct *model.Account
	if d.Approve {
		status = model.CorrectionApproved
		// The accounts a credit of the record moves exist once it is credited; making sure of
		// them outside the transaction is what Credit does too.
		if issuing, spending, err = tb.systemAccounts(ctx, rec.CommunityID); err != nil {
			return nil, Internal(err)
		}
		if acct, err = tb.residentAccount(ctx, rec.CommunityID, rec.UserID); err != nil {
			return nil, Internal(err)
		}
	}
	var posted []model.Posting
	err = retryTx(ctx, tb.store, func(tx *model.Store) error {
		posted = nil
		now := tb.now()
		won, err := tx.DecideCorrection(ctx, c.ID, status, reason, p.UserID, now)
		if err != nil {
			return err
		}
		if !won {
			return Errorf(KindConflict, "该更正申请已处理过")
		}
		r, err := tx.LockServiceRecord(ctx, c.RecordID)
		if err != nil {
			return err
		}
		notice := Notice{UserID: c.UserID, CommunityID: c.CommunityID, Kind: NoticeCorrectionDecided,
			Title: "更正申请未通过", Link: "pages/timebank/ledger",
			Body: fmt.Sprintf("「%s」的更正申请未通过：%s", clip(r.Content, 60), reason)}
		if d.Approve {
			if r.CreditedAt != nil {
				if posted, err = tb.correctCredit(ctx, tx, p, c, r, reason, issuing.ID, spending.ID, acct.ID); err != nil {
					return err
				}
			}
			if err := tx.SetServiceRecordMinutes(ctx, r.ID, c.Minutes); err != nil {
				return err
			}
			// The month the service happened in counts other minutes now: its dashboard rollup is
			// computed again when next read (the ledger's correction is posted now, so other
			// months' figures stand).
			if err := tx.DropDashboardRollup(ctx, r.CommunityID, MonthOf(r.ServedAt)); err != nil {
				return err
			}
			notice.Title = "服务记录已更正"
			notice.Body = fmt.Sprintf("「%s」的服务时长已由 %s 小时更正为 %s 小时", clip(r.Content, 60),
				HoursString(int64(r.Minutes)), HoursString(int64(c.Minutes)))
		}
		return tb.notifier.Enqueue(ctx, tx, notice)
	})
	var ie *model.InsufficientError
	switch {
	case errors.As(err, &ie):
		return nil, Errorf(KindConflict, "账户余额不足以扣回更正减少的积分，无法批准")
	case errors.Is(err, model.ErrConflict):
		return nil, Errorf(KindConflict, "这条记录的积分已被冲正过，不能再按更正调整")
	case err != nil:
		var se *Error
		if errors.As(err, &se) {
			return nil, err
		}
		return nil, Internal(err)
	}
	if len(posted) > 0 {
		tb.rank(ctx, posted...)
	}
	return tb.correctionView(ctx, c.ID)
}

// correctCredit corrects the ledger for an approved correction of a credited record, inside
// the approval's transaction. It makes two postings rather than one posting of the difference:
// the exact reversal of the record's live credit (its original credit, or the credit of its
// last correction) and a new credit of the corrected minutes (source: the correction). Why:
// the ledger is append-only and every figure in it is a rounded per-posting amount — points
// are rounded per credit (PointsFor) and hours per posting (model.HourHundredths), so a
// difference posting would not add up to what the corrected record earns on its own
// (10 → 20 minutes at one point an hour: 0.17 + 0.17 ≠ 0.33); the original split between the
// volunteer and the community's account under the balance cap is undone exactly, not guessed;
// and the passbook reads as the accountant expects (冲正 and a new 入账). Each posting has its
// own unique source, so both are posted once, and model.CheckLedger's rules hold (balances
// equal their entries, no source twice). The new credit is posted before the reversal so that
// a volunteer who spent some points is refused only when the net change would take their
// account below zero; its cap share is computed on the balance after the reversal, as if the
// record had been credited with the corrected minutes in the first place.
func (tb *TimeBank) correctCredit(ctx context.Context, tx *model.Store, p *Principal, c *model.Correction, r *model.ServiceRecord,
	reason string, issuing, spending, acct uint64) ([]model.Posting, error) {
	live, err := tx.LiveCreditOf(ctx, r.ID)
	if err != nil {
		return nil, fmt.Errorf("live credit of record %d: %w", r.ID, err)
	}
	entries, err := tx.EntriesOfPosting(ctx, live.ID)
	if err != nil {
		return nil, err
	}
	accts, err := lockAccounts(ctx, tx, issuing, spending, acct)
	if err != nil {
		return nil, err
	}
	revLegs := make([]model.Leg, 0, len(entries))
	afterReversal := accts[acct].Balance
	for _, e := range entries {
		revLegs = append(revLegs, model.Leg{AccountID: e.AccountID, Amount: -e.Amount})
		if e.AccountID == acct {
			afterReversal -= e.Amount
		}
	}
	points := PointsFor(c.Minutes, r.PointsPerHour)
	toUser := points
	if limit := tb.opts.BalanceCap; limit > 0 {
		toUser = min(points, max(0, limit-Points(afterReversal)))
	}
	var legs []model.Leg
	if points > 0 {
		legs = append(legs, model.Leg{AccountID: issuing, Amount: -int64(points)})
	}
	if toUser > 0 {
		legs = append(legs, model.Leg{AccountID: acct, Amount: int64(toUser)})
	}
	if rest := points - toUser; rest > 0 {
		legs = append(legs, model.Leg{AccountID: spending, Amount: int64(rest)})
	}
	memo := reason
	if memo == "" {
		memo = "服务记录更正"
	}
	credit := &model.Posting{CommunityID: r.CommunityID, Kind: model.PostingCredit, SourceKind: model.SourceCorrection,
		SourceID: &c.ID, Memo: clip("更正："+r.Content, 200), CreatedBy: p.UserID, BeneficiaryID: live.BeneficiaryID,
		BuildingID: live.BuildingID, Month: live.Month, Minutes: c.Minutes, Points: int64(points)}
	if err := tx.Post(ctx, credit, legs); err != nil {
		return nil, err
	}
	rev := &model.Posting{CommunityID: r.CommunityID, Kind: model.PostingReversal, SourceKind: model.SourceReversal,
		SourceID: &live.ID, ReversesID: &live.ID, Memo: memo, CreatedBy: p.UserID, BeneficiaryID: live.BeneficiaryID,
		BuildingID: live.BuildingID, Month: live.Month, Minutes: -live.Minutes, Points: -live.Points}
	if err := tx.Post(ctx, rev, revLegs); err != nil {
		return nil, err
	}
	if err := tx.SetCorrectionPostings(ctx, c.ID, rev.ID, credit.ID); err != nil {
		return nil, err
	}
	return []model.Posting{*credit, *rev}, nil
}

// CorrectionQuery selects a community's corrections for staff.
type CorrectionQuery struct {
	CommunityID uint64
	// Status is pending, approved, rejected, or "" for all.
	Status string
	Before uint64
	Limit  int
}

// Corrections lists a community's corrections for its staff, newest first (cursor: id).
func (tb *TimeBank) Corrections(ctx context.Context, p *Principal, q CorrectionQuery) ([]CorrectionView, bool, error) {
	if _, err := tb.store.CommunityByID(ctx, q.CommunityID); errors.Is(err, model.ErrNotFound) {
		return nil, false, Errorf(KindNotFound, "社区不存在")
	} else if err != nil {
		return nil, false, Internal(err)
	}
	if err := Authorize(p, ActTimeBankManage, Scope{CommunityID: q.CommunityID}); err != nil {
		return nil, false, err
	}
	list, err := tb.store.Corrections(ctx, model.CorrectionFilter{CommunityID: q.CommunityID, Status: q.Status,
		Before: q.Before, Limit: q.Limit + 1})
	if err != nil {
		return nil, false, Internal(err)
	}
	more := len(list) > q.Limit
	list = list[:min(len(list), q.Limit)]
	out := make([]CorrectionView, len(list))
	var users []uint64
	for i, c := range list {
		users = append(users, c.UserID)
		r, err := tb.store.ServiceRecordByID(ctx, c.RecordID)
		if err != nil {
			return nil, false, Internal(err)
		}
		out[i] = CorrectionView{Correction: c, Record: *r}
	}
	names, err := tb.store.UsersByIDs(ctx, users)
	if err != nil {
		return nil, false, Internal(err)
	}
	for i := range out {
		out[i].Volunteer = names[out[i].UserID]
	}
	return out, more, nil
}

// correctionView reads a correction back with its record and volunteer.
func (tb *TimeBank) correctionView(ctx context.Context, id uint64) (*CorrectionView, error) {
	c, err := tb.store.CorrectionByID(ctx, id)
	if err != nil {
		return nil, Internal(err)
	}
	r, err := tb.store.ServiceRecordByID(ctx, c.RecordID)
	if err != nil {
		return nil, Internal(err)
	}
	u, err := tb.store.UserByID(ctx, c.UserID)
	if err != nil && !errors.Is(err, model.ErrNotFound) {
		return nil, Internal(err)
	}
	v := &CorrectionView{Correction: *c, Record: *r}
	if u != nil {
		v.Volunteer = *u
	}
	return v, nil
}
