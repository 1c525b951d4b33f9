package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"linli/service"
)

// GrantRoleRequest makes a user staff or captain of the community of the path. Admin is not
// granted here (only from the command line).
type GrantRoleRequest struct {
	CommunityPath
	UserID      ID     `json:"user_id" validate:"required" description:"被授权的用户" label:"用户"`
	Role        string `json:"role" validate:"required,oneof=staff captain" enum:"staff,captain" description:"staff 社区工作者；captain 楼栋长" label:"角色"`
	BuildingIDs []ID   `json:"building_ids" validate:"max=50" description:"楼栋长负责的楼栋（1–50 个，须属于该社区）；社区工作者不填" label:"负责楼栋"`
}

// RolePath names a role of a community in the path.
type RolePath struct {
	CommunityPath
	RoleID ID `path:"role_id" json:"-" description:"角色 ID（GET /me 的 roles[].id）"`
}

func (a *API) rolesRoutes() error {
	v1 := a.v1
	auth := a.requireUser
	for _, r := range []struct {
		rt route
		h  []gin.HandlerFunc
	}{
		{route{op: "grantRole", method: "POST", path: "/communities/:id/roles", tag: "身份", summary: "授予社区工作者或楼栋长角色（本社区工作者）",
			description: "新授予 → 201；再次授予楼栋长则以本次的 building_ids 替换其负责楼栋（200），再次授予社区工作者不做改动（200）。" +
				"楼栋长须指定 1–50 个本社区楼栋，否则 400（building_ids）；用户不存在或已注销 → 404。平台管理员角色只能通过命令行授予。",
			auth: true, req: new(GrantRoleRequest), resp: data[RoleDTO](), status: 201, also: []int{http.StatusOK}, errors: []int{403, 404}},
			[]gin.HandlerFunc{auth, a.grantRole}},
		{route{op: "revokeRole", method: "DELETE", path: "/communities/:id/roles/:role_id", tag: "身份", summary: "撤销角色（本社区工作者）",
			description: "撤销本社区的社区工作者或楼栋长角色；其他社区的角色 → 404。", auth: true, req: new(RolePath),
			status: 204, errors: []int{403, 404}}, []gin.HandlerFunc{auth, a.revokeRole}},
	} {
		if err := a.handle(v1, r.rt, r.h...); err != nil {
			return err
		}
	}
	return nil
}

func (a *API) grantRole(c *gin.Context) {
	cid, allowed := a.communityAction(c, service.ActRolesManage)
	if !allowed {
		return
	}
	var req GrantRoleRequest
	if err := a.bind.JSON(c, &req); err != nil {
		fail(c, a.log, err)
		return
	}
	g, created, err := a.deps.Roles.Grant(c.Request.Context(), service.Grant{
		UserID: uint64(req.UserID), Role: req.Role, CommunityID: cid,
		BuildingIDs: Uint64s(req.BuildingIDs), GrantedBy: userID(c)})
	if err != nil {
		fail(c, a.log, err)
		return
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	ok(c, status, roleDTO(*g))
}

func (a *API) revokeRole(c *gin.Context) {
	cid, allowed := a.communityAction(c, service.ActRolesManage)
	if !allowed {
		return
	}
	roleID, err := pathID(c, "role_id")
	if err == nil {
		err = a.deps.Roles.Revoke(c.Request.Context(), cid, roleID)
	}
	if err != nil {
		fail(c, a.log, err)
		return
	}
	c.Status(http.StatusNoContent)
}
