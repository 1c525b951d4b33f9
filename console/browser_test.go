package console_test

import (
	"context"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"linli/app/apptest"
)

// chromium is the browser the end-to-end test drives: Debian's chromium. Without it the test
// skips, except in CI (CI=true), where it fails.
func chromium(t *testing.T) string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("chromium is not installed (apt-get install -y chromium fonts-noto-cjk)")
	}
	t.Skip("chromium is not installed")
	return ""
}

// TestConsoleBrowserDashboard logs a staff member in with the dev form in headless Chromium,
// opens 工作台 and finds the trend chart drawn; it writes a 1366×768 screenshot.
func TestConsoleBrowserDashboard(t *testing.T) {
	bin := chromium(t)
	e := apptest.New(t)
	cm := e.MakeCommunity("浏览器测试社区", 1, 2)
	e.MakeStaff(cm.ID, "browser-staff")
	srv := httptest.NewServer(e.App.API.Handler())
	defer srv.Close()

	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(bin),
		chromedp.WindowSize(1366, 768), chromedp.NoSandbox, chromedp.Flag("disable-gpu", true))
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancel()
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	ctx, cancel = context.WithTimeout(ctx, 60*time.Second)
	defer cancel()

	err := chromedp.Do(ctx,
		chromedp.Navigate(srv.URL+"/console/"),
		chromedp.WaitVisible("#openid"),
		chromedp.SendKeys("#openid", "browser-staff"),
		chromedp.Click("#login"),
		chromedp.WaitVisible("#trend svg"),
	)
	if err != nil {
		t.Fatal(err)
	}
	paths, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('#trend svg path').length`))
	if err != nil {
		t.Fatal(err)
	}
	title, err := chromedp.Run(ctx, chromedp.Text(".bar h2"))
	if err != nil {
		t.Fatal(err)
	}
	shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	if paths < 5 {
		t.Errorf("trend chart has %d paths: not drawn", paths)
	}
	if title != "工作台 · 浏览器测试社区" {
		t.Errorf("title %q", title)
	}
	out := filepath.Join(t.TempDir(), "dashboard.png")
	if dir := os.Getenv("LINLI_SCREENSHOTS"); dir != "" {
		out = filepath.Join(dir, "dashboard.png")
	}
	if err := os.WriteFile(out, shot, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot %s", out)
}
