package service

import (
	"context"
	"errors"

	"linli/model"
)

// Places keeps the directory of communities (社区), estates (小区/院落) and buildings (楼栋).
// The directory is public: anyone may read it to choose where they live. Only admin creates
// communities, and only staff of a community or admin add its estates and buildings; the api
// layer asks the policy before it calls the writers, the command line is trusted.
type Places struct {
	store *model.Store
}

// NewPlaces builds the directory service.
func NewPlaces(store *model.Store) *Places { return &Places{store: store} }

// maxPlaceName is the longest name of a community, district, estate or building, in characters.
const maxPlaceName = 64

// CreateCommunity adds a community; another community of the same name is a conflict.
func (p *Places) CreateCommunity(ctx context.Context, name, district string) (*model.Community, error) {
	name, err := placeName("name", "社区名称", name, true)
	if err != nil {
		return nil, err
	}
	district, err = placeName("district", "所属街道/区县", district, false)
	if err != nil {
		return nil, err
	}
	c := &model.Community{Name: name, District: district}
	if err := p.store.CreateCommunity(ctx, c); err != nil {
		if errors.Is(err, model.ErrConflict) {
			return nil, Errorf(KindConflict, "已有名为「%s」的社区", name)
		}
		return nil, err
	}
	return c, nil
}

// Community returns the community; 404 when there is none.
func (p *Places) Community(ctx context.Context, id uint64) (*model.Community, error) {
	c, err := p.store.CommunityByID(ctx, id)
	if errors.Is(err, model.ErrNotFound) {
		return nil, Errorf(KindNotFound, "社区不存在")
	}
	if err != nil {
		return nil, err
	}
	return c, nil
}

// Communities lists up to limit communities after the one with id after, in id order; more
// reports whether another page follows.
func (p *Places) Communities(ctx context.Context, after uint64, limit int) (items []model.Community, more bool, err error) {
	items, err = p.store.Communities(ctx, after, limit+1)
	if err != nil {
		return nil, false, err
	}
	items, more = trimPage(items, limit)
	return items, more, nil
}

// CreateEstate adds an estate to the community; another estate of the same name there is a
// conflict.
func (p *Places) CreateEstate(ctx context.Context, communityID uint64, name string) (*model.Estate, error) {
	name, err := placeName("name", "小区名称", name, true)
	if err != nil {
		return nil, err
	}
	if _, err := p.Community(ctx, communityID); err != nil {
		return nil, err
	}
	e := &model.Estate{CommunityID: communityID, Name: name}
	if err := p.store.CreateEstate(ctx, e); err != nil {
		if errors.Is(err, model.ErrConflict) {
			return nil, Errorf(KindConflict, "本社区已有名为「%s」的小区", name)
		}
		return nil, err
	}
	return e, nil
}

// Estates lists up to limit estates of the community after the one with id after, in id
// order; 404 when the community does not exist.
func (p *Places) Estates(ctx context.Context, communityID, after uint64, limit int) (items []model.Estate, more bool, err error) {
	if _, err := p.Community(ctx, communityID); err != nil {
		return nil, false, err
	}
	items, err = p.store.Estates(ctx, communityID, after, limit+1)
	if err != nil {
		return nil, false, err
	}
	items, more = trimPage(items, limit)
	return items, more, nil
}

// CreateBuilding adds a building to an estate of the community. An estate of another
// community (or none) is a 400 naming estate_id; another building of the same name in the
// estate is a conflict.
func (p *Places) CreateBuilding(ctx context.Context, communityID, estateID uint64, name string) (*model.BuildingView, error) {
	name, err := placeName("name", "楼栋名称", name, true)
	if err != nil {
		return nil, err
	}
	if _, err := p.Community(ctx, communityID); err != nil {
		return nil, err
	}
	e, err := p.estateIn(ctx, communityID, estateID)
	if err != nil {
		return nil, err
	}
	b := &model.Building{CommunityID: communityID, EstateID: e.ID, Name: name}
	if err := p.store.CreateBuilding(ctx, b); err != nil {
		if errors.Is(err, model.ErrConflict) {
			return nil, Errorf(KindConflict, "「%s」已有名为「%s」的楼栋", e.Name, name)
		}
		return nil, err
	}
	return &model.BuildingView{Building: *b, EstateName: e.Name}, nil
}

// BuildingQuery selects a page of a community's buildings.
type BuildingQuery struct {
	CommunityID uint64
	// EstateID narrows the list to one estate of the community; 0 lists them all.
	EstateID uint64
	After    model.BuildingPos
	Limit    int
}

// Buildings lists a page of the community's buildings, estate by estate and in the order they
// were entered within each; 404 when the community does not exist, 400 naming estate_id when
// the estate is not one of its.
func (p *Places) Buildings(ctx context.Context, q BuildingQuery) (items []model.BuildingView, more bool, err error) {
	if _, err := p.Community(ctx, q.CommunityID); err != nil {
		return nil, false, err
	}
	if q.EstateID != 0 {
		if _, err := p.estateIn(ctx, q.CommunityID, q.EstateID); err != nil {
			return nil, false, err
		}
	}
	items, err = p.store.Buildings(ctx, q.CommunityID, q.EstateID, q.After, q.Limit+1)
	if err != nil {
		return nil, false, err
	}
	items, more = trimPage(items, q.Limit)
	return items, more, nil
}

// Building returns a building with its estate's name; 404 when there is none.
func (p *Places) Building(ctx context.Context, id uint64) (*model.BuildingView, error) {
	b, err := p.store.BuildingByID(ctx, id)
	if errors.Is(err, model.ErrNotFound) {
		return nil, Errorf(KindNotFound, "楼栋不存在")
	}
	if err != nil {
		return nil, err
	}
	return b, nil
}

func (p *Places) estateIn(ctx context.Context, communityID, estateID uint64) (*model.Estate, error) {
	e, err := p.store.EstateByID(ctx, estateID)
	if errors.Is(err, model.ErrNotFound) || (err == nil && e.CommunityID != communityID) {
		return nil, Invalid("estate_id", "小区不存在或不属于该社区")
	}
	if err != nil {
		return nil, err
	}
	return e, nil
}

// placeName cleans a name (CleanText) and checks its length; what names the field in the
// message.
func placeName(field, what, s string, required bool) (string, error) {
	return CleanText(TextRule{Field: field, What: what, Max: maxPlaceName, Required: required}, s)
}

// trimPage cuts a list fetched with limit+1 rows to limit and reports whether it was longer.
func trimPage[T any](items []T, limit int) ([]T, bool) {
	if len(items) > limit {
		return items[:limit], true
	}
	return items, false
}
