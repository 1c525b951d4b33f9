package api

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/swaggest/jsonschema-go"

	"linli/config"
	"linli/model"
	"linli/service"
)

// LoginRequest carries the code from wx.login.
type LoginRequest struct {
	Code string `json:"code" validate:"required,max=128" description:"wx.login 返回的 code，只能使用一次" label:"登录凭证"`
}

// DevLoginRequest names the dev user to log in as.
type DevLoginRequest struct {
	OpenID string `json:"openid" validate:"required,min=1,max=48,alphanumunicode|printascii" description:"开发模式下自选的用户标识，例如 demo-resident-1" label:"用户标识"`
}

// LoginResponse is a new session.
type LoginResponse struct {
	Token     string    `json:"token" description:"会话令牌：请求头 Authorization: Bearer <token>"`
	ExpiresAt time.Time `json:"expires_at" description:"过期时间（滑动续期）"`
	NewUser   bool      `json:"new_user" description:"本次登录创建了新用户"`
	User      UserDTO   `json:"user"`
}

// UserDTO is the own profile.
type UserDTO struct {
	ID           ID             `json:"id"`
	Nickname     string         `json:"nickname" description:"他人看到的昵称"`
	HeldNickname string         `json:"held_nickname" description:"待内容安全审核的新昵称（仅本人可见，审核通过前他人仍看到 nickname）；没有则为空"`
	AvatarURL    string         `json:"avatar_url"`
	Phone        string         `json:"phone" description:"已绑定的手机号（掩码，如 138****0000）；未绑定为空"`
	RealName     string         `json:"real_name" description:"实名（出具志愿服务证明用，加密保存，仅本人与社区工作者可见）；未填写为空"`
	CreatedAt    time.Time      `json:"created_at"`
	Roles        []RoleDTO      `json:"roles"`
	Residencies  []ResidencyDTO `json:"residencies"`
}

// RoleDTO is one role with its scope.
type RoleDTO struct {
	ID          ID     `json:"id"`
	Role        string `json:"role" enum:"admin,staff,captain"`
	CommunityID ID     `json:"community_id" description:"admin 为 \"0\""`
	BuildingIDs []ID   `json:"building_ids" description:"楼栋长负责的楼栋"`
}

// ResidencyDTO is a residency claim and its outcome.
type ResidencyDTO struct {
	ID            ID         `json:"id"`
	UserID        ID         `json:"user_id"`
	CommunityID   ID         `json:"community_id"`
	CommunityName string     `json:"community_name"`
	EstateID      ID         `json:"estate_id"`
	EstateName    string     `json:"estate_name"`
	BuildingID    ID         `json:"building_id"`
	BuildingName  string     `json:"building_name"`
	Room          string     `json:"room"`
	HouseholdID   *ID        `json:"household_id" description:"所认证的房屋台账住户 ID；房号未登记在台账中时为 null（通过审核时会补建住户）"`
	RoomHeld      bool       `json:"room_held" description:"房号待内容安全人工审核：只有社区工作者可以处理该申请"`
	Status        string     `json:"status" enum:"pending,approved,rejected"`
	Reason        string     `json:"reason" description:"驳回理由"`
	CreatedAt     time.Time  `json:"created_at"`
	DecidedAt     *time.Time `json:"decided_at,omitempty"`
}

// UpdateMeRequest changes the profile; absent fields stay as they are.
type UpdateMeRequest struct {
	Nickname  *string `json:"nickname" validate:"omitempty,min=1,max=32" label:"昵称"`
	AvatarURL *string `json:"avatar_url" validate:"omitempty,max=512,url" format:"uri" description:"https 链接，域名须在 users.avatar_hosts 中（默认微信头像域名 thirdwx.qlogo.cn、wx.qlogo.cn）" label:"头像"`
	RealName  *string `json:"real_name" label:"实名" validate:"omitempty,max=96" description:"实名（出具志愿服务证明用，最多 32 字；空字符串清除）"`
}

// ExportDTO is a copy of everything Linli holds about the caller.
type ExportDTO struct {
	GeneratedAt time.Time                 `json:"generated_at"`
	Profile     UserDTO                   `json:"profile"`
	Phone       string                    `json:"phone" description:"本人的完整手机号（仅本人可见）"`
	Tables      map[string][]ExportRecord `json:"tables" description:"按数据表列出与本人有关的全部记录（令牌散列等密文不导出）"`
}

// ExportRecord is one exported row: its columns by name, each a value or null.
type ExportRecord map[string]any

// JSONSchema documents a record as an object whose values are any JSON value, null included
// (an empty schema rejects null in OpenAPI 3.0).
func (ExportRecord) JSONSchema() (jsonschema.Schema, error) {
	var value, s jsonschema.Schema
	value.WithType(jsonschema.Null.Type())
	s.WithType(jsonschema.Object.Type()).WithAdditionalProperties(value.ToSchemaOrBool())
	return s, nil
}

// PhoneRequest carries the code from the getPhoneNumber button.
type PhoneRequest struct {
	Code string `json:"code" validate:"required,max=128" description:"getPhoneNumber 返回的 code（开发模式下直接填 11 位手机号）" label:"手机号凭证"`
}

// PhoneResponse is the bound number, masked.
type PhoneResponse struct {
	Phone string `json:"phone" example:"138****0000"`
}

func (a *API) identityRoutes() error {
	v1 := a.v1
	auth := a.requireUser
	for _, r := range []struct {
		rt route
		h  []gin.HandlerFunc
	}{
		{route{op: "login", method: "POST", path: "/auth/login", tag: "身份", summary: "微信登录",
			description: "用 wx.login 的 code 换取会话；首次登录创建用户。code 无效或已使用 → 401；微信限流 → 429；微信不可用 → 503；开发模式（未配置 AppID）下为 404。",
			req:         new(LoginRequest), resp: data[LoginResponse](),
			errors: []int{401, 403, 404, 429, 503}}, []gin.HandlerFunc{a.login}},
		{route{op: "devLogin", method: "POST", path: "/auth/dev-login", tag: "身份", summary: "开发登录（仅开发模式）",
			description: "未配置微信 AppID 时可用；配置后返回 404。", req: new(DevLoginRequest), resp: data[LoginResponse](),
			errors: []int{404, 429}}, []gin.HandlerFunc{a.devLogin}},
		{route{op: "logout", method: "POST", path: "/auth/logout", tag: "身份", summary: "退出登录（立即吊销令牌）", auth: true, status: 204},
			[]gin.HandlerFunc{auth, a.logout}},
		{route{op: "getMe", method: "GET", path: "/me", tag: "身份", summary: "我的资料、角色与房屋认证", description: "返回昵称、头像、脱敏手机号、各社区的角色与房屋认证状态。", auth: true, resp: data[UserDTO]()},
			[]gin.HandlerFunc{auth, a.me}},
		{route{op: "updateMe", method: "PATCH", path: "/me", tag: "身份", summary: "修改昵称或头像",
			description: "昵称去掉控制字符、双向控制符和零宽字符，去掉后为空 → 400；经内容安全检查：未通过 → 422，需人工审核 → 200 且新昵称在 held_nickname 中（他人仍看到原昵称）。头像须为 https 链接，且来自配置 users.avatar_hosts 中的域名（默认微信头像域名）。",
			auth:        true, req: new(UpdateMeRequest), resp: data[UserDTO](), errors: []int{422, 429}},
			[]gin.HandlerFunc{auth, a.rate(config.ActionProfile), a.updateMe}},
		{route{op: "deleteMe", method: "DELETE", path: "/me", tag: "身份", summary: "注销账号",
			description: "抹去昵称、头像、手机号并释放 openid（之后再登录即为新用户）；吊销全部会话；删除房屋认证与角色。他人依赖的记录（报事、积分流水）保留，署名为“已注销用户”。",
			auth:        true, status: 204}, []gin.HandlerFunc{auth, a.deleteMe}},
		{route{op: "exportMe", method: "GET", path: "/me/export", tag: "身份", summary: "导出我的个人信息（个人信息副本）",
			description: "返回本平台保存的与本人有关的全部数据（资料、房屋认证、角色、报事、评论、通知、上传、服务记录等），供本人查阅或转移。",
			auth:        true, resp: data[ExportDTO]()}, []gin.HandlerFunc{auth, a.exportMe}},
		{route{op: "bindPhone", method: "POST", path: "/me/phone", tag: "身份", summary: "绑定手机号（getPhoneNumber）",
			description: "号码加密存储，响应中只显示掩码。", auth: true, req: new(PhoneRequest), resp: data[PhoneResponse](),
			errors: []int{429, 503}}, []gin.HandlerFunc{auth, a.bindPhone}},
	} {
		if err := a.handle(v1, r.rt, r.h...); err != nil {
			return err
		}
	}
	return nil
}

func (a *API) login(c *gin.Context) {
	var req LoginRequest
	if err := a.bind.JSON(c, &req); err != nil {
		fail(c, a.log, err)
		return
	}
	res, err := a.deps.Auth.Login(c.Request.Context(), req.Code, c.ClientIP())
	a.finishLogin(c, res, err)
}

func (a *API) devLogin(c *gin.Context) {
	if !a.deps.Auth.DevModeEnabled() {
		abortJSON(c, http.StatusNotFound, "请求的接口不存在", nil)
		return
	}
	var req DevLoginRequest
	if err := a.bind.JSON(c, &req); err != nil {
		fail(c, a.log, err)
		return
	}
	res, err := a.deps.Auth.DevLogin(c.Request.Context(), req.OpenID, c.ClientIP())
	a.finishLogin(c, res, err)
}

func (a *API) finishLogin(c *gin.Context, res service.LoginResult, err error) {
	if err != nil {
		fail(c, a.log, err)
		return
	}
	p, err := a.deps.Users.Me(c.Request.Context(), res.UserID)
	if err != nil {
		fail(c, a.log, err)
		return
	}
	ok(c, http.StatusOK, LoginResponse{Token: res.Token, ExpiresAt: Time(res.ExpiresAt), NewUser: res.Created, User: userDTO(p)})
}

func (a *API) logout(c *gin.Context) {
	token, _ := bearer(c.GetHeader("Authorization"))
	if err := a.deps.Auth.Logout(c.Request.Context(), token); err != nil {
		fail(c, a.log, err)
		return
	}
	c.Status(http.StatusNoContent)
}

func (a *API) me(c *gin.Context) {
	p, err := a.deps.Users.MeOf(c.Request.Context(), caller(c))
	if err != nil {
		fail(c, a.log, err)
		return
	}
	a.okMe(c, p)
}

func (a *API) updateMe(c *gin.Context) {
	var req UpdateMeRequest
	if err := a.bind.JSON(c, &req); err != nil {
		fail(c, a.log, err)
		return
	}
	if req.RealName != nil {
		if err := a.deps.Certificates.SetRealName(c.Request.Context(), userID(c), *req.RealName); err != nil {
			fail(c, a.log, err)
			return
		}
	}
	if err := a.deps.Users.UpdateMe(c.Request.Context(), userID(c), req.Nickname, req.AvatarURL); err != nil {
		fail(c, a.log, err)
		return
	}
	// Read again: the identity read with the session predates the change.
	p, err := a.deps.Users.Me(c.Request.Context(), userID(c))
	if err != nil {
		fail(c, a.log, err)
		return
	}
	a.okMe(c, p)
}

func (a *API) deleteMe(c *gin.Context) {
	if err := a.deps.Users.Delete(c.Request.Context(), userID(c)); err != nil {
		fail(c, a.log, err)
		return
	}
	c.Status(http.StatusNoContent)
}

func (a *API) exportMe(c *gin.Context) {
	x, err := a.deps.Users.Export(c.Request.Context(), userID(c))
	if err != nil {
		fail(c, a.log, err)
		return
	}
	c.Header("Content-Disposition", `attachment; filename="linli-export.json"`)
	ok(c, http.StatusOK, ExportDTO{GeneratedAt: Time(a.deps.Clock.Now()), Profile: userDTO(x.Profile), Phone: x.Phone, Tables: exportTables(x.Tables)})
}

func (a *API) bindPhone(c *gin.Context) {
	var req PhoneRequest
	if err := a.bind.JSON(c, &req); err != nil {
		fail(c, a.log, err)
		return
	}
	masked, err := a.deps.Users.BindPhone(c.Request.Context(), userID(c), req.Code, c.ClientIP())
	if err != nil {
		fail(c, a.log, err)
		return
	}
	ok(c, http.StatusOK, PhoneResponse{Phone: masked})
}

func userDTO(p *service.Profile) UserDTO {
	u := p.User
	out := UserDTO{ID: ID(u.ID), Nickname: u.Nickname, HeldNickname: u.HeldNickname, AvatarURL: u.AvatarURL, Phone: u.PhoneMasked,
		CreatedAt: Time(u.CreatedAt), Roles: []RoleDTO{}, Residencies: []ResidencyDTO{}}
	for _, r := range p.Roles {
		out.Roles = append(out.Roles, roleDTO(r))
	}
	for _, r := range p.Residencies {
		out.Residencies = append(out.Residencies, residencyDTO(r))
	}
	return out
}

func roleDTO(r model.RoleGrant) RoleDTO {
	return RoleDTO{ID: ID(r.ID), Role: r.Role.Role, CommunityID: ID(r.CommunityID), BuildingIDs: IDs(r.BuildingIDs)}
}

func residencyDTO(r model.ResidencyView) ResidencyDTO {
	return ResidencyDTO{ID: ID(r.ID), UserID: ID(r.UserID), CommunityID: ID(r.CommunityID), CommunityName: r.CommunityName,
		EstateID: ID(r.EstateID), EstateName: r.EstateName, BuildingID: ID(r.BuildingID), BuildingName: r.BuildingName,
		Room: r.Room, HouseholdID: idPtr(r.HouseholdID), RoomHeld: r.RoomHeld, Status: r.Status, Reason: r.Reason, CreatedAt: Time(r.CreatedAt), DecidedAt: TimePtr(r.DecidedAt)}
}

// exportTables types the export's rows as records.
func exportTables(t map[string][]map[string]any) map[string][]ExportRecord {
	out := make(map[string][]ExportRecord, len(t))
	for name, rows := range t {
		out[name] = make([]ExportRecord, len(rows))
		for i, r := range rows {
			out[name][i] = r
		}
	}
	return out
}
