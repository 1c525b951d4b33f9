package service

import (
	"context"
	"errors"

	"linli/model"
)

// Who may see and who may manage an activity. Published, cancelled and finished activities are
// public by design (any logged-in user sees them); a draft exists only for those who manage
// it: staff of its community, admin, its organiser and the leaders of its team.

// leads reports whether the user leads the team (false without a team).
func (s *Activities) leads(ctx context.Context, p *Principal, teamID *uint64) (bool, error) {
	if teamID == nil {
		return false, nil
	}
	role, err := s.store.TeamRole(ctx, *teamID, p.UserID)
	if err != nil {
		return false, err
	}
	return role == model.TeamLeader, nil
}

// manages reports whether the user may manage the activity: staff of its community, admin,
// its organiser or a leader of its team.
func (s *Activities) manages(ctx context.Context, p *Principal, a *model.Activity) (bool, error) {
	if p.Admin || p.Staff[a.CommunityID] || a.OrganiserID == p.UserID {
		return true, nil
	}
	return s.leads(ctx, p, a.TeamID)
}

// managed loads an activity for someone who wants to manage it. A draft is not there for
// anyone else, nor is any activity for users with no relation to its community (404); to
// others of the community it is 403.
func (s *Activities) managed(ctx context.Context, p *Principal, id uint64) (*model.Activity, error) {
	a, err := s.activity(ctx, id)
	if err != nil {
		return nil, err
	}
	ok, err := s.manages(ctx, p, a)
	switch {
	case err != nil:
		return nil, err
	case ok:
		return a, nil
	case a.Status == model.ActivityDraft || !p.Related(a.CommunityID):
		return nil, errNoActivity()
	}
	return nil, Errorf(KindForbidden, "只有活动组织者、志愿服务队队长或社区工作者可以进行此操作")
}

// visible loads an activity for a viewer: published, cancelled and finished ones are public by
// design (any logged-in user); a draft only to those who manage it.
func (s *Activities) visible(ctx context.Context, p *Principal, id uint64) (*model.Activity, bool, error) {
	a, err := s.activity(ctx, id)
	if err != nil {
		return nil, false, err
	}
	ok, err := s.manages(ctx, p, a)
	if err != nil {
		return nil, false, err
	}
	if a.Status == model.ActivityDraft && !ok {
		return nil, false, errNoActivity()
	}
	return a, ok, nil
}

func (s *Activities) activity(ctx context.Context, id uint64) (*model.Activity, error) {
	a, err := s.store.ActivityByID(ctx, id)
	if errors.Is(err, model.ErrNotFound) {
		return nil, errNoActivity()
	}
	if err != nil {
		return nil, err
	}
	return a, nil
}

func errNoActivity() error { return Errorf(KindNotFound, "活动不存在或无权查看") }
