package api_test

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"linli/api"
	"linli/app/apptest"
	"linli/clock"
	"linli/service"
)

// workbook is an exported dashboard opened back with excelize.
type workbook struct {
	t *testing.T
	f *excelize.File
}

// cell is the raw value of a cell ("" when empty).
func (w workbook) cell(sheet string, col, row int) string {
	w.t.Helper()
	ref, _ := excelize.CoordinatesToCellName(col, row)
	v, err := w.f.GetCellValue(sheet, ref, excelize.Options{RawCellValue: true})
	if err != nil {
		w.t.Fatalf("%s!%s: %v", sheet, ref, err)
	}
	return v
}

// format is the number format of a cell.
func (w workbook) format(sheet string, col, row int) string {
	w.t.Helper()
	ref, _ := excelize.CoordinatesToCellName(col, row)
	id, err := w.f.GetCellStyle(sheet, ref)
	if err != nil {
		w.t.Fatal(err)
	}
	st, err := w.f.GetStyle(id)
	if err != nil || st.CustomNumFmt == nil {
		return ""
	}
	return *st.CustomNumFmt
}

// find returns the row whose first cell is label, after row from (0: the top).
func (w workbook) find(sheet, label string, from int) int {
	w.t.Helper()
	rows, err := w.f.GetRows(sheet)
	if err != nil {
		w.t.Fatal(err)
	}
	for i := from; i < len(rows); i++ {
		if len(rows[i]) > 0 && rows[i][0] == label {
			return i + 1
		}
	}
	w.t.Fatalf("sheet %s has no row %q", sheet, label)
	return 0
}

// want compares a cell with the JSON's value of a kind: count, rate, minutes, points, rating,
// text; nil (JSON null) must be an empty cell. It also checks the cell's number format.
func (w workbook) want(sheet string, col, row int, kind string, v any) {
	w.t.Helper()
	raw, where := w.cell(sheet, col, row), fmt.Sprintf("%s row %d col %d", sheet, row, col)
	formats := map[string]string{"count": "0", "rate": "0.0%", "minutes": "[h]:mm", "points": "0.00", "rating": "0.00"}
	switch x := v.(type) {
	case nil:
		if raw != "" {
			w.t.Errorf("%s: %q, want empty (null)", where, raw)
		}
		return
	case *float64:
		if x == nil {
			w.want(sheet, col, row, kind, nil)
			return
		}
		v = *x
	case *int64:
		if x == nil {
			w.want(sheet, col, row, kind, nil)
			return
		}
		v = *x
	}
	if f, ok := formats[kind]; ok && w.format(sheet, col, row) != f {
		w.t.Errorf("%s: number format %q, want %q", where, w.format(sheet, col, row), f)
	}
	num, _ := strconv.ParseFloat(raw, 64)
	var ok bool
	switch kind {
	case "count":
		ok = raw == fmt.Sprint(v)
	case "rate", "rating":
		ok = num == v.(float64)
	case "minutes":
		ok = int64(math.Round(num*24*60)) == v.(int64)
	case "points":
		ok = fmt.Sprintf("%.2f", num) == v.(string)
	default:
		ok = raw == v.(string)
	}
	if !ok {
		w.t.Errorf("%s: %q, want %s %v", where, raw, kind, v)
	}
}

// TestDashboardExportMatchesJSON: for the demo's last month (a rollup) and this month (live),
// the workbook opens, has its sheets with frozen headers and number formats, and every cell
// holds what the JSON of the same month says; the month's issue list names reporters except
// where they reported anonymously.
func TestDashboardExportMatchesJSON(t *testing.T) {
	t.Parallel()
	e := apptest.New(t)
	// The middle of the suite clock's month: the month so far has two weeks of history, and
	// the month before it is settled (72 h after its end), whatever day the suite runs on.
	now := e.Clock.Now().In(clock.China)
	e.Clock.Set(time.Date(now.Year(), now.Month(), 15, 10, 0, 0, 0, clock.China))
	if _, err := service.NewDemo(e.App.Services).Seed(context.Background()); err != nil {
		t.Fatal(err)
	}
	staff := e.DevLogin("demo-staff")
	var communities struct {
		Items []struct {
			ID   string `json:"id"`
			Name string `json:"name"`
		} `json:"items"`
	}
	e.Do("GET", "/api/v1/communities", nil).Want(t, 200).Data(t, &communities)
	base := "/api/v1/communities/" + communities.Items[0].ID + "/dashboard"
	// The demo's year has a council: topics every month, and votes by household.
	// And announcements, which its people read.
	var raised, votes, ballots, notices int64
	reached := false
	for m := 1; m <= 12; m++ {
		var d api.DashboardDTO
		e.Do("GET", base+"?month="+service.MonthOf(e.Clock.Now().AddDate(0, -m, 0)), nil, apptest.Token(staff.Token)).
			Want(t, 200).Data(t, &d)
		raised, votes, ballots = raised+d.Council.Raised, votes+d.Council.VotesClosed, ballots+d.Council.Ballots
		notices += d.Announcements.Published
		reached = reached || (d.Announcements.Reach24h != nil && *d.Announcements.Reach24h > 0)
	}
	if raised < 12 || votes == 0 || ballots == 0 {
		t.Errorf("the demo's council over a year: %d topics, %d votes, %d ballots", raised, votes, ballots)
	}
	if notices < 24 || !reached {
		t.Errorf("the demo's announcements over a year: %d, reached anyone within 24 h: %v", notices, reached)
	}
	for _, month := range []string{service.MonthOf(e.Clock.Now().AddDate(0, -1, 0)), ""} {
		var d api.DashboardDTO
		e.Do("GET", base+"?month="+month, nil, apptest.Token(staff.Token)).Want(t, 200).Data(t, &d)
		if d.Issues.Reported == 0 || d.Volunteer.Signups == 0 || d.TimeBank.Credits == 0 || len(d.Trend) != 11 {
			t.Fatalf("the demo's %s is empty: %+v", d.Month, d)
		}
		if want := month != ""; d.Final != want {
			t.Errorf("%s: final %v, want %v", d.Month, d.Final, want)
		}
		res := e.Do("GET", base+"/export?month="+month, nil, apptest.Token(staff.Token)).Want(t, 200)
		f, err := excelize.OpenReader(bytes.NewReader(res.Body))
		if err != nil {
			t.Fatalf("open the workbook of %s: %v", d.Month, err)
		}
		checkWorkbook(t, e, workbook{t, f}, d)
		f.Close()
	}
	var first api.DashboardDTO // the first month there is: its trend reaches back before it
	e.Do("GET", base+"?month=2000-01", nil, apptest.Token(staff.Token)).Want(t, 200).Data(t, &first)
	if len(first.Trend) != 11 || first.Trend[0].Month != "1999-02" || first.Issues.Reported != 0 {
		t.Errorf("January 2000: %+v", first)
	}
	e.Do("GET", base+"?month=1999-12", nil, apptest.Token(staff.Token)).Want(t, 400)
	e.Do("GET", base+"?month=2026-13", nil, apptest.Token(staff.Token)).Want(t, 400)
	e.Do("GET", base+"?month="+service.MonthOf(e.Clock.Now().AddDate(0, 2, 0)), nil, apptest.Token(staff.Token)).Want(t, 400)
	e.Do("GET", "/api/v1/communities/999999/dashboard", nil, apptest.Token(e.MakeAdmin("dash-admin").Token)).Want(t, 404)
}

func checkWorkbook(t *testing.T, e *apptest.Env, w workbook, d api.DashboardDTO) {
	t.Helper()
	want := []string{service.SheetAbout, service.SheetIssues, service.SheetIssueList, service.SheetVolunteering,
		service.SheetSkills, service.SheetTimeBank, service.SheetCouncil, service.SheetAnnouncement, service.SheetTrend}
	if got := w.f.GetSheetList(); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("sheets %v, want %v", got, want)
	}
	for _, s := range want {
		if p, err := w.f.GetPanes(s); err != nil || !p.Freeze || p.YSplit != 1 {
			t.Errorf("sheet %s: header row not frozen: %+v %v", s, p, err)
		}
	}
	if w.cell(service.SheetAbout, 2, 3) != d.Month || w.cell(service.SheetAbout, 2, 2) != d.Community {
		t.Errorf("about: month %q, community %q", w.cell(service.SheetAbout, 2, 3), w.cell(service.SheetAbout, 2, 2))
	}
	figures := func(sheet string, rows []struct {
		label, kind string
		v           any
	}) {
		for _, r := range rows {
			w.want(sheet, 2, w.find(sheet, r.label, 0), r.kind, r.v)
		}
	}
	type fig = struct {
		label, kind string
		v           any
	}
	is, v, k, tb := d.Issues, d.Volunteer, d.Skills, d.TimeBank
	cn := d.Council
	figures(service.SheetCouncil, []fig{{"提出议题", "count", cn.Raised}, {"列入议程", "count", cn.OnAgenda},
		{"完成表决", "count", cn.Decided}, {"落实完毕", "count", cn.Resolved}, {"表决场次", "count", cn.VotesClosed},
		{"投票数", "count", cn.Ballots}, {"参与率", "rate", cn.Turnout}})
	an := d.Announcements
	figures(service.SheetAnnouncement, []fig{{"发布公告", "count", an.Published}, {"24 小时到达率", "rate", an.Reach24h}})
	figures(service.SheetIssues, []fig{{"新报事", "count", is.Reported}, {"受理", "count", is.Acknowledged},
		{"解决", "count", is.Resolved}, {"关闭", "count", is.Closed}, {"驳回", "count", is.Rejected},
		{"重复", "count", is.Duplicates}, {"重开", "count", is.Reopened}, {"月末未办结", "count", is.OpenAtEnd},
		{"本月新报事中已办结", "count", is.Settled}, {"解决率", "rate", is.ResolutionRate},
		{"受理用时中位数", "minutes", is.ToAcknowledge.P50}, {"受理用时90分位", "minutes", is.ToAcknowledge.P90},
		{"解决用时中位数", "minutes", is.ToResolve.P50}, {"解决用时90分位", "minutes", is.ToResolve.P90},
		{"已评分", "count", is.Rated}, {"满意度", "rating", is.AverageRating}})
	row := w.find(service.SheetIssues, "类别", 0)
	for i, g := range is.ByCategory {
		w.want(service.SheetIssues, 1, row+1+i, "text", g.Name)
		w.want(service.SheetIssues, 2, row+1+i, "count", g.Reported)
		w.want(service.SheetIssues, 3, row+1+i, "count", g.Resolved)
		w.want(service.SheetIssues, 4, row+1+i, "count", g.OpenAtEnd)
	}
	row = w.find(service.SheetIssues, "楼栋", 0)
	for i, g := range is.ByBuilding {
		w.want(service.SheetIssues, 1, row+1+i, "text", g.Name)
		w.want(service.SheetIssues, 2, row+1+i, "count", g.Reported)
		w.want(service.SheetIssues, 4, row+1+i, "count", g.OpenAtEnd)
	}
	row = w.find(service.SheetIssues, "ID", 0)
	for i, o := range is.OldestOpen {
		w.want(service.SheetIssues, 1, row+1+i, "text", strconv.FormatUint(uint64(o.ID), 10))
		w.want(service.SheetIssues, 4, row+1+i, "text", o.StatusText)
		w.want(service.SheetIssues, 6, row+1+i, "count", o.AgeDays)
	}
	checkIssueList(t, e, w, d)

	figures(service.SheetVolunteering, []fig{{"活动场次", "count", v.Activities}, {"报名", "count", v.Signups},
		{"取消报名", "count", v.Cancelled}, {"候补未获名额", "count", v.Waitlisted}, {"到场", "count", v.Attended},
		{"缺席", "count", v.NoShows}, {"未登记出勤", "count", v.Unmarked}, {"出勤率", "rate", v.AttendanceRate},
		{"服务时长", "minutes", v.MinutesServed}, {"服务记录", "count", v.Services},
		{"活跃志愿者", "count", v.ActiveVolunteers}, {"新志愿者", "count", v.NewVolunteers}})
	row = w.find(service.SheetVolunteering, "名次", 0)
	for i, p := range v.TopVolunteers {
		w.want(service.SheetVolunteering, 2, row+1+i, "text", p.Nickname)
		w.want(service.SheetVolunteering, 3, row+1+i, "minutes", p.Minutes)
		w.want(service.SheetVolunteering, 4, row+1+i, "count", p.Services)
	}
	row = w.find(service.SheetVolunteering, "名次", row)
	for i, tm := range v.TopTeams {
		w.want(service.SheetVolunteering, 2, row+1+i, "text", tm.Name)
		w.want(service.SheetVolunteering, 3, row+1+i, "minutes", tm.Minutes)
		w.want(service.SheetVolunteering, 5, row+1+i, "count", tm.Volunteers)
	}

	figures(service.SheetSkills, []fig{{"能人库登记人数", "count", k.ListedPeople}, {"派单", "count", k.Offered},
		{"接单", "count", k.Accepted}, {"婉拒", "count", k.Declined}, {"超时", "count", k.Expired},
		{"取消", "count", k.Cancelled}, {"完成", "count", k.Completed}, {"确认", "count", k.Confirmed},
		{"接单率", "rate", k.AcceptanceRate}, {"响应时间中位数", "minutes", k.ToAccept.P50},
		{"响应时间90分位", "minutes", k.ToAccept.P90}})
	row = w.find(service.SheetSkills, "技能", 0)
	for i, s := range k.BySkill {
		w.want(service.SheetSkills, 1, row+1+i, "text", s.Name)
		w.want(service.SheetSkills, 2, row+1+i, "count", s.Listed)
		w.want(service.SheetSkills, 3, row+1+i, "count", s.Verified)
	}

	figures(service.SheetTimeBank, []fig{{"服务入账", "points", tb.Credited}, {"服务入账笔数", "count", tb.Credits},
		{"更正", "points", tb.Reversed}, {"更正笔数", "count", tb.Reversals}, {"发放积分", "points", tb.Issued},
		{"兑换积分", "points", tb.Redeemed}, {"兑换笔数", "count", tb.Redemptions}, {"取消兑换退还", "points", tb.Refunded},
		{"转赠", "points", tb.Transferred}, {"转赠笔数", "count", tb.Transfers}, {"流通积分", "points", tb.Outstanding}})
	row = w.find(service.SheetTimeBank, "名次", 0)
	for i, r := range tb.TopRewards {
		w.want(service.SheetTimeBank, 2, row+1+i, "text", r.Name)
		w.want(service.SheetTimeBank, 3, row+1+i, "count", r.Redemptions)
		w.want(service.SheetTimeBank, 4, row+1+i, "points", r.Points)
	}

	// The trend: the eleven months before, then the month itself.
	months := append(append([]api.DashTrendDTO{}, d.Trend...), api.DashTrendDTO{Month: d.Month,
		IssuesReported: is.Reported, IssuesResolved: is.Resolved, ResolutionRate: is.ResolutionRate,
		AckP50Minutes: is.ToAcknowledge.P50, ResolveP50Minutes: is.ToResolve.P50, Activities: v.Activities,
		Signups: v.Signups, AttendanceRate: v.AttendanceRate, MinutesServed: v.MinutesServed,
		ActiveVolunteers: v.ActiveVolunteers, DispatchesOffered: k.Offered, AcceptanceRate: k.AcceptanceRate,
		PointsIssued: tb.Issued, PointsRedeemed: tb.Redeemed, PointsOutstanding: tb.Outstanding})
	for i, m := range months {
		r, s := i+2, service.SheetTrend
		w.want(s, 1, r, "text", m.Month)
		w.want(s, 2, r, "count", m.IssuesReported)
		w.want(s, 3, r, "count", m.IssuesResolved)
		w.want(s, 4, r, "rate", m.ResolutionRate)
		w.want(s, 5, r, "minutes", m.AckP50Minutes)
		w.want(s, 6, r, "minutes", m.ResolveP50Minutes)
		w.want(s, 7, r, "count", m.Activities)
		w.want(s, 8, r, "count", m.Signups)
		w.want(s, 9, r, "rate", m.AttendanceRate)
		w.want(s, 10, r, "minutes", m.MinutesServed)
		w.want(s, 11, r, "count", m.ActiveVolunteers)
		w.want(s, 12, r, "count", m.DispatchesOffered)
		w.want(s, 13, r, "rate", m.AcceptanceRate)
		w.want(s, 14, r, "points", m.PointsIssued)
		w.want(s, 15, r, "points", m.PointsRedeemed)
		w.want(s, 16, r, "points", m.PointsOutstanding)
	}
	if w.cell(service.SheetTrend, 1, len(months)+2) != "" {
		t.Errorf("trend has more than %d months", len(months))
	}
}

// checkIssueList: one row per issue reported in the month, as the database holds it, the
// reporter's name only where they did not ask to stay anonymous.
func checkIssueList(t *testing.T, e *apptest.Env, w workbook, d api.DashboardDTO) {
	t.Helper()
	s, ctx := service.SheetIssueList, context.Background()
	header := []string{"ID", "楼栋", "类别", "状态", "提交时间", "受理时间", "解决时间", "评分", "报事人"}
	for i, h := range header {
		w.want(s, i+1, 1, "text", h)
	}
	anonymous, named := 0, 0
	for r := 2; r < 2+int(d.Issues.Reported); r++ {
		id, err := strconv.ParseUint(w.cell(s, 1, r), 10, 64)
		if err != nil {
			t.Fatalf("issue list row %d: id %q", r, w.cell(s, 1, r))
		}
		is, err := e.App.Store.IssueRowByID(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if service.MonthOf(is.CreatedAt) != d.Month {
			t.Errorf("issue %d of %s listed in %s", id, service.MonthOf(is.CreatedAt), d.Month)
		}
		w.want(s, 3, r, "text", is.CategoryName)
		w.want(s, 4, r, "text", service.StatusText[is.Status])
		wantTime(t, w, s, 5, r, &is.CreatedAt)
		wantTime(t, w, s, 6, r, is.AcknowledgedAt)
		wantTime(t, w, s, 7, r, is.ResolvedAt)
		if is.Rating == nil {
			w.want(s, 8, r, "count", nil)
		} else {
			w.want(s, 8, r, "count", *is.Rating)
		}
		reporter := w.cell(s, 9, r)
		switch {
		case is.Anonymous && reporter == "匿名":
			anonymous++
		case !is.Anonymous && reporter == is.ReporterNickname && reporter != "":
			named++
		default:
			t.Errorf("issue %d (anonymous %v, by %q): reporter shown as %q", id, is.Anonymous, is.ReporterNickname, reporter)
		}
	}
	if w.cell(s, 1, 2+int(d.Issues.Reported)) != "" {
		t.Errorf("the issue list of %s has more than %d rows", d.Month, d.Issues.Reported)
	}
	if anonymous == 0 || named == 0 {
		t.Errorf("the demo's %s should have anonymous and named reports: %d and %d", d.Month, anonymous, named)
	}
}

// wantTime checks a time cell against an instant, to the minute, in Shanghai wall-clock time.
func wantTime(t *testing.T, w workbook, sheet string, col, row int, at *time.Time) {
	t.Helper()
	raw := w.cell(sheet, col, row)
	if at == nil {
		if raw != "" {
			t.Errorf("%s row %d col %d: %q, want empty", sheet, row, col, raw)
		}
		return
	}
	serial, _ := strconv.ParseFloat(raw, 64)
	got, err := excelize.ExcelDateToTime(serial, false)
	wall := at.In(clock.China)
	if err != nil || got.Format("2006-01-02 15:04") != wall.Format("2006-01-02 15:04") {
		t.Errorf("%s row %d col %d: %v, want %s", sheet, row, col, got, wall.Format("2006-01-02 15:04"))
	}
	if f := w.format(sheet, col, row); f != "yyyy-mm-dd hh:mm" {
		t.Errorf("%s row %d col %d: number format %q", sheet, row, col, f)
	}
}
