package model

import "time"

// User is a person who logged in through the mini-program. After account deletion the row
// stays (issues and ledger entries point at it) with every personal field erased and OpenID
// released, so a later login with the same WeChat account creates a new user.
type User struct {
	ID          uint64  `gorm:"primaryKey"`
	OpenID      *string `gorm:"column:openid;size:64;uniqueIndex"`
	UnionID     *string `gorm:"column:unionid;size:64;index"`
	Nickname    string  `gorm:"size:64;not null"`
	AvatarURL   string  `gorm:"size:512;not null"`
	PhoneCipher []byte  `gorm:"size:256"` // AES-GCM, key derived from the secret key
	PhoneMasked string  `gorm:"size:32;not null"`
	// HeldNickname is a new nickname content safety could not clear: only its owner sees it,
	// everyone else still sees Nickname. Empty when none is waiting.
	HeldNickname string `gorm:"size:64;not null"`
	DeletedAt    *time.Time
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// Session is one login; the token itself is never stored, only its SHA-256.
type Session struct {
	ID        uint64 `gorm:"primaryKey"`
	TokenHash string `gorm:"size:64;not null;uniqueIndex"`
	UserID    uint64 `gorm:"not null;index"`
	// Console marks a session of the staff console (工作台网页): it slides by minutes of
	// idleness and ends a fixed time after its login, where the mini-program's slides by days.
	Console   bool `gorm:"not null;default:false"`
	CreatedAt time.Time
	ExpiresAt time.Time `gorm:"not null"`
	RevokedAt *time.Time
}

// Community is a 社区, the unit of tenancy: nothing private crosses its boundary.
type Community struct {
	ID        uint64 `gorm:"primaryKey"`
	Name      string `gorm:"size:64;not null;uniqueIndex"`
	District  string `gorm:"size:64;not null"`
	CreatedAt time.Time
}

// Estate is a 小区/院落 inside a community.
type Estate struct {
	ID          uint64 `gorm:"primaryKey"`
	CommunityID uint64 `gorm:"not null;uniqueIndex:ux_estates_name,priority:1"`
	Name        string `gorm:"size:64;not null;uniqueIndex:ux_estates_name,priority:2"`
	CreatedAt   time.Time
}

// Building is a 楼栋; CommunityID repeats the estate's so scope checks need no join.
type Building struct {
	ID          uint64 `gorm:"primaryKey"`
	CommunityID uint64 `gorm:"not null;index"`
	EstateID    uint64 `gorm:"not null;uniqueIndex:ux_buildings_name,priority:1"`
	Name        string `gorm:"size:64;not null;uniqueIndex:ux_buildings_name,priority:2"`
	CreatedAt   time.Time
}

// Residency statuses.
const (
	ResidencyPending  = "pending"
	ResidencyApproved = "approved"
	ResidencyRejected = "rejected"
)

// Residency is a user's claim to live in a room of a building (房屋认证).
type Residency struct {
	ID          uint64 `gorm:"primaryKey"`
	UserID      uint64 `gorm:"not null;uniqueIndex:ux_residency_room,priority:1"`
	CommunityID uint64 `gorm:"not null;index:ix_residency_queue,priority:1"`
	BuildingID  uint64 `gorm:"not null;uniqueIndex:ux_residency_room,priority:2;index:ix_residency_queue,priority:3"`
	Room        string `gorm:"size:32;not null;uniqueIndex:ux_residency_room,priority:3"`
	Status      string `gorm:"size:16;not null;index:ix_residency_queue,priority:2"`
	Reason      string `gorm:"size:200;not null"`
	// RoomHeld: content safety could not clear the room as written; only staff decide the claim.
	RoomHeld bool `gorm:"not null"`
	// HouseholdID is the household of the register the claim is for: set when the claim names
	// a registered room, and always once it is approved (0014_households).
	HouseholdID *uint64 `gorm:"index"`
	DecidedBy   *uint64
	DecidedAt   *time.Time
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// Role names.
const (
	RoleAdmin   = "admin"
	RoleStaff   = "staff"
	RoleCaptain = "captain"
)

// Role is a grant: admin (CommunityID 0), staff of a community, or captain of buildings
// (listed in RoleBuilding).
type Role struct {
	ID          uint64 `gorm:"primaryKey"`
	UserID      uint64 `gorm:"not null;uniqueIndex:ux_roles_grant,priority:1"`
	Role        string `gorm:"size:16;not null;uniqueIndex:ux_roles_grant,priority:2"`
	CommunityID uint64 `gorm:"not null;uniqueIndex:ux_roles_grant,priority:3;index"`
	GrantedBy   *uint64
	CreatedAt   time.Time
}

// RoleBuilding is one building in a captain's scope.
type RoleBuilding struct {
	RoleID     uint64 `gorm:"primaryKey;autoIncrement:false"`
	BuildingID uint64 `gorm:"primaryKey;autoIncrement:false;index"`
}
