package service

import (
	"context"
	"slices"

	"linli/model"
)

// Action is something a user may or may not do in a scope. Every handler asks the policy,
// through Authorize, before it reads or changes anything that is not public.
type Action string

// The actions the policy knows. Each comment says who may do it.
const (
	// ActCommunityCreate: admin.
	ActCommunityCreate Action = "community.create"
	// ActPlacesManage (estates, buildings): staff of the community, admin.
	ActPlacesManage Action = "places.manage"
	// ActRolesManage (grant and revoke captain/staff): staff of the community, admin.
	ActRolesManage Action = "roles.manage"
	// ActResidencyDecide (approve, reject, and list claims): captain of the building, staff of
	// the community, admin. With BuildingID 0 it asks "any building of the community".
	ActResidencyDecide Action = "residency.decide"
	// ActResidentAct (report, sign up, …): approved resident of the community (of the building
	// when BuildingID is set).
	ActResidentAct Action = "resident.act"
	// ActCommunityView (private community data such as queues): anyone with a role or an
	// approved residency in the community.
	ActCommunityView Action = "community.view"
	// ActActivityOrganise (create and manage volunteer activities): staff of the community,
	// admin; a captain for an activity whose audience is a building they captain (BuildingID).
	// Team leaders organise their team's activities: the activities service checks that.
	ActActivityOrganise Action = "activity.organise"
	// ActTeamsManage (create teams, appoint leaders): staff of the community, admin.
	ActTeamsManage Action = "teams.manage"
	// ActDispatchManage (dispatch volunteers, cancel and confirm dispatches, ask for help on
	// someone's behalf, see the full skill directory): captain of the building, staff of the
	// community, admin. With BuildingID 0 it asks "any building of the community".
	ActDispatchManage Action = "dispatch.manage"
	// ActSkillsManage (add skills, verify a person's skill, release a held listing): staff of
	// the community, admin.
	ActSkillsManage Action = "skills.manage"
	// ActTimeBankManage (collective accounts, rewards, corrections, verifying vouchers, service
	// records and passbooks of others): staff of the community, admin.
	ActTimeBankManage Action = "timebank.manage"
	// ActHouseholdsManage (the register's template and import): staff of the community, admin.
	ActHouseholdsManage Action = "households.manage"
	// ActHouseholdView (a household with its members): captain of its building, staff of the
	// community, admin.
	ActHouseholdView Action = "household.view"
	// ActCouncilPropose (raise a council topic, 提议): approved resident, captain or staff of
	// the community, admin. Whether a resident may raise it in a given estate or building, and
	// who manages, seconds and comments on a topic, is the council's scope rule (council_access.go).
	ActCouncilPropose Action = "council.propose"
	// ActCouncilVote (open a vote, 表决, on a topic on the agenda): staff of the community, admin.
	ActCouncilVote Action = "council.vote"
	// ActAnnouncementPublish (publish a 公告): staff of the community, admin, to any audience;
	// a captain to a building they captain (BuildingID).
	ActAnnouncementPublish Action = "announcement.publish"
	// ActAnnouncementManage (see every announcement and its receipts, release held ones,
	// withdraw anyone's): staff of the community, admin.
	ActAnnouncementManage Action = "announcement.manage"
)

// Scope is where an action happens. CommunityID is always set; BuildingID when the resource
// belongs to one building.
type Scope struct {
	CommunityID uint64
	BuildingID  uint64
}

// Principal is what one user may do: their roles and approved residencies.
type Principal struct {
	UserID uint64
	Admin  bool
	// Staff holds the communities the user is staff of.
	Staff map[uint64]bool
	// Captain maps each building the user captains to its community.
	Captain map[uint64]uint64
	// Resident maps each building the user has an approved residency in to its community.
	Resident map[uint64]uint64
}

// LoadPrincipal reads a user's roles and approved residencies from the database (for the
// principal of someone other than the caller; the caller's comes from Principals.Load).
func LoadPrincipal(ctx context.Context, store *model.Store, userID uint64) (*Principal, error) {
	roles, err := store.RolesOfUser(ctx, userID)
	if err != nil {
		return nil, err
	}
	res, err := store.ResidenciesOfUser(ctx, userID)
	if err != nil {
		return nil, err
	}
	return principalOf(userID, roles, res), nil
}

// principalOf builds the principal from the user's roles and residencies (of any status).
func principalOf(userID uint64, roles []model.RoleGrant, res []model.ResidencyView) *Principal {
	p := &Principal{UserID: userID, Staff: map[uint64]bool{}, Captain: map[uint64]uint64{}, Resident: map[uint64]uint64{}}
	for _, r := range roles {
		switch r.Role.Role {
		case model.RoleAdmin:
			p.Admin = true
		case model.RoleStaff:
			p.Staff[r.CommunityID] = true
		case model.RoleCaptain:
			for _, b := range r.BuildingIDs {
				p.Captain[b] = r.CommunityID
			}
		}
	}
	for _, r := range res {
		if r.Status == model.ResidencyApproved {
			p.Resident[r.BuildingID] = r.CommunityID
		}
	}
	return p
}

// Can reports whether the principal may do action in scope.
func (p *Principal) Can(action Action, s Scope) bool {
	if p == nil || s.CommunityID == 0 {
		return p != nil && p.Admin
	}
	if p.Admin {
		return true
	}
	staff := p.Staff[s.CommunityID]
	switch action {
	case ActCommunityCreate:
		return false
	case ActPlacesManage, ActRolesManage, ActSkillsManage, ActHouseholdsManage, ActCouncilVote, ActAnnouncementManage:
		return staff
	case ActHouseholdView:
		return staff || (s.BuildingID != 0 && p.Captain[s.BuildingID] == s.CommunityID)
	case ActResidencyDecide, ActDispatchManage:
		if staff {
			return true
		}
		if s.BuildingID == 0 {
			return p.captainIn(s.CommunityID)
		}
		return p.Captain[s.BuildingID] == s.CommunityID
	case ActResidentAct:
		if s.BuildingID != 0 {
			return p.Resident[s.BuildingID] == s.CommunityID
		}
		return inCommunity(p.Resident, s.CommunityID)
	case ActCommunityView:
		return p.Related(s.CommunityID)
	case ActCouncilPropose:
		return staff || p.captainIn(s.CommunityID) || inCommunity(p.Resident, s.CommunityID)
	case ActActivityOrganise, ActAnnouncementPublish:
		return staff || (s.BuildingID != 0 && p.Captain[s.BuildingID] == s.CommunityID)
	case ActTimeBankManage:
		return staff
	case ActTeamsManage:
		return staff
	}
	return false
}

// WorksInConsole reports whether p may use the staff console (工作台网页): a platform admin,
// or staff or captain somewhere.
func WorksInConsole(p *Principal) bool {
	return p != nil && (p.Admin || len(p.Staff) > 0 || len(p.Captain) > 0)
}

// AdmitToConsole is WorksInConsole as an error: the 403 for everyone else.
func AdmitToConsole(p *Principal) error {
	if WorksInConsole(p) {
		return nil
	}
	return notConsoleStaff()
}

func notConsoleStaff() error {
	return Errorf(KindForbidden, "工作台仅供社区工作人员、楼栋长与平台管理员使用")
}

// Related reports whether the user has any role or approved residency in the community.
func (p *Principal) Related(communityID uint64) bool {
	return p.Admin || p.Staff[communityID] || p.captainIn(communityID) || inCommunity(p.Resident, communityID)
}

// Belongs reports whether the user is of the community: a role or an approved residency in
// it (a platform admin's global role does not count). Collective accounts' managers and
// rewards' merchants must belong to their community.
func (p *Principal) Belongs(communityID uint64) bool {
	return p.Staff[communityID] || p.captainIn(communityID) || inCommunity(p.Resident, communityID)
}

// CaptainBuildings lists the buildings of a community the user captains, ascending.
func (p *Principal) CaptainBuildings(communityID uint64) []uint64 {
	var out []uint64
	for b, c := range p.Captain {
		if c == communityID {
			out = append(out, b)
		}
	}
	slices.Sort(out)
	return out
}

func (p *Principal) captainIn(communityID uint64) bool { return inCommunity(p.Captain, communityID) }

func inCommunity(m map[uint64]uint64, communityID uint64) bool {
	for _, c := range m {
		if c == communityID {
			return true
		}
	}
	return false
}

// Authorize returns nil when the principal may act, else an error that hides what it must:
// to a user with no relation to the community the resource does not exist (404, so ids of
// other communities reveal nothing); to one inside it, 403.
func Authorize(p *Principal, action Action, s Scope) error {
	if p.Can(action, s) {
		return nil
	}
	if s.CommunityID != 0 && !p.Related(s.CommunityID) {
		return Errorf(KindNotFound, "内容不存在或无权查看")
	}
	return Errorf(KindForbidden, "没有权限进行此操作")
}

// Principals loads principals for the api layer, through the identity cache.
type Principals struct{ ids *IdentityCache }

// NewPrincipals builds the loader.
func NewPrincipals(ids *IdentityCache) *Principals { return &Principals{ids: ids} }

// Of returns what the caller may do now (see Auth.Identify).
func (ps *Principals) Of(ctx context.Context, who Caller) (*Principal, error) {
	p, err := ps.ids.callerPrincipal(ctx, who)
	if err != nil {
		return nil, err
	}
	return p, nil
}

// Load returns what the user may do now.
func (ps *Principals) Load(ctx context.Context, userID uint64) (*Principal, error) {
	p, err := ps.ids.Principal(ctx, userID)
	if err != nil {
		return nil, err
	}
	return p, nil
}
