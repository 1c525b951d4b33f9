package wechat

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"linli/wechat/wechattest"
)

func TestMsgCheck(t *testing.T) {
	t.Parallel()
	e := newEnv(t, 2*time.Second)
	// Only this test uses words; the fake's lists are server-wide.
	fake.SetRiskyWords("forbidden-word")
	fake.SetReviewWords("doubtful-word")
	cases := map[string]Suggest{
		"a friendly neighbourhood note":    SuggestPass,
		"this has a doubtful-word in it":   SuggestReview,
		"this has a forbidden-word":        SuggestRisky,
		"forbidden-word and doubtful-word": SuggestRisky,
		"":                                 SuggestPass,
	}
	for text, want := range cases {
		got, err := e.c.MsgCheck(ctxT(t), "openid-msgcheck", 2, text)
		if err != nil {
			t.Fatalf("%q: %v", text, err)
		}
		if got != want {
			t.Errorf("%q: got %q, want %q", text, got, want)
		}
	}
	fake.SetInactive("openid-inactive")
	_, err := e.c.MsgCheck(ctxT(t), "openid-inactive", 2, "hello")
	assertCode(t, err, CodeUserInactive)

	if _, err := e.c.MsgCheck(ctxT(t), "openid-msgcheck", 9, "hello"); !errors.Is(err, ErrInvalidInput) {
		t.Fatalf("scene 9: %v", err)
	}
}

func TestImageCheck(t *testing.T) {
	t.Parallel()
	e := newEnv(t, 2*time.Second)
	dir := t.TempDir()
	clean := filepath.Join(dir, "clean.jpg")
	risky := filepath.Join(dir, "risky.jpg")
	if err := os.WriteFile(clean, []byte("\xff\xd8 just a picture \xff\xd9"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(risky, []byte("\xff\xd8 "+wechattest.DefaultRiskyImageMarker+" \xff\xd9"), 0o600); err != nil {
		t.Fatal(err)
	}
	got, err := e.c.ImageCheck(ctxT(t), clean)
	if err != nil || got {
		t.Fatalf("clean image: risky=%v err=%v", got, err)
	}
	got, err = e.c.ImageCheck(ctxT(t), risky)
	if err != nil || !got {
		t.Fatalf("risky image: risky=%v err=%v", got, err)
	}
	if _, err := e.c.ImageCheck(ctxT(t), filepath.Join(dir, "missing.jpg")); !errors.Is(err, ErrInvalidInput) {
		t.Fatalf("missing file: %v", err)
	}
}
