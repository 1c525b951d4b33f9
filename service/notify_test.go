package service_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"linli/app/apptest"
	"linli/config"
	"linli/model"
	"linli/service"
)

// Template ids of the tests' configuration.
const (
	tmplStatus = "tmplIssueStatus-0001"
	tmplNew    = "tmplIssueNew-0000001"
)

// withTemplates configures subscription templates for two kinds; issue_comment stays inbox-only.
func withTemplates(c *config.Config) {
	c.Notify.Templates = map[string]string{service.NoticeIssueStatus: tmplStatus, service.NoticeIssueNew: tmplNew}
}

// testClock is a clock the test moves forward.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock(e *apptest.Env) *testClock { return &testClock{t: e.Clock.Now().UTC()} }

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// worker is another Notifier on the env's database and WeChat (another instance), on clk.
func worker(e *apptest.Env, clk *testClock, adjust ...func(*service.NotifyOptions)) *service.Notifier {
	var sub service.Subscriber
	if e.App.Services.WeChat != nil {
		sub = e.App.Services.WeChat
	}
	c := e.Config.Notify
	o := service.NotifyOptions{Templates: c.Templates, Fields: c.Fields(), Lease: c.Lease, BatchSize: c.BatchSize,
		MaxAttempts: c.MaxAttempts}
	for _, f := range adjust {
		f(&o)
	}
	return service.NewNotifier(e.App.Store, sub, o, slog.New(slog.DiscardHandler), service.WithNotifierClock(clk.Now))
}

// uniqueOpenID keeps the users of parallel tests apart on the shared fake WeChat server.
func uniqueOpenID(prefix string) string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return prefix + "-" + hex.EncodeToString(b[:])
}

// enqueue commits notices the way a service does: in a transaction of its own.
func enqueue(t *testing.T, e *apptest.Env, notices ...service.Notice) {
	t.Helper()
	ctx := context.Background()
	err := e.App.Store.Tx(ctx, func(tx *model.Store) error { return e.App.Services.Notifier.Enqueue(ctx, tx, notices...) })
	if err != nil {
		t.Fatal(err)
	}
}

func statusNotice(uid uint64, title string) service.Notice {
	return service.Notice{UserID: uid, CommunityID: 7, Kind: service.NoticeIssueStatus, Title: title,
		Body: "您报告的问题已由楼栋长受理，请留意处理进度。", Link: "pages/issue/detail?id=42"}
}

func grant(t *testing.T, e *apptest.Env, uid uint64, n int, tmpl string) {
	t.Helper()
	ids := make([]string, n)
	for i := range ids {
		ids[i] = tmpl
	}
	if _, err := e.App.Services.Notifier.Grant(context.Background(), uid, ids); err != nil {
		t.Fatal(err)
	}
}

func counts(t *testing.T, e *apptest.Env) map[string]int64 {
	t.Helper()
	c, err := e.App.Store.OutboxCounts(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func unusedGrants(t *testing.T, e *apptest.Env, uid uint64, tmpl string) int64 {
	t.Helper()
	n, err := e.App.Store.UnusedGrants(context.Background(), uid, tmpl)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func deliver(t *testing.T, n *service.Notifier, want int) {
	t.Helper()
	got, err := n.DeliverDue(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Fatalf("DeliverDue handled %d messages, want %d", got, want)
	}
}

func inbox(t *testing.T, e *apptest.Env, uid uint64) service.InboxPage {
	t.Helper()
	p, err := e.App.Services.Notifier.Inbox(context.Background(), service.InboxQuery{UserID: uid, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestEnqueueIsPartOfTheTransaction: a rolled-back change leaves no inbox entry and nothing to
// send; a committed one leaves both.
func TestEnqueueIsPartOfTheTransaction(t *testing.T) {
	t.Parallel()
	e := apptest.New(t, withTemplates)
	ctx := context.Background()
	uid := e.ParseID(e.DevLogin("enqueue-tx").UserID)
	boom := errors.New("the change failed")
	err := e.App.Store.Tx(ctx, func(tx *model.Store) error {
		if err := e.App.Services.Notifier.Enqueue(ctx, tx, statusNotice(uid, "报事已受理")); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("tx: %v", err)
	}
	if p := inbox(t, e, uid); len(p.Items) != 0 || p.Unread != 0 || len(counts(t, e)) != 0 {
		t.Fatalf("rolled back, yet inbox %+v outbox %v", p, counts(t, e))
	}
	comment := service.Notice{UserID: uid, Kind: service.NoticeIssueComment, Title: "新评论", Link: "pages/issue/detail?id=42"}
	enqueue(t, e, statusNotice(uid, "报事已受理"), comment, comment)
	if p := inbox(t, e, uid); len(p.Items) != 2 || p.Unread != 2 {
		t.Fatalf("inbox after commit: %+v (the duplicate notice must be written once)", p)
	}
	if c := counts(t, e); c[model.OutboxPending] != 1 || len(c) != 1 {
		t.Fatalf("outbox: %v; only the kind with a template is sent", c)
	}
}

// TestOneMessagePerGrant: each grant pays for exactly one message; without a grant the message
// is skipped and the inbox still has it; a second run sends nothing more.
func TestOneMessagePerGrant(t *testing.T) {
	t.Parallel()
	e := apptest.New(t, apptest.WithWeChat(), withTemplates)
	wx := apptest.WeChat()
	oid := uniqueOpenID("grant")
	uid := e.ParseID(e.DevLogin(oid).UserID)
	grant(t, e, uid, 1, tmplStatus)
	grant(t, e, uid, 1, tmplStatus)
	grant(t, e, uid, 1, tmplNew) // another template's grant pays for nothing here
	long := "三号楼楼道灯不亮已经两周了请尽快处理谢谢大家"
	enqueue(t, e, statusNotice(uid, long), statusNotice(uid, "报事处理中"), statusNotice(uid, "报事已解决"))

	n := e.App.Services.Notifier
	deliver(t, n, 3)
	sent := wx.SentTo(oid)
	if len(sent) != 2 {
		t.Fatalf("sent %d messages, want 2 (one per grant)", len(sent))
	}
	m := sent[0]
	if m.TemplateID != tmplStatus || m.Page != "pages/issue/detail?id=42" {
		t.Fatalf("message: %+v", m)
	}
	if want := string([]rune(long)[:19]) + "…"; m.Data["thing1"] != want {
		t.Fatalf("thing1 %q, want %q (20 characters)", m.Data["thing1"], want)
	}
	if len([]rune(m.Data["thing2"])) != 20 || !strings.HasSuffix(m.Data["thing2"], "…") {
		t.Fatalf("thing2 %q not cut to 20", m.Data["thing2"])
	}
	if _, err := time.Parse("2006-01-02 15:04", m.Data["time3"]); err != nil {
		t.Fatalf("time3 %q: %v", m.Data["time3"], err)
	}
	if c := counts(t, e); c[model.OutboxSent] != 2 || c[model.OutboxSkipped] != 1 {
		t.Fatalf("outbox: %v", c)
	}
	if p := inbox(t, e, uid); len(p.Items) != 3 || p.Items[0].Title != "报事已解决" {
		t.Fatalf("inbox: %+v", p)
	}
	if unusedGrants(t, e, uid, tmplStatus) != 0 || unusedGrants(t, e, uid, tmplNew) != 1 {
		t.Fatal("grants not consumed as sent")
	}
	deliver(t, n, 0)
	if len(wx.SentTo(oid)) != 2 {
		t.Fatal("a second run sent again")
	}
}

// TestRefusedIsNotRetried: 43101 marks the message refused, for good.
func TestRefusedIsNotRetried(t *testing.T) {
	t.Parallel()
	e := apptest.New(t, apptest.WithWeChat(), withTemplates)
	wx := apptest.WeChat()
	oid := uniqueOpenID("refuse")
	wx.SetRefuse(oid)
	uid := e.ParseID(e.DevLogin(oid).UserID)
	grant(t, e, uid, 2, tmplStatus)
	enqueue(t, e, statusNotice(uid, "报事已受理"))
	clk := newClock(e)
	w := worker(e, clk)
	deliver(t, w, 1)
	if c := counts(t, e); c[model.OutboxRefused] != 1 || len(c) != 1 {
		t.Fatalf("outbox: %v", c)
	}
	clk.Advance(3 * time.Hour)
	deliver(t, w, 0)
	if len(wx.SentTo(oid)) != 0 || unusedGrants(t, e, uid, tmplStatus) != 1 {
		t.Fatal("refused message sent, or its grant given back")
	}
}

// TestDevModeSkips: without WeChat the message is recorded as skipped; the inbox has it.
func TestDevModeSkips(t *testing.T) {
	t.Parallel()
	e := apptest.New(t, withTemplates)
	uid := e.ParseID(e.DevLogin("dev-skip").UserID)
	grant(t, e, uid, 1, tmplStatus)
	enqueue(t, e, statusNotice(uid, "报事已受理"))
	deliver(t, e.App.Services.Notifier, 1)
	p := inbox(t, e, uid)
	rows, err := e.App.Store.OutboxOfNotification(context.Background(), p.Items[0].ID)
	if err != nil || len(rows) != 1 || rows[0].Status != model.OutboxSkipped || !strings.HasPrefix(rows[0].LastError, "dev") {
		t.Fatalf("outbox: %+v %v", rows, err)
	}
	if unusedGrants(t, e, uid, tmplStatus) != 1 {
		t.Fatal("dev mode consumed a grant")
	}
}

// TestCrashedWorkerIsTakenOver: rows claimed (and grants consumed) by a worker that died stay
// pending; once the lease ends another worker sends each exactly once, against the grants the
// dead one consumed.
func TestCrashedWorkerIsTakenOver(t *testing.T) {
	t.Parallel()
	for _, prepared := range []bool{false, true} {
		e := apptest.New(t, apptest.WithWeChat(), withTemplates)
		wx := apptest.WeChat()
		oid := uniqueOpenID("crash")
		uid := e.ParseID(e.DevLogin(oid).UserID)
		grant(t, e, uid, 3, tmplStatus)
		enqueue(t, e, statusNotice(uid, "一"), statusNotice(uid, "二"), statusNotice(uid, "三"))
		clk := newClock(e)
		n, err := worker(e, clk).CrashAfterClaim(context.Background(), prepared)
		if err != nil || n != 3 {
			t.Fatalf("claim: %d %v", n, err)
		}
		if prepared && unusedGrants(t, e, uid, tmplStatus) != 0 {
			t.Fatal("the crashed worker did not consume the grants")
		}
		other := worker(e, clk)
		deliver(t, other, 0) // still leased
		clk.Advance(e.Config.Notify.Lease - time.Second)
		deliver(t, other, 0)
		clk.Advance(2 * time.Second)
		deliver(t, other, 3)
		if got := len(wx.SentTo(oid)); got != 3 {
			t.Fatalf("prepared=%v: sent %d, want 3", prepared, got)
		}
		if c := counts(t, e); c[model.OutboxSent] != 3 || unusedGrants(t, e, uid, tmplStatus) != 0 {
			t.Fatalf("prepared=%v: outbox %v", prepared, c)
		}
	}
}
