package service

import (
	"context"

	"linli/model"
)

// PhotoDispatch is the kind of the photos a volunteer attaches when completing a dispatch.
const PhotoDispatch = "dispatch"

// AdvanceForDispatch moves an issue on behalf of a dispatch (派单), inside the dispatch's
// transaction: ActionStart when the volunteer accepts, ActionResolve when the service is
// confirmed. The caller has checked who may act; the workflow still decides whether the issue
// can move (one conditional update), and an issue that cannot (already resolved, closed …)
// stays as it is: moved is false and the dispatch goes on. The timeline entry names the
// volunteer (actorID), carries the note and shows the dispatch's photos; the reporter and
// followers are notified as for any change.
func (s *Issues) AdvanceForDispatch(ctx context.Context, tx *model.Store, issueID uint64, action string,
	actorID, dispatchID uint64, note string) (moved bool, err error) {
	r, ok := workflow[action]
	if !ok || (action != ActionStart && action != ActionResolve) {
		return false, Invalid("action", "派单只能开始处理或解决报事")
	}
	is, err := tx.IssueByID(ctx, issueID)
	if err != nil {
		return false, err
	}
	now := s.now()
	m := model.IssueMove{Status: r.to, At: now, Acknowledged: true, Resolved: action == ActionResolve}
	from := r.from
	if action == ActionResolve { // a dispatched issue may never have been acknowledged by hand
		from = append([]string{model.IssueSubmitted}, from...)
	}
	if moved, err = tx.MoveIssue(ctx, issueID, from, m); err != nil || !moved {
		return false, err
	}
	ev := &model.IssueEvent{IssueID: issueID, ActorID: actorID, Action: "dispatch_" + action, FromStatus: is.Status,
		ToStatus: r.to, Note: clip(note, 500), DispatchID: &dispatchID, CreatedAt: now}
	if err := tx.AddIssueEvent(ctx, ev); err != nil {
		return false, err
	}
	is.Status = r.to
	return true, s.noticeMove(ctx, tx, is, action, actorID)
}
