package model

import (
	"context"
	"errors"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// DeletedNickname replaces the nickname of an erased account.
const DeletedNickname = "已注销用户"

// UserByID returns the user, deleted or not.
func (s *Store) UserByID(ctx context.Context, id uint64) (*User, error) {
	var u User
	err := s.db.WithContext(ctx).First(&u, id).Error
	return &u, translate(err)
}

// UserByOpenID returns the live user holding openid.
func (s *Store) UserByOpenID(ctx context.Context, openid string) (*User, error) {
	var u User
	err := s.db.WithContext(ctx).Where("openid = ?", openid).First(&u).Error
	return &u, translate(err)
}

// UserOfOpenID returns the user holding openid, creating it on first sight. Two first logins
// racing each other end with one row: the loser's insert hits the unique key and reads the
// winner's. created reports whether this call made the row.
func (s *Store) UserOfOpenID(ctx context.Context, openid, unionid, nickname string) (u *User, created bool, err error) {
	u, err = s.UserByOpenID(ctx, openid)
	if err == nil {
		if unionid != "" && (u.UnionID == nil || *u.UnionID != unionid) {
			err = s.db.WithContext(ctx).Model(u).Update("unionid", unionid).Error
		}
		return u, false, translate(err)
	}
	if !errors.Is(err, ErrNotFound) {
		return nil, false, err
	}
	nu := &User{OpenID: &openid, Nickname: nickname}
	if unionid != "" {
		nu.UnionID = &unionid
	}
	err = translate(s.db.WithContext(ctx).Create(nu).Error)
	if errors.Is(err, ErrConflict) {
		u, err = s.UserByOpenID(ctx, openid)
		return u, false, err
	}
	return nu, err == nil, err
}

// ProfileChange is what UpdateProfile sets; nil fields stay as they are.
type ProfileChange struct {
	Nickname *string
	// NicknameHeld keeps Nickname as the held nickname (others keep seeing the current one);
	// otherwise it becomes the nickname and a held one is dropped.
	NicknameHeld bool
	AvatarURL    *string
}

// UpdateProfile applies c to a live user.
func (s *Store) UpdateProfile(ctx context.Context, id uint64, c ProfileChange) error {
	set := map[string]any{}
	switch {
	case c.Nickname != nil && c.NicknameHeld:
		set["held_nickname"] = *c.Nickname
	case c.Nickname != nil:
		set["nickname"], set["held_nickname"] = *c.Nickname, ""
	}
	if c.AvatarURL != nil {
		set["avatar_url"] = *c.AvatarURL
	}
	if len(set) == 0 {
		return nil
	}
	res := s.db.WithContext(ctx).Model(&User{}).Where("id = ? AND deleted_at IS NULL", id).Updates(set)
	if res.Error != nil {
		return translate(res.Error)
	}
	if res.RowsAffected == 0 {
		return ErrNotFound
	}
	return nil
}

// SetPhone stores the encrypted phone number and its masked form.
func (s *Store) SetPhone(ctx context.Context, id uint64, cipher []byte, masked string) error {
	res := s.db.WithContext(ctx).Model(&User{}).Where("id = ? AND deleted_at IS NULL", id).
		Updates(map[string]any{"phone_cipher": cipher, "phone_masked": masked})
	if res.Error != nil {
		return translate(res.Error)
	}
	if res.RowsAffected == 0 {
		return ErrNotFound
	}
	return nil
}

// EraseUser deletes an account: personal fields are erased and the openid released, the
// person's residencies, roles, notifications and subscription grants are deleted and every
// session is revoked, all in one transaction. The row stays so that records others rely on keep their author. It returns
// the token hashes of the sessions it revoked, for evicting caches.
func (s *Store) EraseUser(ctx context.Context, id uint64) (revoked []string, err error) {
	now := s.now()
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var u User
		if err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).Where("deleted_at IS NULL").First(&u, id).Error; err != nil {
			return translate(err)
		}
		if err := tx.Model(&u).Updates(map[string]any{
			"openid": nil, "unionid": nil, "nickname": DeletedNickname, "held_nickname": "", "avatar_url": "",
			"phone_cipher": nil, "phone_masked": "", "deleted_at": now,
		}).Error; err != nil {
			return err
		}
		if err := tx.Where("user_id = ?", id).Delete(&Residency{}).Error; err != nil {
			return err
		}
		if err := tx.Where("user_id = ?", id).Delete(&RealName{}).Error; err != nil {
			return err
		}
		if err := tx.Where("role_id IN (?)", tx.Model(&Role{}).Select("id").Where("user_id = ?", id)).
			Delete(&RoleBuilding{}).Error; err != nil {
			return err
		}
		if err := tx.Where("user_id = ?", id).Delete(&Role{}).Error; err != nil {
			return err
		}
		// The skill listing leaves the directory and its intro is erased; the row keeps the
		// counters that dispatches rely on.
		profiles := tx.Model(&SkillProfile{}).Select("id").Where("user_id = ?", id)
		for _, part := range []any{&SkillListing{}, &SkillWindow{}} {
			if err := tx.Where("profile_id IN (?)", profiles).Delete(part).Error; err != nil {
				return err
			}
		}
		if err := tx.Model(&SkillProfile{}).Where("user_id = ?", id).Updates(map[string]any{
			"withdrawn": true, "visible": false, "intro": "", "intro_held": false, "updated_at": now}).Error; err != nil {
			return err
		}
		// The inbox, its pending WeChat messages and the one-time grants are the person's own.
		for _, personal := range []any{&OutboxMessage{}, &Notification{}, &SubscriptionGrant{}} {
			if err := tx.Where("user_id = ?", id).Delete(personal).Error; err != nil {
				return err
			}
		}
		var err error
		revoked, err = revokeUserSessions(tx, id, now)
		return err
	})
	return revoked, err
}

// UsersByIDs returns the users with these ids, keyed by id.
func (s *Store) UsersByIDs(ctx context.Context, ids []uint64) (map[uint64]User, error) {
	out := make(map[uint64]User, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	var users []User
	if err := s.db.WithContext(ctx).Where("id IN ?", ids).Find(&users).Error; err != nil {
		return nil, err
	}
	for _, u := range users {
		out[u.ID] = u
	}
	return out, nil
}
