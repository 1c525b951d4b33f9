package service

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"linli/cache"
	"linli/clock"
	"linli/model"
)

// ActivityConfig configures volunteer activities (config activities.*).
type ActivityConfig struct {
	// CheckinEarly: check-in is accepted from this long before the start.
	CheckinEarly time.Duration
	// CheckoutGrace: check-out is accepted until this long after the end; the check-in code
	// expires then.
	CheckoutGrace time.Duration
	// ReminderBefore: confirmed volunteers are reminded this long before the start (0: never).
	ReminderBefore time.Duration
	// CancelBefore is the default cancellation cut-off before the start.
	CancelBefore time.Duration
	// NoShowLimit refuses sign-up after this many no-shows within NoShowWindow (0: never).
	NoShowLimit  int
	NoShowWindow time.Duration
	// CacheTTL bounds how long a cached list page or place count is served.
	CacheTTL time.Duration
}

// CodeMaker draws mini-program codes (the WeChat adapter).
type CodeMaker interface {
	WXACodeUnlimit(ctx context.Context, scene, page string, width int) ([]byte, error)
}

// Activities runs volunteer activities (志愿活动): their management (this file), the cached
// lists (activity_list.go), sign-ups with capacity and waitlist (signups.go), and check-in,
// attendance, settlement and reminders (attendance.go).
type Activities struct {
	store   *model.Store
	redis   *cache.Redis
	places  *Places
	safety  *Safety
	notify  *Notifier
	users   *Users
	secrets *Secrets
	codes   CodeMaker // nil in dev mode: the check-in code is the token itself
	cfg     ActivityConfig
	log     *slog.Logger
	clock   atomic.Pointer[func() time.Time]
	given   func() time.Time // the process clock (useClock); SetClock(nil) returns to it
	batches *signupBatches
	// mem keeps lists, counts and readers' sign-ups in memory (activity_memory.go).
	mem *actMemory
}

// NewActivities builds the activities service; codes is nil in dev mode.
func NewActivities(store *model.Store, r *cache.Redis, places *Places, safety *Safety, notify *Notifier, users *Users,
	secrets *Secrets, codes CodeMaker, cfg ActivityConfig, log *slog.Logger) *Activities {
	if cfg.CacheTTL <= 0 {
		cfg.CacheTTL = 30 * time.Second
	}
	if cfg.NoShowWindow <= 0 {
		cfg.NoShowWindow = 90 * 24 * time.Hour
	}
	s := &Activities{store: store, redis: r, places: places, safety: safety, notify: notify, users: users, mem: newActMemory(r.Invalidations(log), cfg.CacheTTL),
		secrets: secrets, codes: codes, cfg: cfg, log: log}
	s.useClock(time.Now)
	s.batches = newSignupBatches(s.signUpBatch)
	return s
}

// SetClock makes the service read the time from now (nil: the clock it was given, the wall
// clock by default). Tests move it to try windows and expiry; it is safe to call while
// requests run.
func (s *Activities) SetClock(now func() time.Time) {
	if now == nil {
		now = s.given
	}
	s.clock.Store(&now)
}

// useClock gives the service the process's clock (SetClock(nil) returns to it).
func (s *Activities) useClock(now func() time.Time) {
	s.given = now
	s.SetClock(now)
}

func (s *Activities) now() time.Time { return (*s.clock.Load())().UTC().Truncate(time.Microsecond) }

// Limits of an activity's fields.
const (
	maxActivityTitle       = 64
	maxActivityDescription = 2000
	maxActivityPlace       = 100
	maxActivityCapacity    = 10000
	maxActivityLength      = 7 * 24 * time.Hour
	maxPointsPerHour       = 1000 // hundredths: 10 points per hour
	maxCancelReason        = 200
)

// ActivityInput is what an organiser sets on an activity; nil fields are left as they are
// (on creation: defaults, or a 400 for required ones).
type ActivityInput struct {
	CommunityID    uint64
	TeamID         *uint64
	TypeID         *uint64
	Title          *string
	Description    *string
	Place          *string
	StartAt        *time.Time
	EndAt          *time.Time
	Capacity       *int
	SignupOpensAt  *time.Time
	SignupClosesAt *time.Time
	CancelCutoffAt *time.Time
	Audience       *string
	AudienceID     *uint64
	// PointsPerHour is in hundredths; only staff may set it to anything but the type's rule.
	PointsPerHour *int
}

// Create adds a draft activity. Staff and admin organise anything in their community, a
// captain activities for a building they captain, a team leader their team's activities.
// Text WeChat calls risky is refused (422); text it cannot clear is kept but held: only staff
// can publish it.
func (s *Activities) Create(ctx context.Context, p *Principal, in ActivityInput) (*model.Activity, error) {
	if _, err := s.places.Community(ctx, in.CommunityID); err != nil {
		return nil, err
	}
	if !p.Related(in.CommunityID) {
		return nil, Authorize(p, ActActivityOrganise, Scope{CommunityID: in.CommunityID})
	}
	now := s.now()
	a := &model.Activity{CommunityID: in.CommunityID, Status: model.ActivityDraft, OrganiserID: p.UserID,
		Audience: model.AudienceCommunity, SignupOpensAt: now, CreatedAt: now, UpdatedAt: now}
	for _, req := range []struct {
		missing     bool
		field, what string
	}{{in.Title == nil, "title", "标题"}, {in.TypeID == nil, "type_id", "活动类型"}, {in.Place == nil, "place", "地点"},
		{in.StartAt == nil, "start_at", "开始时间"}, {in.EndAt == nil, "end_at", "结束时间"}, {in.Capacity == nil, "capacity", "人数"}} {
		if req.missing {
			return nil, Invalid(req.field, "请填写"+req.what)
		}
	}
	if in.SignupClosesAt == nil {
		in.SignupClosesAt = in.StartAt
	}
	if in.CancelCutoffAt == nil {
		in.CancelCutoffAt = defaultCancelCutoff(now, in.SignupOpensAt, *in.StartAt, s.cfg.CancelBefore)
	} else if in.CancelCutoffAt.Before(now) && in.StartAt.After(now) {
		// A future activity whose cut-off has passed could never be cancelled by anyone (one
		// recorded after it started may have any cut-off: nobody signs up any more).
		return nil, Invalid("cancel_cutoff_at", "取消报名截止时间不能早于现在")
	}
	if err := s.apply(ctx, p, a, in, true); err != nil {
		return nil, err
	}
	held, err := s.checkText(ctx, p, a)
	if err != nil {
		return nil, err
	}
	a.Held = held
	if err := s.store.CreateActivity(ctx, a); err != nil {
		return nil, err
	}
	s.touchCommunity(ctx, a.CommunityID)
	return a, nil
}

// apply merges in into a, checks every rule and the organiser's right to the result (its
// audience, team and points). creating fills the type's points rule when none is given.
func (s *Activities) apply(ctx context.Context, p *Principal, a *model.Activity, in ActivityInput, creating bool) error {
	staff := p.Admin || p.Staff[a.CommunityID]
	var err error
	if in.Title != nil {
		if a.Title, err = activityText("title", "标题", *in.Title, maxActivityTitle, true); err != nil {
			return err
		}
	}
	if in.Description != nil {
		if a.Description, err = activityProse("description", "活动介绍", *in.Description, maxActivityDescription); err != nil {
			return err
		}
	}
	if in.Place != nil {
		if a.Place, err = activityText("place", "地点", *in.Place, maxActivityPlace, true); err != nil {
			return err
		}
	}
	typeChanged := in.TypeID != nil && *in.TypeID != a.TypeID
	if typeChanged {
		t, err := s.store.ActivityTypeByID(ctx, *in.TypeID)
		if errors.Is(err, model.ErrNotFound) || (err == nil && (t.CommunityID != a.CommunityID || !t.Active)) {
			return Invalid("type_id", "活动类型不存在或已停用")
		}
		if err != nil {
			return err
		}
		a.TypeID = t.ID
		if in.PointsPerHour == nil {
			a.PointsPerHour = t.PointsPerHour
		}
	}
	if in.PointsPerHour != nil && *in.PointsPerHour != a.PointsPerHour {
		if *in.PointsPerHour < 0 || *in.PointsPerHour > maxPointsPerHour {
			return Invalid("points_per_hour", "每小时积分须在 0 到 10 之间")
		}
		t, err := s.store.ActivityTypeByID(ctx, a.TypeID)
		if err != nil {
			return err
		}
		if *in.PointsPerHour != t.PointsPerHour && !staff {
			return Errorf(KindForbidden, "只有社区工作者可以调整积分规则（该类型为每小时 %s 分）", FormatRate(t.PointsPerHour))
		}
		a.PointsPerHour = *in.PointsPerHour
	}
	if in.Capacity != nil {
		if *in.Capacity < 1 || *in.Capacity > maxActivityCapacity {
			return Invalid("capacity", "人数须在 1 到 10000 之间")
		}
		a.Capacity = *in.Capacity
	}
	for _, t := range []struct {
		v   *time.Time
		dst *time.Time
	}{{in.StartAt, &a.StartAt}, {in.EndAt, &a.EndAt}, {in.SignupOpensAt, &a.SignupOpensAt},
		{in.SignupClosesAt, &a.SignupClosesAt}, {in.CancelCutoffAt, &a.CancelCutoffAt}} {
		if t.v != nil {
			*t.dst = t.v.UTC().Truncate(time.Second)
		}
	}
	if err := checkTimes(a); err != nil {
		return err
	}
	if in.Audience != nil {
		a.Audience, a.AudienceID = *in.Audience, 0
		if in.AudienceID != nil {
			a.AudienceID = *in.AudienceID
		}
	} else if in.AudienceID != nil {
		a.AudienceID = *in.AudienceID
	}
	buildingID, err := s.audienceBuilding(ctx, a)
	if err != nil {
		return err
	}
	if in.TeamID != nil {
		a.TeamID = nil
		if *in.TeamID != 0 {
			t, err := s.store.TeamByID(ctx, *in.TeamID)
			if errors.Is(err, model.ErrNotFound) || (err == nil && t.CommunityID != a.CommunityID) {
				return Invalid("team_id", "志愿服务队不存在或不属于该社区")
			}
			if err != nil {
				return err
			}
			a.TeamID = &t.ID
		}
	}
	// Who may organise the result: staff, a captain of its audience building, a leader of its team.
	if creating || in.Audience != nil || in.AudienceID != nil || in.TeamID != nil {
		if err := Authorize(p, ActActivityOrganise, Scope{CommunityID: a.CommunityID, BuildingID: buildingID}); err != nil {
			leads, lerr := s.leads(ctx, p, a.TeamID)
			if lerr != nil {
				return lerr
			}
			if !leads {
				return Errorf(KindForbidden, "只有社区工作者、本楼楼栋长或志愿服务队队长可以组织此范围的活动")
			}
		}
	}
	return nil
}

// defaultCancelCutoff is the cancel cut-off of an activity created without one: the usual
// notice (activities.cancel_before) before the start. When sign-up opens later than that — an
// activity announced at short notice — there would be no moment at which a confirmed
// volunteer may cancel, so cancelling is open until the start instead.
func defaultCancelCutoff(now time.Time, signupOpens *time.Time, start time.Time, notice time.Duration) *time.Time {
	opens := now
	if signupOpens != nil {
		opens = *signupOpens
	}
	cut := start.Add(-notice)
	if !cut.After(opens) {
		cut = start
	}
	return &cut
}

// checkTimes enforces the order of an activity's times.
func checkTimes(a *model.Activity) error {
	switch {
	case !a.EndAt.After(a.StartAt):
		return Invalid("end_at", "结束时间须晚于开始时间")
	case a.EndAt.Sub(a.StartAt) < time.Minute:
		return Invalid("end_at", "活动时长至少 1 分钟")
	case a.EndAt.Sub(a.StartAt) > maxActivityLength:
		return Invalid("end_at", "一次活动最长 7 天")
	case !a.SignupClosesAt.After(a.SignupOpensAt):
		return Invalid("signup_closes_at", "报名截止时间须晚于报名开始时间")
	case a.SignupClosesAt.After(a.EndAt):
		return Invalid("signup_closes_at", "报名截止时间不能晚于活动结束时间")
	case a.CancelCutoffAt.After(a.StartAt):
		return Invalid("cancel_cutoff_at", "取消报名截止时间不能晚于活动开始时间")
	}
	return nil
}

// audienceBuilding checks the audience and returns its building (0 unless the audience is one).
func (s *Activities) audienceBuilding(ctx context.Context, a *model.Activity) (uint64, error) {
	switch a.Audience {
	case model.AudienceCommunity:
		a.AudienceID = 0
		return 0, nil
	case model.AudienceEstate:
		e, err := s.store.EstateByID(ctx, a.AudienceID)
		if errors.Is(err, model.ErrNotFound) || (err == nil && e.CommunityID != a.CommunityID) {
			return 0, Invalid("audience_id", "小区不存在或不属于该社区")
		}
		if err != nil {
			return 0, err
		}
		return 0, nil
	case model.AudienceBuilding:
		b, err := s.store.BuildingByID(ctx, a.AudienceID)
		if errors.Is(err, model.ErrNotFound) || (err == nil && b.CommunityID != a.CommunityID) {
			return 0, Invalid("audience_id", "楼栋不存在或不属于该社区")
		}
		if err != nil {
			return 0, err
		}
		return b.ID, nil
	}
	return 0, Invalid("audience", "报名范围须为 community、estate 或 building")
}

// checkText runs the content-safety check on the activity's text with the author's openid:
// risky is a 422, review holds the activity (held true).
func (s *Activities) checkText(ctx context.Context, p *Principal, a *model.Activity) (held bool, err error) {
	openid := ""
	if u, err := s.store.UserByID(ctx, p.UserID); err == nil && u.OpenID != nil {
		openid = *u.OpenID
	}
	switch s.safety.Text(ctx, openid, SceneForum, a.Title+"\n"+a.Place+"\n"+a.Description) {
	case VerdictRisky:
		return false, Errorf(KindUnprocessable, "活动内容未通过安全检查，请修改后再提交")
	case VerdictReview:
		return true, nil
	}
	return false, nil
}

// activityText cleans a single-line text field of an activity, a team or a type (CleanText).
func activityText(field, what, v string, max int, required bool) (string, error) {
	return CleanText(TextRule{Field: field, What: what, Max: max, Required: required}, v)
}

// activityProse cleans a multi-line text (a description) the same way, keeping line breaks.
func activityProse(field, what, v string, max int) (string, error) {
	return CleanText(TextRule{Field: field, What: what, Max: max, Multiline: true}, v)
}

// activityLink is the mini-program page of an activity.
func activityLink(id uint64) string { return fmt.Sprintf("pages/activity/detail?id=%d", id) }

// chinaTime formats a time for a Chinese message.
func chinaTime(t time.Time) string {
	return t.In(clock.China).Format("01月02日 15:04")
}
