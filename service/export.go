package service

import (
	"context"
	"slices"
	"strconv"

	"linli/model"
)

// Export is everything Linli holds about a person (个人信息副本, PIPL art. 45).
type Export struct {
	Profile *Profile
	// Phone is the person's own number in full: it is theirs.
	Phone string
	// Tables holds, per table, the rows that name the person (secrets such as token hashes
	// left out). Where a row also names the reporter of an anonymous issue whom the API hides
	// from the person, that column is nil.
	Tables map[string][]map[string]any
}

// Export collects what we hold about the user.
func (u *Users) Export(ctx context.Context, userID uint64) (*Export, error) {
	p, err := u.freshProfile(ctx, userID)
	if err != nil {
		return nil, err
	}
	rows, err := u.store.PersonalRows(ctx, userID)
	if err != nil {
		return nil, err
	}
	who, err := LoadPrincipal(ctx, u.store, userID)
	if err != nil {
		return nil, err
	}
	if err := redactAnonymous(ctx, u.store, who, rows); err != nil {
		return nil, err
	}
	return &Export{Profile: p, Phone: u.PhoneOf(p.User), Tables: rows}, nil
}

// AnonymousName is shown instead of the reporter of an anonymous issue, where a name belongs.
const AnonymousName = "匿名"

// hidesReporter reports whether p may not learn who reported the issue: it is anonymous, and
// p neither reported it nor manages its building (captain, staff, admin). The API hides the
// reporter by this rule (dispatch views; the issue's own detail by Access), and so does the
// export.
func hidesReporter(p *Principal, is *model.Issue) bool {
	return is.Anonymous && p.UserID != is.ReporterID &&
		!p.Can(ActDispatchManage, Scope{CommunityID: is.CommunityID, BuildingID: is.BuildingID})
}

// hiddenReporters maps each of the dispatches that serves an anonymous issue whose reporter p
// may not know (hidesReporter) to that reporter.
func hiddenReporters(ctx context.Context, store *model.Store, p *Principal, dispatchIDs []uint64) (map[uint64]uint64, error) {
	out := map[uint64]uint64{}
	if len(dispatchIDs) == 0 {
		return out, nil
	}
	dispatches, err := store.DispatchesByIDs(ctx, dispatchIDs)
	if err != nil {
		return nil, err
	}
	var issueIDs []uint64
	for _, d := range dispatches {
		if d.SourceKind == model.DispatchFromIssue {
			issueIDs = append(issueIDs, d.SourceID)
		}
	}
	issues, err := store.IssuesByIDs(ctx, issueIDs)
	if err != nil {
		return nil, err
	}
	for id, d := range dispatches {
		if is, ok := issues[d.SourceID]; ok && d.SourceKind == model.DispatchFromIssue && hidesReporter(p, &is) {
			out[id] = is.ReporterID
		}
	}
	return out, nil
}

// redactAnonymous applies hidesReporter to an export: in every row tied to an anonymous issue
// (a dispatch of it, a service record of such a dispatch, any row naming the issue or the
// dispatch), each column that names a person (model.NamesPerson) and holds the reporter is
// set to nil. A volunteer's dispatch keeps what they did, not who asked.
func redactAnonymous(ctx context.Context, store *model.Store, p *Principal, tables map[string][]map[string]any) error {
	// Which dispatch and issue each row is tied to (a row is a map: changing it changes the export).
	type tie struct {
		row             map[string]any
		dispatch, issue uint64
	}
	var ties []tie
	var dispatchIDs, issueIDs []uint64
	for table, rows := range tables {
		for _, row := range rows {
			t := tie{row: row}
			switch {
			case table == "dispatches" && row["source_kind"] == model.DispatchFromIssue:
				t.issue, _ = exportedID(row["source_id"])
			case table == "service_records" && row["source_kind"] == model.SourceDispatch:
				t.dispatch, _ = exportedID(row["source_id"])
			}
			if id, ok := exportedID(row["dispatch_id"]); ok {
				t.dispatch = id
			}
			if id, ok := exportedID(row["issue_id"]); ok {
				t.issue = id
			}
			if t.dispatch == 0 && t.issue == 0 {
				continue
			}
			ties = append(ties, t)
			if t.dispatch != 0 {
				dispatchIDs = append(dispatchIDs, t.dispatch)
			}
			if t.issue != 0 {
				issueIDs = append(issueIDs, t.issue)
			}
		}
	}
	if len(ties) == 0 {
		return nil
	}
	dispatches, err := store.DispatchesByIDs(ctx, dispatchIDs)
	if err != nil {
		return err
	}
	for _, d := range dispatches {
		if d.SourceKind == model.DispatchFromIssue {
			issueIDs = append(issueIDs, d.SourceID)
		}
	}
	issues, err := store.IssuesByIDs(ctx, issueIDs)
	if err != nil {
		return err
	}
	hidden := func(issueID uint64) uint64 { // the reporter to hide, 0 for none
		if is, ok := issues[issueID]; ok && hidesReporter(p, &is) {
			return is.ReporterID
		}
		return 0
	}
	for _, t := range ties {
		var hide []uint64
		if id := hidden(t.issue); id != 0 {
			hide = append(hide, id)
		}
		if d, ok := dispatches[t.dispatch]; ok && d.SourceKind == model.DispatchFromIssue {
			if id := hidden(d.SourceID); id != 0 {
				hide = append(hide, id)
			}
		}
		for col, v := range t.row {
			if id, ok := exportedID(v); ok && model.NamesPerson(col) && slices.Contains(hide, id) {
				t.row[col] = nil
			}
		}
	}
	return nil
}

// exportedID reads an id from an exported row, whichever type the driver scanned it as.
func exportedID(v any) (uint64, bool) {
	switch x := v.(type) {
	case int64:
		return uint64(x), x > 0
	case uint64:
		return x, x > 0
	case int:
		return uint64(x), x > 0
	case int32:
		return uint64(x), x > 0
	case uint32:
		return uint64(x), x > 0
	case string:
		id, err := strconv.ParseUint(x, 10, 64)
		return id, err == nil && id > 0
	}
	return 0, false
}
