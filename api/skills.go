package api

import (
	"math"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"linli/config"
	"linli/model"
	"linli/service"
)

// SkillDTO is one skill of a community's list.
type SkillDTO struct {
	ID   ID     `json:"id"`
	Name string `json:"name" example:"电工"`
}

// SkillCreateRequest adds a skill (staff).
type SkillCreateRequest struct {
	ID   ID     `path:"id" json:"-"`
	Name string `json:"name" validate:"required,max=16" description:"技能名称，1–16 字" label:"名称"`
}

// WindowDTO is one weekly availability window (China time).
type WindowDTO struct {
	Weekday int    `json:"weekday" validate:"required,min=1,max=7" description:"1 周一 … 7 周日" label:"星期"`
	Start   string `json:"start" validate:"required,len=5" example:"09:00" description:"HH:MM" label:"开始时间"`
	End     string `json:"end" validate:"required,len=5" example:"12:00" description:"HH:MM，须晚于 start，可为 24:00" label:"结束时间"`
}

// ProfileSkillDTO is one skill of a listing.
type ProfileSkillDTO struct {
	ID       ID     `json:"id"`
	Name     string `json:"name"`
	Verified bool   `json:"verified" description:"社区工作者已核实（如见过电工证）"`
}

// SkillProfileRequest creates or replaces the caller's listing.
type SkillProfileRequest struct {
	BuildingID ID          `json:"building_id" description:"以哪个认证楼栋登记；只有一处认证时可省略" label:"楼栋"`
	SkillIDs   []ID        `json:"skill_ids" validate:"required,min=1,max=10" description:"1–10 项本社区技能" label:"技能"`
	Intro      string      `json:"intro" validate:"max=300" description:"自我介绍（经内容安全检测；待审核期间不出现在能人库中）" label:"自我介绍"`
	Windows    []WindowDTO `json:"windows" validate:"required,min=1,max=21,dive" description:"每周可服务时段，1–21 个，同一天不能重叠" label:"可服务时段"`
	Reach      string      `json:"reach" validate:"required,oneof=building estate community" description:"服务范围：本楼栋、本小区、全社区" label:"服务范围"`
	Visible    *bool       `json:"visible" description:"是否在能人库中展示，默认 true；可随时隐藏" label:"公开"`
}

// SkillProfileDTO is the caller's own listing.
type SkillProfileDTO struct {
	CommunityID    ID                `json:"community_id"`
	BuildingID     ID                `json:"building_id"`
	BuildingName   string            `json:"building_name"`
	EstateName     string            `json:"estate_name"`
	Skills         []ProfileSkillDTO `json:"skills"`
	Intro          string            `json:"intro"`
	IntroHeld      bool              `json:"intro_held" description:"自我介绍待审核：审核通过（或修改后通过检测）前不出现在能人库中"`
	Windows        []WindowDTO       `json:"windows"`
	Reach          string            `json:"reach" enum:"building,estate,community"`
	Visible        bool              `json:"visible"`
	Listed         bool              `json:"listed" description:"当前是否出现在能人库搜索结果中"`
	OpenDispatches int               `json:"open_dispatches" description:"待接单与已接单的派单数"`
	Rating         float64           `json:"rating" description:"平均评分（1–5，保留一位小数；无评分为 0）"`
	RatingCount    int               `json:"rating_count"`
	UpdatedAt      time.Time         `json:"updated_at"`
}

// DirectoryQuery searches the directory.
type DirectoryQuery struct {
	ID          ID     `path:"id"`
	Skill       string `query:"skill" required:"true" validate:"required,max=32" description:"技能 ID 或名称，如 电工" label:"技能"`
	BuildingID  ID     `query:"building_id" required:"true" validate:"required" description:"需要服务的楼栋：由近及远排序，且只列出服务范围覆盖该楼栋的人" label:"楼栋"`
	AvailableAt string `query:"available_at" validate:"omitempty,max=40" description:"RFC 3339 时间：只列出该时刻（按北京时间的星期与钟点）有空的人" label:"可服务时间"`
	PageQuery
}

// DirectoryItemDTO is one person found. Captains of the searched building and the community's
// staff get the full listing (volunteer_id, phone, open_dispatches); everyone else a masked one.
type DirectoryItemDTO struct {
	VolunteerID    *ID               `json:"volunteer_id,omitempty" description:"完整名录：派单时使用的用户 ID"`
	Nickname       string            `json:"nickname"`
	Phone          string            `json:"phone,omitempty" description:"完整名录：手机号（未绑定时为空）"`
	BuildingName   string            `json:"building_name"`
	EstateName     string            `json:"estate_name"`
	Distance       string            `json:"distance" enum:"building,estate,community" description:"与所查楼栋的距离：同楼、同小区、社区内"`
	Verified       bool              `json:"verified" description:"所查技能已经社区核实"`
	Skills         []ProfileSkillDTO `json:"skills"`
	Intro          string            `json:"intro"`
	Windows        []WindowDTO       `json:"windows"`
	Reach          string            `json:"reach" enum:"building,estate,community"`
	Rating         float64           `json:"rating"`
	RatingCount    int               `json:"rating_count"`
	OpenDispatches *int              `json:"open_dispatches,omitempty" description:"完整名录：进行中的派单数"`
}

// DirectoryPageDTO is a page of search results.
type DirectoryPageDTO struct {
	Page[DirectoryItemDTO]
	Skill SkillDTO `json:"skill"`
	Full  bool     `json:"full" description:"true：完整名录（楼栋长、社区工作者）；false：脱敏名录"`
}

// StaffProfilesQuery lists a community's listings (staff).
type StaffProfilesQuery struct {
	ID   ID   `path:"id"`
	Held bool `query:"held" description:"只列自我介绍待审核的" label:"只看待审核"`
	PageQuery
}

// StaffProfileDTO is a listing as staff see it.
type StaffProfileDTO struct {
	UserID   ID     `json:"user_id"`
	Nickname string `json:"nickname"`
	Phone    string `json:"phone,omitempty"`
	SkillProfileDTO
}

// PersonSkillPath names a person of a community.
type PersonSkillPath struct {
	ID     ID `path:"id" json:"-"`
	UserID ID `path:"user_id" json:"-"`
}

// VerifySkillRequest marks one skill of a person verified or not (staff).
type VerifySkillRequest struct {
	PersonSkillPath
	SkillID  ID   `json:"skill_id" validate:"required" label:"技能"`
	Verified bool `json:"verified" label:"已认证"`
}

func (a *API) skillRoutes() error {
	auth := a.requireUser
	for _, r := range []struct {
		rt route
		h  gin.HandlerFunc
	}{
		{route{op: "listSkills", method: "GET", path: "/communities/:id/skills", tag: "能人库", summary: "社区的技能列表",
			description: "首次读取时创建默认技能（电工、水暖、开锁修锁、家电维修、电脑手机、理发、护理、法律咨询、心理疏导、辅导功课、缝补、其他）。本社区居民、楼栋长、社区工作者可读。技能不多：一次返回全部，next_cursor 恒为空。",
			auth:        true, req: new(CategoryPath), resp: data[Page[SkillDTO]](), errors: []int{404}}, a.listSkills},
		{route{op: "createSkill", method: "POST", path: "/communities/:id/skills", tag: "能人库", summary: "新增技能（社区工作者）",
			auth: true, req: new(SkillCreateRequest), resp: data[SkillDTO](), status: 201, errors: []int{403, 404, 409}}, a.createSkill},
		{route{op: "getSkillProfile", method: "GET", path: "/me/skill-profile", tag: "能人库", summary: "我的技能登记", description: "只有本人可见完整登记（含未展示的内容与核实状态）。没有登记 → 404。",
			auth: true, resp: data[SkillProfileDTO](), errors: []int{404}}, a.getSkillProfile},
		{route{op: "putSkillProfile", method: "PUT", path: "/me/skill-profile", tag: "能人库", summary: "登记或修改我的技能（已认证居民）",
			description: "整体替换：技能、自我介绍、每周时段、服务范围、是否展示。自我介绍 risky → 422；无法判定 → 保存但待审核，期间不出现在能人库中。",
			auth:        true, req: new(SkillProfileRequest), resp: data[SkillProfileDTO](), errors: []int{403, 404, 409, 422}}, a.putSkillProfile},
		{route{op: "deleteSkillProfile", method: "DELETE", path: "/me/skill-profile", tag: "能人库", summary: "删除我的技能登记（立即从能人库移除）", description: "登记与技能立即从能人库移除。没有登记 → 404。成功返回 204，无响应体。",
			auth: true, status: 204, errors: []int{404}}, a.deleteSkillProfile},
		{route{op: "searchDirectory", method: "GET", path: "/communities/:id/skill-directory", tag: "能人库", summary: "能人库搜索：由近及远、最空闲、评分最高",
			description: "同楼栋优先，其次同小区、社区内；同距离按进行中派单数升序、评分降序。本社区任何人可查；只有所查楼栋的楼栋长和本社区工作者看到完整名录（手机号、派单数），其他人看到脱敏名录。",
			auth:        true, req: new(DirectoryQuery), resp: data[DirectoryPageDTO](), errors: []int{403, 404}}, a.searchDirectory},
		{route{op: "listSkillProfiles", method: "GET", path: "/communities/:id/skill-profiles", tag: "能人库", summary: "本社区的技能登记（社区工作者）", description: "本社区工作者查看全部技能登记（含未展示、已暂停的），用于核实与管理。按登记顺序分页；非本社区工作者 → 403。",
			auth: true, req: new(StaffProfilesQuery), resp: data[Page[StaffProfileDTO]](), errors: []int{403, 404}}, a.listSkillProfiles},
		{route{op: "verifySkill", method: "POST", path: "/communities/:id/skill-profiles/:user_id/verify", tag: "能人库", summary: "核实某人的某项技能（社区工作者）",
			auth: true, req: new(VerifySkillRequest), resp: data[StaffProfileDTO](), errors: []int{403, 404}}, a.verifySkill},
		{route{op: "releaseSkillProfile", method: "POST", path: "/communities/:id/skill-profiles/:user_id/release", tag: "能人库", summary: "待审核的自我介绍审核通过（社区工作者）",
			auth: true, req: new(PersonSkillPath), resp: data[StaffProfileDTO](), errors: []int{403, 404, 409}}, a.releaseSkillProfile},
	} {
		h := []gin.HandlerFunc{auth, r.h}
		if r.rt.path == "/me/skill-profile" && r.rt.method != "GET" {
			h = []gin.HandlerFunc{auth, a.rate(config.ActionSkillProfile), r.h}
			r.rt.errors = append(r.rt.errors, 429)
		}
		if err := a.handle(a.v1, r.rt, h...); err != nil {
			return err
		}
	}
	return nil
}

func rating(x100, count int) float64 {
	if count == 0 {
		return 0
	}
	return math.Round(float64(x100)/10) / 10
}

func windowDTOs(ws []model.SkillWindow) []WindowDTO {
	out := make([]WindowDTO, len(ws))
	for i, w := range ws {
		out[i] = WindowDTO{Weekday: w.Weekday, Start: service.FormatClock(w.StartMin), End: service.FormatClock(w.EndMin)}
	}
	return out
}

func profileSkillDTOs(ps []model.ProfileSkill) []ProfileSkillDTO {
	out := make([]ProfileSkillDTO, len(ps))
	for i, s := range ps {
		out[i] = ProfileSkillDTO{ID: ID(s.SkillID), Name: s.Name, Verified: s.Verified}
	}
	return out
}

func skillProfileDTO(v *service.ProfileView) SkillProfileDTO {
	p := v.Profile
	return SkillProfileDTO{CommunityID: ID(p.CommunityID), BuildingID: ID(p.BuildingID), BuildingName: v.BuildingName,
		EstateName: v.EstateName, Skills: profileSkillDTOs(v.Skills), Intro: p.Intro, IntroHeld: p.IntroHeld,
		Windows: windowDTOs(v.Windows), Reach: service.ReachName(p.Reach), Visible: p.Visible, Listed: p.Listed(),
		OpenDispatches: p.OpenDispatches, Rating: rating(p.RatingX100, p.RatingCount), RatingCount: p.RatingCount,
		UpdatedAt: Time(p.UpdatedAt)}
}

func (a *API) listSkills(c *gin.Context) {
	id, err := pathID(c, "id")
	if err == nil {
		_, err = a.deps.Places.Community(c.Request.Context(), id)
	}
	if err != nil {
		fail(c, a.log, err)
		return
	}
	if !a.authorize(c, service.ActCommunityView, service.Scope{CommunityID: id}) {
		return
	}
	list, err := a.deps.Skills.List(c.Request.Context(), id)
	if err != nil {
		fail(c, a.log, err)
		return
	}
	// A community has a few dozen skills at most: they all fit in one page.
	page := Page[SkillDTO]{Items: make([]SkillDTO, len(list))}
	for i, s := range list {
		page.Items[i] = SkillDTO{ID: ID(s.ID), Name: s.Name}
	}
	ok(c, http.StatusOK, page)
}

func (a *API) createSkill(c *gin.Context) {
	id, err := pathID(c, "id")
	var req SkillCreateRequest
	if err == nil {
		err = a.bind.JSON(c, &req)
	}
	if err == nil {
		_, err = a.deps.Places.Community(c.Request.Context(), id)
	}
	if err != nil {
		fail(c, a.log, err)
		return
	}
	if !a.authorize(c, service.ActSkillsManage, service.Scope{CommunityID: id}) {
		return
	}
	sk, err := a.deps.Skills.Create(c.Request.Context(), id, req.Name)
	if err != nil {
		fail(c, a.log, err)
		return
	}
	ok(c, http.StatusCreated, SkillDTO{ID: ID(sk.ID), Name: sk.Name})
}

func (a *API) getSkillProfile(c *gin.Context) {
	v, err := a.deps.Skills.Profile(c.Request.Context(), userID(c))
	if err != nil {
		fail(c, a.log, err)
		return
	}
	ok(c, http.StatusOK, skillProfileDTO(v))
}

func (a *API) putSkillProfile(c *gin.Context) {
	var req SkillProfileRequest
	err := a.bind.JSON(c, &req)
	var p *service.Principal
	if err == nil {
		p, err = a.principal(c)
	}
	var v *service.ProfileView
	if err == nil {
		in := service.ProfileInput{BuildingID: uint64(req.BuildingID), SkillIDs: Uint64s(req.SkillIDs), Intro: req.Intro,
			Reach: req.Reach, Visible: req.Visible == nil || *req.Visible}
		for _, w := range req.Windows {
			in.Windows = append(in.Windows, service.WindowInput{Weekday: w.Weekday, Start: w.Start, End: w.End})
		}
		v, err = a.deps.Skills.SaveProfile(c.Request.Context(), p, in)
	}
	if err != nil {
		fail(c, a.log, err)
		return
	}
	ok(c, http.StatusOK, skillProfileDTO(v))
}

func (a *API) deleteSkillProfile(c *gin.Context) {
	if err := a.deps.Skills.DeleteProfile(c.Request.Context(), userID(c)); err != nil {
		fail(c, a.log, err)
		return
	}
	c.Status(http.StatusNoContent)
}
