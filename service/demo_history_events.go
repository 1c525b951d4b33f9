package service

import (
	"cmp"
	"context"
	"time"

	"linli/model"
)

// The events of the demo's history: issues with their timelines and dispatches, and volunteer
// activities with their sign-ups and settlement (see demoHistory).

// demoScores are the ratings residents give, weighted towards the good ones.
var demoScores = []int{5, 5, 5, 5, 5, 4, 4, 4, 3, 2}

// issue writes one issue reported at t, with its timeline as far as it got by now (and the
// dispatch that fixed it, if any), and returns its events. Every random draw comes first, so
// that the plan does not depend on how much of it is past.
func (h *demoHistory) issue(ctx context.Context, tx *model.Store, cid uint64, t time.Time) ([]model.IssueEvent, error) {
	reporter, cat := pick(h.rng, h.people), h.category(t)
	anonymous, fate := h.rng.IntN(100) < 15, h.rng.IntN(100)
	ack := h.after(t, 240)
	start := h.after(ack, 600)
	resolved := h.after(start, 2*24*60)
	reopen, reopened := h.rng.IntN(100) < 8, h.after(resolved, 2*24*60)
	resolvedAgain := h.after(reopened, 24*60)
	autoClose, closeAfter := h.rng.IntN(100) < 30, h.rng.Float64()*3*24*60
	rated, score, rateAfter := h.rng.IntN(100) < 65, pick(h.rng, demoScores), h.rng.Float64()*2*24*60
	volunteer, answer, minutes := pick(h.rng, h.listed), h.rng.IntN(100), 30+h.rng.IntN(90)
	dispatched := cat.Skills != "" && h.rng.IntN(100) < 40 && volunteer != reporter.UserID
	if !t.Before(h.now) {
		return nil, nil
	}
	manager := h.captainOf[reporter.BuildingID]
	if manager == 0 {
		manager = h.staff
	}
	is := &model.Issue{CommunityID: cid, BuildingID: reporter.BuildingID, CategoryID: cat.ID, ReporterID: reporter.UserID,
		Description: cat.Name + "问题，请尽快处理", Location: "楼道", Anonymous: anonymous, Status: model.IssueSubmitted,
		CreatedAt: t, UpdatedAt: t}
	events := []model.IssueEvent{{ActorID: reporter.UserID, Action: "report", ToStatus: model.IssueSubmitted, CreatedAt: t}}
	step := func(action, to string, at time.Time, actor uint64, note string) bool {
		if !at.Before(h.now) {
			return false
		}
		events = append(events, model.IssueEvent{ActorID: actor, Action: action, FromStatus: is.Status, ToStatus: to,
			Note: note, CreatedAt: at})
		is.Status, is.UpdatedAt = to, at
		return true
	}
	switch {
	case fate < 5:
		step("reject", model.IssueRejected, ack, manager, "经核实不属于物业与社区处理范围")
	case fate < 9 && h.original[is.BuildingID] != 0:
		if step("mark_duplicate", model.IssueDuplicate, ack, manager, "同一问题已有报事") {
			is.DuplicateOf = ptrTime(h.original[is.BuildingID])
		}
	default:
		if !step("acknowledge", model.IssueAcknowledged, ack, manager, "") {
			break
		}
		is.AcknowledgedAt = ptrTime(ack)
		if !step("start", model.IssueInProgress, start, manager, "") || !step("resolve", model.IssueResolved, resolved, manager, "已处理") {
			break
		}
		is.ResolvedAt = ptrTime(resolved)
		last := resolved
		if reopen && step("reopen", model.IssueInProgress, reopened, reporter.UserID, "问题又出现了") {
			is.ResolvedAt, is.Reopens = nil, 1
			if !step("resolve", model.IssueResolved, resolvedAgain, manager, "已再次处理") {
				break
			}
			is.ResolvedAt, last = ptrTime(resolvedAgain), resolvedAgain
		}
		closing, action, actor := last.Add(time.Duration(closeAfter)*time.Minute), "close", reporter.UserID
		if autoClose {
			closing, action, actor = last.Add(7*24*time.Hour), "auto_close", 0
		}
		if step(action, model.IssueClosed, closing.Truncate(time.Second), actor, "") {
			is.ClosedAt = ptrTime(closing.Truncate(time.Second))
		}
		if rateAt := last.Add(time.Duration(rateAfter) * time.Minute); rated && rateAt.Before(h.now) {
			is.Rating, is.UpdatedAt = &score, later(is.UpdatedAt, rateAt)
		}
	}
	if err := tx.CreateIssue(ctx, is); err != nil {
		return nil, err
	}
	if is.Status != model.IssueDuplicate {
		h.original[is.BuildingID] = is.ID
	}
	h.out.Issues++
	for i := range events {
		events[i].IssueID = is.ID
	}
	if dispatched && is.AcknowledgedAt != nil && is.ResolvedAt != nil {
		return events, h.dispatch(ctx, tx, is, cat.Name, manager, volunteer, answer, minutes)
	}
	return events, nil
}

func ptrTime[T any](v T) *T { return &v }

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// dispatch writes the dispatch that went with a resolved issue, finished by now: accepted,
// completed and confirmed (a service record), or declined, or expired unanswered.
func (h *demoHistory) dispatch(ctx context.Context, tx *model.Store, is *model.Issue, title string, manager, volunteer uint64,
	answer, minutes int) error {
	offered := is.AcknowledgedAt.Add(10 * time.Minute)
	x := &model.Dispatch{CommunityID: is.CommunityID, BuildingID: is.BuildingID, SourceKind: model.DispatchFromIssue,
		SourceID: is.ID, Title: title, VolunteerID: volunteer, DispatcherID: manager, RequesterID: is.ReporterID,
		OfferedAt: offered, ExpiresAt: offered.Add(24 * time.Hour)}
	switch {
	case answer < 80:
		accepted := h.after(offered, 30)
		confirmed := is.ResolvedAt.Add(time.Hour)
		if !accepted.Before(*is.ResolvedAt) || !confirmed.Before(h.now) {
			return nil
		}
		x.Status, x.Minutes, x.ConfirmerID = model.DispatchConfirmed, minutes, &manager
		x.RespondedAt, x.CompletedAt, x.ConfirmedAt = &accepted, is.ResolvedAt, &confirmed
		x.UpdatedAt = confirmed
	case answer < 90:
		declined := h.after(offered, 60)
		x.Status, x.RespondedAt, x.ClosedAt, x.UpdatedAt = model.DispatchDeclined, &declined, &declined, declined
		x.DeclineReason = "这几天不在小区"
	default:
		x.Status, x.ClosedAt, x.UpdatedAt = model.DispatchExpired, &x.ExpiresAt, x.ExpiresAt
	}
	if !x.UpdatedAt.Before(h.now) {
		return nil
	}
	if err := tx.CreateDispatch(ctx, x); err != nil {
		return err
	}
	h.out.Dispatches++
	if x.Status != model.DispatchConfirmed {
		return nil
	}
	return h.record(ctx, tx, &model.ServiceRecord{CommunityID: is.CommunityID, UserID: volunteer, SourceKind: model.SourceDispatch,
		SourceID: x.ID, Content: title + "：上门维修", Place: "报事所在楼栋", ServedAt: *x.CompletedAt, Minutes: minutes,
		PointsPerHour: defaultPointsPerHour, OrganiserID: manager, ConfirmerID: manager, CreatedAt: *x.ConfirmedAt})
}

// demoTitles are activity titles by type.
var demoTitles = map[string]string{"巡逻": "小区夜间安全巡逻", "助老": "独居老人上门探访", "环境整治": "楼道杂物清理",
	"文明养犬": "文明养犬宣传", "课程": "老年人智能手机课堂", "其他": "社区义诊协助"}

// activity writes one activity starting at start with its sign-ups, attendance, settlement
// and service records, as far as they got by now.
func (h *demoHistory) activity(ctx context.Context, tx *model.Store, cid uint64, start time.Time) error {
	start = start.Truncate(time.Hour)
	typ, withdrawn := pick(h.rng, h.types), h.rng.IntN(100) < 5
	var team *uint64
	if t := h.rng.IntN(len(h.teams) + 2); t < len(h.teams) {
		team = &h.teams[t]
	}
	hours, capacity := 1+h.rng.IntN(3), 6+h.rng.IntN(10)
	who := h.rng.Perm(len(h.people))[:min(capacity-3+h.rng.IntN(7), len(h.people))]
	draws := make([]int, len(who))
	for i := range draws {
		draws[i] = h.rng.IntN(100)
	}
	end, settled := start.Add(time.Duration(hours)*time.Hour), h.after(start.Add(time.Duration(hours)*time.Hour), 8*60)
	opens := start.AddDate(0, 0, -7)
	if !opens.Before(h.now) {
		return nil
	}
	a := &model.Activity{CommunityID: cid, TeamID: team, TypeID: typ.ID, Title: cmp.Or(demoTitles[typ.Name], typ.Name),
		Description: "欢迎邻居们报名参加", Place: "东亭花园中心广场", StartAt: start, EndAt: end, Capacity: capacity,
		SignupOpensAt: opens, SignupClosesAt: start, CancelCutoffAt: start.Add(-2 * time.Hour), Audience: model.AudienceCommunity,
		PointsPerHour: typ.PointsPerHour, OrganiserID: h.staff, Status: model.ActivityPublished, CreatedAt: opens, UpdatedAt: opens}
	if withdrawn {
		a.Status, a.CancelReason, a.UpdatedAt = model.ActivityCancelled, "天气原因，活动取消", opens.Add(time.Hour)
		return tx.CreateActivity(ctx, a)
	}
	var signups []model.Signup
	live, waitlisted := true, 0
	for i, k := range who {
		at := opens.Add(time.Duration(i*37) * time.Minute)
		if !at.Before(h.now) {
			break
		}
		su := model.Signup{UserID: h.people[k].UserID, Live: &live, Status: model.SignupConfirmed, CreatedAt: at, UpdatedAt: at}
		switch {
		case a.Confirmed >= capacity:
			waitlisted++
			su.Status, su.Position = model.SignupWaitlisted, waitlisted
		case draws[i] < 8 && at.Add(24*time.Hour).Before(h.now) && at.Add(24*time.Hour).Before(start): // cancelled a day later
			cancelled := at.Add(24 * time.Hour)
			su.Status, su.Live, su.CancelledAt, su.UpdatedAt = model.SignupCancelled, nil, &cancelled, cancelled
		default:
			a.Confirmed++
			if end.Before(h.now) { // the organiser marks attendance as the activity ends
				su.Attendance, su.MarkedBy, su.UpdatedAt = model.AttendanceNoShow, &h.staff, end
				if draws[i] >= 20 {
					su.Attendance, su.Minutes = model.AttendanceAttended, hours*60-draws[i]%20
				}
			}
		}
		signups = append(signups, su)
	}
	if settled.Before(h.now) {
		a.Status, a.SettledAt, a.UpdatedAt = model.ActivityFinished, &settled, settled
	}
	if err := tx.CreateActivity(ctx, a); err != nil {
		return err
	}
	h.out.Activities++
	for i := range signups {
		signups[i].ActivityID = a.ID
		if a.SettledAt != nil && signups[i].Attendance == model.AttendanceAttended {
			signups[i].RecordedAt = &settled
		}
	}
	if len(signups) == 0 {
		return nil
	}
	if err := tx.InsertBatches(ctx, &signups, 100); err != nil {
		return err
	}
	h.out.Signups += len(signups)
	for _, su := range signups {
		if su.RecordedAt == nil {
			continue
		}
		err := h.record(ctx, tx, &model.ServiceRecord{CommunityID: cid, UserID: su.UserID, SourceKind: model.SourceActivity,
			SourceID: su.ID, Content: typ.Name + "：" + a.Title, Place: a.Place, ServedAt: start, Minutes: su.Minutes,
			PointsPerHour: a.PointsPerHour, OrganiserID: a.OrganiserID, ConfirmerID: h.staff, CreatedAt: settled})
		if err != nil {
			return err
		}
	}
	return nil
}
