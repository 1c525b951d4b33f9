package api

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"linli/model"
	"linli/service"
)

// AnnouncementDTO is an announcement (公告) in a list.
type AnnouncementDTO struct {
	ID           ID         `json:"id"`
	CommunityID  ID         `json:"community_id"`
	Audience     string     `json:"audience" enum:"community,estate,building" description:"发布范围"`
	EstateID     *ID        `json:"estate_id" description:"小区或楼栋公告的小区；全社区公告为 null"`
	BuildingID   *ID        `json:"building_id" description:"楼栋公告的楼栋；否则为 null"`
	AudienceName string     `json:"audience_name" description:"范围的名称：社区名、小区名或“小区 楼栋”" example:"东亭花园 3栋"`
	Title        string     `json:"title"`
	Body         string     `json:"body"`
	Pinned       bool       `json:"pinned" description:"置顶"`
	Status       string     `json:"status" enum:"pending_review,published,withdrawn" description:"pending_review：内容待审核，只有发布人与社区工作者可见"`
	Author       *PersonDTO `json:"author" description:"发布人；系统发布（如议事厅表决结果公示）为 null"`
	ExpiresAt    time.Time  `json:"expires_at"`
	PublishedAt  *time.Time `json:"published_at" description:"发布时间；待审核时为 null"`
	CreatedAt    time.Time  `json:"created_at"`
	// The reader's part comes last: a list splices it onto the rest, kept encoded
	// (announcementItems).
	Mine bool `json:"mine" description:"我发布的公告"`
	Read bool `json:"read" description:"我已读"`
}

// AnnouncementDetailDTO is an announcement with its photos.
type AnnouncementDetailDTO struct {
	AnnouncementDTO
	Photos      []PhotoDTO `json:"photos"`
	MayReceipts bool       `json:"may_receipts" description:"我可以查看阅读回执（发布人与社区工作者）"`
}

// UnreachedHouseholdDTO is a household the announcement has not reached yet.
type UnreachedHouseholdDTO struct {
	HouseholdID  ID     `json:"household_id"`
	BuildingID   ID     `json:"building_id"`
	BuildingName string `json:"building_name" description:"小区与楼栋" example:"东亭花园 3栋"`
	Unit         string `json:"unit" description:"单元；没有单元的楼为空" example:"2"`
	Room         string `json:"room" example:"301"`
	Members      int    `json:"members" description:"已认证的住户人数（0：还没有人认证，只能上门）"`
	PhoneBound   bool   `json:"phone_bound" description:"有住户绑定了手机号，可以电话联系"`
}

// ReceiptsDTO is who an announcement reached.
type ReceiptsDTO struct {
	AnnouncementID ID  `json:"announcement_id"`
	Households     int `json:"households" description:"发布范围内的户数（房屋台账）"`
	Reached        int `json:"reached" description:"已读的户数：一户中有任何一人读过即算已读"`
	// ReachPercent is Reached of Households, rounded down.
	ReachPercent int  `json:"reach_percent" description:"已读户数占比（%，向下取整）；范围内没有户时为 0"`
	Recipients   int  `json:"recipients" description:"已收到站内通知的居民人数"`
	Delivering   bool `json:"delivering" description:"通知仍在发送中"`
	// Unreached pages through the households not reached yet, in the register's order.
	Unreached Page[UnreachedHouseholdDTO] `json:"unreached" description:"尚未读到的户（按台账顺序分页），便于上门或电话告知"`
}

func announcementDTO(a *model.Announcement, authorName, audienceName string, viewer uint64, read bool) AnnouncementDTO {
	out := AnnouncementDTO{ID: ID(a.ID), CommunityID: ID(a.CommunityID), Audience: a.Audience, EstateID: idOrNil(a.EstateID),
		BuildingID: idOrNil(a.BuildingID), AudienceName: audienceName, Title: a.Title, Body: a.Body, Pinned: a.Pinned,
		Status: a.Status, Mine: a.AuthorID != 0 && a.AuthorID == viewer, Read: read, ExpiresAt: Time(a.ExpiresAt),
		PublishedAt: TimePtr(a.PublishedAt), CreatedAt: Time(a.CreatedAt)}
	if a.AuthorID != 0 {
		out.Author = &PersonDTO{ID: ID(a.AuthorID), Nickname: authorName}
	}
	return out
}

func receiptsDTO(r *service.Receipts) ReceiptsDTO {
	out := ReceiptsDTO{AnnouncementID: ID(r.Announcement.ID), Households: int(r.Households), Reached: int(r.Reached),
		Recipients: r.Recipients, Delivering: r.Delivering,
		Unreached: Page[UnreachedHouseholdDTO]{Items: make([]UnreachedHouseholdDTO, len(r.Unreached))}}
	if r.Households > 0 {
		out.ReachPercent = int(r.Reached * 100 / r.Households)
	}
	for i, h := range r.Unreached {
		out.Unreached.Items[i] = UnreachedHouseholdDTO{HouseholdID: ID(h.ID), BuildingID: ID(h.BuildingID),
			BuildingName: (&model.BuildingView{Building: model.Building{Name: h.BuildingName}, EstateName: h.EstateName}).Label(), Unit: h.Unit, Room: h.Room, Members: h.Members, PhoneBound: h.PhoneBound}
	}
	if r.More {
		out.Unreached.NextCursor = strconv.FormatUint(r.Unreached[len(r.Unreached)-1].ID, 10)
	}
	return out
}

// announcementCursor writes where the next page of announcements starts.
func announcementCursor(a *model.Announcement) string {
	at := a.CreatedAt
	if a.PublishedAt != nil {
		at = *a.PublishedAt
	}
	pinned := 0
	if a.Pinned {
		pinned = 1
	}
	return fmt.Sprintf("%d.%d.%d", pinned, at.UnixMicro(), a.ID)
}

// parseAnnouncementCursor reads announcementCursor's form; nil for the first page.
func parseAnnouncementCursor(s string) (*model.AnnouncementCursor, error) {
	if s == "" {
		return nil, nil
	}
	parts := strings.Split(s, ".")
	if len(parts) != 3 || (parts[0] != "0" && parts[0] != "1") {
		return nil, badCursor()
	}
	us, err1 := strconv.ParseInt(parts[1], 10, 64)
	id, err2 := strconv.ParseUint(parts[2], 10, 63)
	if err1 != nil || err2 != nil || us < 0 {
		return nil, badCursor()
	}
	return &model.AnnouncementCursor{Pinned: parts[0] == "1", At: time.UnixMicro(us).UTC(), ID: id}, nil
}
