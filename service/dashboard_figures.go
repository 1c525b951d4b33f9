package service

import (
	"math"
	"slices"
	"time"
)

// The figures of one month of a community's dashboard (工作台), as computed and as stored in
// rollups (JSON). Counts are exact integers, points hundredths, durations whole seconds; the
// rates, averages and minutes shown are derived from them by the methods below, in Go, so that
// both back ends, the JSON and the workbook show the same numbers. What each figure counts is
// written in the OpenAPI description of the response (api/dashboard_dto.go).

// figuresVersion numbers the definitions of the figures: a rollup of another version is
// computed again when it is next read. Raise it whenever a definition changes.
const figuresVersion = 3

// MonthFigures are one month of one community's dashboard.
type MonthFigures struct {
	// Month is YYYY-MM, a calendar month in Asia/Shanghai.
	Month string `json:"month"`
	// ComputedAt is when the figures were computed; Final says the month was over and
	// settled then, so that they are a rollup and will not change.
	ComputedAt   time.Time           `json:"computed_at"`
	Final        bool                `json:"final"`
	Issues       IssueFigures        `json:"issues"`
	Volunteering VolunteeringFigures `json:"volunteering"`
	Skills       SkillFigures        `json:"skills"`
	TimeBank     TimeBankFigures     `json:"timebank"`
	Council      CouncilFigures      `json:"council"`
	// Announcements are the month's notices (公告).
	Announcements AnnouncementFigures `json:"announcements"`
}

// AnnouncementFigures are the month's announcements (公告): how many were published (by
// staff, captains and the council's 公示), and of those addressed to at least one household
// (Measured), the sum of the shares of their households reached within 24 hours of
// publication (ReachSum; a household is reached when any member has read it).
type AnnouncementFigures struct {
	Published int64   `json:"published"`
	Measured  int64   `json:"measured"`
	ReachSum  float64 `json:"reach_sum"`
}

// Reach24h is the average household reach within 24 hours (0–1, four decimals); nil without
// announcements to households.
func (f AnnouncementFigures) Reach24h() *float64 {
	if f.Measured == 0 {
		return nil
	}
	r := math.Round(f.ReachSum*10000/float64(f.Measured)) / 10000
	return &r
}

// CouncilFigures are the month's council (议事厅): topics raised, put on the agenda (by
// seconds or accepted), decided (a vote closed) and resolved (every follow-up item done)
// in the month; votes closed in the month, with their ballots and electors.
type CouncilFigures struct {
	Raised      int64 `json:"raised"`
	OnAgenda    int64 `json:"on_agenda"`
	Decided     int64 `json:"decided"`
	Resolved    int64 `json:"resolved"`
	VotesClosed int64 `json:"votes_closed"`
	Ballots     int64 `json:"ballots"`
	Electors    int64 `json:"electors"`
}

// Turnout is the ballots of the month's closed votes over their electors; nil without votes.
func (f CouncilFigures) Turnout() *float64 { return Ratio(f.Ballots, f.Electors) }

// Durations summarise a set of durations in whole seconds: how many, the median and the 90th
// percentile by the nearest-rank method (the value at rank ⌈p·n⌉ in ascending order).
type Durations struct {
	N   int64 `json:"n"`
	P50 int64 `json:"p50"`
	P90 int64 `json:"p90"`
}

// durationsOf summarises secs (which it sorts).
func durationsOf(secs []int64) Durations {
	if len(secs) == 0 {
		return Durations{}
	}
	slices.Sort(secs)
	rank := func(p int) int64 { // ⌈p·n/100⌉, 1-based
		r := (p*len(secs) + 99) / 100
		return secs[max(r, 1)-1]
	}
	return Durations{N: int64(len(secs)), P50: rank(50), P90: rank(90)}
}

// seconds is the whole seconds from a to b (never negative), from the times cut to the
// millisecond as MariaDB keeps them, so that both back ends give the same.
func seconds(a, b time.Time) int64 {
	return max(int64(b.Truncate(time.Millisecond).Sub(a.Truncate(time.Millisecond))/time.Second), 0)
}

// P50Minutes and P90Minutes are the median and 90th percentile in minutes, rounded half up;
// nil when there is no duration.
func (d Durations) P50Minutes() *int64 { return d.minutes(d.P50) }

// P90Minutes: see P50Minutes.
func (d Durations) P90Minutes() *int64 { return d.minutes(d.P90) }

func (d Durations) minutes(s int64) *int64 {
	if d.N == 0 {
		return nil
	}
	m := (s + 30) / 60
	return &m
}

// Ratio is num/den rounded to four decimals (0.8333), nil when den is 0.
func Ratio(num, den int64) *float64 {
	if den == 0 {
		return nil
	}
	r := math.Round(float64(num)*10000/float64(den)) / 10000
	return &r
}

// IssueFigures are the month's issues (报事).
type IssueFigures struct {
	Reported     int64 `json:"reported"`
	Acknowledged int64 `json:"acknowledged"`
	Resolved     int64 `json:"resolved"`
	Closed       int64 `json:"closed"`
	Rejected     int64 `json:"rejected"`
	Duplicates   int64 `json:"duplicates"`
	OpenAtEnd    int64 `json:"open_at_end"`
	// Settled counts the issues reported in the month that were resolved or closed at its end.
	Settled int64 `json:"settled"`
	// Reopened counts the issues their reporters reopened in the month.
	Reopened   int64      `json:"reopened"`
	ToAck      Durations  `json:"to_ack"`
	ToResolve  Durations  `json:"to_resolve"`
	Rated      int64      `json:"rated"`
	RatingSum  int64      `json:"rating_sum"`
	ByCategory []IssueBy  `json:"by_category"`
	ByBuilding []IssueBy  `json:"by_building"`
	OldestOpen []OpenItem `json:"oldest_open"`
}

// ResolutionRate is Settled of Reported.
func (f IssueFigures) ResolutionRate() *float64 { return Ratio(f.Settled, f.Reported) }

// AverageRating is the mean rating, two decimals; nil when nothing was rated.
func (f IssueFigures) AverageRating() *float64 {
	if f.Rated == 0 {
		return nil
	}
	r := math.Round(float64(f.RatingSum)*100/float64(f.Rated)) / 100
	return &r
}

// IssueBy is the month's issues of one category or building.
type IssueBy struct {
	ID        uint64 `json:"id"`
	Name      string `json:"name"`
	Reported  int64  `json:"reported"`
	Resolved  int64  `json:"resolved"`
	OpenAtEnd int64  `json:"open_at_end"`
}

// OpenItem is an issue still open at the month's end.
type OpenItem struct {
	ID           uint64    `json:"id"`
	BuildingID   uint64    `json:"building_id"`
	BuildingName string    `json:"building_name"`
	CategoryName string    `json:"category_name"`
	Status       string    `json:"status"`
	CreatedAt    time.Time `json:"created_at"`
	// AgeDays is the whole days from its report to the month's end (to now in the current month).
	AgeDays int64 `json:"age_days"`
}

// VolunteeringFigures are the month's volunteer activities and service (志愿服务).
type VolunteeringFigures struct {
	Activities int64 `json:"activities"`
	// Signups counts confirmed places; Cancelled and Waitlisted the other sign-ups of the
	// month's activities.
	Signups          int64 `json:"signups"`
	Cancelled        int64 `json:"cancelled"`
	Waitlisted       int64 `json:"waitlisted"`
	Attended         int64 `json:"attended"`
	NoShows          int64 `json:"no_shows"`
	Unmarked         int64 `json:"unmarked"`
	MinutesServed    int64 `json:"minutes_served"`
	Services         int64 `json:"services"`
	ActiveVolunteers int64 `json:"active_volunteers"`
	NewVolunteers    int64 `json:"new_volunteers"`
	// UnsettledLate counts activities that ended more than 10 working days before the month's
	// end (or the reading, in a running month) and were not settled by then (民政部令第67号,
	// art. 11: records are entered within 10 working days).
	UnsettledLate int64          `json:"unsettled_late"`
	TopVolunteers []VolunteerTop `json:"top_volunteers"`
	TopTeams      []TeamTop      `json:"top_teams"`
}

// AttendanceRate is Attended of the sign-ups whose attendance was recorded.
func (f VolunteeringFigures) AttendanceRate() *float64 {
	return Ratio(f.Attended, f.Attended+f.NoShows)
}

// VolunteerTop is one of the month's most serving volunteers (a user id: names are read when
// shown, so that rollups hold no personal data).
type VolunteerTop struct {
	UserID   uint64 `json:"user_id"`
	Minutes  int64  `json:"minutes"`
	Services int64  `json:"services"`
}

// TeamTop is one of the month's most serving teams.
type TeamTop struct {
	TeamID     uint64 `json:"team_id"`
	Name       string `json:"name"`
	Minutes    int64  `json:"minutes"`
	Services   int64  `json:"services"`
	Volunteers int64  `json:"volunteers"`
}

// SkillFigures are the skill directory and the month's dispatches (能人库 / 派单).
type SkillFigures struct {
	ListedPeople int64         `json:"listed_people"`
	BySkill      []SkillListed `json:"by_skill"`
	Offered      int64         `json:"offered"`
	Accepted     int64         `json:"accepted"`
	Declined     int64         `json:"declined"`
	Expired      int64         `json:"expired"`
	Cancelled    int64         `json:"cancelled"`
	Completed    int64         `json:"completed"`
	Confirmed    int64         `json:"confirmed"`
	ToAccept     Durations     `json:"to_accept"`
}

// AcceptanceRate is Accepted of the offers answered or expired in the month.
func (f SkillFigures) AcceptanceRate() *float64 {
	return Ratio(f.Accepted, f.Accepted+f.Declined+f.Expired)
}

// SkillListed is the people listed with one skill.
type SkillListed struct {
	SkillID  uint64 `json:"skill_id"`
	Name     string `json:"name"`
	Listed   int64  `json:"listed"`
	Verified int64  `json:"verified"`
}

// TimeBankFigures are the month's time bank (时间银行), in hundredths of a point.
type TimeBankFigures struct {
	Credited    int64       `json:"credited"`
	Credits     int64       `json:"credits"`
	Reversed    int64       `json:"reversed"`
	Reversals   int64       `json:"reversals"`
	Issued      int64       `json:"issued"`
	Redeemed    int64       `json:"redeemed"`
	Redemptions int64       `json:"redemptions"`
	Refunded    int64       `json:"refunded"`
	Transferred int64       `json:"transferred"`
	Transfers   int64       `json:"transfers"`
	Outstanding int64       `json:"outstanding"`
	TopRewards  []RewardTop `json:"top_rewards"`
}

// RewardTop is one of the month's most redeemed rewards.
type RewardTop struct {
	RewardID    uint64 `json:"reward_id"`
	Name        string `json:"name"`
	Redemptions int64  `json:"redemptions"`
	Points      int64  `json:"points"`
}

// Headline is the month's headline figures: what the trend shows for each month.
type Headline struct {
	Month             string
	Reported          int64
	Resolved          int64
	ResolutionRate    *float64
	AckP50Minutes     *int64
	ResolveP50Minutes *int64
	Activities        int64
	Signups           int64
	AttendanceRate    *float64
	MinutesServed     int64
	ActiveVolunteers  int64
	Offered           int64
	AcceptanceRate    *float64
	Issued            int64
	Redeemed          int64
	Outstanding       int64
}

// Headline picks the month's headline figures.
func (f *MonthFigures) Headline() Headline {
	return Headline{Month: f.Month, Reported: f.Issues.Reported, Resolved: f.Issues.Resolved,
		ResolutionRate: f.Issues.ResolutionRate(), AckP50Minutes: f.Issues.ToAck.P50Minutes(),
		ResolveP50Minutes: f.Issues.ToResolve.P50Minutes(), Activities: f.Volunteering.Activities,
		Signups: f.Volunteering.Signups, AttendanceRate: f.Volunteering.AttendanceRate(),
		MinutesServed: f.Volunteering.MinutesServed, ActiveVolunteers: f.Volunteering.ActiveVolunteers,
		Offered: f.Skills.Offered, AcceptanceRate: f.Skills.AcceptanceRate(), Issued: f.TimeBank.Issued,
		Redeemed: f.TimeBank.Redeemed, Outstanding: f.TimeBank.Outstanding}
}
