package api

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"linli/service"
)

// The skill directory's search and its staff endpoints (routes in skills.go).

var distanceNames = [...]string{"building", "estate", "community"}

func (a *API) searchDirectory(c *gin.Context) {
	id, err := pathID(c, "id")
	var q DirectoryQuery
	if err == nil {
		err = a.bind.Query(c, &q)
	}
	var at *time.Time
	if err == nil && q.AvailableAt != "" {
		t, perr := time.Parse(time.RFC3339, q.AvailableAt)
		if perr != nil {
			err = service.Invalid("available_at", "available_at 应为 RFC 3339 时间，如 2025-06-07T10:00:00+08:00")
		}
		at = &t
	}
	var p *service.Principal
	if err == nil {
		p, err = a.principal(c)
	}
	var page *service.DirectoryPage
	if err == nil {
		page, err = a.deps.Skills.Search(c.Request.Context(), p, service.DirectoryQuery{CommunityID: id, Skill: q.Skill,
			BuildingID: uint64(q.BuildingID), At: at, Cursor: q.Cursor, Limit: q.Size()})
	}
	if err != nil {
		fail(c, a.log, err)
		return
	}
	out := DirectoryPageDTO{Page: Page[DirectoryItemDTO]{Items: make([]DirectoryItemDTO, len(page.Items)), NextCursor: page.NextCursor},
		Skill: SkillDTO{ID: ID(page.Skill.ID), Name: page.Skill.Name}, Full: page.Full}
	for i, it := range page.Items {
		d := DirectoryItemDTO{Nickname: it.Nickname, BuildingName: it.BuildingName, EstateName: it.EstateName,
			Distance: distanceNames[min(max(it.Distance, 0), 2)], Verified: it.Verified, Skills: profileSkillDTOs(it.Skills),
			Intro: it.Intro, Windows: windowDTOs(it.Windows), Reach: service.ReachName(it.Reach),
			Rating: rating(it.RatingX100, it.RatingCount), RatingCount: it.RatingCount}
		if page.Full {
			uid, open := ID(it.UserID), it.OpenDispatches
			d.VolunteerID, d.Phone, d.OpenDispatches = &uid, it.Phone, &open
		}
		out.Items[i] = d
	}
	ok(c, http.StatusOK, out)
}

// staffCommunity reads the community of the path and asks whether the caller may manage its
// skill directory; on refusal it has written the error.
func (a *API) staffCommunity(c *gin.Context) (uint64, bool) {
	id, err := pathID(c, "id")
	if err == nil {
		_, err = a.deps.Places.Community(c.Request.Context(), id)
	}
	if err != nil {
		fail(c, a.log, err)
		return 0, false
	}
	return id, a.authorize(c, service.ActSkillsManage, service.Scope{CommunityID: id})
}

func (a *API) listSkillProfiles(c *gin.Context) {
	id, allowed := a.staffCommunity(c)
	if !allowed {
		return
	}
	var q StaffProfilesQuery
	err := a.bind.Query(c, &q)
	var after uint64
	if err == nil {
		after, err = cursorID(q.Cursor)
	}
	var p *service.Principal
	if err == nil {
		p, err = a.principal(c)
	}
	var items []service.StaffProfile
	var more bool
	if err == nil {
		items, more, err = a.deps.Skills.Profiles(c.Request.Context(), id, q.Held, p.Staff[id], after, q.Size())
	}
	if err != nil {
		fail(c, a.log, err)
		return
	}
	page := Page[StaffProfileDTO]{Items: make([]StaffProfileDTO, len(items))}
	for i, it := range items {
		page.Items[i] = staffProfileDTO(it)
	}
	if more {
		page.NextCursor = idCursor(items[len(items)-1].ID)
	}
	ok(c, http.StatusOK, page)
}

func staffProfileDTO(it service.StaffProfile) StaffProfileDTO {
	v := &service.ProfileView{Profile: it.SkillProfile, Skills: it.Skills, Windows: it.Windows, BuildingName: it.BuildingName}
	return StaffProfileDTO{UserID: ID(it.UserID), Nickname: it.Nickname, Phone: it.Phone, SkillProfileDTO: skillProfileDTO(v)}
}

// staffAnswer answers a staff action with the person's listing as staff see it.
func (a *API) staffAnswer(c *gin.Context, communityID, personID uint64) {
	p, err := a.principal(c)
	var it *service.StaffProfile
	if err == nil {
		it, err = a.deps.Skills.PersonProfile(c.Request.Context(), communityID, personID, p.Staff[communityID])
	}
	if err != nil {
		fail(c, a.log, err)
		return
	}
	ok(c, http.StatusOK, staffProfileDTO(*it))
}

func (a *API) verifySkill(c *gin.Context) {
	id, allowed := a.staffCommunity(c)
	if !allowed {
		return
	}
	person, err := pathID(c, "user_id")
	var req VerifySkillRequest
	if err == nil {
		err = a.bind.JSON(c, &req)
	}
	if err == nil {
		err = a.deps.Skills.Verify(c.Request.Context(), id, person, uint64(req.SkillID), req.Verified, userID(c))
	}
	if err != nil {
		fail(c, a.log, err)
		return
	}
	a.staffAnswer(c, id, person)
}

func (a *API) releaseSkillProfile(c *gin.Context) {
	id, allowed := a.staffCommunity(c)
	if !allowed {
		return
	}
	person, err := pathID(c, "user_id")
	if err == nil {
		err = a.deps.Skills.Release(c.Request.Context(), id, person)
	}
	if err != nil {
		fail(c, a.log, err)
		return
	}
	a.staffAnswer(c, id, person)
}
