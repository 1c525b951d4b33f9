package model

import lru "github.com/hashicorp/golang-lru/v2"

// placeMemory keeps the communities and buildings a store has read. Places are only ever
// created — no name, estate or community of one changes, none is deleted — so a row read once
// is the row for good; only rows found are kept (an id not found may be created later). Every
// read returns a copy.
type placeMemory struct {
	communities *lru.Cache[uint64, Community]
	buildings   *lru.Cache[uint64, BuildingView]
}

// Bounds of what is kept: a district's communities and buildings many times over.
const (
	keptCommunities = 10000
	keptBuildings   = 100000
)

func newPlaceMemory() *placeMemory {
	c, _ := lru.New[uint64, Community](keptCommunities) // positive sizes: no error
	b, _ := lru.New[uint64, BuildingView](keptBuildings)
	return &placeMemory{communities: c, buildings: b}
}

func (m *placeMemory) community(id uint64) (*Community, bool) {
	if m == nil {
		return nil, false
	}
	c, ok := m.communities.Get(id)
	return &c, ok
}

func (m *placeMemory) keepCommunity(c Community) {
	if m != nil {
		m.communities.Add(c.ID, c)
	}
}

func (m *placeMemory) building(id uint64) (*BuildingView, bool) {
	if m == nil {
		return nil, false
	}
	b, ok := m.buildings.Get(id)
	return &b, ok
}

func (m *placeMemory) keepBuilding(b BuildingView) {
	if m != nil {
		m.buildings.Add(b.ID, b)
	}
}
