package api_test

import (
	"context"
	"strings"
	"testing"
)

// TestExportAndCompleteDeletion: the export shows what we hold (profile with the full phone,
// the person's rows); after deletion no table holds the phone number or the openid anywhere.
func TestExportAndCompleteDeletion(t *testing.T) {
	t.Parallel()
	w := newIssueWorld(t)
	e := w.e
	const phone = "13712345678"
	e.Do("POST", "/api/v1/me/phone", map[string]string{"code": phone}, tok(w.reporter)).Want(t, 200)
	var d issueData
	w.report(t, w.reporter, nil).Want(t, 201).Data(t, &d)
	w.move(w.captain, d.ID, "acknowledge", nil).Want(t, 200)
	e.Do("POST", "/api/v1/issues/"+d.ID+"/comments", map[string]any{"body": "谢谢"}, tok(w.reporter)).Want(t, 201)

	var x struct {
		Phone  string
		Tables map[string][]map[string]any
	}
	r := e.Do("GET", "/api/v1/me/export", nil, tok(w.reporter)).Want(t, 200)
	r.Data(t, &x)
	if x.Phone != phone {
		t.Fatalf("export phone %q", x.Phone)
	}
	for _, table := range []string{"users", "residencies", "issues", "issue_comments", "notifications", "sessions"} {
		if len(x.Tables[table]) == 0 {
			t.Errorf("export lacks %s", table)
		}
	}
	for _, secret := range []string{"token_hash", "phone_cipher", w.reporter.Token} {
		if strings.Contains(string(r.Body), secret) {
			t.Errorf("export shows %q", secret)
		}
	}

	e.Do("DELETE", "/api/v1/me", nil, tok(w.reporter)).Want(t, 204)
	ctx := context.Background()
	tables, err := e.App.Store.Tables()
	if err != nil {
		t.Fatal(err)
	}
	for _, table := range tables {
		texts, err := e.App.Store.AllText(ctx, table)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range texts {
			if strings.Contains(s, phone) || strings.Contains(s, "dev:reporter") {
				t.Errorf("after deletion %s still holds %q", table, s)
			}
		}
	}
}
