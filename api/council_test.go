package api_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"linli/app/apptest"
)

// councilFixture is a community of two estates of two buildings, its staff, the captain of
// the first building, seven households of residents in that building (rooms 101–107, one
// resident each; member lives with resident 0), a resident of the other estate, and staff of
// another community.
type councilFixture struct {
	e          *apptest.Env
	c          apptest.Community
	staff      apptest.Session
	captain    apptest.Session
	residents  []apptest.Session
	member     apptest.Session // lives in resident 0's room: the same household
	elsewhere  apptest.Session // resident of the second estate
	otherStaff apptest.Session
	outsider   apptest.Session
}

func newCouncilFixture(t *testing.T) *councilFixture {
	t.Helper()
	e := apptest.New(t)
	f := &councilFixture{e: e, c: e.MakeCommunity("议事社区", 2, 2)}
	b := f.c.BuildingIDs[0]
	f.staff = e.MakeStaff(f.c.ID, "council-staff")
	f.captain = e.MakeCaptain(f.c.ID, "council-captain", b)
	for i := 0; i < 7; i++ {
		f.residents = append(f.residents, e.MakeResident(fmt.Sprintf("council-r%d", i), b, fmt.Sprintf("%d", 101+i)))
	}
	f.member = e.MakeResident("council-member", b, "101")
	f.elsewhere = e.MakeResident("council-elsewhere", f.c.Buildings[f.c.EstateIDs[1]][0], "201")
	other := e.MakeCommunity("别的社区", 1, 1)
	f.otherStaff = e.MakeStaff(other.ID, "council-other-staff")
	f.outsider = e.DevLogin("council-outsider")
	return f
}

type topicData struct {
	ID        string   `json:"id"`
	Status    string   `json:"status"`
	Seconds   int      `json:"seconds"`
	Threshold int      `json:"threshold"`
	ScopeName string   `json:"scope_name"`
	Allowed   []string `json:"allowed"`
	Timeline  []struct {
		Action string `json:"action"`
		Actor  *struct {
			ID string `json:"id"`
		} `json:"actor"`
		Note string `json:"note"`
	} `json:"timeline"`
}

type voteData struct {
	ID      string `json:"id"`
	Status  string `json:"status"`
	Options []struct {
		Position int    `json:"position"`
		Label    string `json:"label"`
		Count    *int   `json:"count"`
	} `json:"options"`
	Electors   int    `json:"electors"`
	Turnout    int    `json:"turnout"`
	Elector    bool   `json:"elector"`
	Voted      bool   `json:"voted"`
	MyChoice   *int   `json:"my_choice"`
	QuorumMet  bool   `json:"quorum_met"`
	Passed     bool   `json:"passed"`
	Winner     *int   `json:"winner"`
	Text       string `json:"text"`
	Electorate string `json:"electorate"`
}

func (f *councilFixture) propose(s apptest.Session, body map[string]any) *apptest.Response {
	return f.e.Do("POST", "/api/v1/communities/"+f.c.ID+"/topics", body, apptest.Token(s.Token))
}

// buildingTopic has resident 0 propose a topic for the first building.
func (f *councilFixture) buildingTopic(t *testing.T) string {
	t.Helper()
	var tp topicData
	f.propose(f.residents[0], map[string]any{"title": "楼道加装声控灯", "body": "3 单元楼道晚上太黑，老人上下楼不安全。",
		"scope": "building", "scope_id": f.c.BuildingIDs[0]}).Want(t, 201).Data(t, &tp)
	return tp.ID
}

func (f *councilFixture) topic(t *testing.T, s apptest.Session, id string) topicData {
	t.Helper()
	var tp topicData
	f.e.Do("GET", "/api/v1/topics/"+id, nil, apptest.Token(s.Token)).Want(t, 200).Data(t, &tp)
	return tp
}

// onAgenda puts the topic on the agenda through the staff's accept.
func (f *councilFixture) onAgenda(t *testing.T, id string) {
	t.Helper()
	f.e.Do("POST", "/api/v1/topics/"+id+"/transitions", map[string]any{"action": "accept"},
		apptest.Token(f.staff.Token)).Want(t, 200)
}

func (f *councilFixture) openVote(t *testing.T, id string, extra map[string]any) voteData {
	t.Helper()
	body := map[string]any{"question": "是否同意在 1 栋楼道加装声控灯？", "options": []string{"同意", "不同意", "弃权"},
		"closes_at": f.e.Clock.Now().Add(time.Hour).Format(time.RFC3339), "quorum_percent": 50, "pass_percent": 50}
	for k, v := range extra {
		body[k] = v
	}
	var v voteData
	r := f.e.Do("POST", "/api/v1/topics/"+id+"/votes", body, apptest.Token(f.staff.Token))
	if r.Status != 201 {
		t.Log(f.e.Logs())
	}
	r.Want(t, 201).Data(t, &v)
	return v
}

func (f *councilFixture) ballot(s apptest.Session, voteID string, option int) *apptest.Response {
	return f.e.Do("POST", "/api/v1/votes/"+voteID+"/ballots", map[string]any{"option": option}, apptest.Token(s.Token))
}

// closeVotes moves the clock past every window and runs the closing job.
func (f *councilFixture) closeVotes(t *testing.T) {
	t.Helper()
	f.e.Clock.Add(2 * time.Hour)
	if _, err := f.e.App.Services.Council.CloseDue(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func TestCouncilTopicSecondsVoteResultActions(t *testing.T) {
	f := newCouncilFixture(t)
	id := f.buildingTopic(t)
	tp := f.topic(t, f.residents[1], id)
	if tp.Status != "proposed" || tp.Threshold != 5 || tp.ScopeName != "1号院 1栋" || !contains(tp.Allowed, "second") {
		t.Fatalf("new topic: %+v", tp)
	}
	// The proposer's household (resident 0 and member) does not second its own topic.
	f.e.Do("POST", "/api/v1/topics/"+id+"/seconds", nil, apptest.Token(f.member.Token)).Want(t, 409)
	for i := 1; i <= 4; i++ {
		var out struct {
			OnAgenda bool      `json:"on_agenda"`
			Topic    topicData `json:"topic"`
		}
		f.e.Do("POST", "/api/v1/topics/"+id+"/seconds", nil, apptest.Token(f.residents[i].Token)).Want(t, 201).Data(t, &out)
		if out.OnAgenda || out.Topic.Seconds != i {
			t.Fatalf("second %d: %+v", i, out)
		}
	}
	msg := f.e.Do("POST", "/api/v1/topics/"+id+"/seconds", nil, apptest.Token(f.residents[1].Token)).Want(t, 409).Err(t).Message
	if msg != "本户已附议" {
		t.Fatalf("second again: %q", msg)
	}
	// Withdrawing a second and giving it again counts once.
	f.e.Do("DELETE", "/api/v1/topics/"+id+"/seconds", nil, apptest.Token(f.residents[4].Token)).Want(t, 200)
	f.e.Do("DELETE", "/api/v1/topics/"+id+"/seconds", nil, apptest.Token(f.residents[4].Token)).Want(t, 409)
	f.e.Do("POST", "/api/v1/topics/"+id+"/seconds", nil, apptest.Token(f.residents[4].Token)).Want(t, 201)
	// A resident of another estate does not see a building topic; another community's staff
	// neither.
	f.e.Do("POST", "/api/v1/topics/"+id+"/seconds", nil, apptest.Token(f.elsewhere.Token)).Want(t, 404)
	f.e.Do("GET", "/api/v1/topics/"+id, nil, apptest.Token(f.otherStaff.Token)).Want(t, 404)
	// A vote needs the agenda.
	f.e.Do("POST", "/api/v1/topics/"+id+"/votes", map[string]any{"question": "是否同意？", "options": []string{"同意", "不同意"},
		"closes_at": f.e.Clock.Now().Add(time.Hour).Format(time.RFC3339)}, apptest.Token(f.staff.Token)).Want(t, 409)
	// The fifth household puts it on the agenda by itself.
	var out struct {
		OnAgenda bool      `json:"on_agenda"`
		Topic    topicData `json:"topic"`
	}
	f.e.Do("POST", "/api/v1/topics/"+id+"/seconds", nil, apptest.Token(f.residents[5].Token)).Want(t, 201).Data(t, &out)
	if !out.OnAgenda || out.Topic.Status != "on_agenda" || out.Topic.Seconds != 5 {
		t.Fatalf("fifth second: %+v", out)
	}
	f.e.Do("POST", "/api/v1/topics/"+id+"/seconds", nil, apptest.Token(f.residents[6].Token)).Want(t, 409)
	tp = f.topic(t, f.residents[0], id)
	last := tp.Timeline[len(tp.Timeline)-1]
	if last.Action != "agenda" || last.Actor != nil {
		t.Fatalf("timeline: %+v", tp.Timeline)
	}
	// Residents cannot open a vote; staff can.
	f.e.Do("POST", "/api/v1/topics/"+id+"/votes", map[string]any{"question": "是否同意？", "options": []string{"同意", "不同意"},
		"closes_at": f.e.Clock.Now().Add(time.Hour).Format(time.RFC3339)}, apptest.Token(f.residents[0].Token)).Want(t, 403)
	v := f.openVote(t, id, nil)
	if v.Electors != 7 || v.Electorate != "households" || v.Status != "open" || v.Options[0].Count == nil || *v.Options[0].Count != 0 {
		t.Fatalf("vote opened: %+v", v)
	}
	if f.topic(t, f.staff, id).Status != "voting" {
		t.Fatal("topic not voting")
	}
	f.ballot(f.residents[0], v.ID, 0).Want(t, 201)
	if msg := f.ballot(f.member, v.ID, 1).Want(t, 409).Err(t).Message; msg != "本户已投票" {
		t.Fatalf("second ballot of a household: %q", msg)
	}
	f.ballot(f.residents[1], v.ID, 7).Want(t, 400)
	f.ballot(f.captain, v.ID, 0).Want(t, 403)
	f.ballot(f.elsewhere, v.ID, 0).Want(t, 404)
	f.ballot(f.otherStaff, v.ID, 0).Want(t, 404)
	for i, opt := range []int{0, 0, 0, 1} {
		f.ballot(f.residents[i+1], v.ID, opt).Want(t, 201)
	}
	var mine voteData
	f.e.Do("GET", "/api/v1/votes/"+v.ID, nil, apptest.Token(f.member.Token)).Want(t, 200).Data(t, &mine)
	if !mine.Voted || mine.MyChoice == nil || *mine.MyChoice != 0 || mine.Turnout != 5 || *mine.Options[0].Count != 4 {
		t.Fatalf("vote as the member sees it: %+v", mine)
	}
	f.e.Do("GET", "/api/v1/votes/"+v.ID+"/result", nil, apptest.Token(f.staff.Token)).Want(t, 409)
	f.closeVotes(t)
	f.ballot(f.residents[6], v.ID, 0).Want(t, 409)
	var res voteData
	f.e.Do("GET", "/api/v1/votes/"+v.ID+"/result", nil, apptest.Token(f.residents[3].Token)).Want(t, 200).Data(t, &res)
	if !res.QuorumMet || !res.Passed || res.Winner == nil || *res.Winner != 0 || *res.Options[0].Count != 4 ||
		*res.Options[1].Count != 1 || res.Turnout != 5 || res.Text == "" {
		t.Fatalf("result: %+v", res)
	}
	if f.topic(t, f.staff, id).Status != "decided" {
		t.Fatal("topic not decided")
	}
	// The follow-up: the captain assigns it to resident 2, who finishes it; the topic is resolved.
	var act struct {
		ID string `json:"id"`
	}
	f.e.Do("POST", "/api/v1/topics/"+id+"/actions", map[string]any{"title": "物业采购并安装声控灯"},
		apptest.Token(f.residents[1].Token)).Want(t, 403)
	f.e.Do("POST", "/api/v1/topics/"+id+"/actions", map[string]any{"title": "物业采购并安装声控灯",
		"assignee_id": f.residents[2].UserID}, apptest.Token(f.captain.Token)).Want(t, 201).Data(t, &act)
	f.e.Do("POST", "/api/v1/actions/"+act.ID+"/done", nil, apptest.Token(f.residents[3].Token)).Want(t, 403)
	var done struct {
		TopicStatus string `json:"topic_status"`
	}
	f.e.Do("POST", "/api/v1/actions/"+act.ID+"/done", nil, apptest.Token(f.residents[2].Token)).Want(t, 200).Data(t, &done)
	if done.TopicStatus != "resolved" {
		t.Fatalf("after the last action: %+v", done)
	}
	f.e.Do("POST", "/api/v1/actions/"+act.ID+"/done", nil, apptest.Token(f.staff.Token)).Want(t, 409)
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// A secret vote keeps no choice in any ballot row; while it is open nobody sees counts or a
// household's choice; after it closes the counts are there.
func TestCouncilSecretVoteKeepsNoChoice(t *testing.T) {
	f := newCouncilFixture(t)
	id := f.buildingTopic(t)
	f.onAgenda(t, id)
	v := f.openVote(t, id, map[string]any{"secret": true, "electorate": "residents"})
	if v.Electors != 8 { // seven residents and the member
		t.Fatalf("electors by resident: %d", v.Electors)
	}
	f.ballot(f.residents[0], v.ID, 1).Want(t, 201)
	f.ballot(f.member, v.ID, 0).Want(t, 201) // by resident: the member votes for themself
	if msg := f.ballot(f.member, v.ID, 0).Want(t, 409).Err(t).Message; msg != "您已投票" {
		t.Fatalf("second ballot by resident: %q", msg)
	}
	var seen voteData
	f.e.Do("GET", "/api/v1/votes/"+v.ID, nil, apptest.Token(f.staff.Token)).Want(t, 200).Data(t, &seen)
	if seen.Turnout != 2 || seen.Options[0].Count != nil || seen.MyChoice != nil {
		t.Fatalf("open secret vote as staff see it: %+v", seen)
	}
	f.e.Do("GET", "/api/v1/votes/"+v.ID, nil, apptest.Token(f.residents[0].Token)).Want(t, 200).Data(t, &seen)
	if !seen.Voted || seen.MyChoice != nil {
		t.Fatalf("open secret vote as the voter sees it: %+v", seen)
	}
	var withChoice int
	if err := f.e.App.Store.SQL().QueryRow("SELECT COUNT(*) FROM council_ballots WHERE choice IS NOT NULL").Scan(&withChoice); err != nil {
		t.Fatal(err)
	}
	if withChoice != 0 {
		t.Fatalf("%d ballot rows of a secret vote keep a choice", withChoice)
	}
	f.closeVotes(t)
	var res voteData
	f.e.Do("GET", "/api/v1/votes/"+v.ID+"/result", nil, apptest.Token(f.residents[5].Token)).Want(t, 200).Data(t, &res)
	// 2 of 8 is 25 %: under the quorum of 50 %.
	if *res.Options[0].Count != 1 || *res.Options[1].Count != 1 || res.QuorumMet || res.Passed || res.Winner != nil {
		t.Fatalf("secret result: %+v", res)
	}
}

// Bad input is refused in Chinese and writes nothing; held text waits for a manager.
func TestCouncilBadInputAndHeldText(t *testing.T) {
	f := newCouncilFixture(t)
	other := f.e.MakeCommunity("隔壁社区", 1, 1)
	r := f.residents[0]
	for name, body := range map[string]map[string]any{
		"empty title":       {"title": " ", "body": "内容", "scope": "community"},
		"unknown scope":     {"title": "标题", "body": "内容", "scope": "city"},
		"foreign building":  {"title": "标题", "body": "内容", "scope": "building", "scope_id": other.BuildingIDs[0]},
		"foreign estate":    {"title": "标题", "body": "内容", "scope": "estate", "scope_id": other.EstateIDs[0]},
		"community with id": {"title": "标题", "body": "内容", "scope": "community", "scope_id": other.ID},
	} {
		if res := f.propose(r, body); res.Status != 400 {
			t.Errorf("%s: %d %s", name, res.Status, res.Body)
		}
	}
	// A resident may not raise a topic for a building they do not live in.
	f.propose(r, map[string]any{"title": "标题", "body": "内容", "scope": "building", "scope_id": f.c.BuildingIDs[1]}).Want(t, 403)
	var list struct {
		Items []topicData `json:"items"`
	}
	f.e.Do("GET", "/api/v1/communities/"+f.c.ID+"/topics", nil, apptest.Token(f.staff.Token)).Want(t, 200).Data(t, &list)
	if len(list.Items) != 0 {
		t.Fatalf("refused proposals were kept: %+v", list.Items)
	}
	// Risky text is a 422; text the check cannot clear is held for a manager.
	f.propose(r, map[string]any{"title": "标题", "body": f.e.Config.Safety.DevRiskyWords[0], "scope": "community"}).Want(t, 422)
	var held topicData
	f.propose(r, map[string]any{"title": "标题", "body": "请大家看看 " + f.e.Config.Safety.DevReviewWords[0], "scope": "community"}).
		Want(t, 201).Data(t, &held)
	if held.Status != "pending_review" {
		t.Fatalf("held topic: %+v", held)
	}
	f.e.Do("GET", "/api/v1/topics/"+held.ID, nil, apptest.Token(f.residents[1].Token)).Want(t, 404)
	f.e.Do("POST", "/api/v1/topics/"+held.ID+"/seconds", nil, apptest.Token(f.residents[1].Token)).Want(t, 404)
	f.e.Do("GET", "/api/v1/topics/"+held.ID, nil, apptest.Token(r.Token)).Want(t, 200)
	f.e.Do("POST", "/api/v1/topics/"+held.ID+"/transitions", map[string]any{"action": "reject"}, apptest.Token(f.staff.Token)).Want(t, 400)
	f.e.Do("POST", "/api/v1/topics/"+held.ID+"/transitions", map[string]any{"action": "accept"}, apptest.Token(f.staff.Token)).Want(t, 200)
	f.e.Do("GET", "/api/v1/topics/"+held.ID, nil, apptest.Token(f.residents[1].Token)).Want(t, 200)
	// Votes: bad options, windows and thresholds; nothing opened.
	past := f.e.Clock.Now().Add(-time.Hour).Format(time.RFC3339)
	soon := f.e.Clock.Now().Add(5 * time.Minute).Format(time.RFC3339)
	later := f.e.Clock.Now().Add(time.Hour).Format(time.RFC3339)
	for name, body := range map[string]map[string]any{
		"one option":        {"question": "是否同意？", "options": []string{"同意"}, "closes_at": later},
		"duplicate options": {"question": "是否同意？", "options": []string{"同意", "同意"}, "closes_at": later},
		"closed already":    {"question": "是否同意？", "options": []string{"同意", "不同意"}, "closes_at": past},
		"too short":         {"question": "是否同意？", "options": []string{"同意", "不同意"}, "closes_at": soon},
		"quorum over 100":   {"question": "是否同意？", "options": []string{"同意", "不同意"}, "closes_at": later, "quorum_percent": 101},
		"unknown electors":  {"question": "是否同意？", "options": []string{"同意", "不同意"}, "closes_at": later, "electorate": "everyone"},
	} {
		if res := f.e.Do("POST", "/api/v1/topics/"+held.ID+"/votes", body, apptest.Token(f.staff.Token)); res.Status != 400 {
			t.Errorf("%s: %d %s", name, res.Status, res.Body)
		}
	}
	if tp := f.topic(t, f.staff, held.ID); tp.Status != "on_agenda" || len(tp.Timeline) != 2 {
		t.Fatalf("after refused votes: %+v", tp)
	}
	// Another community's staff cannot open one (it does not exist for them).
	f.e.Do("POST", "/api/v1/topics/"+held.ID+"/votes", map[string]any{"question": "是否同意？", "options": []string{"同意", "不同意"},
		"closes_at": later}, apptest.Token(f.otherStaff.Token)).Want(t, 404)
	// The proposer withdraws; nothing more may happen to it.
	f.e.Do("POST", "/api/v1/topics/"+held.ID+"/transitions", map[string]any{"action": "withdraw"}, apptest.Token(f.residents[1].Token)).Want(t, 403)
	f.e.Do("POST", "/api/v1/topics/"+held.ID+"/transitions", map[string]any{"action": "withdraw"}, apptest.Token(r.Token)).Want(t, 200)
	f.e.Do("POST", "/api/v1/topics/"+held.ID+"/comments", map[string]any{"body": "还讨论吗"}, apptest.Token(r.Token)).Want(t, 409)
	f.e.Do("POST", "/api/v1/topics/"+held.ID+"/transitions", map[string]any{"action": "accept"}, apptest.Token(f.staff.Token)).Want(t, 409)
}

// An overdue follow-up item reminds its assignee once; a finished one never.
func TestCouncilOverdueActionRemindsOnce(t *testing.T) {
	f := newCouncilFixture(t)
	id := f.buildingTopic(t)
	f.onAgenda(t, id)
	v := f.openVote(t, id, nil)
	f.ballot(f.residents[0], v.ID, 0).Want(t, 201)
	f.closeVotes(t)
	due := f.e.Clock.Now().Add(24 * time.Hour).Format(time.RFC3339)
	var late, done struct {
		ID string `json:"id"`
	}
	f.e.Do("POST", "/api/v1/topics/"+id+"/actions", map[string]any{"title": "物业采购声控灯", "due_at": due,
		"assignee_id": f.residents[2].UserID}, apptest.Token(f.captain.Token)).Want(t, 201).Data(t, &late)
	f.e.Do("POST", "/api/v1/topics/"+id+"/actions", map[string]any{"title": "通知各单元", "due_at": due,
		"assignee_id": f.residents[3].UserID}, apptest.Token(f.captain.Token)).Want(t, 201).Data(t, &done)
	f.e.Do("POST", "/api/v1/actions/"+done.ID+"/done", nil, apptest.Token(f.residents[3].Token)).Want(t, 200)
	remind := func() int {
		t.Helper()
		n, err := f.e.App.Services.Council.RemindOverdue(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := remind(); n != 0 {
		t.Fatalf("%d reminders before the due date", n)
	}
	f.e.Clock.Add(25 * time.Hour)
	if n := remind(); n != 1 {
		t.Fatalf("%d reminders after the due date, want 1", n)
	}
	if n := remind(); n != 0 {
		t.Fatalf("reminded again: %d", n)
	}
	count := func(s apptest.Session) int {
		var page struct {
			Items []struct {
				Kind string `json:"kind"`
			} `json:"items"`
		}
		f.e.Do("GET", "/api/v1/me/notifications?limit=100", nil, apptest.Token(s.Token)).Want(t, 200).Data(t, &page)
		n := 0
		for _, it := range page.Items {
			if it.Kind == "council_action_overdue" {
				n++
			}
		}
		return n
	}
	if count(f.residents[2]) != 1 || count(f.residents[3]) != 0 {
		t.Fatalf("overdue notices: assignee %d, finished item's assignee %d", count(f.residents[2]), count(f.residents[3]))
	}
}
