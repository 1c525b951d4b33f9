package service

import (
	"context"
	"errors"
	"strings"

	"linli/model"
)

// Follow joins an open issue of the resident's own building (我也遇到了); following twice
// changes nothing. Followers hear of every state change, like the reporter.
func (s *Issues) Follow(ctx context.Context, p *Principal, id uint64) (*model.Issue, error) {
	is, err := s.visible(ctx, p, id)
	if err != nil {
		return nil, err
	}
	if is.ReporterID == p.UserID {
		return nil, Errorf(KindConflict, "这是您自己反映的问题")
	}
	if p.Resident[is.BuildingID] != is.CommunityID {
		return nil, Errorf(KindForbidden, "只有本楼居民可以关注")
	}
	if !isOpen(is.Status) {
		return nil, Errorf(KindConflict, "该报事当前状态为「%s」，不能再关注", StatusText[is.Status])
	}
	if _, err := s.store.Follow(ctx, id, p.UserID); err != nil {
		return nil, err
	}
	return s.changedIssue(ctx, id)
}

// Unfollow leaves an issue; leaving one not followed changes nothing.
func (s *Issues) Unfollow(ctx context.Context, p *Principal, id uint64) (*model.Issue, error) {
	if _, err := s.visible(ctx, p, id); err != nil {
		return nil, err
	}
	if _, err := s.store.Unfollow(ctx, id, p.UserID); err != nil {
		return nil, err
	}
	return s.changedIssue(ctx, id)
}

// Comment adds a comment by someone involved: the reporter, a follower, the building's
// captain, staff. Risky text is refused; text or photos that cannot be cleared now are held
// for review (seen by the author and managers only).
func (s *Issues) Comment(ctx context.Context, p *Principal, id uint64, body string, photoIDs []uint64) (*model.IssueComment, error) {
	is, err := s.store.IssueByID(ctx, id)
	if err != nil {
		return nil, Errorf(KindNotFound, "报事不存在或无权查看")
	}
	following, err := s.store.Following(ctx, id, p.UserID)
	if err != nil {
		return nil, err
	}
	acc := AccessTo(p, is, following)
	if acc == AccessNone {
		return nil, Errorf(KindNotFound, "报事不存在或无权查看")
	}
	if acc == AccessNeighbour {
		return nil, Errorf(KindForbidden, "关注该报事（我也遇到了）后才能评论")
	}
	body = strings.TrimSpace(body)
	if body == "" {
		return nil, Invalid("body", "请填写评论内容")
	}
	status := model.CommentVisible
	switch s.checkText(ctx, p.UserID, body) {
	case VerdictRisky:
		return nil, Errorf(KindUnprocessable, "内容未通过安全检查，请修改后再提交")
	case VerdictReview:
		status = model.CommentHeld
	}
	c := &model.IssueComment{IssueID: id, AuthorID: p.UserID, Body: body, Status: status, CreatedAt: s.now()}
	err = s.store.Tx(ctx, func(tx *model.Store) error {
		if err := tx.AddComment(ctx, c); err != nil {
			return err
		}
		if len(photoIDs) > 0 {
			v, err := s.uploads.Attach(ctx, tx, p.UserID, photoIDs, PhotoComment, c.ID)
			if err != nil {
				return err
			}
			if v == VerdictReview && c.Status == model.CommentVisible {
				c.Status = model.CommentHeld
				if err := tx.HoldComment(ctx, c.ID); err != nil {
					return err
				}
			}
		}
		if c.Status == model.CommentVisible && is.ReporterID != p.UserID {
			return s.notify.Enqueue(ctx, tx, Notice{UserID: is.ReporterID, CommunityID: is.CommunityID, Kind: "issue_comment",
				Title: "报事有新评论", Body: clip(body, 100), Link: issueLink(id)})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	s.issuesChanged(ctx, is.CommunityID, is.BuildingID)
	return c, nil
}

// Rate records the reporter's rating (评单) of a resolved or closed issue, once.
func (s *Issues) Rate(ctx context.Context, p *Principal, id uint64, score int, comment string) (*model.Issue, error) {
	is, err := s.visible(ctx, p, id)
	if err != nil {
		return nil, err
	}
	if is.ReporterID != p.UserID {
		return nil, Errorf(KindForbidden, "只有报事人可以评价")
	}
	// Neighbours read the comment on the issue: checked like a comment, held for the reporter
	// and managers when it cannot be cleared now.
	comment, err = CleanText(TextRule{Field: "comment", What: "评价", Max: 200, Multiline: true}, comment)
	if err != nil {
		return nil, err
	}
	held, err := s.safety.Screen(ctx, s.store, p.UserID, SceneComment, "评价", comment)
	if err != nil {
		return nil, err
	}
	ok, err := s.store.RateIssue(ctx, id, p.UserID, score, comment, held)
	if err != nil {
		return nil, err
	}
	if !ok {
		cur, err := s.store.IssueByID(ctx, id)
		if err == nil && cur.Rating != nil {
			return nil, Errorf(KindConflict, "您已评价过该报事")
		}
		if err == nil {
			return nil, Errorf(KindConflict, "该报事当前状态为「%s」，解决后才能评价", StatusText[cur.Status])
		}
		return nil, err
	}
	return s.changedIssue(ctx, id)
}

// visible loads an issue the user may see.
func (s *Issues) visible(ctx context.Context, p *Principal, id uint64) (*model.Issue, error) {
	is, err := s.store.IssueByID(ctx, id)
	if errors.Is(err, model.ErrNotFound) {
		return nil, Errorf(KindNotFound, "报事不存在或无权查看")
	}
	if err != nil {
		return nil, err
	}
	following, err := s.store.Following(ctx, id, p.UserID)
	if err != nil {
		return nil, err
	}
	if AccessTo(p, is, following) == AccessNone {
		return nil, Errorf(KindNotFound, "报事不存在或无权查看")
	}
	return is, nil
}

func isOpen(status string) bool {
	for _, s := range model.IssueOpenStatuses {
		if s == status {
			return true
		}
	}
	return false
}
