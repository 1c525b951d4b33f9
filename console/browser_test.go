package console_test

import (
	"archive/zip"
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"mime/multipart"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"linli/app/apptest"
	"linli/config"
)

// The browser tests drive the built console (dist/, embedded in the binary) in headless
// Chromium against a real server of their own (apptest: fresh database, own data). They share
// one Chromium process; each test opens its tabs in a browser context of its own (cookies
// apart) with a 1366×768 viewport. They wait with chromedp's waits and polls (bounded by the
// test's context), never a fixed sleep.

// chromium is the browser the end-to-end tests drive: Debian's chromium. Without it the tests
// skip, except in CI (CI=true), where they fail.
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

var shared struct {
	once   sync.Once
	ctx    context.Context // the browser's context: tabs are opened from it
	cancel func()
	err    error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if shared.cancel != nil {
		shared.cancel()
	}
	os.Exit(code)
}

// tab opens a tab of the shared browser in a fresh browser context, 1366×768, bounded to
// 60 seconds.
func tab(t *testing.T) context.Context {
	t.Helper()
	bin := chromium(t)
	shared.once.Do(func() {
		opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(bin),
			chromedp.WindowSize(1366, 768), chromedp.NoSandbox, chromedp.Flag("disable-gpu", true),
			chromedp.Flag("lang", "zh-CN"))
		actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
		bctx, cancelBrowser := chromedp.NewContext(actx)
		shared.ctx = bctx
		shared.cancel = func() { cancelBrowser(); cancelAlloc() }
		shared.err = chromedp.Do(bctx) // starts the browser
	})
	if shared.err != nil {
		t.Fatalf("start chromium: %v", shared.err)
	}
	ctx, cancel := chromedp.NewContext(shared.ctx, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	ctx, cancelTimeout := context.WithTimeout(ctx, 60*time.Second)
	t.Cleanup(cancelTimeout)
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1366, 768)); err != nil {
		t.Fatal(err)
	}
	// A script error or console.error on any page (Vue reports a failing handler there), or an
	// error the browser logs (a CSP violation), fails the test.
	var mu sync.Mutex
	var problems []string
	must(t, chromedp.Listen(ctx, func(ev any) {
		var p string
		switch ev := ev.(type) {
		case *runtime.EventExceptionThrown:
			p = ev.ExceptionDetails.Text
			if ex := ev.ExceptionDetails.Exception; ex != nil {
				p += " " + ex.Description
			}
		case *cdplog.EventEntryAdded:
			// The browser's own errors: a blocked script or style (the console's CSP), a
			// failed page load. Network entries are the answers the tests ask for (409 …).
			if ev.Entry.Level != cdplog.EntryLevelError || ev.Entry.Source == cdplog.EntrySourceNetwork {
				return
			}
			p = string(ev.Entry.Source) + ": " + ev.Entry.Text + " " + ev.Entry.URL
		case *runtime.EventConsoleAPICalled:
			if ev.Type != runtime.ConsoleAPICalledTypeError {
				return
			}
			p = "console.error:"
			for _, a := range ev.Args {
				p += " " + a.Description + string(a.Value)
			}
		default:
			return
		}
		mu.Lock()
		problems = append(problems, p)
		mu.Unlock()
	}))
	t.Cleanup(func() {
		mu.Lock()
		defer mu.Unlock()
		if len(problems) > 0 {
			t.Errorf("the page logged errors:\n%s", strings.Join(problems, "\n"))
		}
	})
	return ctx
}

// server is a test server with the console, without login limits (every test logs people in).
func server(t *testing.T) (*apptest.Env, string) {
	t.Helper()
	e := apptest.New(t, func(c *config.Config) {
		c.Limits.LoginPerIP, c.Limits.LoginPerUser, c.Limits.PhonePerIP, c.Limits.PhonePerUser = 0, 0, 0, 0
		c.Limits.ConsoleTicketPerIP = 0
		// The tests move the clock hours ahead with the page open: the session outlives that (a
		// test moving it days ahead logs in again).
		c.Session.ConsoleIdle, c.Session.ConsoleMaxAge = 24*time.Hour, c.Session.TTL
	})
	srv := httptest.NewServer(e.App.API.Handler())
	t.Cleanup(srv.Close)
	return e, srv.URL
}

// login opens the console and logs in with the dev form.
func login(t *testing.T, ctx context.Context, base, openid string) {
	t.Helper()
	must(t, chromedp.Do(ctx,
		chromedp.Navigate(base+"/console/"),
		chromedp.WaitVisible(chromedp.CSS("#openid")),
		chromedp.SendKeys(chromedp.CSS("#openid"), openid),
		chromedp.Click(chromedp.CSS("#login")),
		chromedp.WaitVisible(chromedp.CSS("#nav")),
	))
}

// open follows a link of the side menu.
func open(t *testing.T, ctx context.Context, page string) {
	t.Helper()
	must(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#nav-"+page))))
}

// waitText waits until the element's text contains want.
func waitText(t *testing.T, ctx context.Context, sel, want string) {
	t.Helper()
	js := fmt.Sprintf(`(() => { const el = document.querySelector(%q); return !!el && el.textContent.includes(%q) })()`, sel, want)
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](js, chromedp.WithPollingTimeout(20*time.Second))); err != nil {
		text, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body.innerText`))
		shot(t, ctx, "failed-"+strings.Trim(sel, "#."))
		t.Fatalf("waiting for %q in %s: %v\npage text:\n%s", want, sel, err, text)
	}
}

// click clicks the element once no loading mask (Element Plus's v-loading, fading out after a
// table has loaded) lies over the page to catch the click.
func click[S chromedp.Selectable](t *testing.T, ctx context.Context, sel S) {
	t.Helper()
	settle(t, ctx)
	must(t, chromedp.Do(ctx, chromedp.Click(sel)))
}

// settle waits until no table of the page is loading (no Element Plus loading mask).
func settle(t *testing.T, ctx context.Context) {
	t.Helper()
	_, err := chromedp.Run(ctx, chromedp.Poll[bool](`document.querySelector('.el-loading-mask') === null`,
		chromedp.WithPollingTimeout(20*time.Second)))
	must(t, err)
}

// setValue sets a native field's value (a select, a date-time or number input) as the user's
// choice would: the input and change events follow, so Vue's v-model sees it.
func setValue(t *testing.T, ctx context.Context, sel, value string) {
	t.Helper()
	settle(t, ctx)
	must(t, chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`(() => { const el = document.querySelector(%q);
		el.value = %q; el.dispatchEvent(new Event('input', { bubbles: true })); el.dispatchEvent(new Event('change', { bubbles: true })) })()`, sel, value))))
}

// china is the console's zone: it shows and takes every time in China time.
var china = time.FixedZone("CST", 8*3600)

// local is t as a datetime-local field holds it (China time, to the minute).
func local(at time.Time) string { return at.In(china).Format("2006-01-02T15:04") }

// text is the text content of the first element sel matches ("" when there is none).
func text(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Evaluate[string](fmt.Sprintf(`(document.querySelector(%q) || {}).textContent || ''`, sel)))
	must(t, err)
	return s
}

// shot writes a screenshot of the viewport (1366×768) into the test's temp dir and, when
// LINLI_CONSOLE_SHOTS names a folder, there too.
func shot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	// Transitions (a dialog fading in, a tag zooming) end first: the picture shows the page at rest.
	_, err := chromedp.Run(ctx, chromedp.Poll[bool](`document.getAnimations().length === 0 && !document.querySelector('.el-loading-mask')`,
		chromedp.WithPollingTimeout(20*time.Second)))
	must(t, err)
	// Every field of the page has a label (a label element, or aria-label).
	unlabelled, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll('input:not([type=hidden]), select, textarea')]
		.filter(el => !(el.labels && el.labels.length) && !el.getAttribute('aria-label') && !el.getAttribute('aria-labelledby'))
		.map(el => el.outerHTML.slice(0, 160))`))
	must(t, err)
	if len(unlabelled) > 0 {
		t.Errorf("%s: fields without a label:\n%s", name, strings.Join(unlabelled, "\n"))
	}
	must(t, chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](`window.scrollTo(0, 0)`)))
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	must(t, err)
	dirs := []string{t.TempDir()}
	if d := os.Getenv("LINLI_CONSOLE_SHOTS"); d != "" {
		must(t, os.MkdirAll(d, 0o755))
		dirs = append(dirs, d)
	}
	for _, d := range dirs {
		must(t, os.WriteFile(filepath.Join(d, name+".png"), png, 0o644))
	}
	t.Logf("screenshot %s.png (%d bytes) in %v", name, len(png), dirs)
}

// download clicks the element and returns the file the browser saved.
func download(t *testing.T, ctx context.Context, sel string) []byte {
	t.Helper()
	dir := t.TempDir()
	progress := chromedp.Events(ctx, browser.DownloadProgress)
	events := true
	must(t, chromedp.Do(ctx,
		chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
			_, err := chromedp.Call(ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
				Behavior: browser.SetDownloadBehaviorBehaviorAllowAndName, DownloadPath: dir, EventsEnabled: &events,
				BrowserContextID: chromedp.FromContext(ctx).BrowserContextID,
			})
			return err
		}),
		chromedp.Click(chromedp.CSS(sel)),
	))
	for ev, err := range progress {
		must(t, err)
		switch ev.State {
		case browser.DownloadProgressStateCompleted:
			b, err := os.ReadFile(filepath.Join(dir, ev.GUID))
			must(t, err)
			return b
		case browser.DownloadProgressStateCanceled:
			t.Fatal("download canceled")
		}
	}
	t.Fatal("no download")
	return nil
}

// isXLSX checks that b is an Office Open XML workbook (a zip with xl/workbook.xml).
func isXLSX(t *testing.T, b []byte) {
	t.Helper()
	z, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatalf("download is not a zip (%d bytes): %v", len(b), err)
	}
	for _, f := range z.File {
		if f.Name == "xl/workbook.xml" {
			return
		}
	}
	t.Fatalf("download has no xl/workbook.xml")
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func tok(s apptest.Session) apptest.Req { return apptest.Token(s.Token) }

// photo uploads a small picture as the user and returns its id.
func photo(t *testing.T, e *apptest.Env, s apptest.Session) string {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 160, 120))
	for x := range 160 {
		for y := range 120 {
			img.Set(x, y, color.RGBA{R: uint8(60 + x/2), G: uint8(90 + y), B: 160, A: 255})
		}
	}
	var pic bytes.Buffer
	must(t, png.Encode(&pic, img))
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	f, err := w.CreateFormFile("file", "light.png")
	must(t, err)
	_, err = f.Write(pic.Bytes())
	must(t, err)
	must(t, w.Close())
	var up struct{ ID string }
	e.Do("POST", "/api/v1/uploads", apptest.Raw{ContentType: w.FormDataContentType(), Body: b.String()}, tok(s)).Want(t, 201).Data(t, &up)
	return up.ID
}

func nickname(t *testing.T, e *apptest.Env, s apptest.Session, name string) {
	t.Helper()
	e.Do("PATCH", "/api/v1/me", map[string]string{"nickname": name}, tok(s)).Want(t, 200)
}
