package api

import (
	"encoding/json"
	"net/http"

	"github.com/gin-gonic/gin"

	"linli/service"
)

// LeaderboardQuery asks for a ranking.
type LeaderboardQuery struct {
	CommunityPath
	Metric     string `query:"metric" validate:"omitempty,oneof=hours points" description:"hours 服务时长（默认）；points 服务获得的积分" label:"指标"`
	Period     string `query:"period" validate:"omitempty,max=7" description:"all 累计（默认）；month 本月（北京时间）；或 YYYY-MM" label:"时段"`
	BuildingID string `query:"building_id" validate:"omitempty,number,max=20" description:"只排该楼栋的志愿者（须属于该社区）" label:"楼栋"`
	Limit      int    `query:"limit" validate:"omitempty,min=1,max=100" description:"前 N 名，默认 20，最多 100" label:"每页条数"`
}

// LeaderUserDTO is a ranked volunteer as everyone may see them: no phone, no room.
type LeaderUserDTO struct {
	ID        ID     `json:"id"`
	Nickname  string `json:"nickname"`
	AvatarURL string `json:"avatar_url"`
}

// LeaderItemDTO is one place of a ranking.
type LeaderItemDTO struct {
	Rank  int           `json:"rank" description:"名次；并列同名次，其后跳过（1, 2, 2, 4）"`
	User  LeaderUserDTO `json:"user"`
	Value string        `json:"value" example:"12.50" description:"hours：小时（两位小数）；points：积分（两位小数）"`
}

// LeaderMeDTO is the reader's own place.
type LeaderMeDTO struct {
	Rank  *int   `json:"rank" description:"未上榜为 null"`
	Value string `json:"value" example:"3.25"`
}

// LeaderboardDTO is a ranking with the reader's own place.
type LeaderboardDTO struct {
	Metric     string          `json:"metric" enum:"hours,points"`
	Period     string          `json:"period" example:"2024-05" description:"all 或具体月份 YYYY-MM"`
	BuildingID *ID             `json:"building_id,omitempty"`
	Items      []LeaderItemDTO `json:"items"`
	Me         LeaderMeDTO     `json:"me"`
}

func (a *API) leaderboardRoutes() error {
	return a.handle(a.v1, route{op: "getLeaderboard", method: "GET", path: "/communities/:id/leaderboard", tag: "排行榜", summary: "志愿者排行榜",
		description: "按服务时长或积分，累计或按月，全社区或某一楼栋；返回前 N 名与我的名次。数据来自 Redis，" +
			"缺失时由账本重建，结果与重建前一致。本社区的居民、楼栋长与工作人员可看。",
		auth: true, req: new(LeaderboardQuery), resp: data[LeaderboardDTO](), errors: []int{403, 404}},
		a.requireUser, a.leaderboard)
}

func (a *API) leaderboard(c *gin.Context) {
	var q LeaderboardQuery
	cid, err := pathID(c, "id")
	if err == nil {
		err = a.bind.Query(c, &q)
	}
	var building uint64
	if err == nil {
		building, err = queryID("building_id", q.BuildingID)
	}
	var p *service.Principal
	if err == nil {
		p, err = a.principal(c)
	}
	if err != nil {
		fail(c, a.log, err)
		return
	}
	if q.Metric == "" {
		q.Metric = service.MetricHours
	}
	if q.Period == "" {
		q.Period = service.PeriodAll
	}
	if q.Limit == 0 {
		q.Limit = 20
	}
	b, err := a.deps.Leaderboards.Read(c.Request.Context(), p, service.BoardQuery{CommunityID: cid, BuildingID: building,
		Metric: q.Metric, Period: q.Period, Limit: q.Limit, UserID: userID(c)})
	if err != nil {
		fail(c, a.log, err)
		return
	}
	value := func(v int64) string {
		if b.Metric == service.MetricHours {
			return service.HoursString(v)
		}
		return service.Points(v).String()
	}
	out := LeaderboardDTO{Metric: b.Metric, Period: b.Period, Me: LeaderMeDTO{Value: value(b.MeValue)}}
	if b.BuildingID != 0 {
		id := ID(b.BuildingID)
		out.BuildingID = &id
	}
	if b.MeRank > 0 {
		out.Me.Rank = &b.MeRank
	}
	items, cached := a.rendered.Lookup("board:" + b.TopKey)
	if !cached {
		dto := make([]LeaderItemDTO, len(b.Items))
		for i, it := range b.Items {
			dto[i] = LeaderItemDTO{Rank: it.Rank, Value: value(it.Value),
				User: LeaderUserDTO{ID: ID(it.User.ID), Nickname: it.User.Nickname, AvatarURL: it.User.AvatarURL}}
		}
		if items, err = json.Marshal(dto); err != nil {
			fail(c, a.log, service.Internal(err))
			return
		}
		if b.TopKey != "" {
			a.rendered.Keep(a.rendered.Begin(), "board:"+b.TopKey, items)
		}
	}
	// The envelope is encoded without the items, which are then put in place of its null: the
	// same bytes as encoding it whole (TestLeaderboardOverHTTP), without re-encoding a
	// ranking that has not changed.
	body, err := json.Marshal(Envelope[LeaderboardDTO]{Code: 0, Message: "ok", Data: out})
	if err != nil {
		fail(c, a.log, service.Internal(err))
		return
	}
	body = spliceItems(body, items)
	writeJSON(c, http.StatusOK, body)
}

// renderedKept bounds the encoded answers kept (rankings and dashboards in use).
const renderedKept = 1024
