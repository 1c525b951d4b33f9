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

// TestConsoleBrowserAnnouncement publishes a pinned announcement to one building with an
// expiry, and finds in its receipts the household that read it counted and the other listed
// for a visit (building, room, whether a phone is bound); the audience is checked through the API.
func TestConsoleBrowserAnnouncement(t *testing.T) {
	t.Parallel()
	ctx := tab(t)
	e, base := server(t)
	cm := e.MakeCommunity("公告测试社区", 1, 2)
	e.MakeStaff(cm.ID, "notice-staff")
	reader := e.MakeResident("notice-reader", cm.BuildingIDs[0], "101")
	e.Do("POST", "/api/v1/me/phone", map[string]string{"code": "13800002222"}, tok(reader)).Want(t, 200)
	away := e.MakeResident("notice-away", cm.BuildingIDs[0], "102")
	other := e.MakeResident("notice-other", cm.BuildingIDs[1], "201")
	expires := e.Clock.Now().Add(72 * time.Hour).Truncate(time.Hour)

	login(t, ctx, base, "notice-staff")
	open(t, ctx, "announcements")
	waitText(t, ctx, "#announcements", "没有公告")
	click(t, ctx, chromedp.CSS("#new-announcement"))
	must(t, chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS("#n-title"))))
	// A building chosen as the audience but not which: the server's message.
	must(t, chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.CSS("#n-title"), "本周六停水通知"),
		chromedp.SendKeys(chromedp.CSS("textarea#n-body"), "因管网检修，12月5日 8:00–12:00 停水，请提前储水。"),
	))
	setValue(t, ctx, "#n-audience", "building")
	click(t, ctx, chromedp.CSS("#publish-announcement"))
	must(t, chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS("#publish-error"))))
	t.Logf("no building chosen: %s", text(t, ctx, "#publish-error"))
	must(t, chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](`(() => { const s = document.querySelector('#n-audience-id');
		s.value = s.options[1].value; s.dispatchEvent(new Event('change')) })()`)))
	setValue(t, ctx, "#n-expires", local(expires))
	click(t, ctx, chromedp.CSS("#n-pinned"))
	shot(t, ctx, "announcement-publish")
	click(t, ctx, chromedp.CSS("#publish-announcement"))
	waitText(t, ctx, "#announcement-title", "本周六停水通知")
	waitText(t, ctx, "#reach", "已读 0 户 / 共 2 户")
	hash, err := chromedp.Run(ctx, chromedp.Evaluate[string](`location.hash`))
	must(t, err)
	id := strings.TrimPrefix(hash, "#/announcements/")

	e.Do("GET", "/api/v1/announcements/"+id, nil, tok(reader)).Want(t, 200) // read by 101
	must(t, chromedp.Do(ctx, chromedp.Reload()))
	waitText(t, ctx, "#reach", "已读 1 户 / 共 2 户")
	waitText(t, ctx, "#unreached", "102")
	if s := text(t, ctx, "#unreached"); strings.Contains(s, "101") || !strings.Contains(s, "未绑定") {
		t.Errorf("unreached households: %q", s)
	}
	shot(t, ctx, "announcement-receipts")
	open(t, ctx, "announcements")
	waitText(t, ctx, "#announcements", "置顶")
	waitText(t, ctx, "#announcements", local(expires)[:10])

	var list struct {
		Items []struct {
			ID        string `json:"id"`
			Pinned    bool   `json:"pinned"`
			ExpiresAt string `json:"expires_at"`
		} `json:"items"`
	}
	e.Do("GET", "/api/v1/communities/"+cm.ID+"/announcements", nil, tok(away)).Want(t, 200).Data(t, &list)
	if len(list.Items) != 1 || list.Items[0].ID != id || !list.Items[0].Pinned {
		t.Errorf("102's announcements: %+v", list.Items)
	} else if at, err := time.Parse(time.RFC3339, list.Items[0].ExpiresAt); err != nil || !at.Equal(expires) {
		t.Errorf("expires_at %s, want %s", list.Items[0].ExpiresAt, expires)
	}
	e.Do("GET", "/api/v1/communities/"+cm.ID+"/announcements", nil, tok(other)).Want(t, 200).Data(t, &list)
	if len(list.Items) != 0 {
		t.Errorf("the other building's resident sees %+v", list.Items)
	}
}
