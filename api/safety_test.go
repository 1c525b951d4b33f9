package api_test

// Content safety of every text others read. The dev word lists of the default configuration
// stand in for WeChat's check: "赌博" is risky (refused, 422, nothing written) and "投诉到市长"
// is held for review (kept, shown to its author and those who review only).

import (
	"context"
	"strings"
	"testing"

	"linli/app/apptest"
)

const (
	riskyText  = "赌博"
	reviewText = "投诉到市长"
)

// inboxBodies lists the bodies of the person's notifications, newest first.
func inboxBodies(t *testing.T, e *apptest.Env, who apptest.Session) []string {
	t.Helper()
	var page struct {
		Items []struct{ Kind, Body string } `json:"items"`
	}
	e.Do("GET", "/api/v1/me/notifications?limit=100", nil, tok(who)).Want(t, 200).Data(t, &page)
	var out []string
	for _, it := range page.Items {
		out = append(out, it.Body)
	}
	return out
}

// rows counts a table's rows.
func rows(t *testing.T, e *apptest.Env, table string) int64 {
	t.Helper()
	n, err := e.App.Store.Count(context.Background(), table, "")
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestSafetyTransferMemo: a memo is delivered verbatim into the recipient's inbox and
// passbook, so it is checked: risky refuses the transfer; held, the points move but the
// recipient sees no memo (the payer and staff still do). So is a correction's reason.
func TestSafetyTransferMemo(t *testing.T) {
	t.Parallel()
	w := newBankWorld(t)
	e := w.e
	w.serve(t, w.alice, 600, 100)
	w.account(t, w.alice)
	postings := rows(t, e, "postings")
	e.Do("POST", "/api/v1/transfers", map[string]any{"to_user_id": w.bob.UserID, "points": "1", "memo": "一起去" + riskyText},
		tok(w.alice)).Want(t, 422)
	if n := rows(t, e, "postings"); n != postings {
		t.Fatalf("a refused transfer wrote postings: %d → %d", postings, n)
	}
	var tr struct {
		PostingID string `json:"posting_id"`
		Memo      string `json:"memo"`
		MemoHeld  bool   `json:"memo_held"`
	}
	memo := "不修就" + reviewText
	e.Do("POST", "/api/v1/transfers", map[string]any{"to_user_id": w.bob.UserID, "points": "1", "memo": memo},
		tok(w.alice)).Want(t, 201).Data(t, &tr)
	if tr.Memo != memo || !tr.MemoHeld {
		t.Fatalf("the payer's answer: %+v", tr)
	}
	for _, b := range inboxBodies(t, e, w.bob) {
		if strings.Contains(b, reviewText) {
			t.Errorf("the recipient was told the held memo: %q", b)
		}
	}
	type line struct {
		Amount   string `json:"amount"`
		Memo     string `json:"memo"`
		MemoHeld bool   `json:"memo_held"`
	}
	ledger := func(who apptest.Session) line {
		var page struct{ Items []line }
		e.Do("GET", "/api/v1/me/ledger", nil, tok(who)).Want(t, 200).Data(t, &page)
		return page.Items[0]
	}
	if l := ledger(w.bob); l.Amount != "1.00" || l.Memo != "" || !l.MemoHeld {
		t.Errorf("the recipient's passbook: %+v", l)
	}
	if l := ledger(w.alice); l.Amount != "-1.00" || l.Memo != memo {
		t.Errorf("the payer's passbook: %+v", l)
	}
	// Staff's reason for a correction is the residents' memo too: risky is refused.
	e.Do("POST", "/api/v1/postings/"+tr.PostingID+"/reverse", map[string]any{"reason": "涉嫌" + riskyText}, tok(w.staff)).Want(t, 422)
	e.Do("POST", "/api/v1/transfers", map[string]any{"to_user_id": w.bob.UserID, "points": "1", "memo": "生日快乐"},
		tok(w.alice)).Want(t, 201)
	if b := inboxBodies(t, e, w.bob); len(b) == 0 || !strings.Contains(b[0], "生日快乐") {
		t.Errorf("a clean memo is not delivered: %v", b)
	}
}

// TestSafetyNickname: a risky nickname is refused; one held for review is kept as the held
// nickname, shown to its owner, while others keep seeing the old one.
func TestSafetyNickname(t *testing.T) {
	t.Parallel()
	e := apptest.New(t)
	s := e.DevLogin("nick")
	var me struct {
		Nickname     string `json:"nickname"`
		HeldNickname string `json:"held_nickname"`
	}
	e.Do("PATCH", "/api/v1/me", map[string]any{"nickname": "王阿姨"}, tok(s)).Want(t, 200)
	e.Do("PATCH", "/api/v1/me", map[string]any{"nickname": riskyText + "王"}, tok(s)).Want(t, 422)
	e.Do("PATCH", "/api/v1/me", map[string]any{"nickname": reviewText}, tok(s)).Want(t, 200).Data(t, &me)
	if me.Nickname != "王阿姨" || me.HeldNickname != reviewText {
		t.Fatalf("after a held nickname: %+v", me)
	}
	u, err := e.App.Store.UserByID(context.Background(), e.ParseID(s.UserID))
	if err != nil || u.Nickname != "王阿姨" {
		t.Fatalf("others see %q (%v)", u.Nickname, err)
	}
	e.Do("PATCH", "/api/v1/me", map[string]any{"nickname": "王大妈"}, tok(s)).Want(t, 200).Data(t, &me)
	if me.Nickname != "王大妈" || me.HeldNickname != "" {
		t.Fatalf("a clean nickname after a held one: %+v", me)
	}
}

// TestSafetyResidencyRoom: a risky room is refused; a held one keeps the claim for staff: the
// captain neither lists nor decides it.
func TestSafetyResidencyRoom(t *testing.T) {
	t.Parallel()
	w := newIssueWorld(t)
	e := w.e
	b := w.c.BuildingIDs[0]
	u := e.DevLogin("room-claimant")
	claims := rows(t, e, "residencies")
	e.Do("POST", "/api/v1/me/residencies", map[string]string{"building_id": b, "room": "101" + riskyText}, tok(u)).Want(t, 422)
	if n := rows(t, e, "residencies"); n != claims {
		t.Fatalf("a refused claim was written: %d → %d", claims, n)
	}
	var r struct {
		ID       string `json:"id"`
		RoomHeld bool   `json:"room_held"`
	}
	e.Do("POST", "/api/v1/me/residencies", map[string]string{"building_id": b, "room": "101" + reviewText}, tok(u)).Want(t, 201).Data(t, &r)
	if !r.RoomHeld {
		t.Fatalf("claim not held: %+v", r)
	}
	queue := func(who apptest.Session) []string {
		var page struct{ Items []struct{ ID string } }
		e.Do("GET", "/api/v1/residencies?building_id="+b, nil, tok(who)).Want(t, 200).Data(t, &page)
		var ids []string
		for _, it := range page.Items {
			ids = append(ids, it.ID)
		}
		return ids
	}
	if ids := queue(w.captain); strings.Contains(","+strings.Join(ids, ",")+",", ","+r.ID+",") {
		t.Errorf("the captain's queue shows the held claim: %v", ids)
	}
	if ids := queue(w.staff); !strings.Contains(","+strings.Join(ids, ",")+",", ","+r.ID+",") {
		t.Errorf("the staff queue lacks the held claim: %v", ids)
	}
	e.Do("POST", "/api/v1/residencies/"+r.ID+"/approve", nil, tok(w.captain)).Want(t, 403)
	e.Do("POST", "/api/v1/residencies/"+r.ID+"/approve", nil, tok(w.staff)).Want(t, 200)
}

// TestSafetyIssueNotesAndRating: a transition's note and the reporter's rating comment are
// checked like comments: risky refuses the step; held, the reporter and neighbours do not read
// a manager's note, and neighbours do not read the reporter's comment.
func TestSafetyIssueNotesAndRating(t *testing.T) {
	t.Parallel()
	w := newIssueWorld(t)
	e := w.e
	var d issueData
	w.report(t, w.reporter, nil).Want(t, 201).Data(t, &d)
	w.move(w.captain, d.ID, "acknowledge", map[string]any{"note": "明天派人，" + riskyText}).Want(t, 422)
	if got := w.get(t, w.reporter, d.ID); got.Status != "submitted" {
		t.Fatalf("a refused note moved the issue: %s", got.Status)
	}
	w.move(w.captain, d.ID, "acknowledge", map[string]any{"note": "再吵就" + reviewText}).Want(t, 200)
	e.Do("POST", "/api/v1/issues/"+d.ID+"/follow", nil, tok(w.neighbour)).Want(t, 200)
	type timeline struct {
		Timeline []struct {
			Action   string `json:"action"`
			Note     string `json:"note"`
			NoteHeld bool   `json:"note_held"`
		} `json:"timeline"`
		RatingComment     string `json:"rating_comment"`
		RatingCommentHeld bool   `json:"rating_comment_held"`
	}
	read := func(who apptest.Session) timeline {
		var x timeline
		e.Do("GET", "/api/v1/issues/"+d.ID, nil, tok(who)).Want(t, 200).Data(t, &x)
		return x
	}
	last := func(x timeline) (string, bool) { ev := x.Timeline[len(x.Timeline)-1]; return ev.Note, ev.NoteHeld }
	for _, who := range []apptest.Session{w.reporter, w.neighbour} {
		if note, held := last(read(who)); note != "" || !held {
			t.Errorf("%s reads the held note %q (held %v)", who.UserID, note, held)
		}
	}
	for _, who := range []apptest.Session{w.captain, w.staff} {
		if note, _ := last(read(who)); !strings.Contains(note, reviewText) {
			t.Errorf("the manager %s cannot review the note: %q", who.UserID, note)
		}
	}
	w.move(w.captain, d.ID, "resolve", nil).Want(t, 200)
	rate := func(comment string) *apptest.Response {
		return e.Do("POST", "/api/v1/issues/"+d.ID+"/rating", map[string]any{"score": 2, "comment": comment}, tok(w.reporter))
	}
	rate("修得像"+riskyText).Want(t, 422)
	rate("还不如"+reviewText).Want(t, 200)
	if x := read(w.neighbour); x.RatingComment != "" || !x.RatingCommentHeld {
		t.Errorf("the neighbour reads the held rating comment: %+v", x)
	}
	if x := read(w.reporter); !strings.Contains(x.RatingComment, reviewText) {
		t.Errorf("the reporter's own comment: %+v", x)
	}
}

// TestSafetyDispatchTexts: the dispatcher's note and the decline and cancel reasons are
// checked: risky refuses the step; a held decline reason is not shown to the requester nor put
// into the dispatcher's notice.
func TestSafetyDispatchTexts(t *testing.T) {
	t.Parallel()
	w := newSkillWorld(t)
	e := w.e
	b := w.c.BuildingIDs
	liu := w.electrician(t, "liu", b[1], "", "community", saturday)
	asker := w.person(t, "asker", b[0], "")
	help := w.askHelp(t, asker, b[0], nil)
	offer := func(note string) *apptest.Response {
		return e.Do("POST", "/api/v1/dispatches", map[string]any{"help_request_id": help, "volunteer_id": liu.UserID, "note": note},
			tok(w.captain))
	}
	offer("带上"+riskyText+"工具").Want(t, 422)
	if n := rows(t, e, "dispatches"); n != 0 {
		t.Fatalf("a refused offer wrote %d dispatches", n)
	}
	var d dispatchData
	offer("请带梯子").Want(t, 201).Data(t, &d)
	w.step(liu, d.ID, "decline", map[string]any{"reason": "太远了，" + riskyText}).Want(t, 422)
	w.step(liu, d.ID, "decline", map[string]any{"reason": "不去，" + reviewText}).Want(t, 200)
	var seen struct {
		DeclineReason string `json:"decline_reason"`
	}
	e.Do("GET", "/api/v1/dispatches/"+d.ID, nil, tok(asker)).Want(t, 200).Data(t, &seen)
	if seen.DeclineReason != "" {
		t.Errorf("the requester reads the held reason %q", seen.DeclineReason)
	}
	for _, who := range []apptest.Session{liu, w.captain} {
		e.Do("GET", "/api/v1/dispatches/"+d.ID, nil, tok(who)).Want(t, 200).Data(t, &seen)
		if !strings.Contains(seen.DeclineReason, reviewText) {
			t.Errorf("%s cannot read the held reason: %q", who.UserID, seen.DeclineReason)
		}
	}
	for _, body := range inboxBodies(t, e, w.captain) {
		if strings.Contains(body, reviewText) {
			t.Errorf("the dispatcher's notice carries the held reason: %q", body)
		}
	}
	offer("").Want(t, 201).Data(t, &d)
	w.step(w.captain, d.ID, "cancel", map[string]any{"reason": riskyText}).Want(t, 422)
	w.step(w.captain, d.ID, "cancel", map[string]any{"reason": "改期"}).Want(t, 200)
}

// TestSafetyStaffNames: names and descriptions staff write for residents (rewards, collective
// accounts, teams, correction reasons) refuse risky text; a text held for review stands,
// staff being the reviewers.
func TestSafetyStaffNames(t *testing.T) {
	t.Parallel()
	w := newBankWorld(t)
	e := w.e
	staff := tok(w.staff)
	rewards := "/api/v1/communities/" + w.c.ID + "/rewards"
	reward := func(fields map[string]any) *apptest.Response {
		body := map[string]any{"name": "理发一次", "kind": "service", "price": "1", "stock": 5}
		for k, v := range fields {
			body[k] = v
		}
		return e.Do("POST", rewards, body, staff)
	}
	reward(map[string]any{"name": riskyText + "券"}).Want(t, 422)
	reward(map[string]any{"description": "可" + riskyText}).Want(t, 422)
	reward(map[string]any{"merchant_name": riskyText + "商行"}).Want(t, 422)
	var r struct{ ID, Name string }
	reward(map[string]any{"name": "理发\u200b一次\u202e"}).Want(t, 201).Data(t, &r)
	if r.Name != "理发一次" {
		t.Errorf("reward name not cleaned: %q", r.Name)
	}
	e.Do("PATCH", "/api/v1/rewards/"+r.ID, map[string]any{"name": riskyText}, staff).Want(t, 422)
	reward(map[string]any{"name": reviewText + "优惠"}).Want(t, 201)

	accounts := "/api/v1/communities/" + w.c.ID + "/accounts"
	e.Do("POST", accounts, map[string]any{"name": riskyText + "单位卡", "card": "unit"}, staff).Want(t, 422)
	var a struct{ ID string }
	e.Do("POST", accounts, map[string]any{"name": "街道办单位卡", "card": "unit"}, staff).Want(t, 201).Data(t, &a)
	e.Do("PATCH", "/api/v1/accounts/"+a.ID, map[string]any{"name": riskyText}, staff).Want(t, 422)
	e.Do("PATCH", "/api/v1/accounts/"+a.ID, map[string]any{"name": "\u200b\u200d"}, staff).Want(t, 400)

	e.Do("POST", "/api/v1/teams", map[string]any{"community_id": w.c.ID, "name": riskyText + "队"}, staff).Want(t, 422)
	e.Do("POST", "/api/v1/teams", map[string]any{"community_id": w.c.ID, "name": "红帽队", "description": riskyText}, staff).Want(t, 422)
	e.Do("POST", "/api/v1/teams", map[string]any{"community_id": w.c.ID, "name": "红帽队"}, staff).Want(t, 201)
}
