package service

import (
	"context"
	"errors"
	"fmt"
	"time"

	"linli/model"
)

// errCredited ends a crediting transaction whose record someone else credited first.
var errCredited = errors.New("service record already credited")

// Credit posts the points of one confirmed service record, exactly once: issuing −points,
// volunteer +points (what the balance cap leaves room for; the rest to the community's
// account, with a notice). The transaction's first statement marks the record credited with a
// conditional UPDATE, which locks it: of several instances or goroutines crediting the same
// record, one posts and the others find it credited once it commits. The posting's unique
// source (service_record, id) refuses a second posting even if that guard were bypassed, and
// the mark, posting, entries, balances and notices commit together or not at all, so a crash
// loses nothing. It reports whether this call posted.
func (tb *TimeBank) Credit(ctx context.Context, recordID uint64) (bool, error) {
	rec, err := tb.store.ServiceRecordByID(ctx, recordID)
	if err != nil {
		return false, err
	}
	if rec.CreditedAt != nil {
		return false, nil
	}
	issuing, spending, err := tb.systemAccounts(ctx, rec.CommunityID)
	if err != nil {
		return false, err
	}
	acct, err := tb.residentAccount(ctx, rec.CommunityID, rec.UserID)
	if err != nil {
		return false, err
	}
	building, err := tb.store.ApprovedBuildingOf(ctx, rec.CommunityID, rec.UserID)
	if err != nil {
		return false, err
	}
	var posting *model.Posting
	err = retryTx(ctx, tb.store, func(tx *model.Store) error {
		ok, err := tx.ClaimServiceRecord(ctx, recordID, tb.now())
		if err != nil {
			return err
		}
		if !ok {
			return errCredited
		}
		r, err := tx.ServiceRecordByID(ctx, recordID)
		if err != nil {
			return err
		}
		accts, err := lockAccounts(ctx, tx, issuing.ID, spending.ID, acct.ID)
		if err != nil {
			return err
		}
		points := PointsFor(r.Minutes, r.PointsPerHour)
		toUser := points
		if limit := tb.opts.BalanceCap; limit > 0 {
			toUser = min(points, max(0, limit-Points(accts[acct.ID].Balance)))
		}
		toCommunity := points - toUser
		var legs []model.Leg
		if points > 0 {
			legs = append(legs, model.Leg{AccountID: issuing.ID, Amount: -int64(points)})
		}
		if toUser > 0 {
			legs = append(legs, model.Leg{AccountID: acct.ID, Amount: int64(toUser)})
		}
		if toCommunity > 0 {
			legs = append(legs, model.Leg{AccountID: spending.ID, Amount: int64(toCommunity)})
		}
		posting = &model.Posting{CommunityID: r.CommunityID, Kind: model.PostingCredit, SourceKind: model.SourceServiceRecord,
			SourceID: &r.ID, Memo: clip(r.Content, 200), BeneficiaryID: r.UserID, BuildingID: building,
			Month: MonthOf(r.ServedAt), Minutes: r.Minutes, Points: int64(points)}
		if err := tx.Post(ctx, posting, legs); err != nil {
			return err
		}
		notices := []Notice{{UserID: r.UserID, CommunityID: r.CommunityID, Kind: NoticePointsCredited, Title: "服务时长已入账",
			Body: fmt.Sprintf("%s：服务 %s 小时，获得 %s 积分", r.Content, HoursString(int64(r.Minutes)), points),
			Link: "pages/timebank/ledger"}}
		if toCommunity > 0 {
			notices = append(notices, Notice{UserID: r.UserID, CommunityID: r.CommunityID, Kind: NoticePointsCapped,
				Title: "积分已达上限", Body: fmt.Sprintf("您的积分余额已达上限 %s，本次超出的 %s 积分已转入社区公益账户", tb.opts.BalanceCap, toCommunity),
				Link: "pages/timebank/account"})
		}
		return tb.notifier.Enqueue(ctx, tx, notices...)
	})
	if errors.Is(err, errCredited) || errors.Is(err, model.ErrConflict) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("credit service record %d: %w", recordID, err)
	}
	tb.rank(ctx, *posting)
	return true, nil
}

// CreditPending credits confirmed service not credited yet (up to the configured batch, oldest
// first) and catches up on leaderboard updates a crash left owed. The background job runs it
// on every instance; it is also the catch-up for records confirmed before the time bank
// existed. It returns how many records this call credited; a record that fails is logged and
// left for the next run, and the first such error is returned.
func (tb *TimeBank) CreditPending(ctx context.Context) (int, error) {
	n, err := tb.creditRecords(ctx, 0, tb.opts.CreditBatch)
	if _, rerr := tb.boards.CatchUp(ctx, tb.now().Add(-catchUpAfter)); rerr != nil && err == nil {
		err = rerr
	}
	return n, err
}

// CreditPendingFor credits the user's own waiting records (a few at most) right away.
func (tb *TimeBank) CreditPendingFor(ctx context.Context, userID uint64) (int, error) {
	return tb.creditRecords(ctx, userID, 20)
}

func (tb *TimeBank) creditRecords(ctx context.Context, userID uint64, limit int) (int, error) {
	ids, err := tb.store.UncreditedRecords(ctx, userID, limit)
	if err != nil {
		return 0, err
	}
	n := 0
	var first error
	for _, id := range ids {
		ok, err := tb.Credit(ctx, id)
		if err != nil {
			if ctx.Err() != nil {
				return n, ctx.Err()
			}
			tb.log.ErrorContext(ctx, "credit service record", "record_id", id, "error", err.Error())
			if first == nil {
				first = err
			}
			continue
		}
		if ok {
			n++
		}
	}
	return n, first
}

// rank updates the leaderboards after a commit; a failure leaves the posting's update owed
// (ranked_at empty) for CatchUp.
func (tb *TimeBank) rank(ctx context.Context, postings ...model.Posting) {
	// The commit is done: a client that hangs up now should not leave the update owed.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := tb.boards.Apply(ctx, postings); err != nil {
		tb.log.WarnContext(ctx, "leaderboard update owed", "error", err.Error())
	}
}

// ServiceRecordView is a service record with the names a certificate needs and its points.
type ServiceRecordView struct {
	model.ServiceRecord
	Volunteer, Organiser, Confirmer model.User
	Points                          Points
	// ConfirmerHidden: the confirmer reported the anonymous issue the service was for, and the
	// viewer may not know who that is (hidesReporter); ConfirmerID and Confirmer are zero.
	ConfirmerHidden bool
}

// MyServiceRecords lists the user's records, newest first (cursor: id).
func (tb *TimeBank) MyServiceRecords(ctx context.Context, userID, before uint64, limit int) ([]ServiceRecordView, bool, error) {
	list, err := tb.store.ServiceRecordsOf(ctx, userID, before, limit+1)
	if err != nil {
		return nil, false, Internal(err)
	}
	p, err := LoadPrincipal(ctx, tb.store, userID)
	if err != nil {
		return nil, false, Internal(err)
	}
	return tb.recordViews(ctx, p, list, limit)
}

// RecordQuery selects a community's records for staff: a person, a month (YYYY-MM), or both.
type RecordQuery struct {
	CommunityID, UserID uint64
	Month               string
	Before              uint64
	Limit               int
}

// CommunityServiceRecords lists records of the community for staff, newest first.
func (tb *TimeBank) CommunityServiceRecords(ctx context.Context, p *Principal, q RecordQuery) ([]ServiceRecordView, bool, error) {
	if err := Authorize(p, ActTimeBankManage, Scope{CommunityID: q.CommunityID}); err != nil {
		return nil, false, err
	}
	f := model.RecordFilter{CommunityID: q.CommunityID, UserID: q.UserID, Before: q.Before, Limit: q.Limit + 1}
	if q.Month != "" {
		from, to, err := ParseMonth(q.Month)
		if err != nil {
			return nil, false, Invalid("month", "month 应为 YYYY-MM 格式的月份")
		}
		f.From, f.To = from, to
	}
	list, err := tb.store.ServiceRecords(ctx, f)
	if err != nil {
		return nil, false, Internal(err)
	}
	return tb.recordViews(ctx, p, list, q.Limit)
}

// recordViews names the people of records as p may see them: the confirmer who reported an
// anonymous issue stays hidden from a volunteer, as on the dispatch itself.
func (tb *TimeBank) recordViews(ctx context.Context, p *Principal, list []model.ServiceRecord, limit int) ([]ServiceRecordView, bool, error) {
	more := len(list) > limit
	list = list[:min(len(list), limit)]
	var ids, dispatchIDs []uint64
	for _, r := range list {
		ids = append(ids, r.UserID, r.OrganiserID, r.ConfirmerID)
		if r.SourceKind == model.SourceDispatch {
			dispatchIDs = append(dispatchIDs, r.SourceID)
		}
	}
	users, err := tb.store.UsersByIDs(ctx, ids)
	if err != nil {
		return nil, false, Internal(err)
	}
	hidden, err := hiddenReporters(ctx, tb.store, p, dispatchIDs)
	if err != nil {
		return nil, false, Internal(err)
	}
	out := make([]ServiceRecordView, len(list))
	for i, r := range list {
		out[i] = ServiceRecordView{ServiceRecord: r, Volunteer: users[r.UserID], Organiser: users[r.OrganiserID],
			Confirmer: users[r.ConfirmerID], Points: PointsFor(r.Minutes, r.PointsPerHour)}
		if r.SourceKind == model.SourceDispatch && hidden[r.SourceID] != 0 && hidden[r.SourceID] == r.ConfirmerID {
			out[i].ConfirmerID, out[i].Confirmer, out[i].ConfirmerHidden = 0, model.User{}, true
		}
	}
	return out, more, nil
}
