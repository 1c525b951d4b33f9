package model

import (
	"time"

	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// migrations is the ordered, append-only list of schema changes. Each migration declares the
// tables as they were at that version (local struct types), never the current models, so that
// a later change to a model cannot rewrite history.
func migrations() []*gormigrate.Migration {
	list := []*gormigrate.Migration{
		{ID: "0001_identity", Migrate: migrateIdentity},
		{ID: "0002_uploads", Migrate: migrateUploads},
		{ID: "0003_notifications", Migrate: migrateNotifications},
		{ID: "0004_issues", Migrate: migrateIssues},
		{ID: "0005_service_records", Migrate: migrateServiceRecords},
		{ID: "0006_skills", Migrate: migrateSkills},
		{ID: "0007_activities", Migrate: migrateActivities},
		{ID: "0008_idempotency", Migrate: migrateIdempotency},
		{ID: "0009_timebank", Migrate: migrateTimeBank},
		{ID: "0010_dashboard", Migrate: migrateDashboard},
		{ID: "0011_perf_indexes", Migrate: migrateIndexes},
		{ID: "0012_audit", Migrate: migrateAudit},
		{ID: "0013_held_texts", Migrate: migrateHeldTexts},
		{ID: "0014_households", Migrate: migrateHouseholds},
		{ID: "0015_certificates", Migrate: migrateCertificates},
		{ID: "0016_council", Migrate: migrateCouncil},
		{ID: "0018_corrections", Migrate: migrateCorrections},
		{ID: "0019_announcements", Migrate: migrateAnnouncements},
		{ID: "0020_action_reminders", Migrate: migrateActionReminders},
		{ID: "0021_console_sessions", Migrate: migrateConsoleSessions},
		{ID: "0022_ledger_sequence", Migrate: migrateLedgerSequence},
	}
	for _, m := range list {
		m.Migrate = freshSession(m.Migrate)
	}
	return list
}

// freshSession hands a migration a session without gormigrate's statement state (without it,
// on MySQL the migration's CreateTable would target gormigrate's own table).
func freshSession(f gormigrate.MigrateFunc) gormigrate.MigrateFunc {
	return func(tx *gorm.DB) error { return f(tx.Session(&gorm.Session{NewDB: true})) }
}

func migrateIdentity(tx *gorm.DB) error {
	type User struct {
		ID          uint64  `gorm:"primaryKey"`
		OpenID      *string `gorm:"column:openid;size:64;uniqueIndex"`
		UnionID     *string `gorm:"column:unionid;size:64;index"`
		Nickname    string  `gorm:"size:64;not null"`
		AvatarURL   string  `gorm:"size:512;not null"`
		PhoneCipher []byte  `gorm:"size:256"`
		PhoneMasked string  `gorm:"size:32;not null"`
		DeletedAt   *time.Time
		CreatedAt   time.Time
		UpdatedAt   time.Time
	}
	type Session struct {
		ID        uint64 `gorm:"primaryKey"`
		TokenHash string `gorm:"size:64;not null;uniqueIndex"`
		UserID    uint64 `gorm:"not null;index"`
		CreatedAt time.Time
		ExpiresAt time.Time `gorm:"not null"`
		RevokedAt *time.Time
	}
	type Community struct {
		ID        uint64 `gorm:"primaryKey"`
		Name      string `gorm:"size:64;not null;uniqueIndex"`
		District  string `gorm:"size:64;not null"`
		CreatedAt time.Time
	}
	type Estate struct {
		ID          uint64 `gorm:"primaryKey"`
		CommunityID uint64 `gorm:"not null;uniqueIndex:ux_estates_name,priority:1"`
		Name        string `gorm:"size:64;not null;uniqueIndex:ux_estates_name,priority:2"`
		CreatedAt   time.Time
	}
	type Building struct {
		ID          uint64 `gorm:"primaryKey"`
		CommunityID uint64 `gorm:"not null;index"`
		EstateID    uint64 `gorm:"not null;uniqueIndex:ux_buildings_name,priority:1"`
		Name        string `gorm:"size:64;not null;uniqueIndex:ux_buildings_name,priority:2"`
		CreatedAt   time.Time
	}
	type Residency struct {
		ID          uint64 `gorm:"primaryKey"`
		UserID      uint64 `gorm:"not null;uniqueIndex:ux_residency_room,priority:1"`
		CommunityID uint64 `gorm:"not null;index:ix_residency_queue,priority:1"`
		BuildingID  uint64 `gorm:"not null;uniqueIndex:ux_residency_room,priority:2;index:ix_residency_queue,priority:3"`
		Room        string `gorm:"size:32;not null;uniqueIndex:ux_residency_room,priority:3"`
		Status      string `gorm:"size:16;not null;index:ix_residency_queue,priority:2"`
		Reason      string `gorm:"size:200;not null"`
		DecidedBy   *uint64
		DecidedAt   *time.Time
		CreatedAt   time.Time
		UpdatedAt   time.Time
	}
	type Role struct {
		ID          uint64 `gorm:"primaryKey"`
		UserID      uint64 `gorm:"not null;uniqueIndex:ux_roles_grant,priority:1"`
		Role        string `gorm:"size:16;not null;uniqueIndex:ux_roles_grant,priority:2"`
		CommunityID uint64 `gorm:"not null;uniqueIndex:ux_roles_grant,priority:3;index"`
		GrantedBy   *uint64
		CreatedAt   time.Time
	}
	type RoleBuilding struct {
		RoleID     uint64 `gorm:"primaryKey;autoIncrement:false"`
		BuildingID uint64 `gorm:"primaryKey;autoIncrement:false;index"`
	}
	return tx.Migrator().CreateTable(&User{}, &Session{}, &Community{}, &Estate{}, &Building{},
		&Residency{}, &Role{}, &RoleBuilding{})
}
