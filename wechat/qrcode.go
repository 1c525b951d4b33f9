package wechat

import (
	"context"

	"github.com/silenceper/wechat/v2/miniprogram/qrcode"
)

// maxSceneLen is WeChat's limit for the scene of an unlimited mini-program code.
const maxSceneLen = 32

// WXACodeUnlimit draws a mini-program code (getwxacodeunlimit) that opens page with scene, and
// returns the JPEG bytes. page is e.g. "pages/index/index" (no leading slash, no query; ""
// means the home page); width 0 means WeChat's default (430). An unknown page gives *Error CodeInvalidPage.
//
// The library call takes no context: ctx and the client's timeout bound the wait.
func (c *Client) WXACodeUnlimit(ctx context.Context, scene, page string, width int) ([]byte, error) {
	const op = "qrcode"
	if scene == "" || len(scene) > maxSceneLen {
		return nil, invalidInput("scene must be 1..32 characters")
	}
	if width < 0 {
		return nil, invalidInput("negative width")
	}
	var img []byte
	err := c.withToken(ctx, op, func(ctx context.Context) error {
		b, err := detached(ctx, func() ([]byte, error) {
			return c.qr.GetWXACodeUnlimit(qrcode.QRCoder{Scene: scene, Page: page, Width: width})
		})
		img = b
		return err
	})
	if err != nil {
		return nil, err
	}
	if len(img) == 0 {
		return nil, unavailable(op, "empty image")
	}
	return img, nil
}
