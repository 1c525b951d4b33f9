package app_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net"
	"testing"
	"time"

	"linli/app/apptest"
	"linli/config"
	"linli/model"
	"linli/service"
)

// TestNotificationSentAfterRestart: an instance that commits a change and dies before sending
// its notification loses nothing: the next instance to serve sends it from the outbox, once.
func TestNotificationSentAfterRestart(t *testing.T) {
	t.Parallel()
	cfg := apptest.Config(t, apptest.WithWeChat(), func(c *config.Config) {
		c.Notify.Templates = map[string]string{service.NoticeIssueStatus: "tmplRestartStatus001"}
		c.Notify.PollInterval = 100 * time.Millisecond
	})
	wx := apptest.WeChat()
	var b [6]byte
	_, _ = rand.Read(b[:])
	oid := "restart-" + hex.EncodeToString(b[:])
	ctx := context.Background()

	first := apptest.FromConfig(t, cfg)
	uid := first.ParseID(first.DevLogin(oid).UserID)
	n := first.App.Services.Notifier
	if _, err := n.Grant(ctx, uid, []string{"tmplRestartStatus001"}); err != nil {
		t.Fatal(err)
	}
	err := first.App.Store.Tx(ctx, func(tx *model.Store) error {
		return n.Enqueue(ctx, tx, service.Notice{UserID: uid, Kind: service.NoticeIssueStatus, Title: "报事已受理",
			Body: "楼栋长已受理", Link: "pages/issue/detail?id=1"})
	})
	if err != nil {
		t.Fatal(err)
	}
	// first dies here, after the commit and before any send: its jobs never started. (It is
	// not closed: the cleanup does that, and App.Close is not safe to call twice.)
	if len(wx.SentTo(oid)) != 0 {
		t.Fatal("sent before any worker ran")
	}

	second := apptest.FromConfig(t, cfg)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	sctx, stop := context.WithCancel(ctx)
	served := make(chan error, 1)
	go func() { served <- second.App.ServeListener(sctx, ln) }()
	waitFor(t, "the send after the restart", func() bool { return len(wx.SentTo(oid)) > 0 })
	// A few more polls: none may send it again.
	runs := second.App.Jobs.Runs("notify.deliver")
	waitFor(t, "three more polls of the outbox", func() bool { return second.App.Jobs.Runs("notify.deliver") >= runs+3 })
	stop()
	if err := <-served; err != nil {
		t.Fatalf("serve: %v", err)
	}
	if got := len(wx.SentTo(oid)); got != 1 {
		t.Fatalf("sent %d times after the restart, want 1", got)
	}
	c, err := second.App.Store.OutboxCounts(ctx)
	if err != nil || c[model.OutboxSent] != 1 || len(c) != 1 {
		t.Fatalf("outbox: %v %v", c, err)
	}
}
