package service

import (
	"strconv"

	"linli/model"
)

// The worksheets of the dashboard's workbook. Each section's sheet starts with its figures
// (指标, 数值, 口径: the header row stays in view), then its tables, each under a bold header.

func writeAbout(s *sheet, v *DashboardView) {
	from, to, _ := ParseMonth(v.Figures.Month)
	source := "实时计算（本月或刚结束的月份，数据仍可能变化）"
	if v.Figures.Final {
		source = "月度汇总（该月已结束满 72 小时，不再变化）"
	}
	s.header("项目", "内容")
	s.line(false, text("社区"), text(v.CommunityName))
	s.line(false, text("月份"), text(v.Figures.Month))
	s.line(false, text("统计区间（北京时间）"), text(from.Format("2006-01-02 15:04")+" 至 "+to.Format("2006-01-02 15:04")+"（不含）"))
	s.line(false, text("计算时间"), moment(&v.Figures.ComputedAt))
	s.line(false, text("数据"), text(source))
}

func writeIssues(s *sheet, f IssueFigures) {
	s.header("指标", "数值", "口径")
	for _, r := range []struct {
		label string
		c     cell
		def   string
	}{
		{"新报事", count(f.Reported), "提交时间在本月"},
		{"受理", count(f.Acknowledged), "首次受理时间在本月"},
		{"解决", count(f.Resolved), "本月内被标记为已解决（按件）"},
		{"关闭", count(f.Closed), "本月内被关闭"},
		{"驳回", count(f.Rejected), "本月内被驳回"},
		{"重复", count(f.Duplicates), "本月内被标记为重复"},
		{"重开", count(f.Reopened), "本月内被报事人重新打开"},
		{"月末未办结", count(f.OpenAtEnd), "月末时为已提交、已受理或处理中"},
		{"本月新报事中已办结", count(f.Settled), "月末时已解决或已关闭"},
		{"解决率", percent(f.ResolutionRate()), "本月新报事中已办结 ÷ 新报事"},
		{"受理用时中位数", hours(f.ToAck.P50Minutes()), "本月受理的报事，提交到首次受理"},
		{"受理用时90分位", hours(f.ToAck.P90Minutes()), "同上，第 90 百分位"},
		{"解决用时中位数", hours(f.ToResolve.P50Minutes()), "本月解决的报事，提交到本月最后一次解决"},
		{"解决用时90分位", hours(f.ToResolve.P90Minutes()), "同上，第 90 百分位"},
		{"已评分", count(f.Rated), "本月解决的报事中已评分的"},
		{"满意度", cell{ratingValue(f.AverageRating()), fmtRating}, "上述评分的平均值（1–5 分）"},
	} {
		s.line(false, text(r.label), r.c, text(r.def))
	}
	groups := func(title, what string, gs []IssueBy) {
		s.blank()
		s.line(true, text(title))
		s.header(what, "新报事", "解决", "月末未办结")
		for _, g := range gs {
			s.line(false, text(g.Name), count(g.Reported), count(g.Resolved), count(g.OpenAtEnd))
		}
	}
	groups("按类别", "类别", f.ByCategory)
	groups("按楼栋", "楼栋", f.ByBuilding)
	s.blank()
	s.line(true, text("月末未办结最久的报事"))
	s.header("ID", "楼栋", "类别", "月末状态", "提交时间", "等待天数")
	for _, o := range f.OldestOpen {
		s.line(false, text(strconv.FormatUint(o.ID, 10)), text(o.BuildingName), text(o.CategoryName),
			text(StatusText[o.Status]), moment(&o.CreatedAt), count(o.AgeDays))
	}
}

// ratingValue is the average rating for a cell (nil: empty).
func ratingValue(r *float64) any {
	if r == nil {
		return nil
	}
	return *r
}

func writeIssueList(s *sheet, issues []model.DashIssueListRow) {
	s.header("ID", "楼栋", "类别", "状态", "提交时间", "受理时间", "解决时间", "评分", "报事人")
	for _, is := range issues {
		reporter := is.ReporterNickname
		if is.Anonymous {
			reporter = AnonymousName
		}
		rating := cell{}
		if is.Rating != nil {
			rating = count(int64(*is.Rating))
		}
		s.line(false, text(strconv.FormatUint(is.ID, 10)), text(is.BuildingLabel()), text(is.CategoryName),
			text(StatusText[is.Status]), moment(&is.CreatedAt), moment(is.AcknowledgedAt), moment(is.ResolvedAt), rating,
			text(reporter))
	}
}

func writeVolunteering(s *sheet, f VolunteeringFigures, names map[uint64]string) {
	s.header("指标", "数值", "口径")
	for _, r := range []struct {
		label string
		c     cell
		def   string
	}{
		{"活动场次", count(f.Activities), "开始时间在本月、未取消的活动"},
		{"报名", count(f.Signups), "上述活动的有效报名（不含取消与候补）"},
		{"取消报名", count(f.Cancelled), "上述活动中已取消的报名"},
		{"候补未获名额", count(f.Waitlisted), "上述活动中仍在候补的报名"},
		{"到场", count(f.Attended), "有效报名中已到场的"},
		{"缺席", count(f.NoShows), "有效报名中缺席的"},
		{"未登记出勤", count(f.Unmarked), "有效报名中尚未登记出勤的"},
		{"出勤率", percent(f.AttendanceRate()), "到场 ÷（到场 + 缺席）"},
		{"服务时长", minutesCell(f.MinutesServed), "服务日期在本月的志愿服务记录（活动与派单）"},
		{"服务记录", count(f.Services), "上述服务记录条数"},
		{"活跃志愿者", count(f.ActiveVolunteers), "本月至少服务一次的人数"},
		{"新志愿者", count(f.NewVolunteers), "第一次服务在本月的人数"},
		{"逾期未结算活动", count(f.UnsettledLate), "结束超过 10 个工作日仍未结算（录入服务记录）的活动，截至月末或现在"},
	} {
		s.line(false, text(r.label), r.c, text(r.def))
	}
	s.blank()
	s.line(true, text("服务时长前 10 名"))
	s.header("名次", "志愿者", "服务时长", "服务次数")
	for i, t := range f.TopVolunteers {
		s.line(false, count(int64(i+1)), text(names[t.UserID]), minutesCell(t.Minutes), count(t.Services))
	}
	s.blank()
	s.line(true, text("服务队前 10 名"))
	s.header("名次", "服务队", "服务时长", "服务次数", "志愿者人数")
	for i, t := range f.TopTeams {
		s.line(false, count(int64(i+1)), text(t.Name), minutesCell(t.Minutes), count(t.Services), count(t.Volunteers))
	}
}

func writeSkills(s *sheet, f SkillFigures) {
	s.header("指标", "数值", "口径")
	for _, r := range []struct {
		label string
		c     cell
		def   string
	}{
		{"能人库登记人数", count(f.ListedPeople), "公开展示的人数（计算时）"},
		{"派单", count(f.Offered), "派出时间在本月"},
		{"接单", count(f.Accepted), "本月被接受"},
		{"婉拒", count(f.Declined), "本月被婉拒"},
		{"超时", count(f.Expired), "本月超时未答复"},
		{"取消", count(f.Cancelled), "本月被派单方取消"},
		{"完成", count(f.Completed), "本月报告完成"},
		{"确认", count(f.Confirmed), "本月被确认"},
		{"接单率", percent(f.AcceptanceRate()), "接单 ÷（接单 + 婉拒 + 超时）"},
		{"响应时间中位数", hours(f.ToAccept.P50Minutes()), "本月接受的派单，派出到接受"},
		{"响应时间90分位", hours(f.ToAccept.P90Minutes()), "同上，第 90 百分位"},
	} {
		s.line(false, text(r.label), r.c, text(r.def))
	}
	s.blank()
	s.line(true, text("按技能"))
	s.header("技能", "登记人数", "已认证")
	for _, k := range f.BySkill {
		s.line(false, text(k.Name), count(k.Listed), count(k.Verified))
	}
}

func writeTimeBank(s *sheet, f TimeBankFigures) {
	s.header("指标", "数值", "口径")
	for _, r := range []struct {
		label string
		c     cell
		def   string
	}{
		{"服务入账", points(f.Credited), "本月记账的服务入账积分"},
		{"服务入账笔数", count(f.Credits), ""},
		{"更正", points(f.Reversed), "本月记账的冲正积分"},
		{"更正笔数", count(f.Reversals), ""},
		{"发放积分", points(f.Issued), "服务入账 − 对服务入账的冲正"},
		{"兑换积分", points(f.Redeemed), "兑换花费 − 取消兑换退还"},
		{"兑换笔数", count(f.Redemptions), ""},
		{"取消兑换退还", points(f.Refunded), ""},
		{"转赠", points(f.Transferred), "本月转赠的积分"},
		{"转赠笔数", count(f.Transfers), ""},
		{"流通积分", points(f.Outstanding), "月末居民账户与集体账户余额之和"},
	} {
		s.line(false, text(r.label), r.c, text(r.def))
	}
	s.blank()
	s.line(true, text("兑换最多的奖励"))
	s.header("名次", "奖励", "兑换次数", "积分")
	for i, r := range f.TopRewards {
		s.line(false, count(int64(i+1)), text(r.Name), count(r.Redemptions), points(r.Points))
	}
}

func writeTrend(s *sheet, v *DashboardView) {
	s.header("月份", "新报事", "解决", "解决率", "受理用时中位数", "解决用时中位数", "活动场次", "报名", "出勤率",
		"服务时长", "活跃志愿者", "派单", "接单率", "发放积分", "兑换积分", "流通积分")
	for _, h := range append(append([]Headline{}, v.Trend...), v.Figures.Headline()) {
		s.line(false, text(h.Month), count(h.Reported), count(h.Resolved), percent(h.ResolutionRate), hours(h.AckP50Minutes),
			hours(h.ResolveP50Minutes), count(h.Activities), count(h.Signups), percent(h.AttendanceRate),
			minutesCell(h.MinutesServed), count(h.ActiveVolunteers), count(h.Offered), percent(h.AcceptanceRate),
			points(h.Issued), points(h.Redeemed), points(h.Outstanding))
	}
}

func writeCouncil(s *sheet, f CouncilFigures) {
	s.header("指标", "数值", "口径")
	for _, r := range []struct {
		label string
		c     cell
		def   string
	}{
		{"提出议题", count(f.Raised), "本月提议"},
		{"列入议程", count(f.OnAgenda), "本月因附议达到门槛或被直接列入议程"},
		{"完成表决", count(f.Decided), "本月表决结束的议题"},
		{"落实完毕", count(f.Resolved), "本月全部落实事项完成的议题"},
		{"表决场次", count(f.VotesClosed), "本月截止的表决"},
		{"投票数", count(f.Ballots), "这些表决收到的票数（户或人）"},
		{"参与率", percent(f.Turnout()), "投票数 ÷ 这些表决的投票范围合计"},
	} {
		s.line(false, text(r.label), r.c, text(r.def))
	}
}

func writeAnnouncements(s *sheet, f AnnouncementFigures) {
	s.header("指标", "数值", "口径")
	s.line(false, text("发布公告"), count(f.Published), text("本月发布的公告（含议事厅表决结果公示）"))
	s.line(false, text("24 小时到达率"), percent(f.Reach24h()), text("发布后 24 小时内已读户数 ÷ 范围内户数，各公告的平均"))
}
