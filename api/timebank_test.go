package api_test

import (
	"context"
	"fmt"
	"testing"

	"linli/app/apptest"
	"linli/clock"
	"linli/config"
	"linli/model"
)

// bankWorld is a community with staff and residents for the time-bank API tests.
type bankWorld struct {
	e                    *apptest.Env
	c                    apptest.Community
	staff, alice, bob    apptest.Session
	outsider, otherStaff apptest.Session
	other                apptest.Community
	seq                  int
}

func newBankWorld(t *testing.T) *bankWorld {
	t.Helper()
	e := apptest.New(t, func(c *config.Config) { c.Limits.LoginPerIP, c.Limits.LoginPerUser = 0, 0 })
	w := &bankWorld{e: e, c: e.MakeCommunity("东亭社区", 1, 2), other: e.MakeCommunity("乙社区", 1, 1)}
	w.staff = e.MakeStaff(w.c.ID, "tb-staff")
	w.alice = e.MakeResident("tb-alice", w.c.BuildingIDs[0], "101")
	w.bob = e.MakeResident("tb-bob", w.c.BuildingIDs[1], "202")
	w.outsider = e.MakeResident("tb-outsider", w.other.BuildingIDs[0], "303")
	w.otherStaff = e.MakeStaff(w.other.ID, "tb-other-staff")
	return w
}

// serve records a confirmed service of the user (as dispatch and activities do); it is
// credited by the job, or by the user's next look at the account.
func (w *bankWorld) serve(t *testing.T, s apptest.Session, minutes, rate int) uint64 {
	t.Helper()
	w.seq++
	r := &model.ServiceRecord{CommunityID: w.e.ParseID(w.c.ID), UserID: w.e.ParseID(s.UserID), SourceKind: model.SourceDispatch,
		SourceID: uint64(w.seq), Content: "维修楼道灯", Place: "3栋2单元", ServedAt: w.e.Clock.Now(), Minutes: minutes,
		PointsPerHour: rate, OrganiserID: w.e.ParseID(w.staff.UserID), ConfirmerID: w.e.ParseID(w.staff.UserID)}
	if _, err := w.e.App.Store.AddServiceRecord(context.Background(), r); err != nil {
		t.Fatal(err)
	}
	return r.ID
}

type accountData struct {
	AccountID *string `json:"account_id"`
	Balance   string  `json:"balance"`
	Minutes   int64   `json:"minutes"`
	Hours     string  `json:"hours"`
	Earned    string  `json:"earned"`
	Spent     string  `json:"spent"`
	Received  string  `json:"received"`
	Given     string  `json:"given"`
	Cap       string  `json:"cap"`
}

func (w *bankWorld) account(t *testing.T, s apptest.Session) accountData {
	t.Helper()
	var a accountData
	w.e.Do("GET", "/api/v1/me/account", nil, tok(s)).Want(t, 200).Data(t, &a)
	return a
}

func TestAccountPassbookAndRecords(t *testing.T) {
	t.Parallel()
	w := newBankWorld(t)
	e := w.e
	if a := w.account(t, w.alice); a.AccountID != nil || a.Balance != "0.00" || a.Cap != "1500.00" {
		t.Fatalf("fresh account: %+v", a)
	}
	w.serve(t, w.alice, 90, 100)
	a := w.account(t, w.alice) // credits the waiting record first
	if a.AccountID == nil || a.Balance != "1.50" || a.Minutes != 90 || a.Hours != "1.50" || a.Earned != "1.50" {
		t.Fatalf("after service: %+v", a)
	}
	var ledger struct {
		Items []struct {
			Kind         string `json:"kind"`
			Amount       string `json:"amount"`
			BalanceAfter string `json:"balance_after"`
			Memo         string `json:"memo"`
			Counterparty struct {
				Kind, Name string
			} `json:"counterparty"`
		} `json:"items"`
		NextCursor string `json:"next_cursor"`
	}
	e.Do("GET", "/api/v1/me/ledger?limit=5", nil, tok(w.alice)).Want(t, 200).Data(t, &ledger)
	if len(ledger.Items) != 1 || ledger.Items[0].Amount != "1.50" || ledger.Items[0].Kind != "credit" ||
		ledger.Items[0].Counterparty.Kind != "issuing" || ledger.Items[0].Memo != "维修楼道灯" {
		t.Fatalf("ledger: %+v", ledger)
	}
	var records struct {
		Items []struct {
			Volunteer struct{ Nickname string } `json:"volunteer"`
			Content   string                    `json:"content"`
			Place     string                    `json:"place"`
			Date      string                    `json:"date"`
			Minutes   int                       `json:"minutes"`
			Points    string                    `json:"points"`
			Organiser struct{ ID string }       `json:"organiser"`
			Source    string                    `json:"source"`
		} `json:"items"`
	}
	e.Do("GET", "/api/v1/me/service-records", nil, tok(w.alice)).Want(t, 200).Data(t, &records)
	if len(records.Items) != 1 || records.Items[0].Minutes != 90 || records.Items[0].Source != "dispatch" ||
		records.Items[0].Organiser.ID != w.staff.UserID || records.Items[0].Date == "" {
		t.Fatalf("records: %+v", records)
	}
	month := e.Clock.Now().In(clock.China).Format("2006-01")
	e.Do("GET", "/api/v1/communities/"+w.c.ID+"/service-records?month="+month+"&user_id="+w.alice.UserID, nil, tok(w.staff)).
		Want(t, 200).Data(t, &records)
	if len(records.Items) != 1 {
		t.Fatalf("staff records: %+v", records)
	}
	for q, field := range map[string]string{"?month=2024-13": "month", "?user_id=abc": "user_id", "?limit=101": "limit"} {
		if eb := e.Do("GET", "/api/v1/communities/"+w.c.ID+"/service-records"+q, nil, tok(w.staff)).Want(t, 400).Err(t); !eb.HasField(field) {
			t.Errorf("%s: %+v", q, eb)
		}
	}
	e.Do("GET", "/api/v1/communities/"+w.c.ID+"/service-records", nil, tok(w.alice)).Want(t, 403)
	e.Do("GET", "/api/v1/communities/"+w.c.ID+"/service-records", nil, tok(w.otherStaff)).Want(t, 404)
	e.Do("GET", "/api/v1/me/account?community_id="+w.other.ID, nil, tok(w.alice)).Want(t, 404)
	if eb := e.Do("GET", "/api/v1/me/account?community_id=x", nil, tok(w.alice)).Want(t, 400).Err(t); !eb.HasField("community_id") {
		t.Fatalf("%+v", eb)
	}
	for _, path := range []string{"/api/v1/me/account", "/api/v1/me/ledger", "/api/v1/me/service-records"} {
		e.Do("GET", path, nil).Want(t, 401)
	}
}

func TestTransfersOverHTTP(t *testing.T) {
	t.Parallel()
	w := newBankWorld(t)
	e := w.e
	w.serve(t, w.alice, 10*60, 100)
	w.account(t, w.alice)
	body := map[string]any{"to_user_id": w.bob.UserID, "points": "2.5", "memo": "给家人"}
	key := apptest.Header("Idempotency-Key", "transfer-1")
	first := e.Do("POST", "/api/v1/transfers", body, tok(w.alice), key).Want(t, 201)
	again := e.Do("POST", "/api/v1/transfers", body, tok(w.alice), key).Want(t, 201)
	if string(first.Body) != string(again.Body) || again.Header.Get("Idempotent-Replayed") != "true" {
		t.Fatalf("retry answered differently:\n%s\n%s", first.Body, again.Body)
	}
	var tr struct {
		Points       string `json:"points"`
		BalanceAfter string `json:"balance_after"`
		To           struct {
			Kind string `json:"kind"`
		} `json:"to"`
	}
	first.Data(t, &tr)
	if tr.Points != "2.50" || tr.BalanceAfter != "7.50" || tr.To.Kind != "resident" {
		t.Fatalf("transfer: %+v", tr)
	}
	if a, b := w.account(t, w.alice), w.account(t, w.bob); a.Balance != "7.50" || a.Given != "2.50" || b.Balance != "2.50" || b.Received != "2.50" {
		t.Fatalf("moved more than once: alice %+v bob %+v", a, b)
	}
	e.Do("POST", "/api/v1/transfers", map[string]any{"to_user_id": w.bob.UserID, "points": "100"}, tok(w.alice)).Want(t, 409)
	for name, c := range map[string]struct {
		body  map[string]any
		field string
	}{
		"bad points":    {map[string]any{"to_user_id": w.bob.UserID, "points": "1.234"}, "points"},
		"no points":     {map[string]any{"to_user_id": w.bob.UserID}, "points"},
		"negative":      {map[string]any{"to_user_id": w.bob.UserID, "points": "-1"}, "points"},
		"no recipient":  {map[string]any{"points": "1"}, "to_account_id"},
		"not an id":     {map[string]any{"to_user_id": "x", "points": "1"}, "to_user_id"},
		"stranger":      {map[string]any{"to_user_id": w.outsider.UserID, "points": "1"}, "to_user_id"},
		"memo too long": {map[string]any{"to_user_id": w.bob.UserID, "points": "1", "memo": fmt.Sprintf("%0101d", 0)}, "memo"},
	} {
		if eb := e.Do("POST", "/api/v1/transfers", c.body, tok(w.alice)).Want(t, 400).Err(t); !eb.HasField(c.field) {
			t.Errorf("%s: %+v", name, eb)
		}
	}
	e.Do("POST", "/api/v1/transfers", map[string]any{"to_user_id": w.bob.UserID, "points": "1"}, tok(w.staff)).Want(t, 403)
	e.Do("POST", "/api/v1/transfers", map[string]any{"to_user_id": w.bob.UserID, "points": "1", "community_id": w.c.ID},
		tok(w.outsider)).Want(t, 404)
	e.Do("POST", "/api/v1/transfers", map[string]any{"to_user_id": w.bob.UserID, "points": "1"}).Want(t, 401)
}

func TestCollectiveAccountsAndCorrections(t *testing.T) {
	t.Parallel()
	w := newBankWorld(t)
	e := w.e
	path := "/api/v1/communities/" + w.c.ID + "/accounts"
	var card struct {
		ID         string   `json:"id"`
		Kind       string   `json:"kind"`
		Card       string   `json:"card"`
		Name       string   `json:"name"`
		Balance    string   `json:"balance"`
		ManagerIDs []string `json:"manager_ids"`
	}
	e.Do("POST", path, map[string]any{"name": "春合苑院落集体卡", "card": "courtyard", "manager_ids": []string{w.bob.UserID}},
		tok(w.staff)).Want(t, 201).Data(t, &card)
	if card.Kind != "collective" || card.Card != "courtyard" || len(card.ManagerIDs) != 1 {
		t.Fatalf("card: %+v", card)
	}
	e.Do("POST", path, map[string]any{"name": "春合苑院落集体卡", "card": "unit"}, tok(w.staff)).Want(t, 409)
	for body, field := range map[string]string{`{"name":"x","card":"gold"}`: "card", `{"card":"unit"}`: "name",
		`{"name":"y","card":"unit","manager_ids":["` + w.outsider.UserID + `"]}`: "manager_ids"} {
		if eb := e.Do("POST", path, apptest.Raw{ContentType: "application/json", Body: body}, tok(w.staff)).Want(t, 400).Err(t); !eb.HasField(field) {
			t.Errorf("%s: %+v", body, eb)
		}
	}
	e.Do("POST", path, map[string]any{"name": "z", "card": "unit"}, tok(w.alice)).Want(t, 403)
	e.Do("POST", path, map[string]any{"name": "z", "card": "unit"}, tok(w.otherStaff)).Want(t, 404)
	// Alice donates; bob, the card's manager, passes it on to the community; staff see it all.
	first := w.serve(t, w.alice, 5*60, 100)
	w.account(t, w.alice)
	e.Do("POST", "/api/v1/transfers", map[string]any{"to_account_id": card.ID, "points": "3"}, tok(w.alice)).Want(t, 201)
	e.Do("POST", "/api/v1/transfers", map[string]any{"from_account_id": card.ID, "to_user_id": w.alice.UserID, "points": "1"},
		tok(w.bob)).Want(t, 422)
	var list struct {
		Items []struct {
			ID, Kind, Balance string
		} `json:"items"`
	}
	e.Do("GET", path, nil, tok(w.staff)).Want(t, 200).Data(t, &list)
	spending := ""
	for _, it := range list.Items {
		if it.Kind == "spending" {
			spending = it.ID
		}
	}
	e.Do("POST", "/api/v1/transfers", map[string]any{"from_account_id": card.ID, "to_account_id": spending, "points": "1"},
		tok(w.bob)).Want(t, 201)
	var ledger struct {
		Items []struct {
			Amount       string `json:"amount"`
			BalanceAfter string `json:"balance_after"`
		} `json:"items"`
	}
	e.Do("GET", "/api/v1/accounts/"+card.ID+"/ledger", nil, tok(w.bob)).Want(t, 200).Data(t, &ledger)
	if len(ledger.Items) != 2 || ledger.Items[0].Amount != "-1.00" || ledger.Items[0].BalanceAfter != "2.00" {
		t.Fatalf("card ledger: %+v", ledger)
	}
	e.Do("GET", "/api/v1/accounts/"+card.ID+"/ledger", nil, tok(w.alice)).Want(t, 403)
	e.Do("PATCH", "/api/v1/accounts/"+card.ID, map[string]any{"name": "春合苑集体卡", "manager_ids": []string{}}, tok(w.staff)).
		Want(t, 200).Data(t, &card)
	if card.Name != "春合苑集体卡" || len(card.ManagerIDs) != 0 {
		t.Fatalf("patched: %+v", card)
	}
	e.Do("GET", "/api/v1/accounts/"+card.ID+"/ledger", nil, tok(w.bob)).Want(t, 403)
	// A correction: staff reverse alice's credit; she has given part of it away, so it cannot.
	var posting struct {
		ID string `json:"id"`
	}
	credit, err := e.App.Store.PostingOf(context.Background(), model.SourceServiceRecord, first)
	if err != nil {
		t.Fatal(err)
	}
	rev := fmt.Sprintf("/api/v1/postings/%d/reverse", credit.ID)
	e.Do("POST", rev, map[string]any{"reason": "登记错误"}, tok(w.staff)).Want(t, 409)
	second := w.serve(t, w.alice, 60, 100)
	w.account(t, w.alice)
	credit2, err := e.App.Store.PostingOf(context.Background(), model.SourceServiceRecord, second)
	if err != nil {
		t.Fatal(err)
	}
	rev = fmt.Sprintf("/api/v1/postings/%d/reverse", credit2.ID)
	if eb := e.Do("POST", rev, map[string]any{}, tok(w.staff)).Want(t, 400).Err(t); !eb.HasField("reason") {
		t.Fatalf("%+v", eb)
	}
	e.Do("POST", rev, map[string]any{"reason": "登记错误"}, tok(w.alice)).Want(t, 403)
	e.Do("POST", rev, map[string]any{"reason": "登记错误"}, tok(w.otherStaff)).Want(t, 404)
	e.Do("POST", rev, map[string]any{"reason": "重复登记"}, tok(w.staff)).Want(t, 201).Data(t, &posting)
	e.Do("POST", rev, map[string]any{"reason": "重复登记"}, tok(w.staff)).Want(t, 409)
	if a := w.account(t, w.alice); a.Balance != "2.00" || a.Minutes != 300 {
		t.Fatalf("after the correction: %+v", a)
	}
}
