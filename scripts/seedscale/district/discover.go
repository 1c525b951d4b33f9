package district

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
)

// Person is a seeded person who can log in by dev login.
type Person struct {
	UserID uint64
	// OpenID is what dev login takes (without the stored "dev:" prefix).
	OpenID string
	// Building is where they live (residents, captains) or their first building (captains).
	Building uint64
	// Buildings are a captain's.
	Buildings []uint64
}

// Community is a loaded community as a load test needs it.
type Community struct {
	ID        uint64
	Buildings []uint64
	Staff     []Person
	Captains  []Person
	// Residents are approved residents, a sample spread over the buildings.
	Residents []Person
	// Categories are the active issue categories; Skills the skill names; Types the active
	// activity types.
	Categories []uint64
	Skills     []string
	Types      []uint64
}

// Discover finds the communities Seed loaded into db, with up to residents residents of each.
func Discover(ctx context.Context, db *sql.DB, residents int) ([]Community, error) {
	ids, err := column[uint64](ctx, db, "SELECT id FROM communities WHERE name LIKE ? ORDER BY id", "东亭社区（规模%")
	if err != nil {
		return nil, err
	}
	var out []Community
	for _, id := range ids {
		c := Community{ID: id}
		if c.Buildings, err = column[uint64](ctx, db, "SELECT id FROM buildings WHERE community_id = ? ORDER BY id", id); err != nil {
			return nil, err
		}
		if c.Categories, err = column[uint64](ctx, db,
			"SELECT id FROM issue_categories WHERE community_id = ? AND active = ? ORDER BY sort_order, id", id, true); err != nil {
			return nil, err
		}
		if c.Types, err = column[uint64](ctx, db,
			"SELECT id FROM activity_types WHERE community_id = ? AND active = ? ORDER BY sort_order, id", id, true); err != nil {
			return nil, err
		}
		if c.Skills, err = column[string](ctx, db, "SELECT name FROM skills WHERE community_id = ? ORDER BY sort_order, id", id); err != nil {
			return nil, err
		}
		if c.Staff, err = people(ctx, db, `SELECT u.id, u.openid, 0 FROM roles r JOIN users u ON u.id = r.user_id
			WHERE r.community_id = ? AND r.role = 'staff' AND u.openid LIKE 'dev:%' ORDER BY u.id`, id); err != nil {
			return nil, err
		}
		if c.Captains, err = people(ctx, db, `SELECT u.id, u.openid, MIN(rb.building_id) FROM roles r
			JOIN users u ON u.id = r.user_id JOIN role_buildings rb ON rb.role_id = r.id
			WHERE r.community_id = ? AND r.role = 'captain' AND u.openid LIKE 'dev:%' GROUP BY u.id, u.openid ORDER BY u.id`, id); err != nil {
			return nil, err
		}
		for i := range c.Captains {
			if c.Captains[i].Buildings, err = column[uint64](ctx, db, `SELECT rb.building_id FROM role_buildings rb
				JOIN roles r ON r.id = rb.role_id WHERE r.user_id = ? AND r.community_id = ? ORDER BY rb.building_id`,
				c.Captains[i].UserID, id); err != nil {
				return nil, err
			}
		}
		all, err := people(ctx, db, `SELECT u.id, u.openid, r.building_id FROM residencies r JOIN users u ON u.id = r.user_id
			WHERE r.community_id = ? AND r.status = 'approved' AND u.openid LIKE ? ORDER BY r.id`,
			id, fmt.Sprintf("dev:c%d-r%%", id))
		if err != nil {
			return nil, err
		}
		step := max(1, len(all)/max(1, residents))
		for i := 0; i < len(all) && len(c.Residents) < residents; i += step {
			c.Residents = append(c.Residents, all[i])
		}
		out = append(out, c)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no seeded communities (run scripts/seedscale first)")
	}
	return out, nil
}

func column[T any](ctx context.Context, db *sql.DB, q string, args ...any) ([]T, error) {
	rows, err := db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		var v T
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

func people(ctx context.Context, db *sql.DB, q string, args ...any) ([]Person, error) {
	rows, err := db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Person
	for rows.Next() {
		var p Person
		if err := rows.Scan(&p.UserID, &p.OpenID, &p.Building); err != nil {
			return nil, err
		}
		p.OpenID = strings.TrimPrefix(p.OpenID, "dev:")
		out = append(out, p)
	}
	return out, rows.Err()
}
