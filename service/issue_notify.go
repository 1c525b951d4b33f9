package service

import (
	"context"
	"fmt"
	"unicode/utf8"

	"linli/model"
)

func issueLink(id uint64) string { return fmt.Sprintf("pages/issue/detail?id=%d", id) }

// clip shortens s to at most n characters, marking the cut.
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

// noticeNew tells whoever handles the category first (the building's captains, or staff) of a
// new issue; without captains it falls back to staff.
func (s *Issues) noticeNew(ctx context.Context, tx *model.Store, is *model.Issue, cat *model.IssueCategory) error {
	var to []uint64
	var err error
	if cat.RouteTo == model.RouteCaptain {
		if to, err = tx.CaptainsOf(ctx, is.BuildingID); err != nil {
			return err
		}
	}
	if len(to) == 0 {
		if to, err = tx.StaffOf(ctx, is.CommunityID); err != nil {
			return err
		}
	}
	urgent := ""
	if is.Urgent {
		urgent = "【紧急】"
	}
	notices := make([]Notice, 0, len(to))
	for _, uid := range to {
		if uid == is.ReporterID {
			continue
		}
		notices = append(notices, Notice{UserID: uid, CommunityID: is.CommunityID, Kind: "issue_new",
			Title: urgent + "新报事：" + cat.Name, Body: clip(is.Description, 100), Link: issueLink(is.ID)})
	}
	return s.notify.Enqueue(ctx, tx, notices...)
}

// noticeMove tells the reporter and every follower (but not the actor) of a state change; a
// released issue also reaches its handlers as new.
func (s *Issues) noticeMove(ctx context.Context, tx *model.Store, is *model.Issue, action string, actor uint64) error {
	if action == ActionRelease {
		cat, err := tx.CategoryByID(ctx, is.CategoryID)
		if err != nil {
			return err
		}
		if err := s.noticeNew(ctx, tx, is, cat); err != nil {
			return err
		}
	}
	followers, err := tx.Followers(ctx, is.ID)
	if err != nil {
		return err
	}
	body := fmt.Sprintf("您关注的问题状态更新为「%s」", StatusText[is.Status])
	notices := make([]Notice, 0, len(followers)+1)
	if is.ReporterID != actor {
		notices = append(notices, Notice{UserID: is.ReporterID, CommunityID: is.CommunityID, Kind: "issue_status",
			Title: "报事进度更新", Body: fmt.Sprintf("您反映的问题状态更新为「%s」", StatusText[is.Status]), Link: issueLink(is.ID)})
	}
	for _, uid := range followers {
		if uid != actor && uid != is.ReporterID {
			notices = append(notices, Notice{UserID: uid, CommunityID: is.CommunityID, Kind: "issue_status",
				Title: "报事进度更新", Body: body, Link: issueLink(is.ID)})
		}
	}
	return s.notify.Enqueue(ctx, tx, notices...)
}
