package api

import (
	"strconv"
	"strings"
	"time"

	"linli/model"
	"linli/service"
)

// ActivityDTO is a volunteer activity as its viewer sees it.
type ActivityDTO struct {
	ID             ID           `json:"id"`
	CommunityID    ID           `json:"community_id"`
	Team           *TeamRefDTO  `json:"team" description:"组织的志愿服务队；无则为 null"`
	TypeID         ID           `json:"type_id"`
	TypeName       string       `json:"type_name" example:"巡逻"`
	Title          string       `json:"title" example:"周末平安巡逻"`
	Description    string       `json:"description"`
	Place          string       `json:"place" example:"3号楼门口集合"`
	StartAt        time.Time    `json:"start_at"`
	EndAt          time.Time    `json:"end_at"`
	Capacity       int          `json:"capacity"`
	Confirmed      int          `json:"confirmed" description:"已确认人数"`
	Remaining      int          `json:"remaining" description:"剩余名额"`
	Waitlisted     int          `json:"waitlisted" description:"候补人数"`
	SignupOpensAt  time.Time    `json:"signup_opens_at"`
	SignupClosesAt time.Time    `json:"signup_closes_at"`
	CancelCutoffAt time.Time    `json:"cancel_cutoff_at" description:"确认参加者在此之前可取消报名"`
	Audience       string       `json:"audience" enum:"community,estate,building" description:"可报名范围"`
	AudienceID     *ID          `json:"audience_id,omitempty" description:"audience 为 estate/building 时的小区或楼栋"`
	PointsPerHour  string       `json:"points_per_hour" example:"1.00" description:"每小时积分（十进制字符串，两位小数）"`
	Organiser      PersonDTO    `json:"organiser"`
	Status         string       `json:"status" enum:"draft,published,cancelled,finished"`
	StatusText     string       `json:"status_text"`
	Held           bool         `json:"held" description:"内容待人工审核：须社区工作者发布"`
	CancelReason   string       `json:"cancel_reason,omitempty"`
	SettledAt      *time.Time   `json:"settled_at,omitempty"`
	Mine           *MySignupDTO `json:"mine" description:"我的报名；未报名为 null"`
	CanManage      bool         `json:"can_manage" description:"我可以管理此活动（仅详情接口计算）"`
	CreatedAt      time.Time    `json:"created_at"`
	UpdatedAt      time.Time    `json:"updated_at"`
}

// TeamRefDTO names a team.
type TeamRefDTO struct {
	ID   ID     `json:"id"`
	Name string `json:"name"`
}

// MySignupDTO is the viewer's own sign-up on an activity.
type MySignupDTO struct {
	ID         ID         `json:"id"`
	Status     string     `json:"status" enum:"confirmed,waitlisted"`
	Position   int        `json:"position" description:"候补位次（1 为下一位），确认参加时为 0"`
	Attendance string     `json:"attendance" enum:",attended,no_show"`
	CheckinAt  *time.Time `json:"checkin_at,omitempty"`
	CheckoutAt *time.Time `json:"checkout_at,omitempty"`
	Minutes    int        `json:"minutes"`
}

// activityCursorPos reads "<start in unix microseconds>.<id>".
func activityCursorPos(cursor string) (model.ActivityCursor, error) {
	if cursor == "" {
		return model.ActivityCursor{}, nil
	}
	t, id, found := strings.Cut(cursor, ".")
	us, err1 := strconv.ParseInt(t, 10, 64)
	n, err2 := strconv.ParseUint(id, 10, 63)
	if !found || err1 != nil || err2 != nil || n == 0 {
		return model.ActivityCursor{}, badCursor()
	}
	return model.ActivityCursor{StartAt: time.UnixMicro(us).UTC(), ID: n}, nil
}

// parseTime reads an optional RFC 3339 time already checked by the validator.
func parseTime(field string, v *string) (*time.Time, error) {
	if v == nil || *v == "" {
		return nil, nil
	}
	t, err := time.Parse(time.RFC3339, *v)
	if err != nil {
		return nil, service.Invalid(field, field+"须为带时区的 RFC 3339 时间，如 2025-05-01T09:00:00+08:00")
	}
	if err := checkTime(field, t); err != nil {
		return nil, err
	}
	return &t, nil
}

// parsePoints reads an optional decimal points value ("1.5") as hundredths.
func parsePoints(v *string) (*int, error) {
	if v == nil || *v == "" {
		return nil, nil
	}
	n, ok := service.ParseRate(*v)
	if !ok {
		return nil, service.Invalid("points_per_hour", "points_per_hour须为最多两位小数的非负数，如 \"1.5\"")
	}
	return &n, nil
}

func optionalID(v *ID) *uint64 {
	if v == nil {
		return nil
	}
	n := uint64(*v)
	return &n
}

func activityDTO(it *service.ActivityItem) ActivityDTO {
	r := &it.Row
	d := ActivityDTO{ID: ID(r.ID), CommunityID: ID(r.CommunityID), TypeID: ID(r.TypeID), TypeName: r.TypeName,
		Title: r.Title, Description: r.Description, Place: r.Place, StartAt: Time(r.StartAt), EndAt: Time(r.EndAt),
		Capacity: r.Capacity, Confirmed: it.Counts.Confirmed, Remaining: it.Remaining(), Waitlisted: it.Counts.Waitlisted,
		SignupOpensAt: Time(r.SignupOpensAt), SignupClosesAt: Time(r.SignupClosesAt), CancelCutoffAt: Time(r.CancelCutoffAt),
		Audience: r.Audience, PointsPerHour: service.FormatRate(r.PointsPerHour),
		Organiser: PersonDTO{ID: ID(r.OrganiserID), Nickname: r.OrganiserNickname}, Status: r.Status,
		StatusText: service.ActivityStatusText[r.Status], Held: r.Held, CancelReason: r.CancelReason,
		SettledAt: TimePtr(r.SettledAt), CanManage: it.Manages, CreatedAt: Time(r.CreatedAt), UpdatedAt: Time(r.UpdatedAt)}
	if r.TeamID != nil {
		d.Team = &TeamRefDTO{ID: ID(*r.TeamID), Name: r.TeamName}
	}
	if r.Audience != model.AudienceCommunity {
		v := ID(r.AudienceID)
		d.AudienceID = &v
	}
	if su := it.Mine; su != nil {
		d.Mine = &MySignupDTO{ID: ID(su.ID), Status: su.Status, Position: su.Position, Attendance: su.Attendance,
			CheckinAt: TimePtr(su.CheckinAt), CheckoutAt: TimePtr(su.CheckoutAt), Minutes: su.Minutes}
	}
	return d
}
