package console_test

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"linli/app/apptest"
)

// TestConsoleBrowserActivity creates an activity (the server's messages shown for an empty
// form), publishes it, marks the attendance of its two volunteers once it has started,
// settles it after its end and opens its check-in code; the service record is checked
// through the API. The server's clock is moved on, not waited for.
func TestConsoleBrowserActivity(t *testing.T) {
	t.Parallel()
	ctx := tab(t)
	e, base := server(t)
	cm := e.MakeCommunity("活动测试社区", 1, 1)
	staff := e.MakeStaff(cm.ID, "activity-staff")
	alice := e.MakeResident("activity-alice", cm.BuildingIDs[0], "101")
	nickname(t, e, alice, "周阿姨")
	bob := e.MakeResident("activity-bob", cm.BuildingIDs[0], "102")
	nickname(t, e, bob, "<i>小吴</i>")
	start := e.Clock.Now().Add(3 * time.Hour).Truncate(time.Hour)

	login(t, ctx, base, "activity-staff")
	open(t, ctx, "activities")
	waitText(t, ctx, "#activities", "没有活动")
	click(t, ctx, chromedp.CSS("#new-activity"))
	must(t, chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS("#a-title"))))
	// Nothing filled: the server says what is missing, next to the field.
	click(t, ctx, chromedp.CSS("#create-activity"))
	// (The request's binding answers first, with the JSON names: "place为必填字段".)
	waitText(t, ctx, "#create-error", "必填")
	waitText(t, ctx, "#activity-form .field-err", "必填")
	must(t, chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.CSS("#a-title"), "周六清扫小区绿地"),
		chromedp.SendKeys(chromedp.CSS("#a-place"), "中心花园"),
		chromedp.SendKeys(chromedp.CSS("#a-desc textarea, textarea#a-desc"), "自带手套，社区提供垃圾袋"),
	))
	must(t, chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](`(() => { const s = document.querySelector('#a-type');
		s.value = s.options[1].value; s.dispatchEvent(new Event('change')) })()`)))
	setValue(t, ctx, "#a-start", local(start))
	setValue(t, ctx, "#a-end", local(start.Add(-time.Hour))) // before the start: refused
	click(t, ctx, chromedp.CSS("#create-activity"))
	waitText(t, ctx, "#activity-form", "结束时间须晚于开始时间")
	shot(t, ctx, "activity-create")
	setValue(t, ctx, "#a-end", local(start.Add(2*time.Hour)))
	click(t, ctx, chromedp.CSS("#create-activity"))
	waitText(t, ctx, "#activity-status", "草稿")
	waitText(t, ctx, "#activity-title", "周六清扫小区绿地")
	click(t, ctx, chromedp.CSS("#publish"))
	waitText(t, ctx, "#activity-msg", "已发布")
	hash, err := chromedp.Run(ctx, chromedp.Evaluate[string](`location.hash`))
	must(t, err)
	id := strings.TrimPrefix(hash, "#/activities/")

	for _, s := range []string{alice.Token, bob.Token} {
		e.Do("POST", "/api/v1/activities/"+id+"/signups", nil, apptest.Token(s)).Want(t, 201)
	}
	open(t, ctx, "activities")
	waitText(t, ctx, "#activities", "周六清扫小区绿地")
	waitText(t, ctx, "#activities", "2 / 10")
	shot(t, ctx, "activities")

	// Started: the attendance is marked in the roster.
	e.Clock.Set(start.Add(30 * time.Minute))
	click(t, ctx, chromedp.CSS("#activities a.activity-link"))
	waitText(t, ctx, "#roster", "周阿姨")
	waitText(t, ctx, "#roster", "<i>小吴</i>") // the markup is text
	setValue(t, ctx, `#roster input[aria-label^="周阿姨"]`, "90")
	click(t, ctx, chromedp.CSS(`#roster button.attended[aria-label*="周阿姨"]`))
	waitText(t, ctx, "#activity-msg", "已登记：周阿姨 到场 90 分钟")
	click(t, ctx, chromedp.CSS(`#roster button.no-show[aria-label*="小吴"]`))
	waitText(t, ctx, "#activity-msg", "缺席")
	shot(t, ctx, "activity-roster")

	// The printable check-in code (the payload in dev mode), then back.
	click(t, ctx, chromedp.CSS("#code-link"))
	waitText(t, ctx, "#sheet-title", "周六清扫小区绿地")
	waitText(t, ctx, "#checkin-sheet", "签到口令")
	shot(t, ctx, "activity-code")
	must(t, chromedp.Do(ctx, chromedp.NavigateBack()))
	waitText(t, ctx, "#roster", "缺席")

	// Ended: settled once, the record in the time bank.
	e.Clock.Set(start.Add(2*time.Hour + time.Minute))
	click(t, ctx, chromedp.CSS("#settle"))
	waitText(t, ctx, "#activity-msg", "已结算：记入服务记录 1 条")
	waitText(t, ctx, "#activity-status", "已结算")

	var records struct {
		Items []struct {
			Minutes int    `json:"minutes"`
			Content string `json:"content"`
		} `json:"items"`
	}
	e.Do("GET", "/api/v1/me/service-records", nil, tok(alice)).Want(t, 200).Data(t, &records)
	if len(records.Items) != 1 || records.Items[0].Minutes != 90 || !strings.Contains(records.Items[0].Content, "周六清扫小区绿地") {
		t.Errorf("alice's service records: %+v", records.Items)
	}
	var roster struct {
		Items []struct {
			Attendance string `json:"attendance"`
			Settled    bool   `json:"settled"`
			User       struct{ ID string }
		} `json:"items"`
	}
	e.Do("GET", "/api/v1/activities/"+id+"/signups", nil, tok(staff)).Want(t, 200).Data(t, &roster)
	for _, r := range roster.Items {
		want := map[string]string{alice.UserID: "attended", bob.UserID: "no_show"}[r.User.ID]
		if r.Attendance != want || r.Settled != (want == "attended") {
			t.Errorf("signup of %s: %s settled=%v, want %s (settled when attended)", r.User.ID, r.Attendance, r.Settled, want)
		}
	}
}
