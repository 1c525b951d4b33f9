package api

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"linli/service"
)

// TeamDTO is a volunteer team (志愿服务队).
type TeamDTO struct {
	ID          ID          `json:"id"`
	CommunityID ID          `json:"community_id"`
	Name        string      `json:"name" example:"红帽队"`
	Description string      `json:"description"`
	Members     int         `json:"members" description:"成员人数（含队长）"`
	Leaders     []PersonDTO `json:"leaders"`
	MyRole      string      `json:"my_role" enum:",leader,member" description:"我在队中的角色；不在队中为空"`
	CreatedAt   time.Time   `json:"created_at"`
}

// TeamCreateRequest creates a team.
type TeamCreateRequest struct {
	CommunityID ID     `json:"community_id" validate:"required" label:"社区"`
	Name        string `json:"name" validate:"required,max=32" description:"队名，社区内唯一" label:"名称"`
	Description string `json:"description" validate:"max=200" label:"描述"`
	LeaderIDs   []ID   `json:"leader_ids" validate:"max=10,unique" description:"队长（须为本社区的居民或工作人员）" label:"队长"`
}

// TeamPath names a team.
type TeamPath struct {
	ID ID `path:"id" json:"-" description:"志愿服务队 ID"`
}

// TeamListQuery pages through a community's teams.
type TeamListQuery struct {
	CommunityPath
	PageQuery
}

// TeamMemberRequest adds a member or changes their role.
type TeamMemberRequest struct {
	TeamPath
	UserID ID     `json:"user_id" validate:"required" label:"用户"`
	Role   string `json:"role" validate:"omitempty,oneof=leader member" description:"默认 member；任命队长须社区工作者" label:"角色"`
}

// TeamMemberPath names a member of a team.
type TeamMemberPath struct {
	TeamPath
	UserID ID `path:"user_id" json:"-"`
}

// TeamMemberDTO is a membership.
type TeamMemberDTO struct {
	TeamID ID     `json:"team_id"`
	UserID ID     `json:"user_id"`
	Role   string `json:"role" enum:"leader,member"`
}

func (a *API) teamRoutes() error {
	auth := a.requireUser
	for _, r := range []struct {
		rt route
		h  gin.HandlerFunc
	}{
		{route{op: "createTeam", method: "POST", path: "/teams", tag: "志愿活动", summary: "创建志愿服务队（社区工作者）",
			description: "同社区同名 → 409。", auth: true, req: new(TeamCreateRequest), resp: data[TeamDTO](), status: 201,
			errors: []int{403, 404, 409}}, a.createTeam},
		{route{op: "listTeams", method: "GET", path: "/communities/:id/teams", tag: "志愿活动", summary: "社区的志愿服务队（本社区用户）", description: "本社区用户可查。按创建顺序分页；非本社区用户 → 403；社区不存在 → 404。",
			auth: true, req: new(TeamListQuery), resp: data[Page[TeamDTO]](), errors: []int{403, 404}}, a.listTeams},
		{route{op: "setTeamMember", method: "POST", path: "/teams/:id/members", tag: "志愿活动", summary: "加入或添加队员",
			description: "社区工作者可添加队员与任命队长；队长可添加队员；本社区认证居民可自己加入（user_id 为自己，role 为 member）。",
			auth:        true, req: new(TeamMemberRequest), resp: data[TeamMemberDTO](), errors: []int{403, 404}}, a.setTeamMember},
		{route{op: "removeTeamMember", method: "DELETE", path: "/teams/:id/members/:user_id", tag: "志愿活动", summary: "退出或移出队伍",
			description: "本人可退出；队长可移出队员；社区工作者可移出任何人。", auth: true,
			req: new(TeamMemberPath), status: 204, errors: []int{403, 404}}, a.removeTeamMember},
	} {
		if err := a.handle(a.v1, r.rt, auth, r.h); err != nil {
			return err
		}
	}
	return nil
}

func (a *API) createTeam(c *gin.Context) {
	var req TeamCreateRequest
	if err := a.bind.JSON(c, &req); err != nil {
		fail(c, a.log, err)
		return
	}
	p, err := a.principal(c)
	if err != nil {
		fail(c, a.log, err)
		return
	}
	t, err := a.deps.Teams.Create(c.Request.Context(), p, uint64(req.CommunityID), req.Name, req.Description, Uint64s(req.LeaderIDs))
	if err != nil {
		fail(c, a.log, err)
		return
	}
	ok(c, http.StatusCreated, teamDTO(t))
}

func (a *API) listTeams(c *gin.Context) {
	var q TeamListQuery
	cid, err := pathID(c, "id")
	if err == nil {
		err = a.bind.Query(c, &q)
	}
	var after uint64
	if err == nil {
		after, err = cursorID(q.Cursor)
	}
	p, perr := a.principal(c)
	if err == nil {
		err = perr
	}
	if err != nil {
		fail(c, a.log, err)
		return
	}
	items, more, err := a.deps.Teams.List(c.Request.Context(), p, cid, after, q.Size())
	if err != nil {
		fail(c, a.log, err)
		return
	}
	page := Page[TeamDTO]{Items: make([]TeamDTO, len(items))}
	for i := range items {
		page.Items[i] = teamDTO(&items[i])
	}
	if more && len(items) > 0 {
		page.NextCursor = idCursor(items[len(items)-1].ID)
	}
	ok(c, http.StatusOK, page)
}

func (a *API) setTeamMember(c *gin.Context) {
	id, err := pathID(c, "id")
	var req TeamMemberRequest
	if err == nil {
		err = a.bind.JSON(c, &req)
	}
	p, perr := a.principal(c)
	if err == nil {
		err = perr
	}
	if err != nil {
		fail(c, a.log, err)
		return
	}
	role := req.Role
	if role == "" {
		role = "member"
	}
	m, err := a.deps.Teams.SetMember(c.Request.Context(), p, id, uint64(req.UserID), role)
	if err != nil {
		fail(c, a.log, err)
		return
	}
	ok(c, http.StatusOK, TeamMemberDTO{TeamID: ID(m.TeamID), UserID: ID(m.UserID), Role: m.Role})
}

func (a *API) removeTeamMember(c *gin.Context) {
	id, err := pathID(c, "id")
	var uid uint64
	if err == nil {
		uid, err = pathID(c, "user_id")
	}
	p, perr := a.principal(c)
	if err == nil {
		err = perr
	}
	if err == nil {
		err = a.deps.Teams.RemoveMember(c.Request.Context(), p, id, uid)
	}
	if err != nil {
		fail(c, a.log, err)
		return
	}
	c.Status(http.StatusNoContent)
}

func teamDTO(t *service.TeamView) TeamDTO {
	d := TeamDTO{ID: ID(t.ID), CommunityID: ID(t.CommunityID), Name: t.Name, Description: t.Description,
		Members: t.Members, Leaders: make([]PersonDTO, len(t.Leaders)), MyRole: t.MyRole, CreatedAt: Time(t.CreatedAt)}
	for i, u := range t.Leaders {
		d.Leaders[i] = PersonDTO{ID: ID(u.ID), Nickname: u.Nickname}
	}
	return d
}
