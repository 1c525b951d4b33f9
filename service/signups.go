package service

import (
	"context"
	"errors"
	"fmt"
	"time"

	"linli/model"
)

// Capacity under a rush. Every change to an activity's sign-ups runs in a transaction whose
// first statement locks the activity's row (SELECT … FOR UPDATE on MariaDB; on SQLite the
// clause is dropped and BEGIN IMMEDIATE serialises writers). Under that lock:
//   - a place is taken by the conditional UPDATE activities SET confirmed = confirmed + 1
//     WHERE id = ? AND confirmed < capacity: the database decides, so the count can never pass
//     the capacity even if our own reasoning were wrong;
//   - otherwise the person joins the waitlist with a position computed by the database inside
//     INSERT … SELECT COALESCE(MAX(position), 0) + 1, never from a value read earlier (a plain
//     read before the lock would fix InnoDB's snapshot and miss concurrent rows);
//   - one live sign-up per person and activity is a unique key, so a double sign-up is 409
//     whatever the timing.
// Why the row lock and not the conditional update alone: the waitlist position needs the
// sign-ups of an activity serialised anyway, and the lock makes cancellation-with-promotion
// and capacity changes atomic with them. It serialises one activity's sign-ups and nothing
// else. Since each commit waits for the disk (an fsync, ~3 ms here) while the lock is held,
// concurrent sign-ups for the same activity share one transaction (signup_batch.go): the
// same statements per person, one lock and one commit per batch. Measured in
// scripts/loadsignup.

// SignUp signs the user up for a published activity: confirmed while places remain, else
// waitlisted with a position. Only approved residents of the activity's audience may sign up.
// 409 for a second sign-up, outside the sign-up window (naming it), for an overlap with an
// activity the user is confirmed for (naming it), and after too many recent no-shows.
func (s *Activities) SignUp(ctx context.Context, p *Principal, id uint64) (*model.Signup, error) {
	a, _, err := s.visible(ctx, p, id)
	if err != nil {
		return nil, err
	}
	if err := s.mayJoin(ctx, p, a); err != nil {
		return nil, err
	}
	if err := signupOpen(a, s.now()); err != nil {
		return nil, err
	}
	// No-shows change only when an organiser settles or marks attendance: a plain read before
	// the transaction is enough, and keeps the locked part short.
	if s.cfg.NoShowLimit > 0 {
		n, err := s.store.NoShowsSince(ctx, p.UserID, s.now().Add(-s.cfg.NoShowWindow))
		if err != nil {
			return nil, err
		}
		if n >= int64(s.cfg.NoShowLimit) {
			return nil, Errorf(KindConflict, "您近 %d 天内已有 %d 次报名后未到场，暂不能报名", int(s.cfg.NoShowWindow.Hours()/24), n)
		}
	}
	su, err := s.batches.submit(ctx, id, p.UserID)
	if err != nil {
		return nil, err
	}
	s.touchCounts(ctx, id)
	return su, nil
}

// signupOpen refuses sign-up to an activity that is not published or outside its window.
func signupOpen(a *model.Activity, now time.Time) error {
	if a.Status != model.ActivityPublished {
		return Errorf(KindConflict, "活动%s，不能报名", activityState[a.Status])
	}
	if now.Before(a.SignupOpensAt) || !now.Before(a.SignupClosesAt) {
		return Errorf(KindConflict, "报名时间为 %s 至 %s", chinaTime(a.SignupOpensAt), chinaTime(a.SignupClosesAt))
	}
	return nil
}

// signUpBatch signs up several people for one activity in one transaction, in the order they
// came, and returns each one's sign-up or error (a *Error). The activity's row is locked
// first, then the people's rows, all at once in ascending order (what serialises each
// person's sign-ups for the overlap rule without deadlocks between batches); then everything
// is read and written under those locks. Each confirmed place is still taken by the
// conditional update; once it has refused one, the rest of the batch goes to the waitlist
// without asking again (no place can come free while the lock is held), in one INSERT … SELECT
// that computes their positions from the waitlist's MAX(position). A failure of the database
// fails the whole batch.
func (s *Activities) signUpBatch(ctx context.Context, id uint64, users []uint64) ([]*model.Signup, []error, error) {
	out, errs := make([]*model.Signup, len(users)), make([]error, len(users))
	err := s.store.Tx(ctx, func(tx *model.Store) error {
		clear(out)
		clear(errs)
		a, err := tx.LockActivity(ctx, id) // first: see the comment at the top of the file
		if err != nil {
			return err
		}
		now := s.now()
		if err := signupOpen(a, now); err != nil {
			for i := range errs {
				errs[i] = err
			}
			return nil
		}
		alive, err := tx.LockLiveUsers(ctx, users)
		if err != nil {
			return err
		}
		existing, err := tx.LiveSignups(ctx, id, users)
		if err != nil {
			return err
		}
		overlaps, err := tx.ConfirmedOverlaps(ctx, users, id, a.StartAt, a.EndAt)
		if err != nil {
			return err
		}
		full := false
		added := map[uint64]bool{}
		var waiting []uint64
		for i, uid := range users {
			cur, signed := existing[uid]
			other, overlapping := overlaps[uid]
			switch {
			case !alive[uid]:
				errs[i] = Errorf(KindUnauthorized, "登录已失效，请重新登录")
			case signed:
				errs[i] = alreadySignedUp(&cur)
			case added[uid]:
				errs[i] = Errorf(KindConflict, "您已报名该活动")
			case overlapping:
				errs[i] = Errorf(KindConflict, "与您已确认参加的活动「%s」（%s）时间冲突", other.Title, chinaTime(other.StartAt))
			default:
				confirmed, err := s.confirm(ctx, tx, id, uid, full, now)
				if err != nil {
					return err
				}
				if full = !confirmed; full {
					waiting = append(waiting, uid)
				}
				added[uid] = true
			}
		}
		if err := tx.AddWaitlisted(ctx, id, waiting, now); err != nil {
			return err
		}
		ids := make([]uint64, 0, len(added))
		for uid := range added {
			ids = append(ids, uid)
		}
		made, err := tx.LiveSignups(ctx, id, ids)
		if err != nil {
			return err
		}
		for i, uid := range users {
			if su, ok := made[uid]; ok && errs[i] == nil {
				out[i] = &su
			}
		}
		return nil
	})
	return out, errs, err
}

// confirm gives one person of a batch (checked and locked by it) a confirmed place if the
// conditional update grants one, unless the activity is already known to be full; it reports
// whether it did. Those it does not confirm join the waitlist together, in arrival order.
func (s *Activities) confirm(ctx context.Context, tx *model.Store, id, userID uint64, full bool, now time.Time) (bool, error) {
	if full {
		return false, nil
	}
	took, err := tx.TakePlace(ctx, id)
	if err != nil || !took {
		return false, err
	}
	_, err = tx.AddConfirmed(ctx, id, userID, now)
	return true, err
}

func alreadySignedUp(cur *model.Signup) error {
	if cur.Status == model.SignupWaitlisted {
		return Errorf(KindConflict, "您已报名该活动（候补第 %d 位）", cur.Position)
	}
	return Errorf(KindConflict, "您已报名该活动（已确认参加）")
}

// mayJoin checks that the user is an approved resident of the activity's audience: 404 to
// users with no relation to its community, 403 to others outside the audience.
func (s *Activities) mayJoin(ctx context.Context, p *Principal, a *model.Activity) error {
	scope := Scope{CommunityID: a.CommunityID}
	if a.Audience == model.AudienceBuilding {
		scope.BuildingID = a.AudienceID
	}
	if err := Authorize(p, ActResidentAct, scope); err != nil {
		if KindOf(err) == KindForbidden {
			return Errorf(KindForbidden, "只有%s的认证居民可以报名", s.audienceName(ctx, a))
		}
		return err
	}
	if a.Audience != model.AudienceEstate {
		return nil
	}
	for b, c := range p.Resident {
		if c != a.CommunityID {
			continue
		}
		bv, err := s.store.BuildingByID(ctx, b)
		if err != nil && !errors.Is(err, model.ErrNotFound) {
			return err
		}
		if err == nil && bv.EstateID == a.AudienceID {
			return nil
		}
	}
	return Errorf(KindForbidden, "只有%s的认证居民可以报名", s.audienceName(ctx, a))
}

// audienceName names who may sign up, for messages.
func (s *Activities) audienceName(ctx context.Context, a *model.Activity) string {
	switch a.Audience {
	case model.AudienceEstate:
		if e, err := s.store.EstateByID(ctx, a.AudienceID); err == nil {
			return e.Name
		}
	case model.AudienceBuilding:
		if b, err := s.store.BuildingByID(ctx, a.AudienceID); err == nil {
			return b.Label()
		}
	}
	return "本社区"
}

// CancelSignup cancels the user's own sign-up. A confirmed place may be given up only before
// the cancellation cut-off (409 after it); it goes at once, in the same transaction, to the
// first on the waitlist, who is notified. Leaving the waitlist is possible until the start.
func (s *Activities) CancelSignup(ctx context.Context, p *Principal, id uint64) (*model.Signup, error) {
	if _, _, err := s.visible(ctx, p, id); err != nil {
		return nil, err
	}
	var out *model.Signup
	err := s.store.Tx(ctx, func(tx *model.Store) error {
		a, err := tx.LockActivity(ctx, id)
		if err != nil {
			return err
		}
		su, err := tx.LiveSignup(ctx, id, p.UserID)
		if errors.Is(err, model.ErrNotFound) {
			return Errorf(KindNotFound, "您没有报名该活动")
		}
		if err != nil {
			return err
		}
		now := s.now()
		switch {
		case a.Status != model.ActivityPublished:
			return Errorf(KindConflict, "活动%s，不能取消报名", activityState[a.Status])
		case !now.Before(a.StartAt):
			return Errorf(KindConflict, "活动已开始，不能取消报名")
		case su.Status == model.SignupConfirmed && !now.Before(a.CancelCutoffAt):
			return Errorf(KindConflict, "已过取消截止时间（%s），如不能参加请联系组织者", chinaTime(a.CancelCutoffAt))
		}
		if ok, err := tx.CancelSignup(ctx, su.ID, su.Status, now); err != nil || !ok {
			if err == nil {
				err = fmt.Errorf("sign-up %d changed under the activity lock", su.ID)
			}
			return err
		}
		if su.Status == model.SignupWaitlisted {
			if err := tx.CloseGap(ctx, id, su.Position, 1); err != nil {
				return err
			}
		} else {
			if err := tx.ReleasePlace(ctx, id); err != nil {
				return err
			}
			promoted, err := s.promote(ctx, tx, id, now)
			if err != nil {
				return err
			}
			if err := s.noticePromoted(ctx, tx, a, promoted); err != nil {
				return err
			}
		}
		if out, err = tx.SignupByID(ctx, su.ID); err != nil {
			return err
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	s.touchCounts(ctx, id)
	return out, nil
}

// promote fills the free places of the activity from the head of the waitlist, in order, and
// returns whom it confirmed. It runs under the activity's row lock; each place is taken by
// the same conditional update as a sign-up, and the waitlist behind moves up once at the end.
func (s *Activities) promote(ctx context.Context, tx *model.Store, activityID uint64, now time.Time) ([]model.Signup, error) {
	var out []model.Signup
	for {
		next, err := tx.NthWaitlisted(ctx, activityID, len(out))
		if errors.Is(err, model.ErrNotFound) {
			break
		}
		if err != nil {
			return nil, err
		}
		took, err := tx.TakePlace(ctx, activityID)
		if err != nil {
			return nil, err
		}
		if !took {
			break
		}
		out = append(out, *next)
	}
	if len(out) == 0 {
		return nil, nil
	}
	ids := make([]uint64, len(out))
	for i := range out {
		ids[i] = out[i].ID
	}
	last := out[len(out)-1].Position
	if err := tx.PromoteSignups(ctx, ids, now); err != nil {
		return nil, err
	}
	if err := tx.CloseGap(ctx, activityID, last, len(out)); err != nil {
		return nil, err
	}
	for i := range out {
		out[i].Status, out[i].Position = model.SignupConfirmed, 0
	}
	return out, nil
}
