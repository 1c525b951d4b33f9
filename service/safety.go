package service

import (
	"context"
	"log/slog"
	"strings"
	"unicode/utf8"

	"linli/model"
	"linli/wechat"
)

// Verdict of a content check.
type Verdict string

// The verdicts, from best to worst.
const (
	// VerdictPass: others may see the content.
	VerdictPass Verdict = "pass"
	// VerdictReview: keep the content but hold it for a person (staff) before others see it.
	VerdictReview Verdict = "review"
	// VerdictRisky: refuse the content; nothing is kept.
	VerdictRisky Verdict = "risky"
)

// Worst returns the worse of two verdicts (risky over review over pass).
func Worst(a, b Verdict) Verdict {
	rank := func(v Verdict) int {
		switch v {
		case VerdictPass:
			return 0
		case VerdictRisky:
			return 2
		}
		return 1 // review, and anything unknown is held
	}
	if rank(b) > rank(a) {
		return b
	}
	return a
}

// Scenes of WeChat's msg_sec_check, by what the text is.
const (
	// SceneProfile is for profile-like text: nicknames, skill-directory listings.
	SceneProfile = 1
	// SceneComment is for comments on an issue or a dispatch.
	SceneComment = 2
	// SceneForum is for posts others read like a forum thread: issue reports, help requests,
	// activity descriptions.
	SceneForum = 3
)

// msgCheckMaxRunes is the most msg_sec_check takes at once: 2,500 characters.
const msgCheckMaxRunes = 2500

// Safety checks user text and images before other users can see them. With WeChat it uses
// msg_sec_check v2 and img_sec_check; in dev mode (no WeChat) a local word list stands in for
// text and every image passes (there is no local image checker).
//
// It never returns an error: when WeChat is unreachable, busy, refuses the user (61010: not
// active recently) or answers anything unexpected, the verdict is VerdictReview, so unchecked
// content is held for a person rather than published. Failures are logged without the content.
type Safety struct {
	wx        *wechat.Client
	devRisky  []string
	devReview []string
	decode    *decoder
	log       *slog.Logger
}

// ChecksWithWeChat reports whether texts go to WeChat's check (which needs the author's
// openid) rather than the dev word lists.
func (s *Safety) ChecksWithWeChat() bool { return s.wx != nil }

// NewSafety builds the checker. wx is nil in dev mode; devRisky and devReview are the local
// word lists used then (case-insensitive substrings); limits bound the decoding of images too
// large to send to WeChat as they are.
func NewSafety(wx *wechat.Client, devRisky, devReview []string, limits DecodeLimits, log *slog.Logger) *Safety {
	lower := func(words []string) []string {
		var out []string
		for _, w := range words {
			if w = strings.ToLower(strings.TrimSpace(w)); w != "" {
				out = append(out, w)
			}
		}
		return out
	}
	return &Safety{wx: wx, devRisky: lower(devRisky), devReview: lower(devReview), decode: newDecoder(limits), log: log}
}

// Text checks text written by the user with this openid (model.User.OpenID). scene is
// SceneProfile, SceneComment or SceneForum. Empty text passes. Text longer than WeChat takes
// at once is checked in parts; the worst verdict wins.
func (s *Safety) Text(ctx context.Context, openid string, scene int, text string) Verdict {
	text = strings.TrimSpace(text)
	if text == "" {
		return VerdictPass
	}
	if s.wx == nil {
		return s.devText(text)
	}
	if openid == "" {
		s.log.WarnContext(ctx, "content check held for review", "check", "text", "reason", "author has no openid")
		return VerdictReview
	}
	verdict := VerdictPass
	for _, part := range splitRunes(text, msgCheckMaxRunes) {
		suggest, err := s.wx.MsgCheck(ctx, openid, scene, part)
		if err != nil {
			s.log.WarnContext(ctx, "content check held for review", "check", "text", "scene", scene,
				"errcode", wechat.ErrorCode(err), "error", err.Error())
			return VerdictReview
		}
		verdict = Worst(verdict, Verdict(suggest))
		if verdict == VerdictRisky {
			break
		}
	}
	return verdict
}

// Screen is the one decision on a text a user writes for others to read (a report, a nickname,
// a memo, a note …), as issues make it: Text with the author's openid (read from store only
// when WeChat checks), then VerdictRisky is a 422 naming what was refused and nothing may be
// kept; VerdictReview is held true: keep the text, but show it only to its author and to
// those who review (the scope's managers) until someone does.
func (s *Safety) Screen(ctx context.Context, store *model.Store, authorID uint64, scene int, what, text string) (held bool, err error) {
	openid := ""
	if s.ChecksWithWeChat() {
		if u, err := store.UserByID(ctx, authorID); err == nil && u.OpenID != nil {
			openid = *u.OpenID
		}
	}
	switch s.Text(ctx, openid, scene, text) {
	case VerdictRisky:
		return false, Errorf(KindUnprocessable, "%s未通过内容安全检查，请修改后再提交", what)
	case VerdictReview:
		return true, nil
	}
	return false, nil
}

// ScreenByStaff is Screen for text only staff (or an admin) of the community write: names and
// descriptions of rewards, collective accounts and teams, correction reasons. Risky is a 422
// as anywhere; a text held for review stands, because staff are the ones who review (as with
// activities staff write).
func (s *Safety) ScreenByStaff(ctx context.Context, store *model.Store, authorID uint64, scene int, what, text string) error {
	_, err := s.Screen(ctx, store, authorID, scene, what, text)
	return err
}

func (s *Safety) devText(text string) Verdict {
	l := strings.ToLower(text)
	for _, w := range s.devRisky {
		if strings.Contains(l, w) {
			return VerdictRisky
		}
	}
	for _, w := range s.devReview {
		if strings.Contains(l, w) {
			return VerdictReview
		}
	}
	return VerdictPass
}

// splitRunes cuts s into parts of at most n runes.
func splitRunes(s string, n int) []string {
	if utf8.RuneCountInString(s) <= n {
		return []string{s}
	}
	var parts []string
	for len(s) > 0 {
		i, count := 0, 0
		for i < len(s) && count < n {
			_, size := utf8.DecodeRuneInString(s[i:])
			i += size
			count++
		}
		parts = append(parts, s[:i])
		s = s[i:]
	}
	return parts
}
