package service

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"time"

	"linli/model"
)

// TimeBankOptions are the time bank's policies and crediting settings (config timebank.*).
type TimeBankOptions struct {
	// BalanceCap is the most a resident account holds, in hundredths; 0 = no cap.
	BalanceCap Points
	// CollectiveDonateOnly lets collective accounts give only to the community or another
	// collective account.
	CollectiveDonateOnly bool
	// CreditBatch is how many service records one CreditPending run credits at most.
	CreditBatch int
}

// TimeBank is the time bank (时间银行): accounts, the double-entry ledger, crediting of confirmed
// service, transfers, corrections, passbooks and service records. Rewards and leaderboards are
// services of their own that use it.
type TimeBank struct {
	store    *model.Store
	notifier *Notifier
	boards   *Leaderboards
	safety   *Safety
	opts     TimeBankOptions
	log      *slog.Logger
	now      func() time.Time
}

// NewTimeBank builds the time bank; safety checks memos, account names and correction reasons.
func NewTimeBank(store *model.Store, notifier *Notifier, boards *Leaderboards, safety *Safety, opts TimeBankOptions,
	log *slog.Logger) *TimeBank {
	if opts.CreditBatch <= 0 {
		opts.CreditBatch = 100
	}
	return &TimeBank{store: store, notifier: notifier, boards: boards, safety: safety, opts: opts, log: log,
		now: func() time.Time { return time.Now().UTC() }}
}

// Account names shown for the community's own accounts.
const (
	issuingName  = "时间银行"
	spendingName = "社区公益账户"
)

// systemAccounts returns the community's issuing and spending accounts, creating them on first use.
func (tb *TimeBank) systemAccounts(ctx context.Context, communityID uint64) (issuing, spending *model.Account, err error) {
	issuing, err = tb.store.EnsureAccount(ctx, &model.Account{CommunityID: communityID, OwnerKey: model.AccountIssuing,
		Kind: model.AccountIssuing, Name: issuingName})
	if err != nil {
		return nil, nil, err
	}
	spending, err = tb.store.EnsureAccount(ctx, &model.Account{CommunityID: communityID, OwnerKey: model.AccountSpending,
		Kind: model.AccountSpending, Name: spendingName})
	return issuing, spending, err
}

// residentAccount returns the user's account in the community, creating it on first use.
func (tb *TimeBank) residentAccount(ctx context.Context, communityID, userID uint64) (*model.Account, error) {
	return tb.store.EnsureAccount(ctx, &model.Account{CommunityID: communityID, OwnerKey: model.ResidentOwnerKey(userID),
		Kind: model.AccountResident, UserID: userID})
}

// MyCommunity decides which community a "me" request is about: the one named (where the user
// has a role, a residency or an account), else the only community the user belongs to. None
// is 404; several without a choice is 400 naming community_id.
func (tb *TimeBank) MyCommunity(ctx context.Context, p *Principal, communityID uint64) (uint64, error) {
	accts, err := tb.store.AccountsOfUser(ctx, p.UserID)
	if err != nil {
		return 0, Internal(err)
	}
	var mine []uint64
	for _, a := range accts {
		mine = append(mine, a.CommunityID)
	}
	if communityID != 0 {
		if p.Related(communityID) || slices.Contains(mine, communityID) {
			return communityID, nil
		}
		return 0, Errorf(KindNotFound, "内容不存在或无权查看")
	}
	for c := range p.Staff {
		mine = append(mine, c)
	}
	for _, c := range p.Captain {
		mine = append(mine, c)
	}
	for _, c := range p.Resident {
		mine = append(mine, c)
	}
	slices.Sort(mine)
	mine = slices.Compact(mine)
	switch len(mine) {
	case 0:
		return 0, Errorf(KindNotFound, "您还没有加入任何社区")
	case 1:
		return mine[0], nil
	}
	return 0, Invalid("community_id", "您属于多个社区，请用 community_id 指明")
}

// AccountSummary is a person's account in one community (GET /me/account).
type AccountSummary struct {
	CommunityID uint64
	// AccountID is nil until the account exists (its first credit or transfer).
	AccountID *uint64
	Balance   Points
	// Minutes and Earned are what the person's service earned in the community, corrections
	// deducted (points diverted by the balance cap included: they were earned).
	Minutes int64
	Earned  Points
	// HourHundredths is the service time in hundredths of an hour, rounded per record like
	// the points (so that at one point an hour Earned and the hours agree to the hundredth).
	HourHundredths int64
	// Spent is what rewards cost, cancelled vouchers refunded.
	Spent Points
	// Received and Given are transfers in and out.
	Received, Given Points
	// Cap is the balance cap (0: none).
	Cap Points
}

// Summary returns the user's account in the community, crediting any confirmed service of
// theirs still waiting for the background job first, so that a volunteer who was just
// confirmed sees the points at once.
func (tb *TimeBank) Summary(ctx context.Context, userID, communityID uint64) (*AccountSummary, error) {
	if _, err := tb.CreditPendingFor(ctx, userID); err != nil {
		tb.log.WarnContext(ctx, "credit pending service", "error", err.Error())
	}
	out := &AccountSummary{CommunityID: communityID, Cap: tb.opts.BalanceCap}
	st, err := tb.store.ServiceTotalsOf(ctx, communityID, userID)
	if err != nil {
		return nil, Internal(err)
	}
	out.Minutes, out.Earned, out.HourHundredths = st.Minutes, Points(st.Points), st.HourHundredths
	a, err := tb.store.AccountOf(ctx, communityID, model.ResidentOwnerKey(userID))
	if errors.Is(err, model.ErrNotFound) {
		return out, nil
	}
	if err != nil {
		return nil, Internal(err)
	}
	out.AccountID, out.Balance = &a.ID, Points(a.Balance)
	totals, err := tb.store.AccountTotals(ctx, a.ID)
	if err != nil {
		return nil, Internal(err)
	}
	out.Spent = -Points(totals[model.PostingRedeem].In + totals[model.PostingRedeem].Out +
		totals[model.PostingRefund].In + totals[model.PostingRefund].Out)
	out.Received, out.Given = Points(totals[model.PostingTransfer].In), -Points(totals[model.PostingTransfer].Out)
	return out, nil
}

// AccountBrief names an account for people: a resident's nickname, a collective account's
// name, or the community's own accounts.
type AccountBrief struct {
	ID, UserID uint64
	Kind, Card string
	Name       string
}

// briefs names the accounts with these ids.
func (tb *TimeBank) briefs(ctx context.Context, ids []uint64) (map[uint64]AccountBrief, error) {
	accts, err := tb.store.AccountsByIDs(ctx, ids)
	if err != nil {
		return nil, err
	}
	var users []uint64
	for _, a := range accts {
		if a.UserID != 0 {
			users = append(users, a.UserID)
		}
	}
	names, err := tb.store.UsersByIDs(ctx, users)
	if err != nil {
		return nil, err
	}
	out := make(map[uint64]AccountBrief, len(accts))
	for id, a := range accts {
		b := AccountBrief{ID: id, UserID: a.UserID, Kind: a.Kind, Card: a.Card, Name: a.Name}
		if a.Kind == model.AccountResident {
			b.Name = names[a.UserID].Nickname
		}
		out[id] = b
	}
	return out, nil
}

// PassbookLine is one movement on an account (存折): date, kind, counterparty, amount,
// balance after, memo.
type PassbookLine struct {
	model.PassbookLine
	Counterparty AccountBrief
}

// Passbook lists the user's movements in the community, newest first (cursor: entry id).
func (tb *TimeBank) Passbook(ctx context.Context, userID, communityID, before uint64, limit int) ([]PassbookLine, bool, error) {
	if _, err := tb.CreditPendingFor(ctx, userID); err != nil {
		tb.log.WarnContext(ctx, "credit pending service", "error", err.Error())
	}
	a, err := tb.store.AccountOf(ctx, communityID, model.ResidentOwnerKey(userID))
	if errors.Is(err, model.ErrNotFound) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, Internal(err)
	}
	return tb.passbook(ctx, a.ID, before, limit, false)
}

// AccountPassbook lists the movements of any account of the community: staff see every account,
// a collective account's managers their own.
func (tb *TimeBank) AccountPassbook(ctx context.Context, p *Principal, accountID, before uint64, limit int) ([]PassbookLine, bool, error) {
	a, err := tb.store.AccountByID(ctx, accountID)
	if errors.Is(err, model.ErrNotFound) {
		return nil, false, Errorf(KindNotFound, "账户不存在")
	}
	if err != nil {
		return nil, false, Internal(err)
	}
	if err := tb.mayManage(ctx, p, a); err != nil {
		return nil, false, err
	}
	return tb.passbook(ctx, a.ID, before, limit, p.Admin || p.Staff[a.CommunityID])
}

// passbook reads an account's lines; a memo held for review is left out where the account
// received the points, unless the reader is staff (who review it).
func (tb *TimeBank) passbook(ctx context.Context, accountID, before uint64, limit int, staff bool) ([]PassbookLine, bool, error) {
	lines, err := tb.store.Passbook(ctx, accountID, before, limit+1)
	if err != nil {
		return nil, false, Internal(err)
	}
	more := len(lines) > limit
	lines = lines[:min(len(lines), limit)]
	ids := make([]uint64, 0, len(lines))
	for _, l := range lines {
		ids = append(ids, l.CounterpartyID)
	}
	briefs, err := tb.briefs(ctx, ids)
	if err != nil {
		return nil, false, Internal(err)
	}
	out := make([]PassbookLine, len(lines))
	for i, l := range lines {
		if l.MemoHeld && l.Amount > 0 && !staff {
			l.Memo = ""
		}
		out[i] = PassbookLine{PassbookLine: l, Counterparty: briefs[l.CounterpartyID]}
	}
	return out, more, nil
}

// mayManage lets staff of the account's community act on any account there, and the managers
// of a collective account on it; others get 404 outside the community and 403 inside.
func (tb *TimeBank) mayManage(ctx context.Context, p *Principal, a *model.Account) error {
	if p.Can(ActTimeBankManage, Scope{CommunityID: a.CommunityID}) {
		return nil
	}
	if a.Kind == model.AccountCollective {
		ok, err := tb.store.IsAccountManager(ctx, a.ID, p.UserID)
		if err != nil {
			return Internal(err)
		}
		if ok {
			return nil
		}
	}
	if a.Kind == model.AccountResident && a.UserID == p.UserID {
		return nil
	}
	return Authorize(p, ActTimeBankManage, Scope{CommunityID: a.CommunityID})
}
