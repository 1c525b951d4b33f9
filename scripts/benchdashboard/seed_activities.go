package main

import (
	"context"
	"slices"
	"time"
)

// credit is a credit posting to make: a service record's points, when it was credited.
type credit struct {
	record, user uint64
	account      uint64
	building     uint64
	served, at   time.Time
	minutes      int
}

// activities loads the activities (20 sign-ups each: 15 attended, 2 no-shows, 2 cancelled,
// 1 waitlisted), their sign-ups and service records, and returns the credits owed.
func (l *loader) activities(ctx context.Context) error {
	aid, err := l.nextID(ctx, "activities")
	if err != nil {
		return err
	}
	sid, err := l.nextID(ctx, "signups")
	if err != nil {
		return err
	}
	starts := make([]time.Time, l.o.signups/20)
	for i := range starts {
		starts[i] = l.at().Truncate(time.Hour)
	}
	slices.SortFunc(starts, time.Time.Compare)
	var acts, signups, records [][]any
	for i, start := range starts {
		id := aid + uint64(i)
		end, settled := start.Add(2*time.Hour), start.Add(26*time.Hour)
		status, settledAt := "published", any(nil)
		if settled.Before(l.now) {
			status, settledAt = "finished", settled
		}
		var team any
		if t := l.rng.IntN(len(l.teams) + 2); t < len(l.teams) {
			team = l.teams[t]
		}
		acts = append(acts, []any{id, l.community, team, l.types[l.rng.IntN(len(l.types))], "楼道清扫", "", "1号院", start, end,
			20, 17, start.AddDate(0, 0, -7), start, start.Add(-time.Hour), "community", 0, 100, l.staff, status, false, "",
			settledAt, start.AddDate(0, 0, -7), start.AddDate(0, 0, -7)})
		base := l.rng.IntN(residents)
		for j := range 20 {
			r := (base + j*37) % residents
			su := sid + uint64(len(signups))
			at := start.AddDate(0, 0, -3)
			var live, cancelled, marked, recorded any = true, nil, nil, nil
			st, att, minutes, pos := "confirmed", "", 0, 0
			switch {
			case j >= 19:
				st, pos = "waitlisted", 1
			case j >= 17:
				st, live, cancelled = "cancelled", nil, at.Add(time.Hour)
			case end.Before(l.now) && j >= 15:
				att, marked = "no_show", l.staff
			case end.Before(l.now):
				att, marked, minutes = "attended", l.staff, 90+l.rng.IntN(31)
				if settledAt != nil {
					recorded = settled
					records = append(records, []any{l.community, l.users[r], "activity", su, "巡逻：楼道清扫", "1号院", start,
						minutes, 100, l.staff, l.staff, settled.Add(time.Minute), settled})
				}
			}
			signups = append(signups, []any{su, id, l.users[r], live, st, pos, att, minutes, marked, recorded, cancelled, at, at})
		}
	}
	logf("loading %d activities, %d sign-ups, %d service records", len(acts), len(signups), len(records))
	err = l.insert(ctx, "activities", []string{"id", "community_id", "team_id", "type_id", "title", "description", "place",
		"start_at", "end_at", "capacity", "confirmed", "signup_opens_at", "signup_closes_at", "cancel_cutoff_at", "audience",
		"audience_id", "points_per_hour", "organiser_id", "status", "held", "cancel_reason", "settled_at", "created_at",
		"updated_at"}, len(acts), func(i int) []any { return acts[i] })
	if err != nil {
		return err
	}
	err = l.insert(ctx, "signups", []string{"id", "activity_id", "user_id", "live", "status", "position", "attendance",
		"minutes", "marked_by", "recorded_at", "cancelled_at", "created_at", "updated_at"}, len(signups),
		func(i int) []any { return signups[i] })
	if err != nil {
		return err
	}
	rid, err := l.nextID(ctx, "service_records")
	if err != nil {
		return err
	}
	return l.insert(ctx, "service_records", []string{"id", "community_id", "user_id", "source_kind", "source_id", "content",
		"place", "served_at", "minutes", "points_per_hour", "organiser_id", "confirmer_id", "credited_at", "created_at"},
		len(records), func(i int) []any { return append([]any{rid + uint64(i)}, records[i]...) })
}
