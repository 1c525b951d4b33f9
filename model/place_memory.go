package model

import "linli/cache"

// placeMemory keeps the communities and buildings a store has read. Places are only ever
// created — no name, estate or community of one changes, none is deleted — so a row read once
// is the row for good: a cache.Memo without a channel or TTL. Only rows found are kept (an id
// not found may be created later). Every read returns a copy.
type placeMemory struct {
	communities *cache.Memo[uint64, Community]
	buildings   *cache.Memo[uint64, BuildingView]
}

// Bounds of what is kept: a district's communities and buildings many times over.
const (
	keptCommunities = 10000
	keptBuildings   = 100000
)

func newPlaceMemory() *placeMemory {
	return &placeMemory{communities: cache.NewMemo[uint64, Community](nil, keptCommunities, 0),
		buildings: cache.NewMemo[uint64, BuildingView](nil, keptBuildings, 0)}
}

func (m *placeMemory) community(id uint64) (*Community, bool) {
	if m == nil {
		return nil, false
	}
	c, ok := m.communities.Lookup(id)
	return &c, ok
}

func (m *placeMemory) keepCommunity(c Community) {
	if m != nil {
		m.communities.Keep(m.communities.Begin(), c.ID, c)
	}
}

func (m *placeMemory) building(id uint64) (*BuildingView, bool) {
	if m == nil {
		return nil, false
	}
	b, ok := m.buildings.Lookup(id)
	return &b, ok
}

func (m *placeMemory) keepBuilding(b BuildingView) {
	if m != nil {
		m.buildings.Keep(m.buildings.Begin(), b.ID, b)
	}
}
