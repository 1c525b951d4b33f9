package service

import (
	"context"
	"errors"
	"time"

	"linli/model"
)

// Teams manages volunteer teams (志愿服务队: 红帽队, 红管家, 馨帮手 …). Staff create teams and
// appoint leaders; a leader adds members and organises the team's activities (see
// Activities); an approved resident may join a team of their community and leave it.
type Teams struct {
	store  *model.Store
	safety *Safety
	now    func() time.Time
}

// NewTeams builds the team service; safety checks a team's name and description.
func NewTeams(store *model.Store, safety *Safety) *Teams {
	return &Teams{store: store, safety: safety, now: func() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }}
}

// Limits of a team's text, in characters.
const (
	maxTeamName        = 32
	maxTeamDescription = 200
)

// TeamView is a team with its leaders and the viewer's role in it.
type TeamView struct {
	model.TeamRow
	Leaders []model.User
	// MyRole is leader, member or "".
	MyRole string
}

// Create adds a team to the community with the given leaders (staff, admin).
func (t *Teams) Create(ctx context.Context, p *Principal, communityID uint64, name, description string, leaders []uint64) (*TeamView, error) {
	if _, err := t.store.CommunityByID(ctx, communityID); errors.Is(err, model.ErrNotFound) {
		return nil, Errorf(KindNotFound, "社区不存在")
	} else if err != nil {
		return nil, err
	}
	if err := Authorize(p, ActTeamsManage, Scope{CommunityID: communityID}); err != nil {
		return nil, err
	}
	name, err := activityText("name", "队名", name, maxTeamName, true)
	if err != nil {
		return nil, err
	}
	if description, err = activityProse("description", "简介", description, maxTeamDescription); err != nil {
		return nil, err
	}
	if err := t.safety.ScreenByStaff(ctx, t.store, p.UserID, SceneProfile, "队名", name); err != nil {
		return nil, err
	}
	if err := t.safety.ScreenByStaff(ctx, t.store, p.UserID, SceneForum, "简介", description); err != nil {
		return nil, err
	}
	for _, uid := range leaders {
		if err := t.inCommunity(ctx, uid, communityID, "leader_ids"); err != nil {
			return nil, err
		}
	}
	now := t.now()
	team := &model.Team{CommunityID: communityID, Name: name, Description: description, CreatedBy: p.UserID, CreatedAt: now}
	err = t.store.Tx(ctx, func(tx *model.Store) error {
		if err := tx.CreateTeam(ctx, team); err != nil {
			return err
		}
		for _, uid := range leaders {
			if err := tx.SetTeamMember(ctx, team.ID, uid, model.TeamLeader, now); err != nil {
				return err
			}
		}
		return nil
	})
	if errors.Is(err, model.ErrConflict) {
		return nil, Errorf(KindConflict, "本社区已有名为「%s」的志愿服务队", name)
	}
	if err != nil {
		return nil, err
	}
	views, err := t.views(ctx, p, []model.TeamRow{{Team: *team, Members: len(leaders)}})
	if err != nil {
		return nil, err
	}
	return &views[0], nil
}

// List returns a page of the community's teams to anyone of the community.
func (t *Teams) List(ctx context.Context, p *Principal, communityID, after uint64, limit int) ([]TeamView, bool, error) {
	if _, err := t.store.CommunityByID(ctx, communityID); errors.Is(err, model.ErrNotFound) {
		return nil, false, Errorf(KindNotFound, "社区不存在")
	} else if err != nil {
		return nil, false, err
	}
	if err := Authorize(p, ActCommunityView, Scope{CommunityID: communityID}); err != nil {
		return nil, false, err
	}
	rows, err := t.store.Teams(ctx, communityID, after, limit+1)
	if err != nil {
		return nil, false, err
	}
	rows, more := trimPage(rows, limit)
	views, err := t.views(ctx, p, rows)
	return views, more, err
}

func (t *Teams) views(ctx context.Context, p *Principal, rows []model.TeamRow) ([]TeamView, error) {
	ids := make([]uint64, len(rows))
	for i, r := range rows {
		ids[i] = r.ID
	}
	members, err := t.store.TeamMembers(ctx, ids, "")
	if err != nil {
		return nil, err
	}
	var leaderIDs []uint64
	for _, ms := range members {
		for _, m := range ms {
			if m.Role == model.TeamLeader {
				leaderIDs = append(leaderIDs, m.UserID)
			}
		}
	}
	users, err := t.store.UsersByIDs(ctx, leaderIDs)
	if err != nil {
		return nil, err
	}
	out := make([]TeamView, len(rows))
	for i, r := range rows {
		out[i] = TeamView{TeamRow: r, Leaders: []model.User{}}
		for _, m := range members[r.ID] {
			if m.UserID == p.UserID {
				out[i].MyRole = m.Role
			}
			if u, ok := users[m.UserID]; ok && m.Role == model.TeamLeader {
				out[i].Leaders = append(out[i].Leaders, u)
			}
		}
	}
	return out, nil
}

// SetMember adds a person to a team or changes their role. Staff set any role; a leader adds
// members; an approved resident of the community may join as a member themselves. The person
// must belong to the community (a role or an approved residency).
func (t *Teams) SetMember(ctx context.Context, p *Principal, teamID, userID uint64, role string) (*model.TeamMembership, error) {
	team, err := t.team(ctx, teamID)
	if err != nil {
		return nil, err
	}
	if role != model.TeamLeader && role != model.TeamMember {
		return nil, Invalid("role", "role 须为 leader 或 member")
	}
	if err := t.mayManage(ctx, p, team, userID, role == model.TeamMember); err != nil {
		return nil, err
	}
	if err := t.inCommunity(ctx, userID, team.CommunityID, "user_id"); err != nil {
		return nil, err
	}
	m := &model.TeamMembership{TeamID: teamID, UserID: userID, Role: role, CreatedAt: t.now()}
	if err := t.store.SetTeamMember(ctx, teamID, userID, role, m.CreatedAt); err != nil {
		return nil, err
	}
	return m, nil
}

// RemoveMember takes a person out of a team: staff anyone, a leader a member, anyone themselves.
func (t *Teams) RemoveMember(ctx context.Context, p *Principal, teamID, userID uint64) error {
	team, err := t.team(ctx, teamID)
	if err != nil {
		return err
	}
	role, err := t.store.TeamRole(ctx, teamID, userID)
	if err != nil {
		return err
	}
	if err := t.mayManage(ctx, p, team, userID, role != model.TeamLeader); err != nil {
		return err
	}
	if role == "" {
		return Errorf(KindNotFound, "该用户不在此志愿服务队")
	}
	if _, err := t.store.RemoveTeamMember(ctx, teamID, userID); err != nil {
		return err
	}
	return nil
}

// mayManage decides whether p may change userID's membership: staff always; the person
// themselves, and a leader, only for a plain membership (memberOnly).
func (t *Teams) mayManage(ctx context.Context, p *Principal, team *model.Team, userID uint64, memberOnly bool) error {
	err := Authorize(p, ActTeamsManage, Scope{CommunityID: team.CommunityID})
	if err == nil || KindOf(err) == KindNotFound || !memberOnly {
		return err
	}
	if userID == p.UserID {
		if Authorize(p, ActResidentAct, Scope{CommunityID: team.CommunityID}) == nil {
			return nil
		}
		return Errorf(KindForbidden, "只有本社区的认证居民可以加入志愿服务队")
	}
	role, rerr := t.store.TeamRole(ctx, team.ID, p.UserID)
	if rerr != nil {
		return rerr
	}
	if role == model.TeamLeader {
		return nil
	}
	return err
}

// inCommunity checks that the user belongs to the community (field names the request field).
func (t *Teams) inCommunity(ctx context.Context, userID, communityID uint64, field string) error {
	who, err := LoadPrincipal(ctx, t.store, userID)
	if err != nil {
		return err
	}
	if !who.Staff[communityID] && !who.captainIn(communityID) && !inCommunity(who.Resident, communityID) {
		return Invalid(field, "该用户不是本社区的居民或工作人员")
	}
	return nil
}

func (t *Teams) team(ctx context.Context, id uint64) (*model.Team, error) {
	team, err := t.store.TeamByID(ctx, id)
	if errors.Is(err, model.ErrNotFound) {
		return nil, Errorf(KindNotFound, "志愿服务队不存在")
	}
	if err != nil {
		return nil, err
	}
	return team, nil
}
