package model

import (
	"context"
	"fmt"
	"slices"
	"strings"
)

// personColumns are the columns that name the person a row is about or by.
var personColumns = []string{"user_id", "reporter_id", "author_id", "owner_id", "actor_id", "volunteer_id",
	"requester_id", "member_id", "manager_id"}

// namingColumns name a person too without making the row theirs: who confirmed, dispatched,
// organised, created or decided something, or who a posting or reward is for.
var namingColumns = []string{"confirmer_id", "dispatcher_id", "organiser_id", "created_by", "decided_by",
	"beneficiary_id", "merchant_user_id"}

// NamesPerson reports whether a column of an exported row (PersonalRows) holds a user id: a
// column that makes the row someone's, or one that names someone else in it.
func NamesPerson(column string) bool {
	return slices.Contains(personColumns, column) || slices.Contains(namingColumns, column)
}

// secretColumns never leave the database, not even to their owner: token hashes, ciphertexts,
// stored answers of other requests.
var secretColumns = []string{"token_hash", "phone_cipher", "real_name_cipher", "holder_cipher", "response", "request_hash", "locked_by", "payload"}

// PersonalRows returns, table by table, every row that names the user in a person column,
// with secret columns left out: what we hold about them (PIPL data export). Tables added by
// later migrations are included without further code.
func (s *Store) PersonalRows(ctx context.Context, userID uint64) (map[string][]map[string]any, error) {
	tables, err := s.Tables()
	if err != nil {
		return nil, err
	}
	out := map[string][]map[string]any{}
	for _, t := range tables {
		cols, err := s.db.Migrator().ColumnTypes(t)
		if err != nil {
			return nil, fmt.Errorf("columns of %s: %w", t, err)
		}
		var keep, match []string
		for _, c := range cols {
			name := c.Name()
			switch {
			case slices.Contains(secretColumns, name):
			default:
				keep = append(keep, s.quote(name))
			}
			if slices.Contains(personColumns, name) || (t == "users" && name == "id") {
				match = append(match, name)
			}
		}
		if len(match) == 0 {
			continue
		}
		q := s.db.WithContext(ctx).Table(t).Select(strings.Join(keep, ", "))
		for i, m := range match {
			if i == 0 {
				q = q.Where(s.quote(m)+" = ?", userID)
			} else {
				q = q.Or(s.quote(m)+" = ?", userID)
			}
		}
		var rows []map[string]any
		if err := q.Limit(10000).Find(&rows).Error; err != nil {
			return nil, fmt.Errorf("rows of %s: %w", t, err)
		}
		for _, r := range rows {
			for k, v := range r {
				if b, ok := v.([]byte); ok {
					r[k] = string(b)
				}
			}
		}
		if len(rows) > 0 {
			out[t] = rows
		}
	}
	return out, nil
}

// quote quotes an identifier for the dialect (`key` is a reserved word in MySQL).
func (s *Store) quote(name string) string {
	var b strings.Builder
	s.db.Dialector.QuoteTo(&b, name)
	return b.String()
}

// AllText returns every non-empty text value of every row of a table, for checks that
// something (a deleted person's phone or openid) is nowhere any more.
func (s *Store) AllText(ctx context.Context, table string) ([]string, error) {
	var rows []map[string]any
	if err := s.db.WithContext(ctx).Table(table).Find(&rows).Error; err != nil {
		return nil, err
	}
	var out []string
	for _, r := range rows {
		for _, v := range r {
			switch x := v.(type) {
			case string:
				out = append(out, x)
			case []byte:
				out = append(out, string(x))
			}
		}
	}
	return out, nil
}
