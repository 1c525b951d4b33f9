package console_test

import (
	"context"
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
	// A building chosen as the audience but not which: asked for before anything is sent.
	must(t, chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.CSS("#n-title"), "本周六停水通知"),
		chromedp.SendKeys(chromedp.CSS("textarea#n-body"), "因管网检修，12月5日 8:00–12:00 停水，请提前储水。"),
	))
	setValue(t, ctx, "#n-audience", "building")
	click(t, ctx, chromedp.CSS("#publish-announcement"))
	waitText(t, ctx, "#announcement-form .field-err", "请选择楼栋")
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

// TestConsoleBrowserCouncil finds a proposed topic by the status filter, with its second and
// comment; 不予采纳 asks for a reason first; 列入议程, then a vote opened from the page, whose
// turnout rises as households vote (the page polls it), and its result once closed; the
// topic and result are checked through the API.
func TestConsoleBrowserCouncil(t *testing.T) {
	t.Parallel()
	ctx := tab(t)
	e, base := server(t)
	cm := e.MakeCommunity("议事测试社区", 1, 2)
	staff := e.MakeStaff(cm.ID, "council-staff")
	proposer := e.MakeResident("council-proposer", cm.BuildingIDs[0], "101")
	nickname(t, e, proposer, "孙大爷")
	neighbour := e.MakeResident("council-neighbour", cm.BuildingIDs[0], "102")
	nickname(t, e, neighbour, "钱阿姨")
	third := e.MakeResident("council-third", cm.BuildingIDs[1], "201")
	var topic struct{ ID string }
	e.Do("POST", "/api/v1/communities/"+cm.ID+"/topics", map[string]any{"title": "在中心花园加装健身器材",
		"body": "老人晨练没有器材，建议在中心花园东侧加装一组。", "scope": "community"}, tok(proposer)).Want(t, 201).Data(t, &topic)
	var withdrawn struct{ ID string }
	e.Do("POST", "/api/v1/communities/"+cm.ID+"/topics", map[string]any{"title": "另一个已撤回的提议",
		"body": "撤回了", "scope": "community"}, tok(third)).Want(t, 201).Data(t, &withdrawn)
	e.Do("POST", "/api/v1/topics/"+withdrawn.ID+"/transitions", map[string]string{"action": "withdraw"}, tok(third)).Want(t, 200)
	e.Do("POST", "/api/v1/topics/"+topic.ID+"/seconds", nil, tok(neighbour)).Want(t, 201)
	e.Do("POST", "/api/v1/topics/"+topic.ID+"/comments", map[string]string{"body": "支持，最好装在树荫下"}, tok(neighbour)).Want(t, 201)

	login(t, ctx, base, "council-staff")
	open(t, ctx, "council")
	waitText(t, ctx, "#topics", "另一个已撤回的提议")
	setValue(t, ctx, "#f-topic-status", "proposed")
	waitText(t, ctx, "#topics", "在中心花园加装健身器材")
	settle(t, ctx)
	if strings.Contains(text(t, ctx, "#topics"), "另一个已撤回的提议") {
		t.Error("the status filter still shows a withdrawn topic")
	}
	click(t, ctx, chromedp.CSS("#topics a.topic-link"))
	waitText(t, ctx, "#seconds", "1")
	waitText(t, ctx, "#topic-comments", "支持，最好装在树荫下")
	waitText(t, ctx, "#timeline", "孙大爷")
	click(t, ctx, chromedp.CSS("#topic-reject"))
	waitText(t, ctx, ".err", "须写明理由")
	click(t, ctx, chromedp.CSS("#topic-accept"))
	waitText(t, ctx, "#topic-status", "议程")

	closes := e.Clock.Now().Add(48 * time.Hour).Truncate(time.Hour)
	must(t, chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS("#vote-form"))))
	setValue(t, ctx, "#v-closes", local(closes))
	click(t, ctx, chromedp.CSS("#open-vote"))
	waitText(t, ctx, "#turnout", "已投 0 / 3 户")
	hash, err := chromedp.Run(ctx, chromedp.Evaluate[string](`location.hash`))
	must(t, err)
	vote := strings.TrimPrefix(hash, "#/votes/")
	var v struct {
		Options []struct {
			Label    string `json:"label"`
			Position int    `json:"position"`
		} `json:"options"`
	}
	e.Do("GET", "/api/v1/votes/"+vote, nil, tok(proposer)).Want(t, 200).Data(t, &v)
	yes := v.Options[0].Position
	for _, s := range []apptest.Session{proposer, neighbour} {
		e.Do("POST", "/api/v1/votes/"+vote+"/ballots", map[string]int{"option": yes}, tok(s)).Want(t, 201)
	}
	waitText(t, ctx, "#turnout", "已投 2 / 3 户") // the page's polling, no reload
	waitText(t, ctx, "#options", "2")
	shot(t, ctx, "council-vote")

	e.Clock.Set(closes.Add(time.Minute))
	_, err = e.App.Services.Council.CloseDue(context.Background())
	must(t, err)
	// Two days on, the console session has ended (idle): log in again and open the vote.
	login(t, ctx, base, "council-staff")
	must(t, chromedp.Do(ctx, chromedp.Navigate(base+"/console/"+hash)))
	waitText(t, ctx, "#vote-status", "已结束")
	waitText(t, ctx, "#vote-result", "通过")
	shot(t, ctx, "council-result")

	var res struct {
		Passed    bool `json:"passed"`
		QuorumMet bool `json:"quorum_met"`
		Turnout   int  `json:"turnout"`
	}
	e.Do("GET", "/api/v1/votes/"+vote+"/result", nil, tok(staff)).Want(t, 200).Data(t, &res)
	if !res.Passed || !res.QuorumMet || res.Turnout != 2 {
		t.Errorf("result %+v, want passed with 2 ballots", res)
	}
	var got struct{ Status string }
	e.Do("GET", "/api/v1/topics/"+topic.ID, nil, tok(staff)).Want(t, 200).Data(t, &got)
	if got.Status != "decided" {
		t.Errorf("topic %s, want decided", got.Status)
	}
}

// TestConsoleBrowserRolesAudit grants an approved resident the captain's role for one building
// (picked from the residents), finds the grant in the audit log filtered by who and the day
// (the server's), and revokes it; the roles are checked through the resident's GET /me.
func TestConsoleBrowserRolesAudit(t *testing.T) {
	t.Parallel()
	ctx := tab(t)
	e, base := server(t)
	cm := e.MakeCommunity("角色测试社区", 1, 2)
	staff := e.MakeStaff(cm.ID, "roles-staff")
	resident := e.MakeResident("roles-resident", cm.BuildingIDs[1], "301")
	nickname(t, e, resident, "赵叔叔")
	roles := func() []struct {
		Role        string   `json:"role"`
		BuildingIDs []string `json:"building_ids"`
	} {
		var me struct {
			Roles []struct {
				Role        string   `json:"role"`
				BuildingIDs []string `json:"building_ids"`
			} `json:"roles"`
		}
		e.Do("GET", "/api/v1/me", nil, tok(resident)).Want(t, 200).Data(t, &me)
		return me.Roles
	}

	login(t, ctx, base, "roles-staff")
	open(t, ctx, "roles")
	waitText(t, ctx, "#g-resident", "赵叔叔")
	waitText(t, ctx, "#grant-form", "2栋")
	setValue(t, ctx, "#g-resident", resident.UserID)
	click(t, ctx, chromedp.Search(`//*[@id="grant-form"]//label[contains(., "2栋")]/input`))
	click(t, ctx, chromedp.CSS("#grant"))
	waitText(t, ctx, "#roles-msg", "已授予 赵叔叔 楼栋长")
	waitText(t, ctx, "#granted", "2栋")
	shot(t, ctx, "roles")
	if r := roles(); len(r) != 1 || r[0].Role != "captain" || len(r[0].BuildingIDs) != 1 || r[0].BuildingIDs[0] != cm.BuildingIDs[1] {
		t.Errorf("roles after the grant: %+v", r)
	}

	open(t, ctx, "audit")
	today := e.Clock.Now().In(china).Format("2006-01-02")
	waitText(t, ctx, "#audit", "roles")
	must(t, chromedp.Do(ctx, chromedp.SendKeys(chromedp.CSS("#f-user"), staff.UserID)))
	setValue(t, ctx, "#f-from", today)
	setValue(t, ctx, "#f-to", today)
	click(t, ctx, chromedp.CSS("#audit-search"))
	waitText(t, ctx, "#audit", "roles")
	settle(t, ctx)
	// The day before has nothing.
	setValue(t, ctx, "#f-from", e.Clock.Now().In(china).AddDate(0, 0, -1).Format("2006-01-02"))
	setValue(t, ctx, "#f-to", e.Clock.Now().In(china).AddDate(0, 0, -1).Format("2006-01-02"))
	click(t, ctx, chromedp.CSS("#audit-search"))
	waitText(t, ctx, "#audit", "没有记录")
	setValue(t, ctx, "#f-from", today)
	setValue(t, ctx, "#f-to", today)
	click(t, ctx, chromedp.CSS("#audit-search"))
	waitText(t, ctx, "#audit", "roles")
	shot(t, ctx, "audit")

	open(t, ctx, "roles")
	waitText(t, ctx, "#g-resident", "赵叔叔")
	setValue(t, ctx, "#g-resident", resident.UserID)
	// A second grant of the same answers the same role (200): it is listed again, then revoked.
	click(t, ctx, chromedp.Search(`//*[@id="grant-form"]//label[contains(., "2栋")]/input`))
	click(t, ctx, chromedp.CSS("#grant"))
	waitText(t, ctx, "#roles-msg", "已授予")
	click(t, ctx, chromedp.CSS("#granted button.revoke"))
	waitText(t, ctx, "#roles-msg", "已撤销")
	if r := roles(); len(r) != 0 {
		t.Errorf("roles after the revoke: %+v", r)
	}
}
