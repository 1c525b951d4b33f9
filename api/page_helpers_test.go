package api_test

import (
	"testing"

	"linli/app/apptest"
)

// onePage decodes a list answered in a single page ({items, next_cursor: ""}) into items: the
// lists small enough to come whole (categories, skills, activity types) must say there is no
// next page.
func onePage[T any](t testing.TB, r *apptest.Response, items *[]T) {
	t.Helper()
	var page struct {
		Items      []T     `json:"items"`
		NextCursor *string `json:"next_cursor"`
	}
	r.Data(t, &page)
	if page.Items == nil || page.NextCursor == nil || *page.NextCursor != "" {
		t.Fatalf("want one whole page {items, next_cursor: \"\"}; body: %s", r.Body)
	}
	*items = page.Items
}
