package wechat

import (
	"context"
	"os"

	"github.com/silenceper/wechat/v2/miniprogram/security"
)

// Suggest is the verdict of a text check.
type Suggest string

// Verdicts of MsgCheck.
const (
	// SuggestPass: the text may be shown.
	SuggestPass Suggest = "pass"
	// SuggestReview: the text needs a human review before others see it.
	SuggestReview Suggest = "review"
	// SuggestRisky: the text must not be shown.
	SuggestRisky Suggest = "risky"
)

// MsgCheck runs the text content-safety check (msg_sec_check version 2). scene is 1 profile,
// 2 comment, 3 forum, 4 social log; openid must have used the mini-program within the last two
// hours (else *Error CodeUserInactive). Empty content passes without asking WeChat.
func (c *Client) MsgCheck(ctx context.Context, openid string, scene int, content string) (Suggest, error) {
	const op = "msgcheck"
	if openid == "" {
		return "", invalidInput("openid is required")
	}
	if scene < int(security.MsgSceneMaterial) || scene > int(security.MsgSceneSocialLog) {
		return "", invalidInput("scene must be 1..4")
	}
	if content == "" {
		return SuggestPass, nil
	}
	var suggest Suggest
	err := c.withToken(ctx, op, func(ctx context.Context) error {
		res, err := c.security.MsgCheckContext(ctx, &security.MsgCheckRequest{
			OpenID:  openid,
			Scene:   security.MsgScene(scene),
			Content: content,
		})
		if err != nil {
			return err
		}
		suggest = Suggest(res.Result.Suggest)
		return nil
	})
	if err != nil {
		return "", err
	}
	switch suggest {
	case SuggestPass, SuggestReview, SuggestRisky:
		return suggest, nil
	}
	return "", unavailable(op, "answer without a known suggest")
}

// ImageCheck runs the synchronous image content-safety check (img_sec_check) on a local file.
// A risky image (errcode 87014) gives risky=true and a nil error.
//
// The library call takes no context: ctx and the client's timeout bound the wait, and an
// abandoned upload ends in the background at the latest after the transport's timeout.
func (c *Client) ImageCheck(ctx context.Context, filePath string) (risky bool, err error) {
	const op = "imagecheck"
	fi, err := os.Stat(filePath)
	if err != nil || !fi.Mode().IsRegular() {
		return false, invalidInput("image is not a readable regular file")
	}
	err = c.withToken(ctx, op, func(ctx context.Context) error {
		_, err := detached(ctx, func() (struct{}, error) {
			return struct{}{}, c.security.ImageCheckV1(filePath)
		})
		return err
	})
	if HasCode(err, CodeRiskyContent) {
		return true, nil
	}
	return false, err
}
