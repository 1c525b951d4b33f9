package service

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"

	"linli/clock"
	"linli/model"
)

// Points is an amount of time-bank points in hundredths of a point (100 = 1 point): exact
// integers in the ledger, never floats. The API writes points as decimal strings with two
// places ("2.50") and accepts up to two ("2", "2.5", "2.50").
type Points int64

// String writes the amount with two decimal places: "2.50", "-0.05".
func (p Points) String() string {
	v, sign := int64(p), ""
	if v < 0 {
		v, sign = -v, "-"
	}
	return hundredths(sign, v)
}

// hundredths writes v/100 with two decimals after sign (v ≥ 0), without fmt: leaderboards
// format fifty of these per read.
func hundredths(sign string, v int64) string {
	b := make([]byte, 0, 24)
	b = append(b, sign...)
	b = strconv.AppendInt(b, v/100, 10)
	b = append(b, '.', byte('0'+v%100/10), byte('0'+v%10))
	return string(b)
}

// maxPoints bounds any amount a request may name (ten million points).
const maxPoints = Points(10_000_000 * 100)

// ParsePoints reads a positive amount written with at most two decimal places.
func ParsePoints(s string) (Points, error) {
	whole, frac, hasDot := strings.Cut(s, ".")
	if whole == "" || len(whole) > 8 || (hasDot && (frac == "" || len(frac) > 2)) || !digits(whole) || !digits(frac) {
		return 0, errors.New("not a decimal with at most two places")
	}
	w, _ := strconv.ParseInt(whole, 10, 64)
	f := int64(0)
	if frac != "" {
		f, _ = strconv.ParseInt(frac, 10, 64)
		if len(frac) == 1 {
			f *= 10
		}
	}
	p := Points(w*100 + f)
	if p > maxPoints {
		return 0, errors.New("too large")
	}
	return p, nil
}

func digits(s string) bool {
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// PointsFor is what a service of minutes earns at pointsPerHour hundredths of a point per
// hour: minutes × pointsPerHour / 60, rounded half up to the hundredth (10 minutes at 1 point
// an hour is 0.1666… → 0.17; 45 minutes at 1.5 points an hour is exactly 1.125 → 1.13).
func PointsFor(minutes, pointsPerHour int) Points {
	if minutes <= 0 || pointsPerHour <= 0 {
		return 0
	}
	return Points((int64(minutes)*int64(pointsPerHour) + 30) / 60)
}

// HoursString writes minutes as hours with two decimal places, rounded half up ("1.50").
func HoursString(minutes int64) string {
	return HundredthsString(model.HourHundredths(minutes))
}

// HundredthsString writes hundredths of an hour with two decimal places ("1.50", "-0.17").
func HundredthsString(h int64) string {
	if h < 0 {
		return hundredths("-", -h)
	}
	return hundredths("", h)
}

// shanghai is the zone months and dates of the time bank are counted in (a fixed offset:
// China has no daylight saving, and the image needs no tzdata).

// MonthOf is the month (YYYY-MM, Asia/Shanghai) t falls in.
func MonthOf(t time.Time) string { return t.In(clock.China).Format("2006-01") }

// ParseMonth reads YYYY-MM and returns the month's first instant and the next month's, in
// Asia/Shanghai.
func ParseMonth(s string) (from, to time.Time, err error) {
	t, err := time.ParseInLocation("2006-01", s, clock.China)
	if err != nil || t.Year() < 2000 || t.Year() > 2100 {
		return time.Time{}, time.Time{}, errors.New("not a month")
	}
	return t, t.AddDate(0, 1, 0), nil
}

// retryTx runs fn in a transaction and runs it again (up to five times in all) when MySQL
// reports a deadlock or lock timeout, which a transaction may simply retry; fn must set
// nothing outside the transaction that a second run would not set again. Locks are taken in
// one order where it matters, so this is a safety net, not the mechanism.
func retryTx(ctx context.Context, store *model.Store, fn func(tx *model.Store) error) error {
	return retryDeadlocks(ctx, func() error { return store.Tx(ctx, fn) })
}

// retryDeadlocks runs op again (up to five times in all) while it fails with an error after
// which it may simply run again (model.IsRetryable): a deadlock victim is not a failure.
func retryDeadlocks(ctx context.Context, op func() error) error {
	for attempt := 1; ; attempt++ {
		err := op()
		if err == nil || attempt == 5 || !model.IsRetryable(err) || ctx.Err() != nil {
			return err
		}
		time.Sleep(time.Duration(attempt*5+rand.IntN(10)) * time.Millisecond)
	}
}

// lockAccounts takes the row locks of the accounts in ascending id order (0 means none) and
// returns them by id.
func lockAccounts(ctx context.Context, tx *model.Store, ids ...uint64) (map[uint64]*model.Account, error) {
	sorted := slices.DeleteFunc(slices.Clone(ids), func(id uint64) bool { return id == 0 })
	slices.Sort(sorted)
	sorted = slices.Compact(sorted)
	out := make(map[uint64]*model.Account, len(sorted))
	for _, id := range sorted {
		a, err := tx.LockAccount(ctx, id)
		if err != nil {
			return nil, err
		}
		out[id] = a
	}
	return out, nil
}

// postError turns the ledger's refusals into what the user is told.
func postError(err error, insufficient string) error {
	var ie *model.InsufficientError
	switch {
	case errors.As(err, &ie):
		return Errorf(KindConflict, "%s", insufficient)
	case err == nil:
		return nil
	}
	var se *Error
	if errors.As(err, &se) {
		return err
	}
	if model.IsRetryable(err) {
		return err
	}
	return Internal(err)
}

// Reverse corrects a posting (a service credit or a transfer) by a reversing posting: every
// entry's opposite, with the staff member's reason as the memo. A posting is reversed at most
// once (the reversal's source is the posting); an account that no longer holds what it must
// give back refuses it (409). Redemptions are undone by cancelling the voucher instead.
func (tb *TimeBank) Reverse(ctx context.Context, p *Principal, postingID uint64, reason string) (*model.Posting, error) {
	orig, err := tb.store.PostingByID(ctx, postingID)
	if errors.Is(err, model.ErrNotFound) {
		return nil, Errorf(KindNotFound, "记账记录不存在")
	}
	if err != nil {
		return nil, Internal(err)
	}
	if err := Authorize(p, ActTimeBankManage, Scope{CommunityID: orig.CommunityID}); err != nil {
		return nil, err
	}
	// The reason is the resident's passbook memo and notice.
	if reason, err = CleanText(TextRule{Field: "reason", What: "更正原因", Max: 200, Required: true}, reason); err != nil {
		return nil, err
	}
	if err := tb.safety.ScreenByStaff(ctx, tb.store, p.UserID, SceneComment, "更正原因", reason); err != nil {
		return nil, err
	}
	switch orig.Kind {
	case model.PostingCredit, model.PostingTransfer:
	case model.PostingRedeem:
		return nil, Errorf(KindConflict, "兑换记录不能冲正，请取消兑换券以退还积分")
	default:
		return nil, Errorf(KindConflict, "该记录不能冲正")
	}
	entries, err := tb.store.EntriesOfPosting(ctx, orig.ID)
	if err != nil {
		return nil, Internal(err)
	}
	legs := make([]model.Leg, len(entries))
	ids := make([]uint64, len(entries))
	for i, e := range entries {
		legs[i], ids[i] = model.Leg{AccountID: e.AccountID, Amount: -e.Amount}, e.AccountID
	}
	rev := &model.Posting{CommunityID: orig.CommunityID, Kind: model.PostingReversal, SourceKind: model.SourceReversal,
		SourceID: &orig.ID, ReversesID: &orig.ID, Memo: reason, CreatedBy: p.UserID,
		BeneficiaryID: orig.BeneficiaryID, BuildingID: orig.BuildingID, Month: orig.Month,
		Minutes: -orig.Minutes, Points: -orig.Points}
	err = retryTx(ctx, tb.store, func(tx *model.Store) error {
		accts, err := lockAccounts(ctx, tx, ids...)
		if err != nil {
			return err
		}
		if err := tx.Post(ctx, rev, legs); err != nil {
			return err
		}
		var notices []Notice
		for _, e := range entries {
			if a := accts[e.AccountID]; a.Kind == model.AccountResident {
				notices = append(notices, Notice{UserID: a.UserID, CommunityID: a.CommunityID, Kind: NoticePointsCorrected,
					Title: "积分更正", Body: fmt.Sprintf("社区更正了一笔积分记录（%s）：%s", Points(-e.Amount), reason),
					Link: "pages/timebank/ledger"})
			}
		}
		return tb.notifier.Enqueue(ctx, tx, notices...)
	})
	if errors.Is(err, model.ErrConflict) {
		return nil, Errorf(KindConflict, "该记录已冲正过")
	}
	if err != nil {
		return nil, postError(err, "账户余额不足，无法冲正")
	}
	tb.rank(ctx, *rev)
	return rev, nil
}

// LedgerReport is what CheckLedger found.
type LedgerReport struct {
	Counts   model.LedgerCounts
	Problems []model.LedgerProblem
}

// OK reports a clean ledger.
func (r *LedgerReport) OK() bool { return len(r.Problems) == 0 }

// CheckLedger reconciles the whole ledger (see model.Store.CheckLedger): every posting sums to
// zero, every balance equals its entries, no source is credited twice. `linli check-ledger`
// runs it, and the tests after every concurrent scenario.
func (tb *TimeBank) CheckLedger(ctx context.Context) (*LedgerReport, error) {
	counts, problems, err := tb.store.CheckLedger(ctx)
	if err != nil {
		return nil, err
	}
	return &LedgerReport{Counts: counts, Problems: problems}, nil
}
