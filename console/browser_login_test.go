package console_test

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"linli/app/apptest"
)

// TestConsoleScanLogin: the login screen shows the ticket's code image; once a staff member
// approves the ticket from the mini-program (their Bearer session), the console's poll takes
// the session and the shell opens; 退出所有设备 then ends the mini-program's session too.
func TestConsoleScanLogin(t *testing.T) {
	e, base := server(t)
	cm := e.MakeCommunity("扫码登录社区", 1, 1)
	staff := e.MakeStaff(cm.ID, "scan-staff")
	ctx := tab(t)

	must(t, chromedp.Do(ctx,
		chromedp.Navigate(base+"/console/"),
		chromedp.WaitVisible(chromedp.CSS("#openid")), // the dev form stays below in dev mode
	))
	_, err := chromedp.Run(ctx, chromedp.Poll[bool](`(() => { const img = document.querySelector('#ticket-code');
		return !!img && img.complete && img.naturalWidth > 0 })()`, chromedp.WithPollingTimeout(20*time.Second)))
	must(t, err)
	waitText(t, ctx, "#scan-title", "请用邻里小程序扫码登录")
	waitText(t, ctx, "#ticket-expiry", "有效期至")
	src, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('#ticket-code').getAttribute('src')`))
	must(t, err)
	id := strings.TrimSuffix(strings.TrimPrefix(src, "/api/v1/console/tickets/"), "/image")
	if len(id) != 32 {
		t.Fatalf("code image %q: no ticket id in it", src)
	}
	shot(t, ctx, "login")

	// 刷新二维码 gives a new ticket; the old one is no longer shown.
	click(t, ctx, chromedp.CSS("#ticket-refresh"))
	_, err = chromedp.Run(ctx, chromedp.Poll[bool](`(() => { const img = document.querySelector('#ticket-code');
		return !!img && !img.getAttribute('src').includes(`+"`"+id+"`"+`) && img.complete && img.naturalWidth > 0 })()`,
		chromedp.WithPollingTimeout(20*time.Second)))
	must(t, err)
	src, err = chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('#ticket-code').getAttribute('src')`))
	must(t, err)
	id = strings.TrimSuffix(strings.TrimPrefix(src, "/api/v1/console/tickets/"), "/image")

	// The staff member scans it in the mini-program and confirms.
	e.Do("POST", "/api/v1/console/tickets/"+id+"/approve", nil, apptest.Token(staff.Token)).Want(t, 200)
	must(t, chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS("#nav"))))
	waitText(t, ctx, "#title", "工作台")
	e.Do("GET", "/api/v1/me", nil, apptest.Token(staff.Token)).Want(t, 200)

	// 退出所有设备: back to the login screen, and the mini-program's session is gone too.
	click(t, ctx, chromedp.CSS("#logout-all"))
	must(t, chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS("#ticket-code"))))
	e.Do("GET", "/api/v1/me", nil, apptest.Token(staff.Token)).Want(t, 401)
	// This browser's session is gone as well: a reload shows the login screen.
	must(t, chromedp.Do(ctx, chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS("#ticket-code"))))
}
