package model

import (
	"time"

	"gorm.io/gorm"
)

// migrateHouseholds (0014_households) creates the register of households (房屋台账) and puts
// the residencies of before it onto households. A residency's room text is read into unit and
// room (SplitRoomText) and matched to the household of that key in its building; an approved
// residency whose room matches none gets a household of its own, flagged NeedsReview for staff
// (two residents who wrote "1201" and "１２０１室" share one). A pending claim is matched but
// never makes a household: approving it does (service.Residencies). Rejected claims stay as
// they are.
func migrateHouseholds(tx *gorm.DB) error {
	type Household struct {
		ID          uint64 `gorm:"primaryKey"`
		CommunityID uint64 `gorm:"not null;index:ix_households_community,priority:1"`
		EstateID    uint64 `gorm:"not null;index:ix_households_estate,priority:1"`
		BuildingID  uint64 `gorm:"not null;uniqueIndex:ux_households_room,priority:1"`
		Unit        string `gorm:"size:16;not null;uniqueIndex:ux_households_room,priority:2"`
		Room        string `gorm:"size:32;not null;uniqueIndex:ux_households_room,priority:3"`
		HeadCipher  []byte `gorm:"size:256"`
		Note        string `gorm:"size:200;not null"`
		NeedsReview bool   `gorm:"not null"`
		CreatedAt   time.Time
		UpdatedAt   time.Time
	}
	type Residency struct {
		HouseholdID *uint64 `gorm:"index"`
	}
	if err := tx.Migrator().CreateTable(&Household{}); err != nil {
		return err
	}
	if err := tx.Table("residencies").Migrator().AddColumn(&Residency{}, "HouseholdID"); err != nil {
		return err
	}
	if err := tx.Table("residencies").Migrator().CreateIndex(&Residency{}, "HouseholdID"); err != nil {
		return err
	}
	type claim struct {
		ID          uint64
		CommunityID uint64
		BuildingID  uint64
		EstateID    uint64
		Room        string
		Status      string
	}
	type key struct {
		building   uint64
		unit, room string
	}
	made := map[key]uint64{}
	for after := uint64(0); ; {
		var batch []claim
		err := tx.Table("residencies").
			Select("residencies.id, residencies.community_id, residencies.building_id, buildings.estate_id, residencies.room, residencies.status").
			Joins("JOIN buildings ON buildings.id = residencies.building_id").
			Where("residencies.id > ? AND residencies.status IN ?", after, []string{ResidencyApproved, ResidencyPending}).
			Order("residencies.id").Limit(500).Scan(&batch).Error
		if err != nil || len(batch) == 0 {
			return err
		}
		for _, c := range batch {
			after = c.ID
			unit, room := SplitRoomText(c.Room)
			if room == "" || len(unit) > 16 || len(room) > 32 {
				continue
			}
			k := key{c.BuildingID, unit, room}
			id, ok := made[k]
			if !ok && c.Status == ResidencyApproved {
				h := Household{CommunityID: c.CommunityID, EstateID: c.EstateID, BuildingID: c.BuildingID,
					Unit: unit, Room: room, NeedsReview: true} // the store's clock stamps it
				if err := tx.Create(&h).Error; err != nil {
					return err
				}
				id, ok = h.ID, true
				made[k] = id
			}
			if ok {
				if err := tx.Table("residencies").Where("id = ?", c.ID).Update("household_id", id).Error; err != nil {
					return err
				}
			}
		}
	}
}
