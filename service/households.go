package service

import (
	"context"
	"errors"
	"time"

	"linli/model"
)

// Households keeps the register of households (房屋台账): a household per room (estate →
// building → unit → room). Staff fill it by importing a workbook (Import); residents claim a
// registered room; an approved residency always belongs to a household. Council votes ("one
// per household") and announcement receipts ("read by N of M households") count households
// through InScope, Count and OfUser.
type Households struct {
	store   *model.Store
	places  *Places
	users   *Users
	secrets *Secrets
	safety  *Safety
	now     func() time.Time
}

// NewHouseholds builds the register; users decrypts members' phones for those who must call,
// secrets seals the heads' names, safety checks the texts an import brings.
func NewHouseholds(store *model.Store, places *Places, users *Users, secrets *Secrets, safety *Safety) *Households {
	return &Households{store: store, places: places, users: users, secrets: secrets, safety: safety,
		now: func() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }}
}

// HouseholdWithMembers is a household and its approved residents.
type HouseholdWithMembers struct {
	model.Household
	Members []model.HouseholdMember
}

// InScope lists up to limit households of the scope (community, estate or building) with an
// id above after, in id order, each with its approved members; more reports whether another
// page follows. The caller has asked the policy.
func (h *Households) InScope(ctx context.Context, sc model.HouseholdScope, after uint64, limit int) (items []HouseholdWithMembers, more bool, err error) {
	rows, err := h.store.Households(ctx, sc, after, limit+1)
	if err != nil {
		return nil, false, err
	}
	rows, more = trimPage(rows, limit)
	items, err = h.withMembers(ctx, rows)
	return items, more, err
}

func (h *Households) withMembers(ctx context.Context, rows []model.Household) ([]HouseholdWithMembers, error) {
	ids := make([]uint64, len(rows))
	at := make(map[uint64]int, len(rows))
	items := make([]HouseholdWithMembers, len(rows))
	for i, r := range rows {
		ids[i], at[r.ID], items[i].Household = r.ID, i, r
	}
	members, err := h.store.HouseholdMembers(ctx, ids)
	if err != nil {
		return nil, err
	}
	for _, m := range members {
		i := at[m.HouseholdID]
		items[i].Members = append(items[i].Members, m)
	}
	return items, nil
}

// Count counts the households of the scope (the electorate of a household vote, the "M" of
// "read by N of M households").
func (h *Households) Count(ctx context.Context, sc model.HouseholdScope) (int64, error) {
	return h.store.CountHouseholds(ctx, sc)
}

// OfUser returns the household of the user's approved residency in the community (the
// oldest when several); 404 "您还没有通过认证的住户" when there is none.
func (h *Households) OfUser(ctx context.Context, userID, communityID uint64) (*model.Household, error) {
	hh, err := h.store.HouseholdOfUser(ctx, userID, communityID)
	if errors.Is(err, model.ErrNotFound) {
		return nil, Errorf(KindNotFound, "您在本社区还没有通过认证的住户")
	}
	return hh, err
}

// OfBuilding lists up to limit households of the building with an id above after (the room
// picker); 404 when there is no such building.
func (h *Households) OfBuilding(ctx context.Context, buildingID, after uint64, limit int) (items []model.Household, more bool, err error) {
	b, err := h.places.Building(ctx, buildingID)
	if err != nil {
		return nil, false, err
	}
	items, err = h.store.Households(ctx, model.HouseholdScope{CommunityID: b.CommunityID, BuildingID: b.ID}, after, limit+1)
	if err != nil {
		return nil, false, err
	}
	items, more = trimPage(items, limit)
	return items, more, nil
}

// Scope returns where a household is, for the policy (ActHouseholdView); 404 when none.
func (h *Households) Scope(ctx context.Context, id uint64) (Scope, error) {
	hh, err := h.byID(ctx, id)
	if err != nil {
		return Scope{}, err
	}
	return Scope{CommunityID: hh.CommunityID, BuildingID: hh.BuildingID}, nil
}

func (h *Households) byID(ctx context.Context, id uint64) (*model.HouseholdView, error) {
	hh, err := h.store.HouseholdByID(ctx, id)
	if errors.Is(err, model.ErrNotFound) {
		return nil, Errorf(KindNotFound, "该住户不存在")
	}
	return hh, err
}

// HouseholdMember is an approved resident as the captain or staff see them.
type HouseholdMember struct {
	model.HouseholdMember
	// Phone is the member's full number for the captain of the building and the community's
	// staff (who may have to call); empty for others and when none is bound.
	Phone string
}

// HouseholdDetail is a household as its building's captain or the community's staff see it.
type HouseholdDetail struct {
	model.HouseholdView
	// Head is the 户主称呼 of the register, decrypted.
	Head    string
	Members []HouseholdMember
}

// Detail returns the household with its members for p, who has been allowed to see it
// (ActHouseholdView).
func (h *Households) Detail(ctx context.Context, p *Principal, id uint64) (*HouseholdDetail, error) {
	hh, err := h.byID(ctx, id)
	if err != nil {
		return nil, err
	}
	members, err := h.store.HouseholdMembers(ctx, []uint64{id})
	if err != nil {
		return nil, err
	}
	d := &HouseholdDetail{HouseholdView: *hh, Head: h.openHead(hh.HeadCipher), Members: make([]HouseholdMember, len(members))}
	calls := p.Staff[hh.CommunityID] || p.Captain[hh.BuildingID] == hh.CommunityID // not a platform admin
	for i, m := range members {
		d.Members[i].HouseholdMember = m
		if calls {
			d.Members[i].Phone = h.users.PhoneOf(&model.User{ID: m.UserID, PhoneCipher: m.PhoneCipher})
		}
	}
	return d, nil
}

func (h *Households) openHead(sealed []byte) string {
	if len(sealed) == 0 {
		return ""
	}
	s, err := h.secrets.Open(sealed)
	if err != nil {
		return ""
	}
	return s
}

// Registered returns the household of the id for a claim: 404 when there is none.
func (h *Households) Registered(ctx context.Context, id uint64) (*model.Household, error) {
	hh, err := h.byID(ctx, id)
	if err != nil {
		return nil, err
	}
	return &hh.Household, nil
}

// Match finds the registered household a room typed by a resident names in the building:
// the same unit and room once normalised, or, for a room typed without its unit, the one
// unit of the building that has it. nil (no error) when none matches.
func (h *Households) Match(ctx context.Context, buildingID uint64, text string) (*model.Household, error) {
	unit, room := model.SplitRoomText(text)
	hh, err := h.store.HouseholdByKey(ctx, buildingID, unit, room)
	if err == nil {
		return hh, nil
	}
	if !errors.Is(err, model.ErrNotFound) {
		return nil, err
	}
	if unit != "" {
		return nil, nil
	}
	same, err := h.store.HouseholdsWithRoom(ctx, buildingID, room)
	if err != nil || len(same) != 1 {
		return nil, err
	}
	return &same[0], nil
}

// ForApproval returns the household an approved claim belongs to: the one it names, else the
// one its room text matches, else a new one made from that text and flagged NeedsReview.
func (h *Households) ForApproval(ctx context.Context, r *model.Residency) (uint64, error) {
	if r.HouseholdID != nil {
		return *r.HouseholdID, nil
	}
	hh, err := h.Match(ctx, r.BuildingID, r.Room)
	if err != nil || hh != nil {
		if hh != nil {
			return hh.ID, nil
		}
		return 0, err
	}
	b, err := h.places.Building(ctx, r.BuildingID)
	if err != nil {
		return 0, err
	}
	unit, room := model.SplitRoomText(r.Room)
	if len(unit) > 16 || room == "" {
		unit, room = "", model.HouseholdRoom(r.Room)
	}
	nh := &model.Household{CommunityID: b.CommunityID, EstateID: b.EstateID, BuildingID: b.ID,
		Unit: unit, Room: room, NeedsReview: true}
	if _, err := h.store.EnsureHousehold(ctx, nh); err != nil {
		return 0, err
	}
	return nh.ID, nil
}
