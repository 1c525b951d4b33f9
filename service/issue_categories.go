package service

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"time"

	"linli/cache"
	"linli/model"
)

// defaultCategories is every community's starting list (staff may add and rename): the
// problems residents report, the skills that usually fix them, and who hears of them first.
var defaultCategories = []struct {
	name, skills, routeTo string
}{
	{"照明", "电工", model.RouteCaptain},
	{"供水", "水暖", model.RouteCaptain},
	{"供暖", "水暖", model.RouteStaff},
	{"环境卫生", "", model.RouteCaptain},
	{"宠物扰民", "", model.RouteCaptain},
	{"安全隐患", "电工", model.RouteStaff},
	{"公共设施", "电工,水暖", model.RouteStaff},
	{"邻里纠纷", "法律咨询,心理疏导", model.RouteCaptain},
	{"其他", "", model.RouteCaptain},
}

// IssueCategories manages each community's categories. Each instance keeps every community's
// list in memory (a cache.Memo): a change publishes the community's categories topic.
type IssueCategories struct {
	store *model.Store
	inval *cache.Invalidations
	lists *cache.Memo[uint64, []model.IssueCategory]
	log   *slog.Logger
	now   func() time.Time
}

const (
	categoriesKept = 10000 // communities
	categoriesTTL  = time.Minute
)

// NewIssueCategories builds the category service.
func NewIssueCategories(store *model.Store, inval *cache.Invalidations, log *slog.Logger) *IssueCategories {
	return &IssueCategories{store: store, inval: inval, log: log, now: func() time.Time { return time.Now().UTC() },
		lists: cache.NewMemo[uint64, []model.IssueCategory](inval, categoriesKept, categoriesTTL)}
}

// List returns the community's categories, creating the defaults the first time.
func (c *IssueCategories) List(ctx context.Context, communityID uint64, activeOnly bool) ([]model.IssueCategory, error) {
	kept, err := c.lists.Get(ctx, communityID, []cache.Topic{cache.CategoriesTopic(communityID)},
		func(ctx context.Context) ([]model.IssueCategory, error) { return c.read(ctx, communityID) })
	if err != nil {
		return nil, err
	}
	out := make([]model.IssueCategory, 0, len(kept)) // the kept list is shared
	for _, cat := range kept {
		if cat.Active || !activeOnly {
			out = append(out, cat)
		}
	}
	return out, nil
}

// changed tells every instance that the community's categories changed.
func (c *IssueCategories) changed(ctx context.Context, communityID uint64) {
	if err := c.inval.Publish(ctx, cache.CategoriesTopic(communityID)); err != nil {
		c.log.WarnContext(ctx, "tell other instances the categories changed", "error", err.Error())
	}
}

// read reads the community's categories, creating the defaults the first time.
func (c *IssueCategories) read(ctx context.Context, communityID uint64) ([]model.IssueCategory, error) {
	cats, err := c.store.Categories(ctx, communityID, false)
	if err != nil {
		return nil, err
	}
	if len(cats) == 0 {
		now := c.now()
		defs := make([]model.IssueCategory, len(defaultCategories))
		for i, d := range defaultCategories {
			defs[i] = model.IssueCategory{CommunityID: communityID, Name: d.name, Skills: d.skills, RouteTo: d.routeTo,
				SortOrder: (i + 1) * 10, Active: true, CreatedAt: now}
		}
		if err := c.store.EnsureCategories(ctx, defs); err != nil {
			return nil, err
		}
		if cats, err = c.store.Categories(ctx, communityID, false); err != nil {
			return nil, err
		}
	}
	return cats, nil
}

// CategoryInput is what staff set on a category; nil fields stay as they are on update.
type CategoryInput struct {
	Name      *string
	Skills    []string
	RouteTo   *string
	SortOrder *int
	Active    *bool
}

// Create adds a category to the community.
func (c *IssueCategories) Create(ctx context.Context, communityID uint64, in CategoryInput) (*model.IssueCategory, error) {
	if _, err := c.List(ctx, communityID, false); err != nil { // defaults first, so sort orders make sense
		return nil, err
	}
	cat := &model.IssueCategory{CommunityID: communityID, RouteTo: model.RouteCaptain, Active: true, SortOrder: 1000}
	if in.Name == nil || strings.TrimSpace(*in.Name) == "" {
		return nil, Invalid("name", "请填写类别名称")
	}
	cat.Name = strings.TrimSpace(*in.Name)
	cat.Skills = strings.Join(in.Skills, ",")
	if in.RouteTo != nil {
		cat.RouteTo = *in.RouteTo
	}
	if in.SortOrder != nil {
		cat.SortOrder = *in.SortOrder
	}
	if in.Active != nil {
		cat.Active = *in.Active
	}
	if err := c.store.CreateCategory(ctx, cat); err != nil {
		if errors.Is(err, model.ErrConflict) {
			return nil, Errorf(KindConflict, "类别「%s」已存在", cat.Name)
		}
		return nil, err
	}
	c.changed(ctx, communityID)
	return cat, nil
}

// Update changes a category of the community.
func (c *IssueCategories) Update(ctx context.Context, communityID, id uint64, in CategoryInput) (*model.IssueCategory, error) {
	set := map[string]any{}
	if in.Name != nil {
		n := strings.TrimSpace(*in.Name)
		if n == "" {
			return nil, Invalid("name", "类别名称不能为空")
		}
		set["name"] = n
	}
	if in.Skills != nil {
		set["skills"] = strings.Join(in.Skills, ",")
	}
	if in.RouteTo != nil {
		set["route_to"] = *in.RouteTo
	}
	if in.SortOrder != nil {
		set["sort_order"] = *in.SortOrder
	}
	if in.Active != nil {
		set["active"] = *in.Active
	}
	if len(set) > 0 {
		err := c.store.UpdateCategory(ctx, communityID, id, set)
		switch {
		case errors.Is(err, model.ErrNotFound):
			return nil, Errorf(KindNotFound, "类别不存在")
		case errors.Is(err, model.ErrConflict):
			return nil, Errorf(KindConflict, "同名类别已存在")
		case err != nil:
			return nil, err
		}
	}
	cat, err := c.store.CategoryByID(ctx, id)
	if err != nil || cat.CommunityID != communityID {
		return nil, Errorf(KindNotFound, "类别不存在")
	}
	c.changed(ctx, communityID)
	return cat, nil
}
