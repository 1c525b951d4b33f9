package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"linli/model"
)

// check is one data check: what was checked and whether it held.
type check struct {
	what string
	ok   bool
}

// present checks that every acknowledged write is in the database.
func present(ctx context.Context, store *model.Store, a *acks) []check {
	a.mu.Lock()
	defer a.mu.Unlock()
	var out []check
	for _, c := range []struct {
		name, table string
		ids         []uint64
	}{{"reports", "issues", a.issues}, {"transfers", "postings", a.postings}, {"sign-ups", "signups", a.signups}} {
		found, err := countIDs(ctx, store, c.table, c.ids)
		what := fmt.Sprintf("acknowledged %s in the database: %d of %d", c.name, found, len(c.ids))
		if err != nil {
			what += " (" + err.Error() + ")"
		}
		out = append(out, check{what: what, ok: err == nil && found == int64(len(c.ids))})
	}
	return out
}

func countIDs(ctx context.Context, store *model.Store, table string, ids []uint64) (int64, error) {
	var total int64
	for i := 0; i < len(ids); i += 500 {
		n, err := store.Count(ctx, table, "id IN ?", ids[i:min(i+500, len(ids))])
		if err != nil {
			return total, err
		}
		total += n
	}
	return total, nil
}

// board reads the points leaderboard as a resident: the ranked values, or an error.
func board(ctx context.Context, base string, w *world) (string, int, error) {
	req, err := http.NewRequestWithContext(ctx, "GET", fmt.Sprintf("%s/api/v1/communities/%d/leaderboard?metric=points&limit=100", base, w.community), nil)
	if err != nil {
		return "", 0, err
	}
	req.Header.Set("Authorization", "Bearer "+w.residents[0].token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", 0, err
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	var env struct {
		Data struct {
			Items []struct {
				Rank  int    `json:"rank"`
				Value string `json:"value"`
				User  struct {
					ID string `json:"id"`
				} `json:"user"`
			} `json:"items"`
		} `json:"data"`
	}
	if res.StatusCode != 200 || json.Unmarshal(body, &env) != nil {
		return "", res.StatusCode, fmt.Errorf("leaderboard: %d %.200s", res.StatusCode, body)
	}
	var b strings.Builder
	for _, it := range env.Data.Items {
		fmt.Fprintf(&b, "%d:%s=%s ", it.Rank, it.User.ID, it.Value)
	}
	return b.String(), len(env.Data.Items), nil
}

// boardBack waits (up to limit) for the leaderboard to answer again and compares it with want.
func boardBack(ctx context.Context, base string, w *world, want string, limit time.Duration) check {
	start := time.Now()
	var got string
	var n int
	var err error
	for time.Since(start) < limit {
		if got, n, err = board(ctx, base, w); err == nil {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	if err != nil {
		return check{what: "leaderboard after the outage: " + err.Error()}
	}
	return check{what: fmt.Sprintf("leaderboard answers again after %s, %d volunteers ranked, the same as before the outage",
		time.Since(start).Round(10*time.Millisecond), n), ok: got == want}
}

// ledger runs `linli check-ledger` on the run's database.
func (e *env) ledger(ctx context.Context) check {
	out, err := e.linli(ctx, "check-ledger")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	summary := lines[len(lines)-1]
	return check{what: "linli check-ledger: " + summary, ok: err == nil}
}

// outboxDrained waits (up to limit) until no notification waits in the outbox, and reports the
// outbox by status and what the fake WeChat received.
func outboxDrained(ctx context.Context, store *model.Store, sent func() int, limit time.Duration) check {
	start := time.Now()
	var pending int64
	for {
		var err error
		pending, err = store.Count(ctx, "outbox", "status = ?", model.OutboxPending)
		if err == nil && pending == 0 || time.Since(start) > limit {
			break
		}
		time.Sleep(250 * time.Millisecond)
	}
	var parts []string
	for _, st := range []string{model.OutboxPending, model.OutboxSent, model.OutboxSkipped, model.OutboxRefused, model.OutboxFailed} {
		n, _ := store.Count(ctx, "outbox", "status = ?", st)
		parts = append(parts, fmt.Sprintf("%s %d", st, n))
	}
	return check{what: fmt.Sprintf("outbox drained in %s (%s); the fake WeChat received %d messages",
		time.Since(start).Round(10*time.Millisecond), strings.Join(parts, ", "), sent()), ok: pending == 0}
}
