package service_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"linli/model"
	"linli/service"
)

// TestOpenHelpRequestsCapHoldsUnderRace: twenty help requests of one person at once leave
// exactly limits.help_open_per_user (5) open, the rest refused as a conflict; once one is done
// another may be filed. Requests a captain files on behalf of neighbours are not capped.
func TestOpenHelpRequestsCapHoldsUnderRace(t *testing.T) {
	t.Parallel()
	w := newDispatchWorld(t, "求助上限社区")
	ctx := context.Background()
	in := service.HelpInput{BuildingID: w.e.ParseID(w.c.BuildingIDs[0]), SkillID: w.skill, Description: "灯不亮了"}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var created []uint64
	refused := 0
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			h, err := w.s.HelpRequests.Create(ctx, w.requester, in)
			mu.Lock()
			defer mu.Unlock()
			var se *service.Error
			switch {
			case err == nil:
				created = append(created, h.ID)
			case errors.As(err, &se) && se.Kind == service.KindConflict:
				refused++
			default:
				t.Errorf("create: %v", err)
			}
		}()
	}
	wg.Wait()
	if len(created) != 5 || refused != 15 {
		t.Fatalf("%d created, %d refused: want 5 and 15", len(created), refused)
	}
	n, err := w.e.App.Store.Count(ctx, "help_requests", "requester_id = ?", w.requester.UserID)
	if err != nil || n != 5 {
		t.Fatalf("%d help requests stored (%v), want 5", n, err)
	}
	if _, err := w.e.App.Store.MoveHelpRequest(ctx, created[0], model.HelpOpen, model.HelpDone, false); err != nil {
		t.Fatal(err)
	}
	if _, err := w.s.HelpRequests.Create(ctx, w.requester, in); err != nil {
		t.Fatalf("after one was done: %v", err)
	}
	if _, err := w.s.HelpRequests.Create(ctx, w.requester, in); err == nil {
		t.Fatal("a sixth open help request was filed")
	}
	onBehalf := in
	onBehalf.BeneficiaryName, onBehalf.BeneficiaryRoom = "李大爷", "502"
	for range 7 {
		if _, err := w.s.HelpRequests.Create(ctx, w.captain, onBehalf); err != nil {
			t.Fatalf("on behalf: %v", err)
		}
	}
}
