package service

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"linli/model"
)

// The check-in token is the scene of the activity's mini-program code, so it must fit WeChat's
// 32 visible characters: "<activity id>.<expiry>.<signature>", numbers in base 36, the
// signature an HMAC (purpose-bound, see Secrets.Sign) cut to the room left, at most 22
// characters (132 bits). It expires with the activity: at its end plus the check-out grace.
const (
	checkinPurpose = "activity-checkin-v1"
	checkinPage    = "pages/activity/checkin"
	maxScene       = 32
	maxTokenSig    = 22
	minTokenSig    = 12
)

// CheckinCode is what the organiser shows at the place: the token, and in WeChat mode the
// mini-program code (JPEG) that carries it.
type CheckinCode struct {
	Token     string
	Page      string
	ExpiresAt time.Time
	// JPEG is nil in dev mode.
	JPEG []byte
}

func (s *Activities) checkinToken(a *model.Activity) (string, time.Time) {
	exp := a.EndAt.Add(s.cfg.CheckoutGrace).Truncate(time.Second)
	msg := strconv.FormatUint(a.ID, 36) + "." + strconv.FormatInt(exp.Unix(), 36)
	n := min(maxScene-len(msg)-1, maxTokenSig)
	return msg + "." + s.secrets.Sign(checkinPurpose, msg)[:n], exp
}

// verifyToken accepts only an unexpired token signed for this activity (403 otherwise).
func (s *Activities) verifyToken(token string, activityID uint64, now time.Time) error {
	bad := Errorf(KindForbidden, "签到码无效，请扫描本活动现场的签到码")
	parts := strings.Split(strings.TrimSpace(token), ".")
	if len(parts) != 3 {
		return bad
	}
	msg := parts[0] + "." + parts[1]
	n := min(maxScene-len(msg)-1, maxTokenSig)
	if n < minTokenSig || len(parts[2]) != n ||
		subtle.ConstantTimeCompare([]byte(parts[2]), []byte(s.secrets.Sign(checkinPurpose, msg)[:n])) != 1 {
		return bad
	}
	id, err1 := strconv.ParseUint(parts[0], 36, 64)
	exp, err2 := strconv.ParseInt(parts[1], 36, 64)
	if err1 != nil || err2 != nil || id != activityID {
		return bad
	}
	if now.Unix() > exp {
		return Errorf(KindForbidden, "签到码已过期")
	}
	return nil
}

// CheckinCode gives the organiser of a published activity its check-in code.
func (s *Activities) CheckinCode(ctx context.Context, p *Principal, id uint64) (*CheckinCode, error) {
	a, err := s.managed(ctx, p, id)
	if err != nil {
		return nil, err
	}
	if a.Status != model.ActivityPublished {
		return nil, Errorf(KindConflict, "活动%s，没有签到码", activityState[a.Status])
	}
	token, exp := s.checkinToken(a)
	code := &CheckinCode{Token: token, Page: checkinPage, ExpiresAt: exp}
	if s.codes == nil {
		return code, nil
	}
	if code.JPEG, err = s.codes.WXACodeUnlimit(ctx, token, checkinPage, 430); err != nil {
		return nil, Unavailable("微信服务", err)
	}
	return code, nil
}

// attendant loads the caller's confirmed sign-up for check-in or check-out with a token.
func (s *Activities) attendant(ctx context.Context, p *Principal, id uint64, token string) (*model.Activity, *model.Signup, time.Time, error) {
	a, _, err := s.visible(ctx, p, id)
	if err != nil {
		return nil, nil, time.Time{}, err
	}
	now := s.now()
	if err := s.verifyToken(token, id, now); err != nil {
		return nil, nil, now, err
	}
	if a.Status != model.ActivityPublished {
		return nil, nil, now, Errorf(KindConflict, "活动%s，不能签到签退", activityState[a.Status])
	}
	su, err := s.store.LiveSignup(ctx, id, p.UserID)
	if errors.Is(err, model.ErrNotFound) || (err == nil && su.Status != model.SignupConfirmed) {
		return nil, nil, now, Errorf(KindForbidden, "您不在该活动的确认名单中")
	}
	if err != nil {
		return nil, nil, now, err
	}
	return a, su, now, nil
}

// CheckIn records the volunteer's arrival, from CheckinEarly before the start until the end.
// Checking in twice keeps the first time.
func (s *Activities) CheckIn(ctx context.Context, p *Principal, id uint64, token string) (*model.Signup, error) {
	a, su, now, err := s.attendant(ctx, p, id, token)
	if err != nil {
		return nil, err
	}
	if opens := a.StartAt.Add(-s.cfg.CheckinEarly); now.Before(opens) {
		return nil, Errorf(KindConflict, "签到将于 %s 开始", chinaTime(opens))
	}
	if !now.Before(a.EndAt) {
		return nil, Errorf(KindConflict, "活动已结束，不能签到")
	}
	ok, err := s.store.CheckIn(ctx, su.ID, now)
	if err != nil {
		return nil, err
	}
	s.touchCounts(ctx, su.ActivityID) // the volunteer's own sign-up shows the check-in
	if cur, err := s.store.SignupByID(ctx, su.ID); err != nil {
		return nil, err
	} else if ok || cur.CheckinAt != nil {
		return cur, nil
	}
	return nil, Errorf(KindConflict, "组织者已登记您的出勤，无需签到")
}

// CheckOut records the volunteer's departure (until CheckoutGrace after the end) and the
// minutes served: only the time inside the activity window counts.
func (s *Activities) CheckOut(ctx context.Context, p *Principal, id uint64, token string) (*model.Signup, error) {
	a, su, now, err := s.attendant(ctx, p, id, token)
	if err != nil {
		return nil, err
	}
	if su.CheckinAt == nil {
		return nil, Errorf(KindConflict, "请先签到")
	}
	ok, err := s.store.CheckOut(ctx, su.ID, now, minutesInside(*su.CheckinAt, now, a.StartAt, a.EndAt))
	if err != nil {
		return nil, err
	}
	s.touchCounts(ctx, su.ActivityID)
	if !ok {
		return nil, Errorf(KindConflict, "您的出勤已由组织者登记或已结算，无需签退")
	}
	cur, err := s.store.SignupByID(ctx, su.ID)
	if err != nil {
		return nil, err
	}
	return cur, nil
}

// minutesInside is the whole minutes of [from, to] that lie inside [start, end].
func minutesInside(from, to, start, end time.Time) int {
	if from.Before(start) {
		from = start
	}
	if to.After(end) {
		to = end
	}
	if !to.After(from) {
		return 0
	}
	return int(to.Sub(from) / time.Minute)
}

// Attendance is the organiser's record of one volunteer.
type Attendance struct {
	UserID uint64
	// Status is attended (with Minutes) or no_show.
	Status  string
	Minutes int
}

// MarkAttendance lets the organiser record, once the activity has started and until the
// sign-up is settled, that a confirmed volunteer attended (with minutes, at most the length of
// the activity) or did not come.
func (s *Activities) MarkAttendance(ctx context.Context, p *Principal, id uint64, m Attendance) (*model.Signup, error) {
	a, err := s.managed(ctx, p, id)
	if err != nil {
		return nil, err
	}
	now := s.now()
	switch {
	case a.Status != model.ActivityPublished && a.Status != model.ActivityFinished:
		return nil, Errorf(KindConflict, "活动%s，不能登记出勤", activityState[a.Status])
	case now.Before(a.StartAt):
		return nil, Errorf(KindConflict, "活动开始后才能登记出勤")
	}
	switch m.Status {
	case model.AttendanceAttended:
		limit := int(a.EndAt.Sub(a.StartAt) / time.Minute)
		if limit < 1 {
			return nil, Invalid("minutes", "该活动时长不足 1 分钟，不能登记服务时长，请按缺席登记或联系社区工作者")
		}
		if m.Minutes < 1 || m.Minutes > limit {
			return nil, Invalid("minutes", fmt.Sprintf("服务时长须在 1 到 %d 分钟之间（活动时长）", limit))
		}
	case model.AttendanceNoShow:
		m.Minutes = 0
	default:
		return nil, Invalid("status", "status 须为 attended 或 no_show")
	}
	su, err := s.store.LiveSignup(ctx, id, m.UserID)
	if errors.Is(err, model.ErrNotFound) {
		return nil, Invalid("user_id", "该用户没有报名此活动")
	}
	if err != nil {
		return nil, err
	}
	if su.Status != model.SignupConfirmed {
		return nil, Errorf(KindConflict, "该用户在候补名单中，未确认参加")
	}
	ok, err := s.store.MarkAttendance(ctx, su.ID, m.Status, m.Minutes, p.UserID, now)
	if err != nil {
		return nil, err
	}
	s.touchCounts(ctx, su.ActivityID)
	if !ok {
		return nil, Errorf(KindConflict, "该报名已结算，出勤不能再修改")
	}
	cur, err := s.store.SignupByID(ctx, su.ID)
	if err != nil {
		return nil, err
	}
	return cur, nil
}

// RosterPage asks for a page of an activity's roster.
type RosterPage struct {
	ActivityID uint64
	After      model.RosterCursor
	Limit      int
}

// RosterResult is a page of the roster; FullPhones says whether the caller sees the
// volunteers' numbers in full.
type RosterResult struct {
	Rows       []model.SignupRow
	More       bool
	FullPhones bool
}

// Roster lists a page of the activity's live sign-ups (confirmed first in sign-up order, then
// the waitlist by position) for those who manage it; phone numbers are shown in full only to
// the community's staff (who may have to call), masked to other organisers.
func (s *Activities) Roster(ctx context.Context, p *Principal, q RosterPage) (*RosterResult, error) {
	a, err := s.managed(ctx, p, q.ActivityID)
	if err != nil {
		return nil, err
	}
	rows, err := s.store.Roster(ctx, q.ActivityID, q.After, q.Limit+1)
	if err != nil {
		return nil, err
	}
	rows, more := trimPage(rows, q.Limit)
	return &RosterResult{Rows: rows, More: more, FullPhones: p.Staff[a.CommunityID]}, nil
}

// PhoneOf decrypts a volunteer's phone number for the roster.
func (s *Activities) PhoneOf(r *model.SignupRow) string {
	return s.users.PhoneOf(&model.User{ID: r.UserID, PhoneCipher: r.PhoneCipher})
}
