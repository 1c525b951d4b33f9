package service

import (
	"context"
	"time"

	"linli/model"
)

// demoNotices are what the demo's staff and captains announce (title and body), after the
// notices the seeds' communities put up.
var demoNotices = [][2]string{
	{"停水通知", "因供水管网维修，本周四 9:00–15:00 停水，请提前储水。给您带来不便，敬请谅解。"},
	{"电梯年检", "本周五上午电梯年检，期间电梯暂停使用，行动不便的老人请联系楼栋长帮忙。"},
	{"防汛提醒", "近期强降雨，请检查自家阳台排水，地下车库车辆请及时挪至地面。"},
	{"垃圾分类宣传周", "下周一起开展垃圾分类宣传，志愿者在各投放点值守指导，欢迎报名。"},
	{"老年人免费体检", "社区卫生服务站为 65 岁以上老人免费体检，请带身份证和医保卡到活动室登记。"},
	{"燃气安全检查", "燃气公司工作人员将入户检查燃气管道，请认准工作证，家中留人。"},
	{"议事会通知", "本月议事会周六上午在社区活动室召开，欢迎居民代表参加，提前提交议题。"},
	{"文明养犬倡议", "遛狗请牵绳，及时清理粪便，共同维护整洁的居住环境。"},
}

// announcements writes a month of notices: two to four, by staff to the community or an
// estate, or by a captain to one of their buildings; the demo's people it reached are told
// in their inbox and most read it within hours, as a real audience does. Drawn from its own
// generator, so that adding them left the rest of the history as it was.
func (h *demoHistory) announcements(ctx context.Context, tx *model.Store, cid uint64, from, to time.Time) error {
	rest := h.rng
	h.rng = h.announceRng
	defer func() { h.rng = rest }()
	for range 2 + h.rng.IntN(3) {
		if err := h.announcement(ctx, tx, cid, h.when(from, to)); err != nil {
			return err
		}
	}
	return nil
}

func (h *demoHistory) announcement(ctx context.Context, tx *model.Store, cid uint64, at time.Time) error {
	at = at.UTC().Truncate(time.Second) // as the service writes them (Announcements.stamp)
	text := pick(h.rng, demoNotices)
	a := &model.Announcement{CommunityID: cid, Audience: model.AudienceCommunity, AuthorID: h.staff, Title: text[0],
		Body: text[1], Status: model.AnnouncementPublished, Pinned: h.rng.IntN(5) == 0,
		ExpiresAt: at.AddDate(0, 0, 7+h.rng.IntN(24)), PublishedAt: &at, CreatedAt: at, UpdatedAt: at}
	if h.rng.IntN(2) == 0 {
		p := pick(h.rng, h.people)
		if h.building[p.UserID] == 0 {
			return nil
		}
		b, err := h.s.Places.Building(ctx, h.building[p.UserID])
		if err != nil {
			return err
		}
		if c, ok := h.captainOf[b.ID]; ok && h.rng.IntN(2) == 0 {
			a.Audience, a.EstateID, a.BuildingID, a.AuthorID = model.AudienceBuilding, b.EstateID, b.ID, c
		} else {
			a.Audience, a.EstateID = model.AudienceEstate, b.EstateID
		}
	}
	n, err := tx.CountHouseholds(ctx, model.AudienceOf(a))
	if err != nil {
		return err
	}
	a.Households = int(n)
	if err := tx.CreateAnnouncement(ctx, a); err != nil {
		return err
	}
	var told []model.Notification
	for _, p := range h.people {
		if h.building[p.UserID] == 0 {
			continue
		}
		in, err := h.addressed(ctx, a, h.building[p.UserID])
		if err != nil {
			return err
		}
		if !in {
			continue
		}
		nt := model.Notification{UserID: p.UserID, CommunityID: cid, Kind: NoticeAnnouncement, Title: a.Title,
			Body: clip(a.Body, maxNoticeBody), Link: announcementLink(a.ID), CreatedAt: at}
		if h.rng.IntN(10) < 7 {
			read := h.after(at, 180).UTC()
			if read.Before(h.now) {
				nt.ReadAt = &read
				if _, err := tx.MarkAnnouncementRead(ctx, a.ID, p.UserID, read); err != nil {
					return err
				}
			}
		}
		told = append(told, nt)
		a.DeliveredThrough = max(a.DeliveredThrough, p.UserID)
	}
	if err := tx.CreateNotifications(ctx, told); err != nil {
		return err
	}
	h.out.Announcements++
	return tx.SetAnnouncementDelivered(ctx, a.ID, a.DeliveredThrough, len(told))
}

// addressed reports whether a demo person living in the building is in the announcement's
// audience.
func (h *demoHistory) addressed(ctx context.Context, a *model.Announcement, building uint64) (bool, error) {
	switch a.Audience {
	case model.AudienceBuilding:
		return building == a.BuildingID, nil
	case model.AudienceEstate:
		b, err := h.s.Places.Building(ctx, building)
		return err == nil && b.EstateID == a.EstateID, err
	}
	return true, nil
}
