package service_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"linli/app/apptest"
	"linli/config"
	"linli/model"
	"linli/service"
	"linli/wechat/wechattest"
)

// TestWorkersSendEachMessageOnce: two instances (two apps on one database), two workers each,
// deliver 50 messages at once; every message goes out exactly once and every grant pays for
// exactly one.
func TestWorkersSendEachMessageOnce(t *testing.T) {
	t.Parallel()
	cfg := apptest.Config(t, apptest.WithWeChat(), withTemplates, manyLogins,
		func(c *config.Config) { c.Notify.BatchSize = 4 })
	e1, e2 := apptest.FromConfig(t, cfg), apptest.FromConfig(t, cfg)
	wx := apptest.WeChat()
	const users, each = 10, 5
	oids := make([]string, users)
	uids := make([]uint64, users)
	for i := range users {
		oids[i] = uniqueOpenID(fmt.Sprintf("race%d", i))
		uids[i] = e1.ParseID(e1.DevLogin(oids[i]).UserID)
		grant(t, e1, uids[i], each, tmplStatus)
		var ns []service.Notice
		for j := range each {
			ns = append(ns, statusNotice(uids[i], fmt.Sprintf("进度 %d", j)))
		}
		enqueue(t, e1, ns...)
	}
	if c := counts(t, e1); c[model.OutboxPending] != users*each {
		t.Fatalf("outbox before: %v", c)
	}
	workers := []*service.Notifier{e1.App.Services.Notifier, e2.App.Services.Notifier}
	handled := make([]int, 4)
	errs := race(4, func(i int) error {
		for {
			n, err := workers[i%2].DeliverDue(context.Background())
			handled[i] += n
			if err != nil || n == 0 {
				return err
			}
		}
	})
	for i, err := range errs {
		if err != nil {
			t.Fatalf("worker %d: %v", i, err)
		}
	}
	total := 0
	for _, n := range handled {
		total += n
	}
	if total != users*each {
		t.Fatalf("workers handled %d messages in all (%v), want %d: a message was claimed twice", total, handled, users*each)
	}
	for i, oid := range oids {
		if got := len(wx.SentTo(oid)); got != each {
			t.Fatalf("user %d received %d messages, want %d", i, got, each)
		}
		if n := unusedGrants(t, e1, uids[i], tmplStatus); n != 0 {
			t.Fatalf("user %d has %d unused grants left", i, n)
		}
	}
	if c := counts(t, e1); c[model.OutboxSent] != users*each || len(c) != 1 {
		t.Fatalf("outbox after: %v", c)
	}
}

// TestWeChatDownIsRetried: while WeChat is down the message stays pending with its grant given
// back, is not retried before its backoff ends, and is sent once WeChat is back; a message that
// keeps failing is marked failed after max attempts.
//
// Not parallel: SetDown switches the whole fake server, which every test of this binary shares,
// and a test that does not call t.Parallel never runs alongside those that do.
func TestWeChatDownIsRetried(t *testing.T) {
	e := apptest.New(t, apptest.WithWeChat(), withTemplates)
	wx := apptest.WeChat()
	t.Cleanup(func() { wx.SetDown(wechattest.DownNone) })
	ctx := context.Background()
	oid := uniqueOpenID("down")
	uid := e.ParseID(e.DevLogin(oid).UserID)
	grant(t, e, uid, 1, tmplStatus)
	enqueue(t, e, statusNotice(uid, "报事已受理"))
	id := inbox(t, e, uid).Items[0].ID
	outbox := func() model.OutboxMessage {
		t.Helper()
		rows, err := e.App.Store.OutboxOfNotification(ctx, id)
		if err != nil || len(rows) != 1 {
			t.Fatalf("outbox: %v %v", rows, err)
		}
		return rows[0]
	}

	clk := newClock(e)
	w := worker(e, clk)
	wx.SetDown(wechattest.DownBusy)
	deliver(t, w, 1)
	m := outbox()
	if m.Status != model.OutboxPending || m.Attempts != 1 || m.LastError == "" || m.GrantID != nil {
		t.Fatalf("after a failed send: %+v", m)
	}
	if !m.NextAttemptAt.After(clk.Now()) || m.NextAttemptAt.After(clk.Now().Add(31*time.Second)) {
		t.Fatalf("next attempt at %s, now %s: want 15–30s later", m.NextAttemptAt, clk.Now())
	}
	if unusedGrants(t, e, uid, tmplStatus) != 1 {
		t.Fatal("the grant was not given back")
	}
	deliver(t, w, 0) // not due yet
	wx.SetDown(wechattest.DownNone)
	deliver(t, w, 0)
	clk.Advance(31 * time.Second)
	deliver(t, w, 1)
	if got := len(wx.SentTo(oid)); got != 1 || outbox().Status != model.OutboxSent {
		t.Fatalf("sent %d after recovery, status %s", got, outbox().Status)
	}
	clk.Advance(2 * time.Hour)
	deliver(t, w, 0)
	if len(wx.SentTo(oid)) != 1 {
		t.Fatal("sent twice")
	}

	// A message that never gets through is failed after MaxAttempts, its grant kept.
	grant(t, e, uid, 1, tmplStatus)
	enqueue(t, e, statusNotice(uid, "报事已解决"))
	id = inbox(t, e, uid).Items[0].ID
	w3 := worker(e, clk, func(o *service.NotifyOptions) { o.MaxAttempts = 3 })
	wx.SetDown(wechattest.DownBadGateway)
	for range 3 {
		deliver(t, w3, 1)
		clk.Advance(2 * time.Hour)
	}
	deliver(t, w3, 0)
	if m := outbox(); m.Status != model.OutboxFailed || m.Attempts != 3 {
		t.Fatalf("after 3 failures: %+v", m)
	}
	if unusedGrants(t, e, uid, tmplStatus) != 1 {
		t.Fatal("the failed message kept its grant")
	}
}
