package service

import (
	"context"
	"errors"
	"slices"

	"linli/model"
)

// Roles grants and revokes roles: staff of a community and captains of its buildings (by staff
// of that community or an admin, through the API), and admin (from the command line only).
// Each grant and each revocation is one transaction that locks the user's row first, so that
// concurrent changes to one person's roles, and account deletion, happen one after another.
type Roles struct {
	store *model.Store
	auth  *Auth
	ids   *IdentityCache
}

// NewRoles builds the role service; auth tells whether openids are dev-login ones; ids is told
// of every grant and revocation once it has committed.
func NewRoles(store *model.Store, auth *Auth, ids *IdentityCache) *Roles {
	return &Roles{store: store, auth: auth, ids: ids}
}

const (
	// maxCaptainBuildings bounds a captain's scope.
	maxCaptainBuildings = 50
	// maxOpenID is as long as a dev-login openid may be (WeChat's are 28 characters).
	maxOpenID = 48
)

// Grant is a role to give.
type Grant struct {
	UserID uint64
	// Role is model.RoleStaff, model.RoleCaptain or model.RoleAdmin.
	Role string
	// CommunityID is the community of a staff or captain role; 0 for admin.
	CommunityID uint64
	// BuildingIDs are a captain's buildings: 1–50 buildings of the community. Others take none.
	BuildingIDs []uint64
	// GrantedBy is the user who grants; 0 from the command line.
	GrantedBy uint64
}

// Grant gives the role in one transaction and returns it with created true when it is new.
// Granting captain again to the same user in the same community replaces the set of buildings;
// granting staff or admin again changes nothing (created false either way). The user must exist
// and not have deleted the account (404), and so must the community (404).
func (r *Roles) Grant(ctx context.Context, g Grant) (*model.RoleGrant, bool, error) {
	buildings, err := r.checkGrant(ctx, &g)
	if err != nil {
		return nil, false, err
	}
	return r.grant(ctx, g, buildings)
}

// GrantByOpenID is Grant to the user a login with openid would reach (see UserForOpenID),
// created now if it never logged in, so that staff can be granted their role before their
// first login. g.UserID is ignored. Nothing is written when g is invalid.
func (r *Roles) GrantByOpenID(ctx context.Context, openid string, g Grant) (*model.RoleGrant, bool, error) {
	buildings, err := r.checkGrant(ctx, &g)
	if err != nil {
		return nil, false, err
	}
	u, err := r.UserForOpenID(ctx, openid)
	if err != nil {
		return nil, false, err
	}
	g.UserID = u.ID
	return r.grant(ctx, g, buildings)
}

func (r *Roles) grant(ctx context.Context, g Grant, buildings []uint64) (*model.RoleGrant, bool, error) {
	var roleID uint64
	var created bool
	err := r.store.Tx(ctx, func(tx *model.Store) error {
		if _, err := tx.LockLiveUser(ctx, g.UserID); err != nil {
			return err
		}
		role, err := tx.RoleOf(ctx, g.UserID, g.Role, g.CommunityID)
		if errors.Is(err, model.ErrNotFound) {
			role = &model.Role{UserID: g.UserID, Role: g.Role, CommunityID: g.CommunityID}
			if g.GrantedBy != 0 {
				role.GrantedBy = &g.GrantedBy
			}
			err = tx.CreateRole(ctx, role)
			created = true
		}
		if err != nil {
			return err
		}
		roleID = role.ID
		if g.Role == model.RoleCaptain {
			return tx.SetRoleBuildings(ctx, role.ID, buildings)
		}
		return nil
	})
	if errors.Is(err, model.ErrNotFound) {
		return nil, false, Errorf(KindNotFound, "用户不存在或已注销")
	}
	if err != nil {
		return nil, false, err
	}
	out, err := r.store.RoleGrantByID(ctx, roleID)
	r.ids.Forget(ctx, g.UserID)
	if errors.Is(err, model.ErrNotFound) { // the account was erased right after the grant
		return nil, false, Errorf(KindNotFound, "用户不存在或已注销")
	}
	if err != nil {
		return nil, false, err
	}
	return out, created, nil
}

// checkGrant validates g against its role and returns a captain's distinct buildings.
func (r *Roles) checkGrant(ctx context.Context, g *Grant) ([]uint64, error) {
	switch g.Role {
	case model.RoleAdmin:
		if g.CommunityID != 0 {
			return nil, Invalid("community_id", "平台管理员不属于某个社区，不能指定社区")
		}
	case model.RoleStaff, model.RoleCaptain:
		if g.CommunityID == 0 {
			return nil, Invalid("community_id", "请指定社区")
		}
	default:
		return nil, Invalid("role", "角色必须是 staff、captain 或 admin")
	}
	if g.Role != model.RoleCaptain {
		if len(g.BuildingIDs) > 0 {
			return nil, Invalid("building_ids", "只有楼栋长需要指定楼栋")
		}
	}
	if g.CommunityID != 0 {
		if _, err := r.store.CommunityByID(ctx, g.CommunityID); errors.Is(err, model.ErrNotFound) {
			return nil, Errorf(KindNotFound, "社区不存在")
		} else if err != nil {
			return nil, err
		}
	}
	if g.Role != model.RoleCaptain {
		return nil, nil
	}
	ids := slices.Clone(g.BuildingIDs)
	slices.Sort(ids)
	ids = slices.Compact(ids)
	if len(ids) == 0 || len(ids) > maxCaptainBuildings {
		return nil, Invalid("building_ids", "楼栋长须负责 1–50 个楼栋")
	}
	n, err := r.store.CountBuildingsIn(ctx, g.CommunityID, ids)
	if err != nil {
		return nil, err
	}
	if n != int64(len(ids)) {
		return nil, Invalid("building_ids", "楼栋不存在或不属于该社区")
	}
	return ids, nil
}

// Revoke takes a role of the community away, with its buildings, in one transaction. A role
// of another community, the admin role and an unknown id are all 404.
func (r *Roles) Revoke(ctx context.Context, communityID, roleID uint64) error {
	notFound := Errorf(KindNotFound, "角色不存在")
	role, err := r.store.RoleByID(ctx, roleID)
	if errors.Is(err, model.ErrNotFound) || (err == nil && role.CommunityID != communityID) {
		return notFound
	}
	if err != nil {
		return err
	}
	err = r.store.Tx(ctx, func(tx *model.Store) error {
		// The user's row first, as every change to roles does; the role's row after it.
		if _, err := tx.LockLiveUser(ctx, role.UserID); err != nil {
			return err
		}
		return tx.DeleteRole(ctx, communityID, roleID)
	})
	if errors.Is(err, model.ErrNotFound) {
		return notFound
	}
	if err != nil {
		return err
	}
	r.ids.Forget(ctx, role.UserID) // the revoked role stops granting with this answer
	return nil
}

// RevokeByOpenID takes the user's role of the community away (the console's `linli admin
// revoke`); 404 when the user has no such role there.
func (r *Roles) RevokeByOpenID(ctx context.Context, openid, role string, communityID uint64) (*model.RoleGrant, error) {
	if openid == "" || len(openid) > maxOpenID {
		return nil, Invalid("openid", "openid 不能为空，也不能超过 48 个字符")
	}
	u, err := r.store.UserByOpenID(ctx, r.auth.StoredOpenID(openid))
	if errors.Is(err, model.ErrNotFound) {
		return nil, Errorf(KindNotFound, "用户不存在")
	}
	if err != nil {
		return nil, err
	}
	roles, err := r.store.RolesOfUser(ctx, u.ID)
	if err != nil {
		return nil, err
	}
	for i := range roles {
		if g := &roles[i]; g.Role.Role == role && g.CommunityID == communityID {
			if err := r.Revoke(ctx, communityID, g.ID); err != nil {
				return nil, err
			}
			return g, nil
		}
	}
	return nil, Errorf(KindNotFound, "该用户在此社区没有这个角色")
}

// UserForOpenID returns the user a login with openid would reach, creating it now if it never
// logged in. In dev mode (no WeChat configured) openid is the one given to dev login.
func (r *Roles) UserForOpenID(ctx context.Context, openid string) (*model.User, error) {
	if openid == "" || len(openid) > maxOpenID {
		return nil, Invalid("openid", "openid 不能为空，也不能超过 48 个字符")
	}
	return r.auth.EnsureUser(ctx, openid)
}
