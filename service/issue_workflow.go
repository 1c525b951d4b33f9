package service

import (
	"context"
	"errors"

	"linli/model"
)

// Transition actions (POST /issues/:id/transitions).
const (
	ActionAcknowledge   = "acknowledge"
	ActionStart         = "start"
	ActionResolve       = "resolve"
	ActionReject        = "reject"
	ActionMarkDuplicate = "mark_duplicate"
	ActionReopen        = "reopen"
	ActionClose         = "close"
	ActionRelease       = "release"
)

// rule is one action of the workflow: the statuses it leaves from, the one it reaches, and
// who may take it.
type rule struct {
	from []string
	to   string
	who  func(acc Access, p *Principal, is *model.Issue) bool
}

func manager(acc Access, _ *Principal, _ *model.Issue) bool { return acc == AccessManager }
func reporter(acc Access, p *Principal, is *model.Issue) bool {
	return p.UserID == is.ReporterID
}
func staffOnly(_ Access, p *Principal, is *model.Issue) bool {
	return p.Admin || p.Staff[is.CommunityID]
}

// workflow is the issue state machine.
var workflow = map[string]rule{
	ActionAcknowledge:   {[]string{model.IssueSubmitted}, model.IssueAcknowledged, manager},
	ActionStart:         {[]string{model.IssueSubmitted, model.IssueAcknowledged}, model.IssueInProgress, manager},
	ActionResolve:       {[]string{model.IssueAcknowledged, model.IssueInProgress}, model.IssueResolved, manager},
	ActionReject:        {[]string{model.IssuePendingReview, model.IssueSubmitted, model.IssueAcknowledged}, model.IssueRejected, manager},
	ActionMarkDuplicate: {[]string{model.IssueSubmitted, model.IssueAcknowledged, model.IssueInProgress}, model.IssueDuplicate, manager},
	ActionReopen:        {[]string{model.IssueResolved}, model.IssueInProgress, reporter},
	ActionClose: {[]string{model.IssueResolved}, model.IssueClosed, func(acc Access, p *Principal, is *model.Issue) bool {
		return reporter(acc, p, is) || acc == AccessManager
	}},
	ActionRelease: {[]string{model.IssuePendingReview}, model.IssueSubmitted, staffOnly},
}

// StatusText is how each status reads to residents.
var StatusText = map[string]string{
	model.IssuePendingReview: "待审核",
	model.IssueSubmitted:     "已提交",
	model.IssueAcknowledged:  "已受理",
	model.IssueInProgress:    "处理中",
	model.IssueResolved:      "已解决",
	model.IssueClosed:        "已关闭",
	model.IssueRejected:      "已驳回",
	model.IssueDuplicate:     "重复问题",
}

// Transition is one request to move an issue.
type Transition struct {
	Action      string
	Note        string
	PhotoIDs    []uint64
	DuplicateOf uint64
}

// Move applies a workflow action. The status change is one conditional update, so of two
// people acting at once one wins and the other gets 409 naming the status the winner left;
// never a mixed state. The timeline entry, its photos and the notifications commit with it.
// The note is cleaned (CleanText) and checked like a comment: risky is a 422 and nothing
// moves; a note content safety cannot clear now is kept but shown only to its author and
// the issue's managers.
func (s *Issues) Move(ctx context.Context, p *Principal, id uint64, t Transition) (*model.Issue, error) {
	r, ok := workflow[t.Action]
	if !ok {
		return nil, Invalid("action", "未知的操作")
	}
	is, err := s.store.IssueByID(ctx, id)
	if errors.Is(err, model.ErrNotFound) {
		return nil, Errorf(KindNotFound, "报事不存在或无权查看")
	}
	if err != nil {
		return nil, err
	}
	following, _ := s.store.Following(ctx, id, p.UserID)
	acc := AccessTo(p, is, following)
	if acc == AccessNone {
		return nil, Errorf(KindNotFound, "报事不存在或无权查看")
	}
	if !r.who(acc, p, is) {
		return nil, Errorf(KindForbidden, "没有权限进行此操作")
	}
	note, err := CleanText(TextRule{Field: "note", What: "说明", Max: 500, Multiline: true}, t.Note)
	if err != nil {
		return nil, err
	}
	if t.Action == ActionReject && note == "" {
		return nil, Invalid("note", "驳回时请说明理由")
	}
	noteHeld, err := s.safety.Screen(ctx, s.store, p.UserID, SceneComment, "说明", note)
	if err != nil {
		return nil, err
	}
	now := s.now()
	m := model.IssueMove{Status: r.to, At: now}
	switch t.Action {
	case ActionAcknowledge, ActionStart:
		m.Acknowledged = true
	case ActionResolve:
		m.Resolved = true
	case ActionClose:
		m.Closed = true
	case ActionReopen:
		m.Reopened = true
	case ActionMarkDuplicate:
		if err := s.checkOriginal(ctx, is, t.DuplicateOf); err != nil {
			return nil, err
		}
		m.DuplicateOf = &t.DuplicateOf
	}
	// Concurrent moves of one issue may deadlock on MariaDB (the loser's event and notification
	// inserts against the winner's index locks): the victim runs again and then sees the move.
	from := is.Status // is.Status is set to the new status inside, which may run twice
	err = retryTx(ctx, s.store, func(tx *model.Store) error {
		moved, err := tx.MoveIssue(ctx, id, r.from, m)
		if err != nil {
			return err
		}
		if !moved {
			cur, err := tx.IssueByID(ctx, id)
			if err != nil {
				return err
			}
			return Errorf(KindConflict, "该报事当前状态为「%s」，不能%s", StatusText[cur.Status], actionText[t.Action])
		}
		ev := &model.IssueEvent{IssueID: id, ActorID: p.UserID, Action: t.Action, FromStatus: from,
			ToStatus: r.to, Note: note, NoteHeld: noteHeld, CreatedAt: now}
		if err := tx.AddIssueEvent(ctx, ev); err != nil {
			return err
		}
		if len(t.PhotoIDs) > 0 {
			if _, err := s.uploads.Attach(ctx, tx, p.UserID, t.PhotoIDs, PhotoIssueEvent, ev.ID); err != nil {
				return err
			}
		}
		if t.Action == ActionRelease { // staff looked at the report, photos included
			if err := tx.PassAttachedUploads(ctx, PhotoIssue, id); err != nil {
				return err
			}
		}
		is.Status = r.to
		return s.noticeMove(ctx, tx, is, t.Action, p.UserID)
	})
	if err != nil {
		return nil, err
	}
	return s.changedIssue(ctx, id)
}

var actionText = map[string]string{
	ActionAcknowledge: "受理", ActionStart: "开始处理", ActionResolve: "标记为已解决", ActionReject: "驳回",
	ActionMarkDuplicate: "标记为重复", ActionReopen: "重新打开", ActionClose: "关闭", ActionRelease: "审核通过",
}

func (s *Issues) checkOriginal(ctx context.Context, is *model.Issue, originalID uint64) error {
	if originalID == 0 {
		return Invalid("duplicate_of", "请指定原报事")
	}
	if originalID == is.ID {
		return Invalid("duplicate_of", "不能标记为自身的重复")
	}
	orig, err := s.store.IssueByID(ctx, originalID)
	if err != nil || orig.CommunityID != is.CommunityID || orig.Status == model.IssueDuplicate ||
		orig.Status == model.IssuePendingReview {
		return Invalid("duplicate_of", "原报事不存在，或本身是重复/待审核的报事")
	}
	return nil
}

// AutoClose closes issues resolved longer ago than the configured wait that nobody confirmed.
// Each close is the same conditional update as a person's, so it is safe on several instances.
func (s *Issues) AutoClose(ctx context.Context) (int, error) {
	if s.autoClose <= 0 {
		return 0, nil
	}
	ids, err := s.store.ResolvedBefore(ctx, s.now().Add(-s.autoClose), 200)
	if err != nil {
		return 0, err
	}
	closed := 0
	for _, id := range ids {
		now := s.now()
		var moved *model.Issue
		err := s.store.Tx(ctx, func(tx *model.Store) error {
			ok, err := tx.MoveIssue(ctx, id, []string{model.IssueResolved}, model.IssueMove{Status: model.IssueClosed, At: now, Closed: true})
			if err != nil || !ok {
				return err
			}
			closed++
			if err := tx.AddIssueEvent(ctx, &model.IssueEvent{IssueID: id, Action: "auto_close", FromStatus: model.IssueResolved,
				ToStatus: model.IssueClosed, Note: "解决后长时间未确认，系统自动关闭", CreatedAt: now}); err != nil {
				return err
			}
			is, err := tx.IssueByID(ctx, id)
			if err != nil {
				return err
			}
			moved = is
			return s.noticeMove(ctx, tx, is, "auto_close", 0)
		})
		if err != nil {
			return closed, err
		}
		if moved != nil { // after the commit
			s.issuesChanged(ctx, moved.CommunityID, moved.BuildingID)
		}
	}
	return closed, nil
}
