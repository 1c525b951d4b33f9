package model

import "gorm.io/gorm"

// migrateConsoleSessions marks the staff console's sessions (0021_console_sessions); the
// sessions of before were all the mini-program's, or the console's dev logins, which may keep
// the mini-program's lifetime until they end.
func migrateConsoleSessions(tx *gorm.DB) error {
	type Session struct {
		Console bool `gorm:"not null;default:false"`
	}
	return tx.Table("sessions").Migrator().AddColumn(&Session{}, "Console")
}
