package api_test

import (
	"linli/clock"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"linli/app/apptest"
	"linli/config"
)

// auditEntry is an entry of GET /communities/:id/audit-log as a client reads it.
type auditEntry struct {
	ID   string `json:"id"`
	User struct {
		ID       string `json:"id"`
		Nickname string `json:"nickname"`
	} `json:"user"`
	Role       string `json:"role"`
	Method     string `json:"method"`
	Route      string `json:"route"`
	TargetType string `json:"target_type"`
	TargetID   string `json:"target_id"`
	Status     int    `json:"status"`
	IP         string `json:"ip"`
	RequestID  string `json:"request_id"`
	CreatedAt  string `json:"created_at"`
}

type auditPage struct {
	Items      []auditEntry `json:"items"`
	NextCursor string       `json:"next_cursor"`
}

func readAudit(t *testing.T, e *apptest.Env, community string, who apptest.Session, query url.Values) auditPage {
	t.Helper()
	var p auditPage
	e.Do("GET", "/api/v1/communities/"+community+"/audit-log?"+query.Encode(), nil, tok(who)).Want(t, 200).Data(t, &p)
	return p
}

// from sets the client address of a request.
func from(addr string) apptest.Req { return func(r *http.Request) { r.RemoteAddr = addr } }

// TestAuditLogRecordsStaffAndCaptainActions: every successful write of staff, captains and
// admins is in the log with who, role, what, target, when and from where, newest first; a
// resident's own actions, refused requests and idempotent replays are not; role grants and
// revocations always are, a staff member's revocation of their own role included.
func TestAuditLogRecordsStaffAndCaptainActions(t *testing.T) {
	t.Parallel()
	w := newIssueWorld(t, func(c *config.Config) { c.HTTP.TrustedProxies = []string{"192.0.2.0/24"} })
	e := w.e
	start := e.Clock.Now()
	var issue issueData
	w.report(t, w.reporter, nil).Want(t, 201).Data(t, &issue) // a resident's: not audited
	w.move(w.captain, issue.ID, "acknowledge", nil).Want(t, 200)
	w.move(w.captain, issue.ID, "acknowledge", nil).Want(t, 409) // refused: not audited
	var role struct{ ID string }
	e.Do("POST", "/api/v1/communities/"+w.c.ID+"/roles",
		map[string]any{"user_id": w.neighbour.UserID, "role": "captain", "building_ids": []string{w.c.BuildingIDs[0]}},
		tok(w.staff), apptest.Header("X-Forwarded-For", "203.0.113.9"), apptest.Header("X-Request-ID", "grant-req-1")).
		Want(t, 201).Data(t, &role)
	// From an address that is not a trusted proxy, X-Forwarded-For is ignored.
	e.Do("POST", "/api/v1/communities/"+w.c.ID+"/estates", map[string]any{"name": "新苑"}, tok(w.staff),
		from("198.51.100.5:4242"), apptest.Header("X-Forwarded-For", "203.0.113.77"),
		apptest.Header("Idempotency-Key", "estate-1")).Want(t, 201)
	e.Do("POST", "/api/v1/communities/"+w.c.ID+"/estates", map[string]any{"name": "新苑"}, tok(w.staff),
		apptest.Header("Idempotency-Key", "estate-1")).Want(t, 201) // a replay: the same action, not a new one
	e.Do("DELETE", "/api/v1/communities/"+w.c.ID+"/roles/"+role.ID, nil, tok(w.staff)).Want(t, 204)
	// The staff member revokes their own role: still audited, as staff.
	var me struct {
		Roles []struct{ ID, Role, CommunityID string } `json:"roles"`
	}
	e.Do("GET", "/api/v1/me", nil, tok(w.staff)).Want(t, 200).Data(t, &me)
	own := ""
	for _, r := range me.Roles {
		if r.Role == "staff" {
			own = r.ID
		}
	}
	if own == "" {
		t.Fatalf("the staff member's role is not in /me: %+v", me)
	}
	e.Do("DELETE", "/api/v1/communities/"+w.c.ID+"/roles/"+own, nil, tok(w.staff)).Want(t, 204)
	admin := e.MakeAdmin("audit-admin")

	p := readAudit(t, e, w.c.ID, admin, nil)
	want := []struct{ user, role, method, route, targetType, target, ip string }{
		{w.staff.UserID, "staff", "DELETE", "/api/v1/communities/:id/roles/:role_id", "roles", own, "192.0.2.1"},
		{w.staff.UserID, "staff", "DELETE", "/api/v1/communities/:id/roles/:role_id", "roles", role.ID, "192.0.2.1"},
		{w.staff.UserID, "staff", "POST", "/api/v1/communities/:id/estates", "estates", "", "198.51.100.5"},
		{w.staff.UserID, "staff", "POST", "/api/v1/communities/:id/roles", "roles", role.ID, "203.0.113.9"},
		{w.captain.UserID, "captain", "POST", "/api/v1/issues/:id/transitions", "issues", issue.ID, "192.0.2.1"},
	}
	if len(p.Items) != len(want) {
		t.Fatalf("%d entries, want %d: %+v", len(p.Items), len(want), p.Items)
	}
	for i, w := range want {
		g := p.Items[i]
		if g.User.ID != w.user || g.Role != w.role || g.Method != w.method || g.Route != w.route ||
			g.TargetType != w.targetType || (w.target != "" && g.TargetID != w.target) || g.IP != w.ip ||
			g.Status >= 400 || g.RequestID == "" {
			t.Errorf("entry %d: %+v, want %+v", i, g, w)
		}
		at, err := time.Parse(time.RFC3339, g.CreatedAt)
		if err != nil || at.Before(start.Add(-time.Second)) || at.After(e.Clock.Now().Add(time.Second)) || !strings.HasSuffix(g.CreatedAt, "+08:00") {
			t.Errorf("entry %d: created_at %q", i, g.CreatedAt)
		}
	}
	if p.Items[3].RequestID != "grant-req-1" || p.Items[3].Status != 201 || p.Items[0].Status != 204 {
		t.Errorf("grant entry %+v", p.Items[3])
	}
	if p.Items[2].TargetID == "" {
		t.Errorf("the new estate is not named: %+v", p.Items[2])
	}
	// Filters: one person; a day range; paging.
	if p := readAudit(t, e, w.c.ID, admin, url.Values{"user_id": {w.captain.UserID}}); len(p.Items) != 1 || p.Items[0].Role != "captain" {
		t.Errorf("by captain: %+v", p.Items)
	}
	today := e.Clock.Now().In(clock.China)
	day := func(d int) string { return today.AddDate(0, 0, d).Format("2006-01-02") }
	if p := readAudit(t, e, w.c.ID, admin, url.Values{"from": {day(0)}, "to": {day(0)}}); len(p.Items) != 5 {
		t.Errorf("today: %d entries", len(p.Items))
	}
	if p := readAudit(t, e, w.c.ID, admin, url.Values{"to": {day(-1)}}); len(p.Items) != 0 {
		t.Errorf("until yesterday: %+v", p.Items)
	}
	if p := readAudit(t, e, w.c.ID, admin, url.Values{"from": {day(1)}}); len(p.Items) != 0 {
		t.Errorf("from tomorrow: %+v", p.Items)
	}
	var seen []string
	q := url.Values{"limit": {"2"}}
	for range 5 {
		p := readAudit(t, e, w.c.ID, admin, q)
		for _, it := range p.Items {
			seen = append(seen, it.ID)
		}
		if p.NextCursor == "" {
			break
		}
		q.Set("cursor", p.NextCursor)
	}
	if len(seen) != 5 || seen[0] != p.Items[0].ID || seen[4] != p.Items[4].ID {
		t.Errorf("paged %v, want the 5 entries in order", seen)
	}
	// The other community's log has none of it.
	if p := readAudit(t, e, w.other.ID, admin, nil); len(p.Items) != 0 {
		t.Errorf("the other community's log: %+v", p.Items)
	}
}

// TestAuditLogAdminAndOtherCommunity: an admin's actions are audited as admin (creating a
// community, in the new one); a staff member reads only their own community's log, which
// never shows another's.
func TestAuditLogAdminAndOtherCommunity(t *testing.T) {
	t.Parallel()
	w := newIssueWorld(t)
	e := w.e
	admin := e.MakeAdmin("audit-admin")
	var created struct{ ID string }
	e.Do("POST", "/api/v1/communities", map[string]any{"name": "新建社区"}, tok(admin)).Want(t, 201).Data(t, &created)
	if p := readAudit(t, e, created.ID, admin, nil); len(p.Items) != 1 || p.Items[0].Role != "admin" ||
		p.Items[0].TargetType != "communities" || p.Items[0].TargetID != created.ID {
		t.Fatalf("the new community's log: %+v", p.Items)
	}
	e.Do("POST", "/api/v1/communities/"+w.other.ID+"/estates", map[string]any{"name": "乙苑二"}, tok(w.foreignStaff)).Want(t, 201)
	e.Do("POST", "/api/v1/communities/"+w.c.ID+"/estates", map[string]any{"name": "甲苑二"}, tok(w.staff)).Want(t, 201)
	mine := readAudit(t, e, w.c.ID, w.staff, nil)
	theirs := readAudit(t, e, w.other.ID, w.foreignStaff, nil)
	if len(mine.Items) != 1 || mine.Items[0].User.ID != w.staff.UserID || len(theirs.Items) != 1 || theirs.Items[0].User.ID != w.foreignStaff.UserID {
		t.Fatalf("mine %+v\ntheirs %+v", mine.Items, theirs.Items)
	}
	// Each is an outsider to the other's log; residents and captains inside are refused.
	e.Do("GET", "/api/v1/communities/"+w.other.ID+"/audit-log", nil, tok(w.staff)).Want(t, 404).Err(t)
	e.Do("GET", "/api/v1/communities/"+w.c.ID+"/audit-log", nil, tok(w.foreignStaff)).Want(t, 404).Err(t)
	e.Do("GET", "/api/v1/communities/"+w.c.ID+"/audit-log", nil, tok(w.reporter)).Want(t, 403).Err(t)
	e.Do("GET", "/api/v1/communities/"+w.c.ID+"/audit-log", nil, tok(w.captain)).Want(t, 403).Err(t)
	e.Do("GET", "/api/v1/communities/"+w.c.ID+"/audit-log", nil).Want(t, 401).Err(t)
	e.Do("GET", "/api/v1/communities/999999/audit-log", nil, tok(w.staff)).Want(t, 404).Err(t)
}

// TestAuditLogBadInput: each bad parameter is a 400 naming it.
func TestAuditLogBadInput(t *testing.T) {
	t.Parallel()
	w := newIssueWorld(t)
	base := "/api/v1/communities/" + w.c.ID + "/audit-log?"
	for _, c := range []struct{ query, field string }{
		{"user_id=abc", "user_id"}, {"user_id=-1", "user_id"}, {"user_id=0", "user_id"},
		{"user_id=" + strings.Repeat("9", 30), "user_id"},
		{"from=2024-13-01", "from"}, {"from=1900-01-01", "from"}, {"to=9999-12-31", "to"}, {"from=yesterday", "from"},
		{"from=2024-05-02&to=2024-05-01", "to"}, {"limit=-1", "limit"}, {"limit=101", "limit"}, {"limit=x", "limit"},
		{"cursor=abc", "cursor"}, {"cursor=" + strings.Repeat("1", 100), "cursor"},
		{"from=%27%3B+DROP+TABLE+audit_log%3B--", "from"}, {"from=%FF%FE", "from"},
	} {
		res := w.e.Do("GET", base+c.query, nil, tok(w.staff))
		if res.Status != 400 {
			t.Errorf("%s: status %d, want 400: %s", c.query, res.Status, res.Body)
			continue
		}
		if b := res.Err(t); !b.HasField(c.field) {
			t.Errorf("%s: fields %+v do not name %s", c.query, b.Fields, c.field)
		}
	}
	w.e.Do("GET", "/api/v1/communities/abc/audit-log", nil, tok(w.staff)).Want(t, 400).Err(t)
}

// TestAuditFailureNeverFailsTheRequest: when the entry cannot be written, the action that
// succeeded still answers its success, and the loss is logged.
func TestAuditFailureNeverFailsTheRequest(t *testing.T) {
	t.Parallel()
	w := newIssueWorld(t)
	if _, err := w.e.App.Store.SQL().Exec("DROP TABLE audit_log"); err != nil {
		t.Fatal(err)
	}
	w.e.Do("POST", "/api/v1/communities/"+w.c.ID+"/estates", map[string]any{"name": "照常苑"}, tok(w.staff)).Want(t, 201)
	if !strings.Contains(w.e.Logs(), "audit entry lost") {
		t.Fatal("the lost entry was not logged")
	}
}
