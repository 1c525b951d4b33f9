package api_test

import (
	"context"
	"sync"
	"testing"

	"linli/app/apptest"
)

func TestIdempotencyKeyReplaysTheFirstAnswer(t *testing.T) {
	t.Parallel()
	w := newIssueWorld(t)
	ctx := context.Background()
	count := func() int64 {
		n, err := w.e.App.Store.Count(ctx, "issues", "")
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	body := map[string]any{"building_id": w.c.BuildingIDs[0], "category_id": w.category, "description": "电梯异响"}
	key := apptest.Header("Idempotency-Key", "report-1")
	first := w.e.Do("POST", "/api/v1/issues", body, tok(w.reporter), key).Want(t, 201)
	again := w.e.Do("POST", "/api/v1/issues", body, tok(w.reporter), key).Want(t, 201)
	if string(again.Body) != string(first.Body) || again.Header.Get("Idempotent-Replayed") != "true" {
		t.Fatalf("replay differs:\n%s\n%s", first.Body, again.Body)
	}
	if n := count(); n != 1 {
		t.Fatalf("%d issues after a retried report", n)
	}
	// The same key with another body is refused; another user's same key is theirs alone.
	body2 := map[string]any{"building_id": w.c.BuildingIDs[0], "category_id": w.category, "description": "别的问题"}
	if eb := w.e.Do("POST", "/api/v1/issues", body2, tok(w.reporter), key).Want(t, 422).Err(t); !eb.HasField("Idempotency-Key") {
		t.Fatalf("%+v", eb)
	}
	w.e.Do("POST", "/api/v1/issues", body, tok(w.neighbour), key).Want(t, 201)
	// A refused request (4xx) is remembered too: its retry is refused the same way.
	bad := map[string]any{"building_id": w.c.BuildingIDs[0], "category_id": w.category, "description": ""}
	k2 := apptest.Header("Idempotency-Key", "report-bad")
	w.e.Do("POST", "/api/v1/issues", bad, tok(w.reporter), k2).Want(t, 400)
	w.e.Do("POST", "/api/v1/issues", bad, tok(w.reporter), k2).Want(t, 400)
	w.e.Do("POST", "/api/v1/issues", body, tok(w.reporter), apptest.Header("Idempotency-Key", "bad key with spaces")).Want(t, 400)
	if n := count(); n != 2 {
		t.Fatalf("%d issues, want 2", n)
	}
}

func TestIdempotencyKeyUnderConcurrentRetries(t *testing.T) {
	t.Parallel()
	w := newIssueWorld(t)
	body := map[string]any{"building_id": w.c.BuildingIDs[0], "category_id": w.category, "description": "下水道堵塞"}
	codes := make([]int, 8)
	var wg sync.WaitGroup
	for i := range codes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			codes[i] = w.e.Do("POST", "/api/v1/issues", body, tok(w.reporter), apptest.Header("Idempotency-Key", "same")).Status
		}()
	}
	wg.Wait()
	for _, c := range codes {
		if c != 201 && c != 409 {
			t.Fatalf("statuses %v", codes)
		}
	}
	n, err := w.e.App.Store.Count(context.Background(), "issues", "")
	if err != nil || n != 1 {
		t.Fatalf("%d issues after 8 concurrent retries (%v)", n, err)
	}
}
