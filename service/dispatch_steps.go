package service

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"

	"linli/model"
)

// The volunteer's and the dispatcher's steps of a dispatch after the offer (dispatch.go).

// forbid refuses a step to someone who has a part in the dispatch but not this one.
func forbid(msg string) error { return Errorf(KindForbidden, "%s", msg) }

// sourceNoun is what a resident calls the thing a dispatch serves: 报事 (an issue of the
// building) or 求助 (a help request of their own).
func sourceNoun(kind string) string {
	if kind == model.DispatchFromIssue {
		return "报事"
	}
	return "求助"
}

// requesterNoun is the person a dispatch serves: 报事人 or 求助人.
func requesterNoun(kind string) string { return sourceNoun(kind) + "人" }

// Accept is the volunteer taking the task (offered and not yet expired → accepted). A dispatch
// of an issue moves the issue to in_progress on the timeline; the requester is told.
func (d *Dispatches) Accept(ctx context.Context, p *Principal, id uint64) error {
	x, r, err := d.load(ctx, p, id)
	if err != nil {
		return err
	}
	if !r.Volunteer {
		return forbid("只有被派单的志愿者可以接单")
	}
	now := d.now()
	return d.step(ctx, x, model.DispatchMove{From: []string{model.DispatchOffered}, VolunteerID: p.UserID, LiveAfter: &now,
		Set: map[string]any{"status": model.DispatchAccepted, "responded_at": now, "updated_at": now}}, "接单",
		func(tx *model.Store, _ *model.SkillProfile) error {
			if x.SourceKind == model.DispatchFromIssue {
				if _, err := d.issues.AdvanceForDispatch(ctx, tx, x.SourceID, ActionStart, x.VolunteerID, x.ID, "志愿者已接单"); err != nil {
					return err
				}
			}
			return d.tell(ctx, tx, x, x.RequesterID, NoticeDispatchAccepted, "志愿者已接单："+x.Title,
				d.nickname(ctx, tx, x.VolunteerID)+" 已接下您的「"+x.Title+"」"+sourceNoun(x.SourceKind))
		})
}

// Decline is the volunteer saying no, with a reason (offered or accepted → declined): the slot
// comes back, a help request reopens, and the dispatcher is told so they can ask someone else.
func (d *Dispatches) Decline(ctx context.Context, p *Principal, id uint64, reason string) error {
	x, r, err := d.load(ctx, p, id)
	if err != nil {
		return err
	}
	if !r.Volunteer {
		return forbid("只有被派单的志愿者可以婉拒")
	}
	reason, err = CleanText(TextRule{Field: "reason", What: "婉拒原因", Max: 200, Multiline: true}, reason)
	if err != nil {
		return err
	}
	if reason == "" {
		return Invalid("reason", "请说明婉拒的原因")
	}
	held, err := d.safety.Screen(ctx, d.store, p.UserID, SceneComment, "婉拒原因", reason)
	if err != nil {
		return err
	}
	now := d.now()
	return d.step(ctx, x, model.DispatchMove{From: model.DispatchOpenStatuses, VolunteerID: p.UserID, Close: true,
		Set: map[string]any{"status": model.DispatchDeclined, "decline_reason": reason, "reason_held": held, "responded_at": now,
			"closed_at": now, "updated_at": now}}, "婉拒",
		func(tx *model.Store, _ *model.SkillProfile) error {
			if err := d.reopen(ctx, tx, x); err != nil {
				return err
			}
			said := "：" + clip(reason, 60)
			if held { // a notice is read outside the app too: no text waiting for review in it
				said = "（原因待审核）"
			}
			return d.tell(ctx, tx, x, x.DispatcherID, NoticeDispatchDeclined, "派单被婉拒："+x.Title,
				d.nickname(ctx, tx, x.VolunteerID)+" 婉拒了派单"+said+"。可改派他人")
		})
}

// Cancel is the dispatcher's side withdrawing the task (offered or accepted → cancelled): the
// building's captain or the community's staff. The volunteer is told.
func (d *Dispatches) Cancel(ctx context.Context, p *Principal, id uint64, reason string) error {
	x, r, err := d.load(ctx, p, id)
	if err != nil {
		return err
	}
	if !r.Manager {
		return forbid("只有该楼栋的楼栋长或社区工作者可以取消派单")
	}
	reason, err = CleanText(TextRule{Field: "reason", What: "取消原因", Max: 200, Multiline: true}, reason)
	if err != nil {
		return err
	}
	held, err := d.safety.Screen(ctx, d.store, p.UserID, SceneComment, "取消原因", reason)
	if err != nil {
		return err
	}
	now := d.now()
	return d.step(ctx, x, model.DispatchMove{From: model.DispatchOpenStatuses, Close: true,
		Set: map[string]any{"status": model.DispatchCancelled, "cancel_reason": reason, "reason_held": held, "closed_at": now,
			"updated_at": now}}, "取消",
		func(tx *model.Store, _ *model.SkillProfile) error {
			if err := d.reopen(ctx, tx, x); err != nil {
				return err
			}
			body := "「" + x.Title + "」派单已取消"
			if reason != "" && !held {
				body += "：" + clip(reason, 60)
			}
			return d.tell(ctx, tx, x, x.VolunteerID, NoticeDispatchCancelled, "派单已取消", body)
		})
}

// Completion is what the volunteer reports when done.
type Completion struct {
	Note     string
	Minutes  int
	PhotoIDs []uint64
}

// Complete is the volunteer reporting the service done (accepted → completed) with the minutes
// served (1–600) and photos; the slot comes back and the requester is asked to confirm. A note
// content safety cannot clear now is kept but shown only to the volunteer and managers.
func (d *Dispatches) Complete(ctx context.Context, p *Principal, id uint64, c Completion) error {
	x, r, err := d.load(ctx, p, id)
	if err != nil {
		return err
	}
	if !r.Volunteer {
		return forbid("只有接单的志愿者可以完成派单")
	}
	if c.Minutes < 1 || c.Minutes > 600 {
		return Invalid("minutes", "服务时长须为 1–600 分钟")
	}
	note := strings.TrimSpace(c.Note)
	held := false
	switch d.checkText(ctx, p.UserID, SceneComment, note) {
	case VerdictRisky:
		return Errorf(KindUnprocessable, "服务说明未通过内容安全检查，请修改后再提交")
	case VerdictReview:
		held = true
	}
	now := d.now()
	return d.step(ctx, x, model.DispatchMove{From: []string{model.DispatchAccepted}, VolunteerID: p.UserID,
		Set: map[string]any{"status": model.DispatchCompleted, "completion_note": clip(note, 500), "note_held": held,
			"minutes": c.Minutes, "completed_at": now, "updated_at": now}}, "完成",
		func(tx *model.Store, _ *model.SkillProfile) error {
			if err := tx.ReleaseDispatchSlot(ctx, x.VolunteerID); err != nil {
				return err
			}
			if _, err := d.uploads.Attach(ctx, tx, p.UserID, c.PhotoIDs, PhotoDispatch, x.ID); err != nil {
				return err
			}
			return d.tell(ctx, tx, x, x.RequesterID, NoticeDispatchCompleted, "服务已完成，请确认",
				fmt.Sprintf("%s 已完成「%s」服务（%d 分钟），请确认并评价", d.nickname(ctx, tx, x.VolunteerID), x.Title, c.Minutes))
		})
}

// Rating is the confirmer's score (1–5) and comment.
type Rating struct {
	Score   int
	Comment string
}

// Confirm is the requester, or the building's captain or the community's staff, confirming the
// service with a rating (completed → confirmed; never the volunteer). In the same transaction:
// the volunteer's rating, the help request done, an issue resolved with the volunteer's note
// and photos on its timeline, and the service record (志愿服务记录) that the time bank credits,
// unique per dispatch, so a confirmed service is recorded exactly once.
func (d *Dispatches) Confirm(ctx context.Context, p *Principal, id uint64, rt Rating) error {
	x, r, err := d.load(ctx, p, id)
	if err != nil {
		return err
	}
	switch {
	case r.Volunteer:
		return forbid("不能确认自己提供的服务")
	case !r.Requester && !r.Manager:
		return forbid("只有" + requesterNoun(x.SourceKind) + "、该楼栋的楼栋长或社区工作者可以确认服务")
	case rt.Score < 1 || rt.Score > 5:
		return Invalid("score", "评分须为 1–5 分")
	}
	comment := strings.TrimSpace(rt.Comment)
	if utf8.RuneCountInString(comment) > 200 {
		return Invalid("comment", "评价不能超过 200 字")
	}
	held := false
	switch d.checkText(ctx, p.UserID, SceneComment, comment) {
	case VerdictRisky:
		return Errorf(KindUnprocessable, "评价未通过内容安全检查，请修改后再提交")
	case VerdictReview:
		held = true
	}
	b, err := d.store.BuildingByID(ctx, x.BuildingID)
	if err != nil {
		return err
	}
	src, err := d.sourceOf(ctx, x.SourceKind, x.SourceID)
	if err != nil {
		return err
	}
	now := d.now()
	return d.step(ctx, x, model.DispatchMove{From: []string{model.DispatchCompleted}, Close: true,
		Set: map[string]any{"status": model.DispatchConfirmed, "score": rt.Score, "rating_comment": comment,
			"comment_held": held, "confirmer_id": p.UserID, "confirmed_at": now, "updated_at": now}}, "确认",
		func(tx *model.Store, prof *model.SkillProfile) error {
			if prof != nil {
				if err := tx.SetVolunteerRating(ctx, x.VolunteerID, prof.RatingSum+rt.Score, prof.RatingCount+1); err != nil {
					return err
				}
			}
			cur, err := tx.DispatchByID(ctx, x.ID) // minutes, note and completion time as completed
			if err != nil {
				return err
			}
			if x.SourceKind == model.DispatchFromHelp {
				if _, err := tx.MoveHelpRequest(ctx, x.SourceID, model.HelpDispatched, model.HelpDone, false); err != nil {
					return err
				}
			} else {
				note := "志愿者已完成服务"
				if cur.CompletionNote != "" && !cur.NoteHeld {
					note = cur.CompletionNote
				}
				if _, err := d.issues.AdvanceForDispatch(ctx, tx, x.SourceID, ActionResolve, x.VolunteerID, x.ID, note); err != nil {
					return err
				}
				// One rating per service: the reporter's score of the volunteer is also their
				// rating of the issue (a no-op for anyone else who confirms), so the
				// mini-program does not ask them twice.
				if _, err := tx.RateIssue(ctx, x.SourceID, p.UserID, rt.Score, comment, held); err != nil {
					return err
				}
			}
			servedAt := now
			if cur.CompletedAt != nil {
				servedAt = *cur.CompletedAt
			}
			if _, err := tx.AddServiceRecord(ctx, &model.ServiceRecord{CommunityID: x.CommunityID, UserID: x.VolunteerID,
				SourceKind: model.SourceDispatch, SourceID: x.ID, Content: clip(x.Title+"："+src.description, 200),
				Place: clip(b.Label(), 200), ServedAt: servedAt, Minutes: cur.Minutes,
				PointsPerHour: DispatchPointsPerHour, OrganiserID: x.DispatcherID, ConfirmerID: p.UserID, CreatedAt: now}); err != nil {
				return err
			}
			return d.tell(ctx, tx, x, x.VolunteerID, NoticeDispatchConfirmed, "服务已确认："+x.Title,
				fmt.Sprintf("您的服务已确认，评分 %d 分，记录服务时长 %d 分钟", rt.Score, cur.Minutes))
		})
}

// checkText runs the content-safety check with the author's openid.
func (d *Dispatches) checkText(ctx context.Context, userID uint64, scene int, text string) Verdict {
	if text == "" {
		return VerdictPass
	}
	openid := ""
	if u, err := d.store.UserByID(ctx, userID); err == nil && u.OpenID != nil {
		openid = *u.OpenID
	}
	return d.safety.Text(ctx, openid, scene, text)
}
