package api_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"linli/app/apptest"
	"linli/config"
	"linli/model"
	"linli/service"
)

type notificationData struct {
	ID        string `json:"id"`
	Kind      string `json:"kind"`
	Title     string `json:"title"`
	Body      string `json:"body"`
	Link      string `json:"link"`
	Read      bool   `json:"read"`
	CreatedAt string `json:"created_at"`
}

type inboxData struct {
	Items       []notificationData `json:"items"`
	NextCursor  string             `json:"next_cursor"`
	UnreadCount int64              `json:"unread_count"`
}

const apiTemplate = "tmplApiIssueStatus01"

func withAPITemplate(c *config.Config) {
	c.Notify.Templates = map[string]string{service.NoticeIssueStatus: apiTemplate}
}

// notify commits one notification per title for the user, oldest first.
func notify(t *testing.T, e *apptest.Env, userID string, titles ...string) {
	t.Helper()
	ctx := context.Background()
	var ns []service.Notice
	for _, title := range titles {
		ns = append(ns, service.Notice{UserID: e.ParseID(userID), CommunityID: 1, Kind: service.NoticeIssueStatus,
			Title: title, Body: title + "的详情", Link: "pages/issue/detail?id=1"})
	}
	for _, n := range ns { // one transaction each, so ids follow the order
		err := e.App.Store.Tx(ctx, func(tx *model.Store) error { return e.App.Services.Notifier.Enqueue(ctx, tx, n) })
		if err != nil {
			t.Fatal(err)
		}
	}
}

func listInbox(t *testing.T, e *apptest.Env, tok, query string) inboxData {
	t.Helper()
	var out inboxData
	e.Do("GET", "/api/v1/me/notifications"+query, nil, apptest.Token(tok)).Want(t, 200).Data(t, &out)
	return out
}

func titles(items []notificationData) string {
	var s []string
	for _, it := range items {
		s = append(s, it.Title)
	}
	return strings.Join(s, ",")
}

// TestInboxIsOwnNewestFirst: each user sees only their own notifications, newest first, paged
// by cursor, with the unread count; unread=true filters.
func TestInboxIsOwnNewestFirst(t *testing.T) {
	t.Parallel()
	e := apptest.New(t)
	alice, bob := e.DevLogin("inbox-alice"), e.DevLogin("inbox-bob")
	notify(t, e, alice.UserID, "一", "二", "三")
	notify(t, e, bob.UserID, "乙的通知")

	got := listInbox(t, e, alice.Token, "?limit=2")
	if titles(got.Items) != "三,二" || got.NextCursor == "" || got.UnreadCount != 3 {
		t.Fatalf("first page: %+v", got)
	}
	it := got.Items[0]
	if it.Kind != "issue_status" || it.Body != "三的详情" || it.Link != "pages/issue/detail?id=1" || it.Read ||
		!strings.HasSuffix(it.CreatedAt, "+08:00") {
		t.Fatalf("item: %+v", it)
	}
	got = listInbox(t, e, alice.Token, "?limit=2&cursor="+got.NextCursor)
	if titles(got.Items) != "一" || got.NextCursor != "" {
		t.Fatalf("second page: %+v", got)
	}
	if got := listInbox(t, e, bob.Token, ""); titles(got.Items) != "乙的通知" || got.UnreadCount != 1 {
		t.Fatalf("bob sees %+v", got)
	}

	all := listInbox(t, e, alice.Token, "")
	var upd struct {
		Updated int64 `json:"updated"`
	}
	e.Do("POST", "/api/v1/me/notifications/read", map[string]any{"ids": []string{all.Items[1].ID}},
		apptest.Token(alice.Token)).Want(t, 200).Data(t, &upd)
	if upd.Updated != 1 {
		t.Fatalf("updated %d", upd.Updated)
	}
	unread := listInbox(t, e, alice.Token, "?unread=true")
	if titles(unread.Items) != "三,一" || unread.UnreadCount != 2 {
		t.Fatalf("unread: %+v", unread)
	}
	if got := listInbox(t, e, alice.Token, ""); !got.Items[1].Read || got.Items[0].Read || got.UnreadCount != 2 {
		t.Fatalf("after marking: %+v", got)
	}

	res := e.Do("GET", "/api/v1/me/notifications?unread=maybe", nil, apptest.Token(alice.Token)).Want(t, 400)
	if !res.Err(t).HasField("unread") {
		t.Fatalf("bad unread: %s", res.Body)
	}
	res = e.Do("GET", "/api/v1/me/notifications?cursor=abc", nil, apptest.Token(alice.Token)).Want(t, 400)
	if !res.Err(t).HasField("cursor") {
		t.Fatalf("bad cursor: %s", res.Body)
	}
	e.Do("GET", "/api/v1/me/notifications", nil).Want(t, 401).Err(t)
}

// TestMarkReadOnlyTouchesOwn: another user's ids are ignored silently; all marks every own
// notification; bad input names the field.
func TestMarkReadOnlyTouchesOwn(t *testing.T) {
	t.Parallel()
	e := apptest.New(t)
	alice, bob := e.DevLogin("read-alice"), e.DevLogin("read-bob")
	notify(t, e, alice.UserID, "一", "二")
	notify(t, e, bob.UserID, "乙")
	aliceIDs := listInbox(t, e, alice.Token, "").Items
	bobID := listInbox(t, e, bob.Token, "").Items[0].ID

	var upd struct {
		Updated int64 `json:"updated"`
	}
	e.Do("POST", "/api/v1/me/notifications/read", map[string]any{"ids": []string{bobID, aliceIDs[0].ID}},
		apptest.Token(alice.Token)).Want(t, 200).Data(t, &upd)
	if upd.Updated != 1 {
		t.Fatalf("updated %d, want 1 (bob's id ignored)", upd.Updated)
	}
	if got := listInbox(t, e, bob.Token, ""); got.UnreadCount != 1 || got.Items[0].Read {
		t.Fatalf("alice marked bob's notification: %+v", got)
	}
	e.Do("POST", "/api/v1/me/notifications/read", map[string]any{"all": true}, apptest.Token(alice.Token)).
		Want(t, 200).Data(t, &upd)
	if upd.Updated != 1 {
		t.Fatalf("all: updated %d, want 1", upd.Updated)
	}
	e.Do("POST", "/api/v1/me/notifications/read", map[string]any{"all": true}, apptest.Token(alice.Token)).
		Want(t, 200).Data(t, &upd)
	if upd.Updated != 0 || listInbox(t, e, alice.Token, "").UnreadCount != 0 || listInbox(t, e, bob.Token, "").UnreadCount != 1 {
		t.Fatalf("second all: %d", upd.Updated)
	}

	many := make([]string, 101)
	for i := range many {
		many[i] = fmt.Sprint(i + 1)
	}
	for name, c := range map[string]struct {
		body  any
		field string
	}{
		"nothing":   {map[string]any{}, "ids"},
		"empty":     {map[string]any{"ids": []string{}}, "ids"},
		"too many":  {map[string]any{"ids": many}, "ids"},
		"not an id": {map[string]any{"ids": []string{"abc"}}, "ids"},
	} {
		res := e.Do("POST", "/api/v1/me/notifications/read", c.body, apptest.Token(alice.Token)).Want(t, 400)
		if !res.Err(t).HasField(c.field) {
			t.Errorf("%s: %s does not name %s", name, res.Body, c.field)
		}
	}
	e.Do("POST", "/api/v1/me/notifications/read", map[string]any{"ids": []string{"0", "999999"}},
		apptest.Token(alice.Token)).Want(t, 200).Data(t, &upd)
	if upd.Updated != 0 {
		t.Fatalf("ids that match nothing updated %d", upd.Updated)
	}
	e.Do("POST", "/api/v1/me/notifications/read", map[string]any{"all": true}).Want(t, 401).Err(t)
}

// TestSubscriptionsRecordGrants: known template ids are recorded one grant each; anything else
// is a 400 naming template_ids that records nothing.
func TestSubscriptionsRecordGrants(t *testing.T) {
	t.Parallel()
	e := apptest.New(t, withAPITemplate)
	u := e.DevLogin("subscriber")
	uid := e.ParseID(u.UserID)
	unused := func() int64 {
		n, err := e.App.Store.UnusedGrants(context.Background(), uid, apiTemplate)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	var out struct {
		Granted int `json:"granted"`
	}
	for range 2 {
		e.Do("POST", "/api/v1/me/subscriptions", map[string]any{"template_ids": []string{apiTemplate}},
			apptest.Token(u.Token)).Want(t, 201).Data(t, &out)
		if out.Granted != 1 {
			t.Fatalf("granted %d", out.Granted)
		}
	}
	if unused() != 2 {
		t.Fatalf("%d grants recorded, want 2", unused())
	}
	eleven := make([]string, 11)
	for i := range eleven {
		eleven[i] = fmt.Sprintf("t%d", i)
	}
	for name, body := range map[string]any{
		"unknown":        map[string]any{"template_ids": []string{apiTemplate, "not-configured"}},
		"missing":        map[string]any{},
		"empty":          map[string]any{"template_ids": []string{}},
		"too many":       map[string]any{"template_ids": eleven},
		"duplicate":      map[string]any{"template_ids": []string{apiTemplate, apiTemplate}},
		"blank":          map[string]any{"template_ids": []string{""}},
		"not a list":     map[string]any{"template_ids": apiTemplate},
		"not configured": map[string]any{"template_ids": []string{"tmplSomethingElse"}},
	} {
		res := e.Do("POST", "/api/v1/me/subscriptions", body, apptest.Token(u.Token)).Want(t, 400)
		eb := res.Err(t)
		if !eb.HasField("template_ids") && !strings.HasPrefix(fieldOf(eb), "template_ids") {
			t.Errorf("%s: %s does not name template_ids", name, res.Body)
		}
	}
	if unused() != 2 {
		t.Fatalf("a refused request recorded grants: %d", unused())
	}
	e.Do("POST", "/api/v1/me/subscriptions", map[string]any{"template_ids": []string{apiTemplate}}).Want(t, 401).Err(t)
}

func fieldOf(e apptest.ErrorBody) string {
	if len(e.Fields) == 0 {
		return ""
	}
	return e.Fields[0].Field
}

// notificationRows are the permission-matrix rows of the inbox: every logged-in user has one
// of their own. The matrix configures no subscription template, so every template id is
// unknown there (400); TestSubscriptionsRecordGrants covers the successful report.
func notificationRows() []row {
	everyone := func(s outcome) wants { return loggedIn(s) }
	return []row{
		{route: "GET /api/v1/me/notifications", noPlace: true,
			build: func(x *attempt) call { return call{path: "/api/v1/me/notifications?unread=true"} }, want: everyone(200)},
		{route: "POST /api/v1/me/notifications/read", note: "all", noPlace: true, self: true,
			build: func(x *attempt) call {
				return call{path: "/api/v1/me/notifications/read", body: map[string]any{"all": true}}
			}, want: everyone(200)},
		{route: "POST /api/v1/me/subscriptions", noPlace: true, note: "no template configured in the matrix",
			build: func(x *attempt) call {
				return call{path: "/api/v1/me/subscriptions", body: map[string]any{"template_ids": []string{"tmplUnknown"}}}
			}, want: everyone(400)},
	}
}
