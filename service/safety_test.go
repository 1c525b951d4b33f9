package service_test

import (
	"bytes"
	"context"
	"image/jpeg"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"linli/app/apptest"
	"linli/config"
	"linli/service"
	"linli/storage/storagetest"
	"linli/wechat/wechattest"
)

func TestDevSafetyUsesTheWordLists(t *testing.T) {
	t.Parallel()
	s := service.NewSafety(nil, []string{"赌博", "Casino", " "}, []string{"投诉到市长"}, service.DecodeLimits{}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	ctx := context.Background()
	for text, want := range map[string]service.Verdict{
		"楼道灯坏了":            service.VerdictPass,
		"":                 service.VerdictPass,
		"   ":              service.VerdictPass,
		"有人在楼下赌博":          service.VerdictRisky,
		"online CASINO 广告": service.VerdictRisky, // case-insensitive
		"再不修我就投诉到市长":       service.VerdictReview,
		"投诉到市长，还有赌博":       service.VerdictRisky, // risky wins
	} {
		if got := s.Text(ctx, "dev:someone", service.SceneForum, text); got != want {
			t.Errorf("%q: %s, want %s", text, got, want)
		}
	}
	// Dev mode has no image checker: everything passes, even WeChat's test marker.
	path := filepath.Join(t.TempDir(), "x.png")
	if err := os.WriteFile(path, storagetest.PNGWithPixels([]byte(wechattest.DefaultRiskyImageMarker)), 0o600); err != nil {
		t.Fatal(err)
	}
	if got := s.Image(ctx, path); got != service.VerdictPass {
		t.Fatalf("dev image: %s", got)
	}
}

func TestDefaultDevWordsAreConfigured(t *testing.T) {
	t.Parallel()
	e := apptest.New(t)
	s := e.App.Services.Safety
	ctx := context.Background()
	if s.Text(ctx, "dev:a", service.SceneComment, "帮忙代开发票") != service.VerdictRisky ||
		s.Text(ctx, "dev:a", service.SceneComment, "我要投诉到市长") != service.VerdictReview ||
		s.Text(ctx, "dev:a", service.SceneComment, "电梯停了") != service.VerdictPass {
		t.Fatal("default dev word lists not in effect")
	}
}

// TestWeChatTextVerdicts sets the fake server's word lists, which act on the whole server:
// not parallel.
func TestWeChatTextVerdicts(t *testing.T) {
	e := apptest.New(t, apptest.WithWeChat())
	wx := apptest.WeChat()
	wx.SetRiskyWords("违禁词甲")
	wx.SetReviewWords("待审词乙")
	t.Cleanup(func() { wx.SetRiskyWords(); wx.SetReviewWords() })
	s := e.App.Services.Safety
	ctx := context.Background()
	openid := "o-safety-" + apptest.Backend()
	for text, want := range map[string]service.Verdict{
		"楼道灯坏了":                            service.VerdictPass,
		"这里有违禁词甲":                          service.VerdictRisky,
		"这里有待审词乙":                          service.VerdictReview,
		strings.Repeat("长", 2600) + "违禁词甲": service.VerdictRisky, // in the second part
	} {
		if got := s.Text(ctx, openid, service.SceneForum, text); got != want {
			t.Errorf("%.20q: %s, want %s", text, got, want)
		}
	}
	// Dev words mean nothing once WeChat is configured.
	if got := s.Text(ctx, openid, service.SceneForum, "赌博"); got != service.VerdictPass {
		t.Errorf("dev word with WeChat: %s", got)
	}
	// 61010: the user has not used the mini-program recently → held, not refused.
	inactive := "o-inactive-" + apptest.Backend()
	wx.SetInactive(inactive)
	if got := s.Text(ctx, inactive, service.SceneComment, "secret-content-61010"); got != service.VerdictReview {
		t.Errorf("inactive user: %s", got)
	}
	if got := s.Text(ctx, "", service.SceneComment, "secret-content-noopenid"); got != service.VerdictReview {
		t.Errorf("no openid: %s", got)
	}
	if logs := e.Logs(); strings.Contains(logs, "secret-content") || !strings.Contains(logs, "61010") {
		t.Fatalf("log leaks content or lacks the errcode:\n%s", logs)
	}
}

func TestWeChatImageVerdicts(t *testing.T) {
	t.Parallel()
	e := apptest.New(t, apptest.WithWeChat())
	s := e.App.Services.Safety
	ctx := context.Background()
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	if got := s.Image(ctx, write("ok.jpg", storagetest.JPEGWithGPS(32, 32))); got != service.VerdictPass {
		t.Errorf("plain image: %s", got)
	}
	risky := write("risky.png", storagetest.PNGWithPixels([]byte(wechattest.DefaultRiskyImageMarker)))
	if got := s.Image(ctx, risky); got != service.VerdictRisky {
		t.Errorf("risky image: %s", got)
	}
	// Over WeChat's 1 MB limit: checked as a shrunken copy, which passes.
	big := largeJPEG(t)
	if len(big) <= 1<<20 {
		t.Fatalf("test image only %d bytes", len(big))
	}
	if got := s.Image(ctx, write("big.jpg", big)); got != service.VerdictPass {
		t.Errorf("large image: %s", got)
	}
	if got := s.Image(ctx, filepath.Join(dir, "missing.jpg")); got != service.VerdictReview {
		t.Errorf("missing file: %s", got)
	}
}

// largeJPEG encodes random pixels at full quality: well over 1 MB.
func largeJPEG(t *testing.T) []byte {
	t.Helper()
	img := storagetest.Noise(1000, 1000, rand.New(rand.NewPCG(1, 2)))
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 100}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestWeChatDownHoldsForReview switches the whole fake server down: not parallel.
func TestWeChatDownHoldsForReview(t *testing.T) {
	e := apptest.New(t, apptest.WithWeChat())
	wx := apptest.WeChat()
	wx.SetDown(wechattest.DownBusy)
	t.Cleanup(func() { wx.SetDown(wechattest.DownNone) })
	s := e.App.Services.Safety
	ctx := context.Background()
	if got := s.Text(ctx, "o-down", service.SceneForum, "secret-content-down"); got != service.VerdictReview {
		t.Errorf("text while down: %s", got)
	}
	p := filepath.Join(t.TempDir(), "a.jpg")
	if err := os.WriteFile(p, storagetest.JPEGWithGPS(16, 16), 0o600); err != nil {
		t.Fatal(err)
	}
	if got := s.Image(ctx, p); got != service.VerdictReview {
		t.Errorf("image while down: %s", got)
	}
	wx.SetDown(wechattest.DownBadGateway)
	if got := s.Text(ctx, "o-down", service.SceneForum, "secret-content-down"); got != service.VerdictReview {
		t.Errorf("text behind a broken gateway: %s", got)
	}
	if strings.Contains(e.Logs(), "secret-content") {
		t.Fatal("log leaks content")
	}
}

// TestImageOverTheDecodeLimitsIsHeldForReview: an image over WeChat's 1 MB whose header
// promises a decode over the limit is never decoded for shrinking: it is held for review.
func TestImageOverTheDecodeLimitsIsHeldForReview(t *testing.T) {
	t.Parallel()
	e := apptest.New(t, apptest.WithWeChat(), func(c *config.Config) { c.Uploads.MaxDecodeBytes = 16 << 20 })
	heavy := storagetest.HeavyPNG(1500, 1500, 16, storagetest.PNGRGBA, 900) // 18 MB decoded
	if len(heavy) <= 1<<20 {
		t.Fatalf("test image only %d bytes", len(heavy))
	}
	p := filepath.Join(t.TempDir(), "heavy.png")
	if err := os.WriteFile(p, heavy, 0o600); err != nil {
		t.Fatal(err)
	}
	if got := e.App.Services.Safety.Image(context.Background(), p); got != service.VerdictReview {
		t.Fatalf("verdict %s", got)
	}
	if !strings.Contains(e.Logs(), "too costly to decode") {
		t.Fatalf("log does not say why:\n%s", e.Logs())
	}
}
