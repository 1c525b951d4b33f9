package api_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"linli/app/apptest"
	"linli/config"
)

// Several workers (instances) deliver the same announcements at once, in batches of two: every
// resident of each audience is told exactly once, and the recipients counted equal the notices.
func TestAnnouncementDeliveryConcurrentOnce(t *testing.T) {
	f := newAnnounceFixture(t, func(c *config.Config) { c.Announcements.DeliverBatch = 2 })
	b0 := f.c.BuildingIDs[0]
	ids := []string{
		f.published(t, f.staff, map[string]any{"title": "停电通知", "body": "周三停电。", "audience": "community"}).ID,
		f.published(t, f.captain, map[string]any{"title": "1栋停水", "body": "周四停水。", "audience": "building", "audience_id": b0}).ID,
	}
	const workers = 6
	told := make([]int, workers)
	errs := make([]error, workers)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			<-start
			told[w], errs[w] = f.e.App.Services.Announcements.DeliverDue(context.Background())
		}(w)
	}
	close(start)
	wg.Wait()
	total := 0
	for w := range told {
		if errs[w] != nil {
			t.Fatalf("worker %d: %v", w, errs[w])
		}
		total += told[w]
	}
	if total != 7+5 {
		t.Fatalf("the workers told %d people, want 12 (7 + 5)", total)
	}
	for i, id := range ids {
		var n, people int
		err := f.e.App.Store.SQL().QueryRow("SELECT COUNT(*), COUNT(DISTINCT user_id) FROM notifications WHERE kind = ? AND link = ?",
			"announcement", "pages/announcement/detail?id="+id).Scan(&n, &people)
		if err != nil {
			t.Fatal(err)
		}
		want := []int{7, 5}[i]
		if n != want || people != want {
			t.Fatalf("announcement %s: %d notices to %d people, want %d", id, n, people, want)
		}
		r := f.receipts(t, f.staff, id)
		if r.Recipients != want || r.Delivering {
			t.Fatalf("announcement %s: receipts %+v", id, r)
		}
	}
}

// One household's members open an announcement at the same moment, each several times: one
// reading each, and the household counts once.
func TestAnnouncementReadsConcurrentOneHousehold(t *testing.T) {
	f := newAnnounceFixture(t)
	id := f.published(t, f.captain, map[string]any{"title": "1栋停水", "body": "周四停水。", "audience": "building",
		"audience_id": f.c.BuildingIDs[0]}).ID
	readers := []apptest.Session{f.residents[0], f.member}
	var wg sync.WaitGroup
	fails := make(chan string, 20)
	for i := 0; i < 10; i++ {
		for _, s := range readers {
			wg.Add(1)
			go func(s apptest.Session) {
				defer wg.Done()
				if r := f.e.Do("GET", "/api/v1/announcements/"+id, nil, apptest.Token(s.Token)); r.Status != 200 {
					fails <- fmt.Sprintf("%d %s", r.Status, r.Body)
				}
			}(s)
		}
	}
	wg.Wait()
	close(fails)
	for msg := range fails {
		t.Error(msg)
	}
	var n int
	if err := f.e.App.Store.SQL().QueryRow("SELECT COUNT(*) FROM announcement_reads WHERE announcement_id = ?",
		f.e.ParseID(id)).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 2 {
		t.Fatalf("%d readings, want 2", n)
	}
	if r := f.receipts(t, f.captain, id); r.Reached != 1 || r.Households != 4 {
		t.Fatalf("receipts: %+v", r)
	}
}
