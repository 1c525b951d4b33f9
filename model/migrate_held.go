package model

import "gorm.io/gorm"

// migrateHeldTexts adds what content safety needs to hold a text it cannot clear (0013): the
// nickname waiting for review beside the one others see, and a flag on each other text that
// others would read otherwise: a claim's room, a transfer's memo, a note on an issue's
// timeline, an issue's rating comment, a dispatch's offer note and its decline or cancel
// reason. Existing rows are
// clear (nothing was checked before, nothing is held).
func migrateHeldTexts(tx *gorm.DB) error {
	type User struct {
		HeldNickname string `gorm:"size:64;not null;default:''"`
	}
	type Residency struct {
		RoomHeld bool `gorm:"not null;default:false"`
	}
	type Posting struct {
		MemoHeld bool `gorm:"not null;default:false"`
	}
	type IssueEvent struct {
		NoteHeld bool `gorm:"not null;default:false"`
	}
	type Issue struct {
		RatingCommentHeld bool `gorm:"not null;default:false"`
	}
	type Dispatch struct {
		OfferNoteHeld bool `gorm:"not null;default:false"`
		ReasonHeld    bool `gorm:"not null;default:false"`
	}
	for _, c := range []struct {
		table, field string
		model        any
	}{
		{"users", "HeldNickname", &User{}},
		{"residencies", "RoomHeld", &Residency{}},
		{"postings", "MemoHeld", &Posting{}},
		{"issue_events", "NoteHeld", &IssueEvent{}},
		{"issues", "RatingCommentHeld", &Issue{}},
		{"dispatches", "OfferNoteHeld", &Dispatch{}},
		{"dispatches", "ReasonHeld", &Dispatch{}},
	} {
		if err := tx.Table(c.table).Migrator().AddColumn(c.model, c.field); err != nil {
			return err
		}
	}
	return nil
}
