package console_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"linli/app/apptest"
	"linli/model"
	"linli/service"
)

// TestConsoleBrowserDashboard logs a staff member in with the dev form, finds the trend chart
// of 工作台 drawn and downloads the month's workbook.
func TestConsoleBrowserDashboard(t *testing.T) {
	t.Parallel()
	ctx := tab(t)
	e, base := server(t)
	cm := e.MakeCommunity("浏览器测试社区", 1, 2)
	staff := e.MakeStaff(cm.ID, "browser-staff")
	second := e.MakeCommunity("第二测试社区", 1, 1)
	e.Grant(staff.UserID, model.RoleStaff, second.ID)
	// This month's issues, so that the figures and the category chart have something to show.
	resident := e.MakeResident("browser-resident", cm.BuildingIDs[0], "101")
	var cats struct {
		Items []struct{ ID string } `json:"items"`
	}
	e.Do("GET", "/api/v1/communities/"+cm.ID+"/issue-categories", nil, tok(staff)).Want(t, 200).Data(t, &cats)
	for i, desc := range []string{"楼道灯不亮", "二单元门口垃圾没人清", "楼下水管漏水"} {
		var is struct{ ID string }
		e.Do("POST", "/api/v1/issues", map[string]any{"building_id": cm.BuildingIDs[0], "category_id": cats.Items[i].ID,
			"description": desc}, tok(resident)).Want(t, 201).Data(t, &is)
		if i == 0 {
			e.Do("POST", "/api/v1/issues/"+is.ID+"/transitions", map[string]any{"action": "start"}, tok(staff)).Want(t, 200)
			e.Do("POST", "/api/v1/issues/"+is.ID+"/transitions", map[string]any{"action": "resolve"}, tok(staff)).Want(t, 200)
		}
	}

	// By keyboard only: type the openid, Enter submits the form.
	must(t, chromedp.Do(ctx,
		chromedp.Navigate(base+"/console/"),
		chromedp.WaitVisible(chromedp.CSS("#openid")),
		chromedp.Focus(chromedp.CSS("#openid")),
		chromedp.KeyEvent("browser-staff\r"),
		chromedp.WaitVisible(chromedp.CSS("#trend svg")),
	))
	paths, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('#trend svg path').length`))
	must(t, err)
	if paths < 5 {
		t.Errorf("trend chart has %d paths: not drawn", paths)
	}
	if title := text(t, ctx, "#title"); title != "工作台 · 浏览器测试社区" {
		t.Errorf("title %q", title)
	}
	shot(t, ctx, "dashboard")
	isXLSX(t, download(t, ctx, "#download"))
	// The menu is links: Tab reaches them, Enter follows one.
	must(t, chromedp.Do(ctx, chromedp.Focus(chromedp.CSS("#nav-issues")), chromedp.KeyEvent("\r")))
	waitText(t, ctx, "#issues", "二单元门口垃圾没人清")
	if focused := text(t, ctx, "#nav a[aria-current=page]"); focused != "报事" {
		t.Errorf("current page in the menu: %q", focused)
	}
	// The picker switches to the other community the staff member works in, on the same page.
	must(t, chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](`(() => { const s = document.querySelector('#community');
		s.value = [...s.options].find(o => o.text === '第二测试社区').value; s.dispatchEvent(new Event('change')) })()`)))
	settle(t, ctx)
	waitText(t, ctx, "#issues", "没有符合条件的报事")
	if strings.Contains(text(t, ctx, "#issues"), "楼道灯不亮") {
		t.Error("the other community's issues still shown")
	}
	open(t, ctx, "dashboard")
	waitText(t, ctx, "#title", "工作台 · 第二测试社区")
}

// TestConsoleBrowserResidency approves one pending claim and rejects another with a reason;
// a nickname with markup shows as text.
func TestConsoleBrowserResidency(t *testing.T) {
	t.Parallel()
	ctx := tab(t)
	e, base := server(t)
	cm := e.MakeCommunity("审核测试社区", 1, 2)
	e.MakeStaff(cm.ID, "claims-staff")
	zhang := e.DevLogin("claims-zhang")
	nickname(t, e, zhang, "张阿姨")
	e.Do("POST", "/api/v1/me/phone", map[string]string{"code": "13800001111"}, tok(zhang)).Want(t, 200)
	li := e.DevLogin("claims-li")
	nickname(t, e, li, "<b>李</b>")
	first := e.Claim(zhang.UserID, cm.BuildingIDs[0], "301")
	second := e.Claim(li.UserID, cm.BuildingIDs[1], "502")

	login(t, ctx, base, "claims-staff")
	open(t, ctx, "residencies")
	waitText(t, ctx, "#claims", "张阿姨")
	waitText(t, ctx, "#claims", "<b>李</b>")    // the markup is text, not a bold element
	waitText(t, ctx, "#claims", "13800001111") // staff see the whole number, to call
	if n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('#claims b').length`)); err != nil || n != 0 {
		t.Errorf("nickname rendered as markup: %d <b> (%v)", n, err)
	}
	shot(t, ctx, "residencies")

	click(t, ctx, chromedp.CSS(`#claims button.approve[aria-label*="张阿姨"]`))
	waitText(t, ctx, ".ok", "已通过：张阿姨")
	click(t, ctx, chromedp.CSS("#claims button.reject"))
	must(t, chromedp.Do(ctx,
		chromedp.WaitVisible(chromedp.CSS("#reject-reason")),
		chromedp.SendKeys(chromedp.CSS("#reject-reason"), "房号与台账不符，请核对后重新申请"),
	))
	shot(t, ctx, "residencies-reject")
	must(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#reject-confirm"))))
	waitText(t, ctx, ".ok", "已驳回")

	claim := func(id string) (status, reason string) {
		r, err := e.App.Store.ResidencyByID(context.Background(), e.ParseID(id))
		must(t, err)
		return r.Status, r.Reason
	}
	if s, _ := claim(first); s != model.ResidencyApproved {
		t.Errorf("first claim %s, want approved", s)
	}
	if s, reason := claim(second); s != model.ResidencyRejected || reason != "房号与台账不符，请核对后重新申请" {
		t.Errorf("second claim %s %q, want rejected with the reason", s, reason)
	}
}

// TestConsoleBrowserIssue filters the queue, opens an issue with a photo, acknowledges it,
// dispatches it to an electrician of the skill directory and resolves it.
func TestConsoleBrowserIssue(t *testing.T) {
	t.Parallel()
	ctx := tab(t)
	e, base := server(t)
	cm := e.MakeCommunity("报事测试社区", 1, 2)
	staff := e.MakeStaff(cm.ID, "issue-staff")
	reporter := e.MakeResident("issue-reporter", cm.BuildingIDs[0], "101")
	nickname(t, e, reporter, "王大爷")
	volunteer := e.MakeResident("issue-electrician", cm.BuildingIDs[1], "202")
	nickname(t, e, volunteer, "刘师傅")
	var cats struct {
		Items []struct{ ID, Name string } `json:"items"`
	}
	e.Do("GET", "/api/v1/communities/"+cm.ID+"/issue-categories", nil, tok(staff)).Want(t, 200).Data(t, &cats)
	var skills struct {
		Items []struct{ ID, Name string } `json:"items"`
	}
	e.Do("GET", "/api/v1/communities/"+cm.ID+"/skills", nil, tok(staff)).Want(t, 200).Data(t, &skills)
	electrician := ""
	for _, s := range skills.Items {
		if s.Name == "电工" {
			electrician = s.ID
		}
	}
	e.Do("PUT", "/api/v1/me/skill-profile", map[string]any{"skill_ids": []string{electrician}, "intro": "退休电工",
		"windows": []map[string]any{{"weekday": 6, "start": "08:00", "end": "18:00"}}, "reach": "community"}, tok(volunteer)).Want(t, 200)
	var issue struct{ ID string }
	e.Do("POST", "/api/v1/issues", map[string]any{"building_id": cm.BuildingIDs[0], "category_id": cats.Items[0].ID,
		"description": "3单元楼道灯不亮，晚上上下楼看不见", "location": "3单元2楼", "photos": []string{photo(t, e, reporter)}},
		tok(reporter)).Want(t, 201).Data(t, &issue)

	login(t, ctx, base, "issue-staff")
	open(t, ctx, "issues")
	waitText(t, ctx, "#issues", "3单元楼道灯不亮")
	shot(t, ctx, "issues")
	// The building filter: the other building has no issue.
	must(t, chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](`(() => { const s = document.querySelector('#f-building');
		s.value = s.options[2].value; s.dispatchEvent(new Event('change')) })()`)))
	waitText(t, ctx, "#issues", "没有符合条件的报事")
	must(t, chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](`(() => { const s = document.querySelector('#f-building');
		s.value = s.options[1].value; s.dispatchEvent(new Event('change')) })()`)))
	waitText(t, ctx, "#issues", "3单元楼道灯不亮")

	click(t, ctx, chromedp.CSS("#issues a.issue-link"))
	must(t, chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS("#act-acknowledge"))))
	waitText(t, ctx, "#description", "3单元楼道灯不亮")
	if ok, err := chromedp.Run(ctx, chromedp.Poll[bool](`(() => { const i = document.querySelector('.photos img'); return !!i && i.complete && i.naturalWidth === 160 })()`)); err != nil || !ok {
		t.Errorf("the photo did not load: %v", err)
	}
	must(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#act-acknowledge"))))
	waitText(t, ctx, "#status", "已受理")
	waitText(t, ctx, "#directory", "刘师傅")
	must(t, chromedp.Do(ctx, chromedp.SendKeys(chromedp.CSS("#dispatch-note"), "3单元2楼楼道灯")))
	click(t, ctx, chromedp.CSS("#directory button"))
	waitText(t, ctx, "#dispatch-msg", "已派单给 刘师傅")
	waitText(t, ctx, "#dispatches", "刘师傅")
	// Cancelled, the dispatch stays in the record and the directory is offered again.
	click(t, ctx, chromedp.CSS("#dispatches button.cancel-dispatch"))
	must(t, chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS("#directory"))))
	must(t, chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.CSS("#comment textarea, textarea#comment"), "师傅明天上午来换灯泡"),
		chromedp.Click(chromedp.CSS("#send-comment")),
	))
	waitText(t, ctx, "#comments", "师傅明天上午来换灯泡")
	must(t, chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.CSS("#note textarea, textarea#note"), "已更换灯泡"),
		chromedp.Click(chromedp.CSS("#act-resolve")),
	))
	waitText(t, ctx, "#status", "已解决")
	waitText(t, ctx, "#timeline", "已更换灯泡")
	shot(t, ctx, "issue-detail")

	var got struct {
		Status   string `json:"status"`
		Timeline []struct {
			Action string `json:"action"`
		} `json:"timeline"`
	}
	e.Do("GET", "/api/v1/issues/"+issue.ID, nil, tok(staff)).Want(t, 200).Data(t, &got)
	if got.Status != "resolved" {
		t.Errorf("issue %s, want resolved", got.Status)
	}
	var dispatches struct {
		Items []struct {
			Status    string              `json:"status"`
			Volunteer struct{ ID string } `json:"volunteer"`
		} `json:"items"`
	}
	e.Do("GET", "/api/v1/dispatches?scope=mine", nil, tok(volunteer)).Want(t, 200).Data(t, &dispatches)
	if len(dispatches.Items) != 1 || dispatches.Items[0].Volunteer.ID != volunteer.UserID || dispatches.Items[0].Status != "cancelled" {
		t.Errorf("dispatches of the electrician: %+v", dispatches)
	}
}

// TestConsoleBrowserVoucher verifies a resident's voucher by its code, once: the second try
// says it was used.
func TestConsoleBrowserVoucher(t *testing.T) {
	t.Parallel()
	ctx := tab(t)
	e, base := server(t)
	cm := e.MakeCommunity("时间银行测试社区", 1, 1)
	staff := e.MakeStaff(cm.ID, "bank-staff")
	alice := e.MakeResident("bank-alice", cm.BuildingIDs[0], "101")
	nickname(t, e, alice, "陈奶奶")
	rec := &model.ServiceRecord{CommunityID: e.ParseID(cm.ID), UserID: e.ParseID(alice.UserID), SourceKind: model.SourceDispatch,
		SourceID: 1, Content: "维修楼道灯", Place: "1栋", ServedAt: e.Clock.Now(), Minutes: 180, PointsPerHour: 100,
		OrganiserID: e.ParseID(staff.UserID), ConfirmerID: e.ParseID(staff.UserID)}
	_, err := e.App.Store.AddServiceRecord(context.Background(), rec)
	must(t, err)
	e.Do("GET", "/api/v1/me/account", nil, tok(alice)).Want(t, 200) // credits the record
	var reward struct{ ID string }
	e.Do("POST", "/api/v1/communities/"+cm.ID+"/rewards", map[string]any{"name": "书法课一节", "kind": "course",
		"price": "1.5", "stock": 5, "merchant_name": "社区学校"}, tok(staff)).Want(t, 201).Data(t, &reward)
	var v struct {
		VoucherCode string `json:"voucher_code"`
	}
	e.Do("POST", "/api/v1/rewards/"+reward.ID+"/redeem", nil, tok(alice)).Want(t, 201).Data(t, &v)

	login(t, ctx, base, "bank-staff")
	open(t, ctx, "timebank")
	waitText(t, ctx, "#rewards", "书法课一节")
	must(t, chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.CSS("#voucher"), strings.ToLower(v.VoucherCode)),
		chromedp.Click(chromedp.CSS("#verify")),
	))
	waitText(t, ctx, "#verified", "核销成功")
	waitText(t, ctx, "#verified", "陈奶奶")
	shot(t, ctx, "timebank")
	must(t, chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.CSS("#voucher"), v.VoucherCode),
		chromedp.Click(chromedp.CSS("#verify")),
	))
	waitText(t, ctx, ".err", "核销")

	// 退出 ends the session: the login form again, the CSRF cookie gone, the old session refused.
	must(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#logout")), chromedp.WaitVisible(chromedp.CSS("#openid"))))
	if c := text(t, ctx, "body"); strings.Contains(c, "书法课一节") {
		t.Errorf("after logout the page still shows the rewards")
	}
	if has, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.cookie.includes('linli_csrf')`)); err != nil || has {
		t.Errorf("CSRF cookie after logout: %v %v", has, err)
	}
	must(t, chromedp.Do(ctx, chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS("#openid"))))

	var mine struct {
		Items []struct{ Status string } `json:"items"`
	}
	e.Do("GET", "/api/v1/me/redemptions", nil, tok(alice)).Want(t, 200).Data(t, &mine)
	if len(mine.Items) != 1 || mine.Items[0].Status != "used" {
		t.Errorf("vouchers: %+v", mine)
	}
}

// TestConsoleBrowserHouseholds downloads the template, checks a register with mistakes (the
// per-row report, nothing written), then checks and imports a good one and finds its rooms.
func TestConsoleBrowserHouseholds(t *testing.T) {
	t.Parallel()
	ctx := tab(t)
	e, base := server(t)
	cm := e.MakeCommunity("台账测试社区", 1, 1)
	staff := e.MakeStaff(cm.ID, "ledger-staff")
	dir := t.TempDir()
	workbook := func(name string, rows ...service.RegisterRow) string {
		b, err := service.RegisterWorkbook(rows)
		must(t, err)
		p := filepath.Join(dir, name)
		must(t, os.WriteFile(p, b, 0o644))
		return p
	}
	bad := workbook("bad.xlsx",
		service.RegisterRow{Estate: "春合苑", Building: "12栋", Room: "302"},
		service.RegisterRow{Estate: "春合苑", Building: "", Room: "303"},
		service.RegisterRow{Estate: "春合苑", Building: "12栋", Room: "３０２室"},
	)
	good := workbook("good.xlsx",
		service.RegisterRow{Estate: "春合苑", Building: "12栋", Unit: "2单元", Room: "302", Head: "王阿姨"},
		service.RegisterRow{Estate: "春合苑", Building: "12栋", Unit: "2单元", Room: "303"},
		service.RegisterRow{Estate: "春合苑", Building: "13栋", Room: "101"},
	)

	login(t, ctx, base, "ledger-staff")
	open(t, ctx, "households")
	waitText(t, ctx, "#buildings", "1栋")
	isXLSX(t, download(t, ctx, "#template"))

	must(t, chromedp.Do(ctx,
		chromedp.SetUploadFiles(chromedp.CSS("#import-file"), []string{bad}),
		chromedp.WaitEnabled(chromedp.CSS("#dry-run")),
		chromedp.Click(chromedp.CSS("#dry-run")),
		chromedp.WaitVisible(chromedp.CSS("#import-errors")),
	))
	waitText(t, ctx, "#report", "没有写入任何数据")
	waitText(t, ctx, "#import-errors", "楼栋")
	shot(t, ctx, "households-errors")

	must(t, chromedp.Do(ctx,
		chromedp.SetUploadFiles(chromedp.CSS("#import-file"), []string{good}),
		chromedp.WaitNotPresent(chromedp.CSS("#report")),
		chromedp.Click(chromedp.CSS("#dry-run")),
	))
	waitText(t, ctx, "#report", "检查通过")
	waitText(t, ctx, "#report", "住户 3 户")
	must(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#import"))))
	waitText(t, ctx, "#report", "导入完成")
	waitText(t, ctx, "#buildings", "13栋")
	click(t, ctx, chromedp.Search(`//*[@id="buildings"]//a[normalize-space()="12栋"]`))
	waitText(t, ctx, "#rooms", "303")
	click(t, ctx, chromedp.Search(`//*[@id="rooms"]//tr[contains(., "302")]//button`))
	waitText(t, ctx, ".el-dialog", "王阿姨")
	shot(t, ctx, "households")

	var b struct {
		Items []struct{ ID, Name string } `json:"items"`
	}
	e.Do("GET", "/api/v1/communities/"+cm.ID+"/buildings?limit=100", nil, tok(staff)).Want(t, 200).Data(t, &b)
	if len(b.Items) != 3 {
		t.Errorf("buildings after import: %+v", b.Items)
	}
}

// TestConsoleBrowserLoginRefused: a resident without a role is refused at the login form with
// the server's message.
func TestConsoleBrowserLoginRefused(t *testing.T) {
	t.Parallel()
	ctx := tab(t)
	e, base := server(t)
	cm := e.MakeCommunity("登录测试社区", 1, 1)
	e.MakeResident("just-a-resident", cm.BuildingIDs[0], "101")
	must(t, chromedp.Do(ctx,
		chromedp.Navigate(base+"/console/"),
		chromedp.WaitVisible(chromedp.CSS("#openid")),
		chromedp.SendKeys(chromedp.CSS("#openid"), "just-a-resident"),
		chromedp.Click(chromedp.CSS("#login")),
		chromedp.WaitVisible(chromedp.CSS(".login .err")),
	))
	if msg := text(t, ctx, ".login .err"); msg == "" || strings.Contains(msg, "请求失败") {
		t.Errorf("refusal message %q: want the server's", msg)
	}
	t.Logf("refused: %s", text(t, ctx, ".login .err"))
	shot(t, ctx, "login-refused")
}

// TestConsoleBrowserCaptain: a captain's console has 报事, 入住审核, 公告 and 议事厅, opens on
// the queue of their building, lists the claims of their building and publishes an
// announcement to it (no other audience offered).
func TestConsoleBrowserCaptain(t *testing.T) {
	t.Parallel()
	ctx := tab(t)
	e, base := server(t)
	cm := e.MakeCommunity("楼栋长测试社区", 1, 2)
	e.MakeCaptain(cm.ID, "captain-wang", cm.BuildingIDs[0])
	mine := e.MakeResident("captain-neighbour", cm.BuildingIDs[0], "101")
	other := e.MakeResident("captain-far", cm.BuildingIDs[1], "201")
	var cats struct {
		Items []struct{ ID string } `json:"items"`
	}
	e.Do("GET", "/api/v1/communities/"+cm.ID+"/issue-categories", nil, tok(mine)).Want(t, 200).Data(t, &cats)
	for _, r := range []struct {
		who      apptest.Session
		building string
		desc     string
	}{{mine, cm.BuildingIDs[0], "本楼电梯异响"}, {other, cm.BuildingIDs[1], "别楼垃圾桶满了"}} {
		e.Do("POST", "/api/v1/issues", map[string]any{"building_id": r.building, "category_id": cats.Items[0].ID,
			"description": r.desc}, tok(r.who)).Want(t, 201)
	}
	newcomer := e.DevLogin("captain-newcomer")
	nickname(t, e, newcomer, "新住户小赵")
	e.Claim(newcomer.UserID, cm.BuildingIDs[0], "602")

	login(t, ctx, base, "captain-wang")
	waitText(t, ctx, "#issues", "本楼电梯异响")
	settle(t, ctx)
	if strings.Contains(text(t, ctx, "#issues"), "别楼垃圾桶满了") {
		t.Error("a captain's queue shows another building's issue")
	}
	if menu := text(t, ctx, "#nav"); menu != "报事入住审核公告议事厅" {
		t.Errorf("a captain's menu: %q", menu)
	}
	open(t, ctx, "residencies")
	waitText(t, ctx, "#claims", "新住户小赵")
	shot(t, ctx, "captain-residencies")

	// 公告: to their own building only, and its receipts are theirs to see.
	open(t, ctx, "announcements")
	click(t, ctx, chromedp.CSS("#new-announcement"))
	waitText(t, ctx, "#n-audience-id", "1栋")
	for sel, want := range map[string]int{"#n-audience option": 1, "#n-audience-id option": 2} {
		if n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('`+sel+`').length`)); err != nil || n != want {
			t.Errorf("%s: %d, want %d (%v)", sel, n, want, err)
		}
	}
	must(t, chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.CSS("#n-title"), "本楼电梯周三保养"),
		chromedp.SendKeys(chromedp.CSS("textarea#n-body"), "周三上午电梯停用两小时。"),
	))
	setValue(t, ctx, "#n-audience-id", cm.BuildingIDs[0])
	click(t, ctx, chromedp.CSS("#publish-announcement"))
	waitText(t, ctx, "#reach", "已读 0 户")
	var list struct {
		Items []struct{ Title string } `json:"items"`
	}
	e.Do("GET", "/api/v1/communities/"+cm.ID+"/announcements", nil, tok(mine)).Want(t, 200).Data(t, &list)
	if len(list.Items) != 1 || list.Items[0].Title != "本楼电梯周三保养" {
		t.Errorf("the neighbour's announcements: %+v", list.Items)
	}
}

// TestConsoleBrowserIssueRejectDuplicate: 驳回 asks for a note before it calls the server, then
// rejects; 标记为重复 takes the original's number from the queue.
func TestConsoleBrowserIssueRejectDuplicate(t *testing.T) {
	t.Parallel()
	ctx := tab(t)
	e, base := server(t)
	cm := e.MakeCommunity("驳回测试社区", 1, 1)
	staff := e.MakeStaff(cm.ID, "reject-staff")
	resident := e.MakeResident("reject-resident", cm.BuildingIDs[0], "101")
	var cats struct {
		Items []struct{ ID string } `json:"items"`
	}
	e.Do("GET", "/api/v1/communities/"+cm.ID+"/issue-categories", nil, tok(staff)).Want(t, 200).Data(t, &cats)
	report := func(desc string) string {
		var is struct{ ID string }
		e.Do("POST", "/api/v1/issues", map[string]any{"building_id": cm.BuildingIDs[0], "category_id": cats.Items[1].ID,
			"description": desc}, tok(resident)).Want(t, 201).Data(t, &is)
		return is.ID
	}
	first, second, third := report("一楼水管漏水"), report("一楼水管又漏了"), report("想在楼下放个乒乓球台")

	login(t, ctx, base, "reject-staff")
	must(t, chromedp.Do(ctx, chromedp.Navigate(base+"/console/#/issues/"+third), chromedp.WaitVisible(chromedp.CSS("#act-reject"))))
	click(t, ctx, chromedp.CSS("#act-reject"))
	waitText(t, ctx, ".err", "驳回须填写处理说明")
	must(t, chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.CSS("textarea#note"), "不属于报事，请到议事厅提议"),
		chromedp.Click(chromedp.CSS("#act-reject")),
	))
	waitText(t, ctx, "#status", "已驳回")
	waitText(t, ctx, "#timeline", "不属于报事，请到议事厅提议")

	must(t, chromedp.Do(ctx, chromedp.Navigate(base+"/console/#/issues/"+second), chromedp.WaitVisible(chromedp.CSS("#act-mark_duplicate"))))
	must(t, chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.CSS("#duplicate-of"), first),
		chromedp.Click(chromedp.CSS("#act-mark_duplicate")),
	))
	waitText(t, ctx, "#status", "重复")

	for id, want := range map[string]string{first: "submitted", second: "duplicate", third: "rejected"} {
		var got struct{ Status string }
		e.Do("GET", "/api/v1/issues/"+id, nil, tok(staff)).Want(t, 200).Data(t, &got)
		if got.Status != want {
			t.Errorf("issue %s: %s, want %s", id, got.Status, want)
		}
	}
}
