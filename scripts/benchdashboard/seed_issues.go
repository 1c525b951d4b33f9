package main

import (
	"context"
	"slices"
	"time"
)

// issue is one issue's row and its timeline.
type issue struct {
	id, building, category, reporter uint64
	status                           string
	anonymous                        bool
	rating                           any
	created, updated                 time.Time
	ack, resolved, closed            any
	events                           []event
}

type event struct {
	action, from, to string
	at               time.Time
}

// issues loads the issues, their events and the dispatches sent to them.
func (l *loader) issues(ctx context.Context) error {
	first, err := l.nextID(ctx, "issues")
	if err != nil {
		return err
	}
	list := make([]issue, l.o.issues)
	reported := make([]time.Time, len(list))
	for i := range reported {
		reported[i] = l.at()
	}
	slices.SortFunc(reported, time.Time.Compare) // ids follow time, as when rows are written as things happen
	events := 0
	for i := range list {
		r := l.rng.IntN(residents)
		is := issue{id: first + uint64(i), building: l.buildings[r%len(l.buildings)], reporter: l.users[r],
			category: l.categories[l.rng.IntN(len(l.categories))], anonymous: l.rng.IntN(100) < 15, created: reported[i]}
		is.status, is.updated = "submitted", is.created
		is.events = []event{{"report", "", "submitted", is.created}}
		move := func(action, to string, at time.Time) bool {
			if !at.Before(l.now) {
				return false
			}
			is.events = append(is.events, event{action, is.status, to, at})
			is.status, is.updated = to, at
			return true
		}
		fate, ack := l.rng.IntN(100), l.after(is.created, 240)
		resolved := l.after(ack, 2*24*60)
		closed := l.after(resolved, 2*24*60)
		if auto := resolved.Add(7 * 24 * time.Hour); closed.After(auto) { // auto-closed
			closed = auto
		}
		switch {
		case fate < 4:
			move("reject", "rejected", ack)
		case fate < 7:
			move("mark_duplicate", "duplicate", ack)
		case move("acknowledge", "acknowledged", ack):
			is.ack = ack
			if move("resolve", "resolved", resolved) {
				is.resolved = resolved
				if move("close", "closed", closed) {
					is.closed = closed
				}
				if fate%10 < 6 {
					is.rating = 3 + fate%3
				}
			}
		}
		events += len(is.events)
		list[i] = is
	}
	logf("loading %d issues and %d events", len(list), events)
	err = l.insert(ctx, "issues", []string{"id", "community_id", "building_id", "category_id", "reporter_id", "description",
		"location", "urgent", "anonymous", "status", "followers", "reopens", "rating", "rating_comment", "created_at",
		"updated_at", "acknowledged_at", "resolved_at", "closed_at"}, len(list), func(i int) []any {
		is := list[i]
		return []any{is.id, l.community, is.building, is.category, is.reporter, "楼道灯不亮", "3单元", false, is.anonymous,
			is.status, 0, 0, is.rating, "", is.created, is.updated, is.ack, is.resolved, is.closed}
	})
	if err != nil {
		return err
	}
	type ev struct {
		issue uint64
		event
	}
	flat := make([]ev, 0, events)
	for _, is := range list {
		for _, e := range is.events {
			flat = append(flat, ev{is.id, e})
		}
	}
	slices.SortStableFunc(flat, func(a, b ev) int { return a.at.Compare(b.at) })
	eid, err := l.nextID(ctx, "issue_events")
	if err != nil {
		return err
	}
	err = l.insert(ctx, "issue_events", []string{"id", "issue_id", "actor_id", "action", "from_status", "to_status", "note",
		"created_at"}, len(flat), func(i int) []any {
		e := flat[i]
		return []any{eid + uint64(i), e.issue, l.staff, e.action, e.from, e.to, "", e.at}
	})
	if err != nil {
		return err
	}
	return l.dispatches(ctx, list)
}

// dispatches loads one dispatch for every fifth issue acknowledged, all finished.
func (l *loader) dispatches(ctx context.Context, list []issue) error {
	var rows [][]any
	for i, is := range list {
		ack, ok := is.ack.(time.Time)
		if i%5 != 0 || !ok || ack.After(l.now.Add(-72*time.Hour)) {
			continue
		}
		offered := ack.Add(10 * time.Minute)
		responded := l.after(offered, 60)
		status, closed, completed, confirmed := "confirmed", any(nil), any(responded.Add(24*time.Hour)), any(responded.Add(25*time.Hour))
		updated := responded.Add(25 * time.Hour)
		var answered any = responded
		switch f := l.rng.IntN(100); {
		case f < 10:
			status, closed, completed, confirmed, updated = "declined", responded, nil, nil, responded
		case f < 20:
			status, answered, closed, completed, confirmed = "expired", nil, offered.Add(24*time.Hour), nil, nil
			updated = offered.Add(24 * time.Hour)
		}
		rows = append(rows, []any{l.community, is.building, "issue", is.id, "水电", l.users[l.rng.IntN(residents)], l.staff,
			is.reporter, status, "", "", "", "", false, 60, "", false, offered, offered.Add(24 * time.Hour), answered,
			completed, confirmed, closed, updated})
	}
	logf("loading %d dispatches", len(rows))
	return l.insert(ctx, "dispatches", []string{"community_id", "building_id", "source_kind", "source_id", "title",
		"volunteer_id", "dispatcher_id", "requester_id", "status", "note", "decline_reason", "cancel_reason", "completion_note",
		"note_held", "minutes", "rating_comment", "comment_held", "offered_at", "expires_at", "responded_at", "completed_at",
		"confirmed_at", "closed_at", "updated_at"}, len(rows), func(i int) []any { return rows[i] })
}
