package wechat

import (
	"bytes"
	"errors"
	"image/jpeg"
	"testing"
	"time"

	"linli/wechat/wechattest"
)

func TestWXACodeUnlimit(t *testing.T) {
	t.Parallel()
	e := newEnv(t, 2*time.Second)
	img, err := e.c.WXACodeUnlimit(ctxT(t), "b=12&r=301", "pages/room/bind", 280)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := jpeg.DecodeConfig(bytes.NewReader(img)); err != nil {
		t.Fatalf("not a JPEG: %v", err)
	}
	scene, page, ok := wechattest.QRCodeInfo(img)
	if !ok || scene != "b=12&r=301" || page != "pages/room/bind" {
		t.Fatalf("code drawn for scene=%q page=%q ok=%v", scene, page, ok)
	}
}

func TestWXACodeUnlimitInvalidPage(t *testing.T) {
	t.Parallel()
	e := newEnv(t, 2*time.Second)
	img, err := e.c.WXACodeUnlimit(ctxT(t), "x=1", "/pages/room/bind", 0)
	if img != nil {
		t.Fatal("bytes returned with an error")
	}
	assertCode(t, err, CodeInvalidPage)
	assertClean(t, err)
	if _, err := e.c.WXACodeUnlimit(ctxT(t), "", "pages/a", 0); !errors.Is(err, ErrInvalidInput) {
		t.Fatalf("empty scene: %v", err)
	}
}
