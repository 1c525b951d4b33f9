package service

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"linli/model"
)

// Audit keeps the audit log (操作日志): who did what, when and from where, for every write of a
// staff member, captain or admin and every role change, for the community's staff to read.
// It records no request body and no phone number.
type Audit struct {
	store *model.Store
	log   *slog.Logger
	now   func() time.Time
}

// NewAudit builds the audit log service.
func NewAudit(store *model.Store, log *slog.Logger) *Audit {
	return &Audit{store: store, log: log, now: func() time.Time { return time.Now().UTC() }}
}

// AuditRecord is one action to log.
type AuditRecord struct {
	UserID uint64
	// Role is the role the user acted in (RoleIn).
	Role        string
	CommunityID uint64
	Method      string
	Route       string
	TargetType  string
	TargetID    uint64
	Status      int
	IP          string
	RequestID   string
	At          time.Time
}

// Record appends r to the log. Text that does not fit its column is cut, so that an odd route
// or address can never lose the entry.
func (a *Audit) Record(ctx context.Context, r AuditRecord) error {
	e := &model.AuditEntry{CommunityID: r.CommunityID, UserID: r.UserID, Role: cut(r.Role, 16),
		Method: cut(r.Method, 8), Route: cut(r.Route, 128), TargetType: cut(r.TargetType, 32), TargetID: r.TargetID,
		Status: r.Status, IP: cut(r.IP, 45), RequestID: cut(r.RequestID, 64), CreatedAt: r.At.UTC()}
	if e.CreatedAt.IsZero() {
		e.CreatedAt = a.now()
	}
	if err := a.store.CreateAuditEntry(ctx, e); err != nil {
		return err
	}
	return nil
}

// CommunityOf returns the community the resource kind (a path segment: "issues",
// "help-requests", …) with this id belongs to; 0 when it names no per-community resource or
// there is no such row.
func (a *Audit) CommunityOf(ctx context.Context, kind string, id uint64) (uint64, error) {
	if id == 0 {
		return 0, nil
	}
	c, err := a.store.CommunityOf(ctx, kind, id)
	switch {
	case errors.Is(err, model.ErrNotFound):
		return 0, nil
	case err != nil:
		return 0, err
	}
	return c, nil
}

// RoleIn is the role p acts in within the community: staff of it, else admin, else captain of
// one of its buildings. For community 0 (an action in none) it is the highest role p holds.
// "" means p holds no role there: the action is a resident's and is not audited.
func RoleIn(p *Principal, communityID uint64) string {
	if p == nil {
		return ""
	}
	switch {
	case communityID != 0 && p.Staff[communityID]:
		return model.RoleStaff
	case p.Admin:
		return model.RoleAdmin
	case communityID != 0 && p.captainIn(communityID):
		return model.RoleCaptain
	case communityID != 0:
		return ""
	case len(p.Staff) > 0:
		return model.RoleStaff
	case len(p.Captain) > 0:
		return model.RoleCaptain
	}
	return ""
}

// AuditQuery selects a page of a community's log, newest first.
type AuditQuery struct {
	CommunityID uint64
	// UserID keeps only this person's actions; 0 keeps everyone's.
	UserID uint64
	// From and To bound the time: From ≤ t < To; zero values do not bound.
	From, To time.Time
	// Before is the cursor (the id of the last entry of the previous page); 0 is the start.
	Before uint64
	Limit  int
}

// AuditPage is a page of the log.
type AuditPage struct {
	Items []model.AuditRow
	More  bool
}

// List returns a page of the community's log to its staff and to admins (whoever manages the
// community's roles); others inside the community get 403, outsiders 404.
func (a *Audit) List(ctx context.Context, p *Principal, q AuditQuery) (*AuditPage, error) {
	if err := Authorize(p, ActRolesManage, Scope{CommunityID: q.CommunityID}); err != nil {
		return nil, err
	}
	if !q.From.IsZero() && !q.To.IsZero() && !q.From.Before(q.To) {
		return nil, Invalid("to", "结束日期不能早于开始日期")
	}
	if q.Limit < 1 || q.Limit > 100 {
		q.Limit = 20
	}
	rows, err := a.store.AuditEntries(ctx, model.AuditFilter{CommunityID: q.CommunityID, UserID: q.UserID,
		From: q.From, To: q.To, Before: q.Before, Limit: q.Limit + 1})
	if err != nil {
		return nil, err
	}
	page := &AuditPage{Items: rows}
	if len(rows) > q.Limit {
		page.Items, page.More = rows[:q.Limit], true
	}
	return page, nil
}

// cut shortens s to at most n bytes without splitting a UTF-8 character.
func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n]
}
