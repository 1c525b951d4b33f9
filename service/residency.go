package service

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"linli/model"
)

// Residencies runs 房屋认证: a user claims a room in a building, and the building's captain,
// the community's staff or an admin approves or rejects the claim. Only approved residents act
// in their community (see ActResidentAct).
type Residencies struct {
	store  *model.Store
	places *Places
	users  *Users
	ids    *IdentityCache
	safety *Safety
	now    func() time.Time
}

// NewResidencies builds the residency service; users decrypts claimants' phone numbers for
// the deciders who may have to call them; ids is told of every claim and decision; safety
// checks the room as written.
func NewResidencies(store *model.Store, places *Places, users *Users, ids *IdentityCache, safety *Safety) *Residencies {
	return &Residencies{store: store, places: places, users: users, ids: ids, safety: safety,
		now: func() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }}
}

// Limits of the free text in a claim and a decision, in characters.
const (
	maxRoom   = 32
	maxReason = 200
)

var residencyStatusText = map[string]string{
	model.ResidencyPending:  "待审核",
	model.ResidencyApproved: "已通过",
	model.ResidencyRejected: "已驳回",
}

// Claim records the user's claim to a room of a building, pending until someone decides it.
// Claiming again a room the user was refused reopens that claim; claiming a room the user has
// already claimed (pending or approved) is a conflict. An unknown building is a 404. The room
// passes the content-safety check: risky is a 422; a room it cannot clear now holds the claim
// for staff (a captain neither sees nor decides it), as held help requests are.
func (r *Residencies) Claim(ctx context.Context, userID, buildingID uint64, room string) (*model.ResidencyView, error) {
	room, err := NormalizeRoom(room)
	if err != nil {
		return nil, err
	}
	b, err := r.places.Building(ctx, buildingID)
	if err != nil {
		return nil, err
	}
	held, err := r.safety.Screen(ctx, r.store, userID, SceneProfile, "房号", room)
	if err != nil {
		return nil, err
	}
	pending, err := r.store.Count(ctx, "residencies", "user_id = ? AND status = ?", userID, model.ResidencyPending)
	if err != nil {
		return nil, err
	}
	if pending >= maxPendingClaims {
		return nil, Errorf(KindConflict, "您已有 %d 条待审核的认证申请，请等待审核后再提交", pending)
	}
	res := &model.Residency{UserID: userID, CommunityID: b.CommunityID, BuildingID: b.ID, Room: room, RoomHeld: held}
	if _, err := r.store.ClaimResidency(ctx, res); err != nil {
		if errors.Is(err, model.ErrConflict) {
			return nil, Errorf(KindConflict, "您已申请过%s %s室的认证（%s），请勿重复提交",
				b.Label(), room, residencyStatusText[res.Status])
		}
		return nil, err
	}
	r.ids.Forget(ctx, userID) // the claim shows in GET /me
	return r.view(ctx, res.ID)
}

// maxPendingClaims bounds the claims one person may have waiting, so nobody can flood a
// captain's queue.
const maxPendingClaims = 5

// NormalizeRoom cleans a room number (CleanText), folds full-width letters and digits to
// ASCII and upper-cases Latin letters, so that "１２０１", "a-101 " and "A-101" name the same
// room on every database (MariaDB compares case-insensitively, SQLite does not). It checks
// the length (1–32).
func NormalizeRoom(room string) (string, error) {
	room, err := CleanText(TextRule{Field: "room", What: "房号", Max: maxRoom, Required: true}, room)
	if err != nil {
		return "", err
	}
	return strings.Map(func(c rune) rune {
		if c >= '\uFF01' && c <= '\uFF5E' {
			c -= 0xFEE0
		}
		if c >= 'a' && c <= 'z' {
			c -= 'a' - 'A'
		}
		return c
	}, room), nil
}

// Scope returns where a claim belongs, for the policy (ActResidencyDecide); 404 when there is
// no such claim.
func (r *Residencies) Scope(ctx context.Context, id uint64) (Scope, error) {
	res, err := r.store.ResidencyByID(ctx, id)
	if errors.Is(err, model.ErrNotFound) {
		return Scope{}, Errorf(KindNotFound, "内容不存在或无权查看")
	}
	if err != nil {
		return Scope{}, err
	}
	return Scope{CommunityID: res.CommunityID, BuildingID: res.BuildingID}, nil
}

// Approve approves a pending claim; by is the decider (0: the system). The caller has asked
// the policy. A claim already decided is a conflict naming its state: of two deciders racing
// each other exactly one succeeds.
func (r *Residencies) Approve(ctx context.Context, by, id uint64) (*model.ResidencyView, error) {
	return r.decide(ctx, by, id, model.ResidencyApproved, "")
}

// Reject rejects a pending claim with a reason (1–200 characters) the claimant will read.
func (r *Residencies) Reject(ctx context.Context, by, id uint64, reason string) (*model.ResidencyView, error) {
	reason, err := CleanText(TextRule{Field: "reason", What: "驳回理由", Max: maxReason, Required: true, Multiline: true}, reason)
	if err != nil {
		return nil, err
	}
	return r.decide(ctx, by, id, model.ResidencyRejected, reason)
}

func (r *Residencies) decide(ctx context.Context, by, id uint64, status, reason string) (*model.ResidencyView, error) {
	var decider *uint64
	cur, err := r.store.ResidencyByID(ctx, id)
	if errors.Is(err, model.ErrNotFound) {
		return nil, Errorf(KindNotFound, "内容不存在或无权查看")
	}
	if err != nil {
		return nil, err
	}
	if by != 0 {
		decider = &by
		if cur.UserID == by {
			return nil, Errorf(KindForbidden, "不能审核自己的认证申请，请由其他楼栋长或社区工作者处理")
		}
		if cur.RoomHeld {
			p, err := LoadPrincipal(ctx, r.store, by)
			if err != nil {
				return nil, err
			}
			if !p.Admin && !p.Staff[cur.CommunityID] {
				return nil, Errorf(KindForbidden, "该认证申请的房号待人工审核，只有社区工作者可以处理")
			}
		}
	}
	err = r.store.DecideResidency(ctx, id, status, reason, decider, r.now())
	switch {
	case errors.Is(err, model.ErrNotFound):
		return nil, Errorf(KindNotFound, "内容不存在或无权查看")
	case errors.Is(err, model.ErrConflict):
		cur, verr := r.store.ResidencyByID(ctx, id)
		if verr != nil {
			return nil, Errorf(KindConflict, "该认证申请已被处理")
		}
		return nil, Errorf(KindConflict, "该认证申请当前状态为「%s」，不能再次处理", residencyStatusText[cur.Status])
	case err != nil:
		return nil, err
	}
	r.ids.Forget(ctx, cur.UserID) // an approval lets the claimant act at once
	return r.view(ctx, id)
}

func (r *Residencies) view(ctx context.Context, id uint64) (*model.ResidencyView, error) {
	v, err := r.store.ResidencyViewByID(ctx, id)
	if errors.Is(err, model.ErrNotFound) {
		return nil, Errorf(KindNotFound, "内容不存在或无权查看")
	}
	if err != nil {
		return nil, err
	}
	return v, nil
}

// ResidencyQuery narrows a decider's queue.
type ResidencyQuery struct {
	// Status is pending (the default), approved or rejected.
	Status string
	// CommunityID and BuildingID narrow the list; 0 leaves it as wide as the decider's scope.
	CommunityID uint64
	BuildingID  uint64
	// AfterID is the id of the last claim of the previous page.
	AfterID uint64
	Limit   int
}

// QueuedClaim is a residency claim as a decider sees it.
type QueuedClaim struct {
	model.ResidencyView
	// Nickname is the claimant's.
	Nickname string
	// Phone is the claimant's number in full, only for the captain of the building or the
	// community's staff (who may have to call); empty for others and when none is bound.
	Phone string
}

// Queue lists the claims p may decide, oldest first (by id; a reopened claim keeps its
// place), in pages. The api layer has asked the policy about the community or building of the
// filter; Queue also confines every row to p's own scope (all for an admin, the communities p
// is staff of, the buildings p captains), so that no filter can widen it.
func (r *Residencies) Queue(ctx context.Context, p *Principal, q ResidencyQuery) (items []QueuedClaim, more bool, err error) {
	if q.Status == "" {
		q.Status = model.ResidencyPending
	}
	if _, known := residencyStatusText[q.Status]; !known {
		return nil, false, Invalid("status", "status 必须是 pending、approved 或 rejected")
	}
	f := model.ResidencyFilter{Status: q.Status, CommunityID: q.CommunityID, BuildingID: q.BuildingID,
		All: p.Admin, AfterID: q.AfterID, Limit: q.Limit + 1}
	for c := range p.Staff {
		f.Communities = append(f.Communities, c)
	}
	for b, c := range p.Captain {
		f.Buildings = append(f.Buildings, b)
		if !slices.Contains(f.BuildingCommunities, c) {
			f.BuildingCommunities = append(f.BuildingCommunities, c)
		}
	}
	rows, err := r.store.ResidencyQueue(ctx, f)
	if err != nil {
		return nil, false, err
	}
	rows, more = trimPage(rows, q.Limit)
	items = make([]QueuedClaim, len(rows))
	for i, row := range rows {
		items[i] = QueuedClaim{ResidencyView: row.ResidencyView, Nickname: row.Nickname}
		if p.Staff[row.CommunityID] || p.Captain[row.BuildingID] == row.CommunityID {
			items[i].Phone = r.users.PhoneOf(&model.User{ID: row.UserID, PhoneCipher: row.PhoneCipher})
		}
	}
	return items, more, nil
}

// DecidesResidency reports whether p decides claims anywhere (admin, staff or captain): the
// queue is theirs alone, a plain resident asking for it is refused.
func DecidesResidency(p *Principal) bool {
	return p.Admin || len(p.Staff) > 0 || len(p.Captain) > 0
}
