package service

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"sync/atomic"
	"time"
	"unicode"
	"unicode/utf8"

	"linli/clock"
	"linli/model"
	"linli/wechat"
)

// Kinds of notification the application sends. A kind selects the subscription template
// (config notify.templates); any other short lower-case name works as well.
const (
	NoticeIssueNew      = "issue_new"      // a new issue in a building the recipient captains
	NoticeIssueStatus   = "issue_status"   // an issue the recipient reported or follows changed state
	NoticeIssueComment  = "issue_comment"  // someone commented on an issue the recipient is involved in
	NoticeDispatchOffer = "dispatch_offer" // a task was dispatched to the recipient
	// Dispatch (派单) after the offer.
	NoticeDispatchCancelled = "dispatch_cancelled" // the dispatcher withdrew the recipient's task
	NoticeDispatchAccepted  = "dispatch_accepted"  // the volunteer accepted what the recipient asked for
	NoticeDispatchCompleted = "dispatch_completed" // the volunteer finished: the recipient may confirm
	NoticeDispatchDeclined  = "dispatch_declined"  // the volunteer the recipient dispatched declined
	NoticeDispatchExpired   = "dispatch_expired"   // nobody answered the recipient's offer in time
	NoticeDispatchConfirmed = "dispatch_confirmed" // the recipient's service was confirmed (and rated)
	NoticeHelpRequestNew    = "help_request_new"   // someone in a building the recipient captains asks for help
	// Volunteer activities (志愿活动).
	NoticeActivityPromoted  = "activity_promoted"  // the recipient moved from the waitlist to confirmed
	NoticeActivityCancelled = "activity_cancelled" // an activity the recipient signed up for was cancelled
	NoticeActivityChanged   = "activity_changed"   // its time or place changed
	NoticeActivityReminder  = "activity_reminder"  // it starts soon (sent once)
	// Time bank (时间银行).
	NoticePointsCredited   = "points_credited"   // the recipient's confirmed service was credited
	NoticePointsCapped     = "points_capped"     // the balance cap sent part of a credit to the community's account
	NoticePointsReceived   = "points_received"   // someone transferred points to the recipient
	NoticePointsCorrected  = "points_corrected"  // staff reversed a posting on the recipient's account
	NoticeVoucherCancelled = "voucher_cancelled" // staff cancelled the recipient's voucher (points refunded)
	// NoticeCorrectionRequested: a volunteer of the recipient's community asks to correct a record.
	NoticeCorrectionRequested = "correction_requested"
	// Council (议事厅).
	NoticeCouncilActionOverdue = "council_action_overdue" // a follow-up item assigned to the recipient is past due
)

// Notice is one message to one person.
type Notice struct {
	UserID, CommunityID uint64
	Kind                string // what happened; selects the subscription template from config
	Title               string // ≤ 20 characters shown in the inbox and the WeChat message's first field
	Body                string // ≤ 200 characters
	Link                string // mini-program page, e.g. "pages/issue/detail?id=42"
}

// Subscriber is the part of the WeChat adapter that sends subscription messages.
type Subscriber interface {
	SendSubscribe(ctx context.Context, msg wechat.SubscribeMessage) error
}

// NotifyOptions configures a Notifier (from config notify.*).
type NotifyOptions struct {
	// Templates maps a kind to its subscription template id; kinds without one are inbox-only.
	Templates map[string]string
	// Fields maps each template data key (thing1, time3, …) to title, body or time; empty
	// means thing1=title, thing2=body, time3=time.
	Fields map[string]string
	// Lease is how long a claimed message stays reserved for its worker.
	Lease time.Duration
	// BatchSize is how many messages one DeliverDue claims at most.
	BatchSize int
	// MaxAttempts is how many failed sends a message gets before it is marked failed.
	MaxAttempts int
}

// NotifierOption adjusts a Notifier.
type NotifierOption func(*Notifier)

// WithNotifierClock makes the Notifier read the time from now (tests move it forward).
func WithNotifierClock(now func() time.Time) NotifierOption {
	return func(n *Notifier) { n.now = now }
}

// Notifier keeps the in-app inbox, records subscription grants and delivers WeChat
// subscription messages from the outbox. The inbox is the record; WeChat push is best-effort
// on top of it and never blocks the change that caused it.
type Notifier struct {
	store     *model.Store
	wx        Subscriber // nil in dev mode: messages are skipped
	opts      NotifyOptions
	templates map[string]bool // known template ids
	log       *slog.Logger
	now       func() time.Time
	instance  string // names this process in lease tokens
	claims    atomic.Uint64
}

// NewNotifier builds the notification service; wx is nil in dev mode.
func NewNotifier(store *model.Store, wx Subscriber, opts NotifyOptions, log *slog.Logger, options ...NotifierOption) *Notifier {
	var b [6]byte
	_, _ = rand.Read(b[:])
	n := &Notifier{store: store, wx: wx, opts: opts, templates: map[string]bool{}, log: log,
		now: func() time.Time { return time.Now().UTC() }, instance: hex.EncodeToString(b[:])}
	for _, id := range opts.Templates {
		n.templates[id] = true
	}
	if len(n.opts.Fields) == 0 {
		n.opts.Fields = map[string]string{"thing1": "title", "thing2": "body", "time3": "time"}
	}
	if n.opts.Lease <= 0 {
		n.opts.Lease = 30 * time.Second
	}
	if n.opts.BatchSize <= 0 {
		n.opts.BatchSize = 20
	}
	if n.opts.MaxAttempts <= 0 {
		n.opts.MaxAttempts = 8
	}
	for _, o := range options {
		o(n)
	}
	return n
}

// Limits of the inbox columns, in characters.
const (
	maxNoticeTitle = 40
	maxNoticeBody  = 200
	maxNoticeLink  = 256
	maxNoticeKind  = 32
)

// outboxPayload is what an outbox row carries to WeChat.
type outboxPayload struct {
	Page string            `json:"page"`
	Data map[string]string `json:"data"`
}

// Enqueue writes the inbox entries and, for kinds with a configured template, the outbox rows,
// inside the caller's transaction (tx), so a notification exists if and only if the change that
// caused it committed. Titles and bodies longer than the inbox holds are cut with "…"; the same
// notice twice in one call is written once. A nil tx writes outside any transaction.
func (n *Notifier) Enqueue(ctx context.Context, tx *model.Store, notices ...Notice) error {
	if tx == nil {
		tx = n.store
	}
	now := n.now().UTC()
	seen := map[Notice]bool{}
	var rows []model.Notification
	for _, nt := range notices {
		if nt.UserID == 0 || nt.Kind == "" || len(nt.Kind) > maxNoticeKind || len(nt.Link) > maxNoticeLink {
			return fmt.Errorf("notify: bad notice (user %d, kind %q, link of %d bytes)", nt.UserID, nt.Kind, len(nt.Link))
		}
		nt.Title = clipNotice(noticeLine(nt.Title), maxNoticeTitle)
		nt.Body = clipNotice(strings.TrimSpace(nt.Body), maxNoticeBody)
		if seen[nt] {
			continue
		}
		seen[nt] = true
		rows = append(rows, model.Notification{UserID: nt.UserID, CommunityID: nt.CommunityID, Kind: nt.Kind,
			Title: nt.Title, Body: nt.Body, Link: nt.Link, CreatedAt: now})
	}
	if err := tx.CreateNotifications(ctx, rows); err != nil {
		return fmt.Errorf("notify: inbox: %w", err)
	}
	var out []model.OutboxMessage
	for _, r := range rows {
		tmpl, ok := n.opts.Templates[r.Kind]
		if !ok {
			continue
		}
		b, err := json.Marshal(outboxPayload{Page: r.Link, Data: n.templateData(r)})
		if err != nil {
			return err
		}
		out = append(out, model.OutboxMessage{NotificationID: r.ID, UserID: r.UserID, TemplateID: tmpl,
			Payload: string(b), Status: model.OutboxPending, NextAttemptAt: now, CreatedAt: now})
	}
	if err := tx.CreateOutbox(ctx, out); err != nil {
		return fmt.Errorf("notify: outbox: %w", err)
	}
	return nil
}

// templateData fills the template's data keys from the notification.
func (n *Notifier) templateData(r model.Notification) map[string]string {
	data := map[string]string{}
	for key, source := range n.opts.Fields {
		var v string
		switch source {
		case "title":
			v = r.Title
		case "body":
			v = r.Body
		case "time":
			v = r.CreatedAt.In(clock.China).Format("2006-01-02 15:04")
		}
		data[key] = dataValue(key, v)
	}
	return data
}

// dataValueLimit is WeChat's length for template data values of the key's type (thing1 →
// thing); 0 when it has none we know of.
func dataValueLimit(key string) int {
	switch strings.TrimRight(key, "0123456789") {
	case "thing":
		return 20
	case "name":
		return 10
	case "car_number":
		return 8
	case "short_thing", "phrase", "symbol":
		return 5
	case "phone_number":
		return 17
	case "character_string", "number", "letter", "amount":
		return 32
	}
	return 0
}

// dataValue fits v to the rules of the key's type: one line, within its length, never empty.
func dataValue(key, v string) string {
	v = noticeLine(v)
	if limit := dataValueLimit(key); limit > 0 {
		v = clipNotice(v, limit)
	}
	if v == "" {
		return "-"
	}
	return v
}

// clipNotice cuts s to at most max characters, ending with "…" when it was longer.
func clipNotice(s string, max int) string {
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	r := []rune(s)
	return string(r[:max-1]) + "…"
}

// noticeLine turns runs of white space and control characters into one space.
func noticeLine(s string) string {
	return strings.Join(strings.FieldsFunc(s, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }), " ")
}

// InboxQuery selects a page of a user's inbox.
type InboxQuery struct {
	UserID uint64
	// UnreadOnly lists only unread notifications.
	UnreadOnly bool
	// Before is the id the page starts below (0: the newest).
	Before uint64
	Limit  int
}

// InboxPage is a page of the inbox, newest first, with the user's unread count.
type InboxPage struct {
	Items  []model.Notification
	More   bool
	Unread int64
}

// Inbox lists the user's own notifications, newest first.
func (n *Notifier) Inbox(ctx context.Context, q InboxQuery) (InboxPage, error) {
	items, err := n.store.Notifications(ctx, q.UserID, q.UnreadOnly, q.Before, q.Limit+1)
	if err != nil {
		return InboxPage{}, err
	}
	unread, err := n.store.CountUnread(ctx, q.UserID)
	if err != nil {
		return InboxPage{}, err
	}
	items, more := trimPage(items, q.Limit)
	return InboxPage{Items: items, More: more, Unread: unread}, nil
}

// MarkRead marks the user's notifications with these ids read (all of them when all is set)
// and returns how many were unread. Ids of other users' notifications are ignored.
func (n *Notifier) MarkRead(ctx context.Context, userID uint64, ids []uint64, all bool) (int64, error) {
	if all {
		ids = nil
	} else if len(ids) == 0 {
		return 0, Invalid("ids", "请指定要标为已读的通知（ids），或 all: true")
	}
	c, err := n.store.MarkNotificationsRead(ctx, userID, ids, n.now())
	if err != nil {
		return 0, err
	}
	return c, nil
}

// Grant records one one-time subscription grant per template id, as the mini-program reports
// them after wx.requestSubscribeMessage. Each must be a template of the configuration: an
// unknown one is a 400 naming template_ids, and nothing is recorded.
func (n *Notifier) Grant(ctx context.Context, userID uint64, templateIDs []string) (int, error) {
	if len(templateIDs) == 0 {
		return 0, Invalid("template_ids", "请至少提供一个订阅消息模板")
	}
	now := n.now().UTC()
	gs := make([]model.SubscriptionGrant, 0, len(templateIDs))
	for _, id := range templateIDs {
		if !n.templates[id] {
			return 0, Invalid("template_ids", "未知的订阅消息模板："+clipNotice(noticeLine(id), 64))
		}
		gs = append(gs, model.SubscriptionGrant{UserID: userID, TemplateID: id, CreatedAt: now})
	}
	if err := n.store.CreateGrants(ctx, gs); err != nil {
		return 0, err
	}
	return len(gs), nil
}

// Templates returns the configured kind → template id map (a copy).
func (n *Notifier) Templates() map[string]string {
	out := make(map[string]string, len(n.opts.Templates))
	for k, v := range n.opts.Templates {
		out[k] = v
	}
	return out
}
