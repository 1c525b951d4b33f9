package service

import (
	"context"
	"errors"
	"slices"

	"linli/model"
)

// CollectiveInput creates a collective account (单位卡, 企业卡, 院落集体卡).
type CollectiveInput struct {
	Name       string
	Card       string // unit, enterprise or courtyard
	ManagerIDs []uint64
}

// AccountView is an account as staff and its managers see it.
type AccountView struct {
	model.Account
	// DisplayName is the name shown: a resident's nickname, otherwise Name.
	DisplayName string
	ManagerIDs  []uint64
}

// CreateCollective opens a collective account in the community (staff). A name already used
// there is 409; managers must belong to the community (400 naming manager_ids).
func (tb *TimeBank) CreateCollective(ctx context.Context, p *Principal, communityID uint64, in CollectiveInput) (*AccountView, error) {
	if err := Authorize(p, ActTimeBankManage, Scope{CommunityID: communityID}); err != nil {
		return nil, err
	}
	name, err := tb.accountName(ctx, p, in.Name)
	if err != nil {
		return nil, err
	}
	in.Name = name
	managers, err := tb.checkManagers(ctx, communityID, in.ManagerIDs)
	if err != nil {
		return nil, err
	}
	if _, _, err := tb.systemAccounts(ctx, communityID); err != nil {
		return nil, Internal(err)
	}
	a := &model.Account{CommunityID: communityID, OwnerKey: model.CollectiveOwnerKey(in.Name), Kind: model.AccountCollective,
		Card: in.Card, Name: in.Name, CreatedBy: p.UserID}
	err = tb.store.Tx(ctx, func(tx *model.Store) error {
		if err := tx.CreateAccount(ctx, a); err != nil {
			return err
		}
		return tx.SetAccountManagers(ctx, a.ID, managers)
	})
	if errors.Is(err, model.ErrConflict) {
		return nil, Errorf(KindConflict, "本社区已有同名账户“%s”", in.Name)
	}
	if err != nil {
		return nil, Internal(err)
	}
	return &AccountView{Account: *a, DisplayName: a.Name, ManagerIDs: managers}, nil
}

// CollectivePatch changes a collective account; nil fields stay as they are.
type CollectivePatch struct {
	Name       *string
	ManagerIDs *[]uint64
}

// UpdateCollective renames a collective account or replaces its managers (staff).
func (tb *TimeBank) UpdateCollective(ctx context.Context, p *Principal, accountID uint64, in CollectivePatch) (*AccountView, error) {
	a, err := tb.store.AccountByID(ctx, accountID)
	if errors.Is(err, model.ErrNotFound) {
		return nil, Errorf(KindNotFound, "账户不存在")
	}
	if err != nil {
		return nil, Internal(err)
	}
	if err := Authorize(p, ActTimeBankManage, Scope{CommunityID: a.CommunityID}); err != nil {
		return nil, err
	}
	if a.Kind != model.AccountCollective {
		return nil, Errorf(KindConflict, "只能修改集体账户")
	}
	if in.Name != nil {
		name, err := tb.accountName(ctx, p, *in.Name)
		if err != nil {
			return nil, err
		}
		in.Name = &name
	}
	var managers []uint64
	if in.ManagerIDs != nil {
		if managers, err = tb.checkManagers(ctx, a.CommunityID, *in.ManagerIDs); err != nil {
			return nil, err
		}
	}
	err = tb.store.Tx(ctx, func(tx *model.Store) error {
		if in.Name != nil && *in.Name != a.Name {
			if err := tx.RenameAccount(ctx, a.ID, *in.Name); err != nil {
				return err
			}
		}
		if in.ManagerIDs != nil {
			return tx.SetAccountManagers(ctx, a.ID, managers)
		}
		return nil
	})
	if errors.Is(err, model.ErrConflict) {
		return nil, Errorf(KindConflict, "本社区已有同名账户“%s”", *in.Name)
	}
	if err != nil {
		return nil, Internal(err)
	}
	views, err := tb.views(ctx, []model.Account{*a})
	if err != nil {
		return nil, err
	}
	if in.Name != nil {
		views[0].Name, views[0].DisplayName = *in.Name, *in.Name
	}
	return &views[0], nil
}

// ListAccounts lists a community's accounts for staff: kinds limits them (default: collective
// and the community's own).
func (tb *TimeBank) ListAccounts(ctx context.Context, p *Principal, communityID uint64, kinds []string, after uint64, limit int) ([]AccountView, bool, error) {
	if err := Authorize(p, ActTimeBankManage, Scope{CommunityID: communityID}); err != nil {
		return nil, false, err
	}
	if len(kinds) == 0 {
		kinds = []string{model.AccountCollective, model.AccountIssuing, model.AccountSpending}
	}
	list, err := tb.store.Accounts(ctx, model.AccountFilter{CommunityID: communityID, Kinds: kinds, After: after, Limit: limit + 1})
	if err != nil {
		return nil, false, Internal(err)
	}
	more := len(list) > limit
	list = list[:min(len(list), limit)]
	out, err := tb.views(ctx, list)
	return out, more, err
}

func (tb *TimeBank) views(ctx context.Context, list []model.Account) ([]AccountView, error) {
	ids := make([]uint64, len(list))
	for i, a := range list {
		ids[i] = a.ID
	}
	managers, err := tb.store.AccountManagers(ctx, ids)
	if err != nil {
		return nil, Internal(err)
	}
	briefs, err := tb.briefs(ctx, ids)
	if err != nil {
		return nil, Internal(err)
	}
	out := make([]AccountView, len(list))
	for i, a := range list {
		out[i] = AccountView{Account: a, DisplayName: briefs[a.ID].Name, ManagerIDs: managers[a.ID]}
		if out[i].ManagerIDs == nil {
			out[i].ManagerIDs = []uint64{}
		}
	}
	return out, nil
}

// checkManagers makes sure every manager is a live user who belongs to the community.
func (tb *TimeBank) checkManagers(ctx context.Context, communityID uint64, ids []uint64) ([]uint64, error) {
	ids = slices.Clone(ids)
	slices.Sort(ids)
	ids = slices.Compact(ids)
	for _, id := range ids {
		ok, err := memberOf(ctx, tb.store, communityID, id)
		if err != nil {
			return nil, Internal(err)
		}
		if !ok {
			return nil, Invalid("manager_ids", "管理人须为本社区的居民或工作人员")
		}
	}
	return ids, nil
}

// memberOf reports whether the user is a live account that belongs to the community: one
// who may manage its collective accounts or be a merchant of its rewards. An unknown user
// does not.
func memberOf(ctx context.Context, store *model.Store, communityID, userID uint64) (bool, error) {
	u, err := store.UserByID(ctx, userID)
	if errors.Is(err, model.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	p, err := LoadPrincipal(ctx, store, userID)
	if err != nil {
		return false, err
	}
	return u.DeletedAt == nil && p.Belongs(communityID), nil
}

// accountName cleans a collective account's name (CleanText), which residents read in their
// passbooks, and passes it through the content-safety check (risky: 422).
func (tb *TimeBank) accountName(ctx context.Context, p *Principal, name string) (string, error) {
	name, err := CleanText(TextRule{Field: "name", What: "账户名称", Max: 64, Required: true}, name)
	if err != nil {
		return "", err
	}
	return name, tb.safety.ScreenByStaff(ctx, tb.store, p.UserID, SceneProfile, "账户名称", name)
}
