package api

import (
	"time"

	"linli/service"
)

// The monthly dashboard's response (工作台). Every figure's definition is in its description:
// what counts, by which timestamp, in which month. A month is a calendar month in Asia/Shanghai,
// [the 1st 00:00 +08:00, the next month's 1st 00:00 +08:00); "the month's end" is that last
// instant, or now while the month is running.

// DashboardQuery asks for one month of a community's dashboard.
type DashboardQuery struct {
	CommunityPath
	Month string `query:"month" validate:"omitempty,max=7" example:"2026-03" description:"月份 YYYY-MM（北京时间自然月）；省略为本月。不能是尚未开始的月份" label:"月份"`
}

// DurationDTO summarises durations in minutes: median and 90th percentile (nearest rank: the
// value at rank ⌈p·n⌉ in ascending order, computed from whole seconds and rounded half up).
type DurationDTO struct {
	N   int64  `json:"n" description:"计入的件数"`
	P50 *int64 `json:"p50" description:"中位数（分钟）；无数据时为 null"`
	P90 *int64 `json:"p90" description:"第 90 百分位（分钟，最近秩法）；无数据时为 null"`
}

func durationDTO(d service.Durations) DurationDTO {
	return DurationDTO{N: d.N, P50: d.P50Minutes(), P90: d.P90Minutes()}
}

// DashIssuesDTO is the month's issues (报事).
type DashIssuesDTO struct {
	Reported       int64             `json:"reported" description:"新报事：提交时间（created_at）在本月的报事，含待审核、后被驳回或标为重复的"`
	Acknowledged   int64             `json:"acknowledged" description:"受理：首次受理时间（acknowledged_at：受理、开始处理或派单处理中最早的一次）在本月的报事，不论何时提交"`
	Resolved       int64             `json:"resolved" description:"解决：本月内至少一次被标记为已解决（人工或派单志愿者）的报事，按件计；重开后再次解决的，计入再次解决的月份"`
	Closed         int64             `json:"closed" description:"关闭：本月内被关闭（报事人确认、管理者关闭或超时自动关闭）的报事"`
	Rejected       int64             `json:"rejected" description:"驳回：本月内被驳回的报事"`
	Duplicates     int64             `json:"duplicates" description:"重复：本月内被标记为重复的报事"`
	Reopened       int64             `json:"reopened" description:"重开：本月内被报事人从已解决重新打开的报事"`
	OpenAtEnd      int64             `json:"open_at_end" description:"月末未办结：提交于月末之前、月末时状态为已提交/已受理/处理中的报事（按事件时间线还原月末状态；本月为当前状态）"`
	Settled        int64             `json:"settled" description:"本月新报事中，月末时状态为已解决或已关闭的件数"`
	ResolutionRate *float64          `json:"resolution_rate" example:"0.8333" description:"解决率 = settled / reported（四位小数）；无新报事时为 null"`
	ToAcknowledge  DurationDTO       `json:"to_acknowledge" description:"受理用时：本月受理的报事，从提交到首次受理"`
	ToResolve      DurationDTO       `json:"to_resolve" description:"解决用时：本月解决的报事，从提交到本月最后一次标记已解决"`
	Rated          int64             `json:"rated" description:"本月解决的报事中已有评分的件数（评分可能在月后补评；已汇总的月份不再变化）"`
	AverageRating  *float64          `json:"average_rating" example:"4.50" description:"满意度：上述评分的平均值（1–5 分，两位小数）；无评分时为 null"`
	ByCategory     []DashCategoryDTO `json:"by_category" description:"按类别：新报事、解决、月末未办结，按新报事数降序"`
	ByBuilding     []DashBuildingDTO `json:"by_building" description:"按楼栋：同上"`
	OldestOpen     []DashOpenDTO     `json:"oldest_open" description:"月末未办结中提交最早的 10 件"`
}

// DashCategoryDTO is the month's issues of one category.
type DashCategoryDTO struct {
	CategoryID ID     `json:"category_id"`
	Name       string `json:"name"`
	Reported   int64  `json:"reported"`
	Resolved   int64  `json:"resolved"`
	OpenAtEnd  int64  `json:"open_at_end"`
}

// DashBuildingDTO is the month's issues of one building.
type DashBuildingDTO struct {
	BuildingID ID     `json:"building_id"`
	Name       string `json:"name" example:"东亭花园 3栋" description:"小区名 楼栋名"`
	Reported   int64  `json:"reported"`
	Resolved   int64  `json:"resolved"`
	OpenAtEnd  int64  `json:"open_at_end"`
}

// DashOpenDTO is one of the oldest issues open at the month's end.
type DashOpenDTO struct {
	ID         ID        `json:"id"`
	BuildingID ID        `json:"building_id"`
	Building   string    `json:"building"`
	Category   string    `json:"category"`
	Status     string    `json:"status" enum:"submitted,acknowledged,in_progress" description:"月末时的状态"`
	StatusText string    `json:"status_text" example:"处理中"`
	CreatedAt  time.Time `json:"created_at"`
	AgeDays    int64     `json:"age_days" description:"从提交到月末（本月为到现在）的整天数"`
}

// DashVolunteeringDTO is the month's volunteering (志愿服务).
type DashVolunteeringDTO struct {
	Activities       int64              `json:"activities" description:"活动场次：开始时间在本月、未取消的活动（已发布或已结算）"`
	Signups          int64              `json:"signups" description:"报名：上述活动的有效报名（已确认名额，不含取消与候补）"`
	Cancelled        int64              `json:"cancelled" description:"上述活动中已取消的报名"`
	Waitlisted       int64              `json:"waitlisted" description:"上述活动中仍在候补、未获名额的报名"`
	Attended         int64              `json:"attended" description:"有效报名中已到场的（签到签退或组织者登记）"`
	NoShows          int64              `json:"no_shows" description:"有效报名中缺席的"`
	Unmarked         int64              `json:"unmarked" description:"有效报名中尚未登记出勤的（活动未结束或未结算）"`
	AttendanceRate   *float64           `json:"attendance_rate" example:"0.9" description:"出勤率 = attended / (attended + no_shows)（四位小数）；无出勤记录时为 null"`
	MinutesServed    int64              `json:"minutes_served" description:"服务时长（分钟）：服务日期（served_at）在本月的志愿服务记录之和，含活动与派单；时间银行的更正不改变服务记录"`
	HoursServed      string             `json:"hours_served" example:"12.50" description:"同上，小时（两位小数）"`
	Services         int64              `json:"services" description:"上述服务记录条数"`
	ActiveVolunteers int64              `json:"active_volunteers" description:"活跃志愿者：本月至少有一条服务记录的人数"`
	NewVolunteers    int64              `json:"new_volunteers" description:"新志愿者：在本社区的第一条服务记录在本月的人数"`
	UnsettledLate    int64              `json:"unsettled_late" description:"逾期未结算：结束超过 10 个工作日（周一至周五，不计法定节假日调整）仍未结算、未录入服务记录的活动，截至月末（本月为现在）；民政部令第67号第十一条"`
	TopVolunteers    []DashVolunteerDTO `json:"top_volunteers" description:"本月服务时长前 10 名（同时长按次数、再按用户 ID）"`
	TopTeams         []DashTeamDTO      `json:"top_teams" description:"本月服务时长前 10 的服务队：其活动产生的服务记录"`
}

// DashVolunteerDTO is one of the month's most serving volunteers.
type DashVolunteerDTO struct {
	Rank     int    `json:"rank"`
	UserID   ID     `json:"user_id"`
	Nickname string `json:"nickname" description:"当前昵称（已注销的账户为空）"`
	Minutes  int64  `json:"minutes"`
	Services int64  `json:"services"`
}

// DashTeamDTO is one of the month's most serving teams.
type DashTeamDTO struct {
	Rank       int    `json:"rank"`
	TeamID     ID     `json:"team_id"`
	Name       string `json:"name"`
	Minutes    int64  `json:"minutes"`
	Services   int64  `json:"services"`
	Volunteers int64  `json:"volunteers" description:"参与服务的不同志愿者人数"`
}

// DashSkillsDTO is the skill directory and the month's dispatches (能人库 / 派单).
type DashSkillsDTO struct {
	ListedPeople   int64          `json:"listed_people" description:"在能人库中公开展示的人数（计算时的现状；已汇总的月份为汇总时的现状）"`
	BySkill        []DashSkillDTO `json:"by_skill" description:"每项技能登记的人数与其中经工作人员认证的人数（同上）"`
	Offered        int64          `json:"offered" description:"派单：派出时间（offered_at）在本月的派单"`
	Accepted       int64          `json:"accepted" description:"接单：本月被志愿者接受的派单（按答复时间）"`
	Declined       int64          `json:"declined" description:"婉拒：本月被婉拒的派单"`
	Expired        int64          `json:"expired" description:"超时：本月超时未答复的派单"`
	Cancelled      int64          `json:"cancelled" description:"本月被派单方取消的派单"`
	Completed      int64          `json:"completed" description:"本月志愿者报告完成的派单"`
	Confirmed      int64          `json:"confirmed" description:"本月被确认（形成服务记录）的派单"`
	AcceptanceRate *float64       `json:"acceptance_rate" example:"0.75" description:"接单率 = accepted / (accepted + declined + expired)（本月有结果的派单，四位小数）；无时为 null"`
	ToAccept       DurationDTO    `json:"to_accept" description:"响应时间：本月接受的派单，从派出到接受"`
}

// DashSkillDTO is the people listed with one skill.
type DashSkillDTO struct {
	SkillID  ID     `json:"skill_id"`
	Name     string `json:"name"`
	Listed   int64  `json:"listed"`
	Verified int64  `json:"verified"`
}

// DashTimeBankDTO is the month's time bank (时间银行). Points are decimal strings.
type DashTimeBankDTO struct {
	Credited    string          `json:"credited" example:"120.00" description:"服务入账：本月记账（按记账时间）的服务入账积分之和"`
	Credits     int64           `json:"credits" description:"服务入账笔数"`
	Reversed    string          `json:"reversed" example:"2.00" description:"更正：本月记账的冲正积分之和（任何类型的原记账）"`
	Reversals   int64           `json:"reversals" description:"冲正笔数"`
	Issued      string          `json:"issued" example:"118.00" description:"发放积分：本月从时间银行发行账户净流出的积分 = 服务入账 − 对服务入账的冲正"`
	Redeemed    string          `json:"redeemed" example:"30.00" description:"兑换积分：本月兑换花费的积分，减去本月取消兑换退还的积分"`
	Redemptions int64           `json:"redemptions" description:"本月兑换（扣积分）的笔数"`
	Refunded    string          `json:"refunded" example:"5.00" description:"本月取消兑换退还的积分"`
	Transferred string          `json:"transferred" example:"10.00" description:"转赠：本月转赠（含捐给社区或集体账户）的积分之和"`
	Transfers   int64           `json:"transfers" description:"转赠笔数"`
	Outstanding string          `json:"outstanding" example:"860.00" description:"流通积分：月末时所有居民账户与集体账户的余额之和（不含社区自有账户；本月为当前）"`
	TopRewards  []DashRewardDTO `json:"top_rewards" description:"本月兑换次数前 10 的奖励：本月发放、且月末前未取消的兑换券"`
}

// DashRewardDTO is one of the month's most redeemed rewards.
type DashRewardDTO struct {
	Rank        int    `json:"rank"`
	RewardID    ID     `json:"reward_id"`
	Name        string `json:"name"`
	Redemptions int64  `json:"redemptions"`
	Points      string `json:"points" example:"40.00" description:"这些兑换券花费的积分"`
}

// DashTrendDTO is one month's headline figures, defined as the same fields of the month itself.
type DashTrendDTO struct {
	Month             string   `json:"month" example:"2026-02"`
	IssuesReported    int64    `json:"issues_reported" description:"= issues.reported"`
	IssuesResolved    int64    `json:"issues_resolved" description:"= issues.resolved"`
	ResolutionRate    *float64 `json:"resolution_rate" description:"= issues.resolution_rate"`
	AckP50Minutes     *int64   `json:"ack_p50_minutes" description:"= issues.to_acknowledge.p50"`
	ResolveP50Minutes *int64   `json:"resolve_p50_minutes" description:"= issues.to_resolve.p50"`
	Activities        int64    `json:"activities" description:"= volunteering.activities"`
	Signups           int64    `json:"signups" description:"= volunteering.signups"`
	AttendanceRate    *float64 `json:"attendance_rate" description:"= volunteering.attendance_rate"`
	MinutesServed     int64    `json:"minutes_served" description:"= volunteering.minutes_served"`
	ActiveVolunteers  int64    `json:"active_volunteers" description:"= volunteering.active_volunteers"`
	DispatchesOffered int64    `json:"dispatches_offered" description:"= skills.offered"`
	AcceptanceRate    *float64 `json:"acceptance_rate" description:"= skills.acceptance_rate"`
	PointsIssued      string   `json:"points_issued" description:"= timebank.issued"`
	PointsRedeemed    string   `json:"points_redeemed" description:"= timebank.redeemed"`
	PointsOutstanding string   `json:"points_outstanding" description:"= timebank.outstanding"`
}

// DashboardDTO is one month of a community's dashboard (工作台).
type DashboardDTO struct {
	CommunityID ID                  `json:"community_id"`
	Community   string              `json:"community" description:"社区名称"`
	Month       string              `json:"month" example:"2026-03" description:"自然月，北京时间（Asia/Shanghai）"`
	From        time.Time           `json:"from" description:"月初（含）：当月 1 日 00:00 +08:00"`
	To          time.Time           `json:"to" description:"月末（不含）：次月 1 日 00:00 +08:00。所有“本月”均指 [from, to)，库中时间以 UTC 存储、按此边界比较"`
	ComputedAt  time.Time           `json:"computed_at" description:"数据的计算时间"`
	Final       bool                `json:"final" description:"true：该月已结束满 72 小时，数据为月度汇总，计算一次后不再变化（之后补录的数据计入记账所在的月份或不再计入）；false：实时计算，最多缓存 60 秒"`
	Issues      DashIssuesDTO       `json:"issues"`
	Volunteer   DashVolunteeringDTO `json:"volunteering"`
	Skills      DashSkillsDTO       `json:"skills"`
	TimeBank    DashTimeBankDTO     `json:"timebank"`
	Council     DashCouncilDTO      `json:"council"`
	// Announcements are the month's notices (公告).
	Announcements DashAnnouncementsDTO `json:"announcements"`
	Trend         []DashTrendDTO       `json:"trend" description:"此前 11 个月（由远及近）的核心指标，口径与本月相同"`
}

// dashboardDTO converts a view for the response.
func dashboardDTO(v *service.DashboardView) DashboardDTO {
	f := v.Figures
	from, to, _ := service.ParseMonth(f.Month)
	out := DashboardDTO{CommunityID: ID(v.CommunityID), Community: v.CommunityName, Month: f.Month, From: Time(from),
		To: Time(to), ComputedAt: Time(f.ComputedAt), Final: f.Final, Issues: dashIssuesDTO(f.Issues),
		Volunteer: dashVolunteeringDTO(f.Volunteering, v.Volunteers), Skills: dashSkillsDTO(f.Skills),
		TimeBank: dashTimeBankDTO(f.TimeBank), Council: dashCouncilDTO(f.Council),
		Announcements: DashAnnouncementsDTO{Published: f.Announcements.Published, Reach24h: f.Announcements.Reach24h()}, Trend: []DashTrendDTO{}}
	for _, h := range v.Trend {
		out.Trend = append(out.Trend, DashTrendDTO{Month: h.Month, IssuesReported: h.Reported, IssuesResolved: h.Resolved,
			ResolutionRate: h.ResolutionRate, AckP50Minutes: h.AckP50Minutes, ResolveP50Minutes: h.ResolveP50Minutes,
			Activities: h.Activities, Signups: h.Signups, AttendanceRate: h.AttendanceRate, MinutesServed: h.MinutesServed,
			ActiveVolunteers: h.ActiveVolunteers, DispatchesOffered: h.Offered, AcceptanceRate: h.AcceptanceRate,
			PointsIssued: service.Points(h.Issued).String(), PointsRedeemed: service.Points(h.Redeemed).String(),
			PointsOutstanding: service.Points(h.Outstanding).String()})
	}
	return out
}

func dashIssuesDTO(f service.IssueFigures) DashIssuesDTO {
	out := DashIssuesDTO{Reported: f.Reported, Acknowledged: f.Acknowledged, Resolved: f.Resolved, Closed: f.Closed,
		Rejected: f.Rejected, Duplicates: f.Duplicates, Reopened: f.Reopened, OpenAtEnd: f.OpenAtEnd, Settled: f.Settled,
		ResolutionRate: f.ResolutionRate(), ToAcknowledge: durationDTO(f.ToAck), ToResolve: durationDTO(f.ToResolve),
		Rated: f.Rated, AverageRating: f.AverageRating(), ByCategory: []DashCategoryDTO{}, ByBuilding: []DashBuildingDTO{},
		OldestOpen: []DashOpenDTO{}}
	for _, g := range f.ByCategory {
		out.ByCategory = append(out.ByCategory, DashCategoryDTO{CategoryID: ID(g.ID), Name: g.Name, Reported: g.Reported,
			Resolved: g.Resolved, OpenAtEnd: g.OpenAtEnd})
	}
	for _, g := range f.ByBuilding {
		out.ByBuilding = append(out.ByBuilding, DashBuildingDTO{BuildingID: ID(g.ID), Name: g.Name, Reported: g.Reported,
			Resolved: g.Resolved, OpenAtEnd: g.OpenAtEnd})
	}
	for _, o := range f.OldestOpen {
		out.OldestOpen = append(out.OldestOpen, DashOpenDTO{ID: ID(o.ID), BuildingID: ID(o.BuildingID), Building: o.BuildingName,
			Category: o.CategoryName, Status: o.Status, StatusText: service.StatusText[o.Status], CreatedAt: Time(o.CreatedAt),
			AgeDays: o.AgeDays})
	}
	return out
}

func dashVolunteeringDTO(f service.VolunteeringFigures, names map[uint64]string) DashVolunteeringDTO {
	out := DashVolunteeringDTO{Activities: f.Activities, Signups: f.Signups, Cancelled: f.Cancelled, Waitlisted: f.Waitlisted,
		Attended: f.Attended, NoShows: f.NoShows, Unmarked: f.Unmarked, AttendanceRate: f.AttendanceRate(),
		MinutesServed: f.MinutesServed, HoursServed: service.HoursString(f.MinutesServed), Services: f.Services,
		ActiveVolunteers: f.ActiveVolunteers, NewVolunteers: f.NewVolunteers, UnsettledLate: f.UnsettledLate,
		TopVolunteers: []DashVolunteerDTO{},
		TopTeams:      []DashTeamDTO{}}
	for i, t := range f.TopVolunteers {
		out.TopVolunteers = append(out.TopVolunteers, DashVolunteerDTO{Rank: i + 1, UserID: ID(t.UserID),
			Nickname: names[t.UserID], Minutes: t.Minutes, Services: t.Services})
	}
	for i, t := range f.TopTeams {
		out.TopTeams = append(out.TopTeams, DashTeamDTO{Rank: i + 1, TeamID: ID(t.TeamID), Name: t.Name, Minutes: t.Minutes,
			Services: t.Services, Volunteers: t.Volunteers})
	}
	return out
}

func dashSkillsDTO(f service.SkillFigures) DashSkillsDTO {
	out := DashSkillsDTO{ListedPeople: f.ListedPeople, BySkill: []DashSkillDTO{}, Offered: f.Offered, Accepted: f.Accepted,
		Declined: f.Declined, Expired: f.Expired, Cancelled: f.Cancelled, Completed: f.Completed, Confirmed: f.Confirmed,
		AcceptanceRate: f.AcceptanceRate(), ToAccept: durationDTO(f.ToAccept)}
	for _, s := range f.BySkill {
		out.BySkill = append(out.BySkill, DashSkillDTO{SkillID: ID(s.SkillID), Name: s.Name, Listed: s.Listed, Verified: s.Verified})
	}
	return out
}

func dashTimeBankDTO(f service.TimeBankFigures) DashTimeBankDTO {
	p := func(v int64) string { return service.Points(v).String() }
	out := DashTimeBankDTO{Credited: p(f.Credited), Credits: f.Credits, Reversed: p(f.Reversed), Reversals: f.Reversals,
		Issued: p(f.Issued), Redeemed: p(f.Redeemed), Redemptions: f.Redemptions, Refunded: p(f.Refunded),
		Transferred: p(f.Transferred), Transfers: f.Transfers, Outstanding: p(f.Outstanding), TopRewards: []DashRewardDTO{}}
	for i, r := range f.TopRewards {
		out.TopRewards = append(out.TopRewards, DashRewardDTO{Rank: i + 1, RewardID: ID(r.RewardID), Name: r.Name,
			Redemptions: r.Redemptions, Points: p(r.Points)})
	}
	return out
}

// DashAnnouncementsDTO is the month's announcements (公告).
type DashAnnouncementsDTO struct {
	Published int64    `json:"published" description:"本月发布的公告（含议事厅表决结果公示）"`
	Reach24h  *float64 `json:"reach_24h" description:"24 小时到达率：发布后 24 小时内有人读过的户数 ÷ 范围内户数，各公告的平均（0–1）；本月没有发给任何户的公告为 null"`
}

// DashCouncilDTO is the month's council (议事厅).
type DashCouncilDTO struct {
	Raised      int64    `json:"raised" description:"本月提出的议题"`
	OnAgenda    int64    `json:"on_agenda" description:"本月列入议程的议题（附议达到门槛或被直接列入）"`
	Decided     int64    `json:"decided" description:"本月表决结束的议题"`
	Resolved    int64    `json:"resolved" description:"本月全部落实事项完成的议题"`
	VotesClosed int64    `json:"votes_closed" description:"本月截止的表决场次"`
	Ballots     int64    `json:"ballots" description:"这些表决收到的票数"`
	Electors    int64    `json:"electors" description:"这些表决的投票范围（户或人）合计"`
	Turnout     *float64 `json:"turnout" description:"参与率 = ballots ÷ electors；本月没有截止的表决为 null"`
}

func dashCouncilDTO(f service.CouncilFigures) DashCouncilDTO {
	return DashCouncilDTO{Raised: f.Raised, OnAgenda: f.OnAgenda, Decided: f.Decided, Resolved: f.Resolved,
		VotesClosed: f.VotesClosed, Ballots: f.Ballots, Electors: f.Electors, Turnout: f.Turnout()}
}
