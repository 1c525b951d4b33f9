package model

import (
	"context"
	"time"

	"gorm.io/gorm/clause"
)

// Roles inside a team.
const (
	TeamLeader = "leader"
	TeamMember = "member"
)

// Team is a volunteer team (志愿服务队: 红帽队, 红管家, 馨帮手 …) of a community.
type Team struct {
	ID          uint64 `gorm:"primaryKey"`
	CommunityID uint64 `gorm:"not null;uniqueIndex:ux_teams_name,priority:1"`
	Name        string `gorm:"size:32;not null;uniqueIndex:ux_teams_name,priority:2"`
	Description string `gorm:"size:200;not null"`
	CreatedBy   uint64 `gorm:"not null"`
	CreatedAt   time.Time
}

// TeamMembership is one person in a team, as leader or member.
type TeamMembership struct {
	TeamID    uint64 `gorm:"primaryKey;autoIncrement:false"`
	UserID    uint64 `gorm:"primaryKey;autoIncrement:false;index"`
	Role      string `gorm:"size:16;not null"`
	CreatedAt time.Time
}

// TableName keeps the table's name short.
func (TeamMembership) TableName() string { return "team_members" }

// TeamRow is a team with its member count.
type TeamRow struct {
	Team
	Members int
}

// CreateTeam inserts t; a name already used in the community is ErrConflict.
func (s *Store) CreateTeam(ctx context.Context, t *Team) error {
	return translate(s.db.WithContext(ctx).Create(t).Error)
}

// TeamByID returns a team.
func (s *Store) TeamByID(ctx context.Context, id uint64) (*Team, error) {
	var t Team
	err := s.db.WithContext(ctx).First(&t, id).Error
	return &t, translate(err)
}

// Teams lists up to limit teams of the community with an id above after, with member counts.
func (s *Store) Teams(ctx context.Context, communityID, after uint64, limit int) ([]TeamRow, error) {
	var out []TeamRow
	err := s.db.WithContext(ctx).Table("teams").
		Select("teams.*, (SELECT COUNT(*) FROM team_members WHERE team_members.team_id = teams.id) AS members").
		Where("teams.community_id = ? AND teams.id > ?", communityID, after).
		Order("teams.id").Limit(limit).Scan(&out).Error
	return out, err
}

// SetTeamMember adds the user to the team with the role, or changes the role of a member.
func (s *Store) SetTeamMember(ctx context.Context, teamID, userID uint64, role string, at time.Time) error {
	m := TeamMembership{TeamID: teamID, UserID: userID, Role: role, CreatedAt: at}
	return translate(s.db.WithContext(ctx).Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "team_id"}, {Name: "user_id"}},
		DoUpdates: clause.AssignmentColumns([]string{"role"}),
	}).Create(&m).Error)
}

// RemoveTeamMember takes the user out of the team; it reports whether they were in it.
func (s *Store) RemoveTeamMember(ctx context.Context, teamID, userID uint64) (bool, error) {
	res := s.db.WithContext(ctx).Where("team_id = ? AND user_id = ?", teamID, userID).Delete(&TeamMembership{})
	return res.RowsAffected == 1, translate(res.Error)
}

// TeamRole is the user's role in the team ("" when not a member).
func (s *Store) TeamRole(ctx context.Context, teamID, userID uint64) (string, error) {
	var out []string
	err := s.db.WithContext(ctx).Model(&TeamMembership{}).Where("team_id = ? AND user_id = ?", teamID, userID).
		Limit(1).Pluck("role", &out).Error
	if err != nil || len(out) == 0 {
		return "", err
	}
	return out[0], nil
}

// TeamMembers lists the members of these teams with the given role (any when ""), by team.
func (s *Store) TeamMembers(ctx context.Context, teamIDs []uint64, role string) (map[uint64][]TeamMembership, error) {
	out := map[uint64][]TeamMembership{}
	if len(teamIDs) == 0 {
		return out, nil
	}
	q := s.db.WithContext(ctx).Where("team_id IN ?", teamIDs)
	if role != "" {
		q = q.Where("role = ?", role)
	}
	var rows []TeamMembership
	err := q.Order("team_id, created_at, user_id").Find(&rows).Error
	for _, r := range rows {
		out[r.TeamID] = append(out[r.TeamID], r)
	}
	return out, err
}

// CountTeamLeaders counts the leaders of a team.
func (s *Store) CountTeamLeaders(ctx context.Context, teamID uint64) (int64, error) {
	var n int64
	err := s.db.WithContext(ctx).Model(&TeamMembership{}).Where("team_id = ? AND role = ?", teamID, TeamLeader).Count(&n).Error
	return n, err
}
