package api_test

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"linli/api"
	"linli/app/apptest"
)

type rewardData struct {
	ID        string `json:"id"`
	Price     string `json:"price"`
	Stock     int    `json:"stock"`
	Active    bool   `json:"active"`
	Available bool   `json:"available"`
}

type voucherData struct {
	ID           string `json:"id"`
	RedemptionID string `json:"redemption_id"`
	VoucherCode  string `json:"voucher_code"`
	Status       string `json:"status"`
	Price        string `json:"price"`
	User         struct {
		ID string `json:"id"`
	} `json:"user"`
}

func TestRewardsOverHTTP(t *testing.T) {
	t.Parallel()
	w := newBankWorld(t)
	e := w.e
	shelf := "/api/v1/communities/" + w.c.ID + "/rewards"
	merchant := e.MakeResident("tb-merchant", w.c.BuildingIDs[0], "501")
	var r rewardData
	e.Do("POST", shelf, map[string]any{"name": "书法课一节", "kind": "course", "price": "1.5", "stock": 2,
		"per_person_limit": 1, "merchant_name": "社区学校", "merchant_user_id": merchant.UserID}, tok(w.staff)).Want(t, 201).Data(t, &r)
	if r.Price != "1.50" || r.Stock != 2 || !r.Active || !r.Available {
		t.Fatalf("reward: %+v", r)
	}
	for name, c := range map[string]struct {
		body  map[string]any
		field string
	}{
		"no name":    {map[string]any{"kind": "course", "price": "1"}, "name"},
		"bad kind":   {map[string]any{"name": "a", "kind": "gift", "price": "1"}, "kind"},
		"bad price":  {map[string]any{"name": "a", "kind": "course", "price": "0.001"}, "price"},
		"no price":   {map[string]any{"name": "a", "kind": "course"}, "price"},
		"neg stock":  {map[string]any{"name": "a", "kind": "course", "price": "1", "stock": -1}, "stock"},
		"bad window": {map[string]any{"name": "a", "kind": "course", "price": "1", "starts_at": "2030-01-02T00:00:00+08:00", "ends_at": "2030-01-01T00:00:00+08:00"}, "ends_at"},
	} {
		if eb := e.Do("POST", shelf, c.body, tok(w.staff)).Want(t, 400).Err(t); !eb.HasField(c.field) {
			t.Errorf("%s: %+v", name, eb)
		}
	}
	e.Do("POST", shelf, map[string]any{"name": "a", "kind": "course", "price": "1"}, tok(w.alice)).Want(t, 403)
	e.Do("POST", shelf, map[string]any{"name": "a", "kind": "course", "price": "1"}, tok(w.otherStaff)).Want(t, 404)
	var page struct {
		Items []rewardData `json:"items"`
	}
	e.Do("GET", shelf, nil, tok(w.alice)).Want(t, 200).Data(t, &page)
	if len(page.Items) != 1 {
		t.Fatalf("shelf: %+v", page)
	}
	e.Do("GET", shelf, nil, tok(w.outsider)).Want(t, 404)
	e.Do("GET", shelf+"?all=true", nil, tok(w.alice)).Want(t, 403)

	redeem := "/api/v1/rewards/" + r.ID + "/redeem"
	e.Do("POST", redeem, nil, tok(w.alice)).Want(t, 409) // no points yet
	w.serve(t, w.alice, 3*60, 100)
	w.serve(t, w.bob, 3*60, 100)
	w.account(t, w.alice)
	w.account(t, w.bob)
	var v voucherData
	e.Do("POST", redeem, nil, tok(w.alice), apptest.Header("Idempotency-Key", "redeem-1")).Want(t, 201).Data(t, &v)
	if len(v.VoucherCode) != 10 || v.RedemptionID != v.ID || v.Status != "issued" || v.Price != "1.50" {
		t.Fatalf("voucher: %+v", v)
	}
	e.Do("POST", redeem, nil, tok(w.alice), apptest.Header("Idempotency-Key", "redeem-1")).Want(t, 201) // a replay
	e.Do("POST", redeem, nil, tok(w.alice)).Want(t, 409)                                                // the limit
	e.Do("POST", redeem, nil, tok(w.staff)).Want(t, 403)
	e.Do("POST", redeem, nil, tok(w.outsider)).Want(t, 404)
	if a := w.account(t, w.alice); a.Balance != "1.50" || a.Spent != "1.50" {
		t.Fatalf("paid once? %+v", a)
	}
	var mine struct {
		Items []voucherData `json:"items"`
	}
	e.Do("GET", "/api/v1/me/redemptions?status=issued", nil, tok(w.alice)).Want(t, 200).Data(t, &mine)
	if len(mine.Items) != 1 || mine.Items[0].VoucherCode != v.VoucherCode {
		t.Fatalf("mine: %+v", mine)
	}
	if eb := e.Do("GET", "/api/v1/me/redemptions?status=lost", nil, tok(w.alice)).Want(t, 400).Err(t); !eb.HasField("status") {
		t.Fatalf("%+v", eb)
	}
	// Verification: the holder and other residents may not; the merchant may, once.
	verify := "/api/v1/redemptions/verify"
	e.Do("POST", verify, map[string]any{"voucher_code": v.VoucherCode}, tok(w.alice)).Want(t, 403)
	e.Do("POST", verify, map[string]any{"voucher_code": v.VoucherCode}, tok(w.otherStaff)).Want(t, 404)
	e.Do("POST", verify, map[string]any{"voucher_code": "NOSUCHCODE"}, tok(w.staff)).Want(t, 404)
	if eb := e.Do("POST", verify, map[string]any{}, tok(w.staff)).Want(t, 400).Err(t); !eb.HasField("voucher_code") {
		t.Fatalf("%+v", eb)
	}
	e.Do("POST", verify, map[string]any{"voucher_code": v.VoucherCode}, tok(merchant)).Want(t, 200).Data(t, &v)
	if v.Status != "used" {
		t.Fatalf("verified: %+v", v)
	}
	e.Do("POST", verify, map[string]any{"voucher_code": v.VoucherCode}, tok(w.staff)).Want(t, 409)
	e.Do("POST", "/api/v1/redemptions/"+v.ID+"/cancel", nil, tok(w.alice)).Want(t, 409)
	// Bob redeems the last one and cancels it: refund and restock; then staff take it off the shelf.
	var bv voucherData
	e.Do("POST", redeem, nil, tok(w.bob)).Want(t, 201).Data(t, &bv)
	e.Do("POST", "/api/v1/redemptions/"+bv.ID+"/cancel", nil, tok(w.alice)).Want(t, 403)
	e.Do("POST", "/api/v1/redemptions/"+bv.ID+"/cancel", nil, tok(w.bob)).Want(t, 200).Data(t, &bv)
	if bv.Status != "cancelled" || w.account(t, w.bob).Balance != "3.00" {
		t.Fatalf("cancelled: %+v", bv)
	}
	e.Do("POST", "/api/v1/redemptions/x/cancel", nil, tok(w.bob)).Want(t, 400)
	e.Do("PATCH", "/api/v1/rewards/"+r.ID, map[string]any{"active": false, "stock": 5}, tok(w.staff)).Want(t, 200).Data(t, &r)
	if r.Active || r.Stock != 5 || r.Available {
		t.Fatalf("patched: %+v", r)
	}
	e.Do("PATCH", "/api/v1/rewards/"+r.ID, map[string]any{"active": true}, tok(w.alice)).Want(t, 403)
	e.Do("PATCH", "/api/v1/rewards/"+r.ID, map[string]any{"price": "x"}, tok(w.staff)).Want(t, 400)
	e.Do("POST", redeem, nil, tok(w.bob)).Want(t, 409)
	e.Do("GET", shelf, nil, tok(w.alice)).Want(t, 200).Data(t, &page)
	if len(page.Items) != 0 {
		t.Fatalf("inactive reward listed: %+v", page)
	}
	soon := e.Clock.Now().Add(time.Hour).Format(time.RFC3339)
	e.Do("PATCH", "/api/v1/rewards/"+r.ID, map[string]any{"active": true, "starts_at": soon}, tok(w.staff)).Want(t, 200)
	e.Do("POST", redeem, nil, tok(w.bob)).Want(t, 409)
}

func TestLeaderboardOverHTTP(t *testing.T) {
	t.Parallel()
	w := newBankWorld(t)
	e := w.e
	w.serve(t, w.alice, 120, 100)
	w.serve(t, w.bob, 30, 300)
	w.account(t, w.alice)
	w.account(t, w.bob)
	var board struct {
		Metric string `json:"metric"`
		Period string `json:"period"`
		Items  []struct {
			Rank int `json:"rank"`
			User struct {
				ID       string `json:"id"`
				Nickname string `json:"nickname"`
			} `json:"user"`
			Value string `json:"value"`
		} `json:"items"`
		Me struct {
			Rank  *int   `json:"rank"`
			Value string `json:"value"`
		} `json:"me"`
	}
	base := "/api/v1/communities/" + w.c.ID + "/leaderboard"
	e.Do("GET", base, nil, tok(w.bob)).Want(t, 200).Data(t, &board)
	if board.Metric != "hours" || board.Period != "all" || len(board.Items) != 2 || board.Items[0].Value != "2.00" ||
		board.Items[0].User.ID != w.alice.UserID || board.Me.Rank == nil || *board.Me.Rank != 2 || board.Me.Value != "0.50" {
		t.Fatalf("hours: %+v", board)
	}
	// The answer is assembled from items encoded once per ranking (api/leaderboard.go): the bytes
	// must be those of encoding the whole envelope, on the first read and from the kept items.
	for range 3 {
		for _, who := range []apptest.Req{tok(w.alice), tok(w.bob)} {
			body := e.Do("GET", base+"?limit=5", nil, who).Want(t, 200).Body
			var env api.Envelope[api.LeaderboardDTO]
			if err := json.Unmarshal(body, &env); err != nil {
				t.Fatal(err)
			}
			if whole, _ := json.Marshal(env); !bytes.Equal(whole, body) || len(env.Data.Items) != 2 {
				t.Fatalf("assembled:\n%s\nencoded whole:\n%s", body, whole)
			}
		}
	}
	e.Do("GET", base+"?metric=points&period=month&building_id="+w.c.BuildingIDs[1], nil, tok(w.alice)).Want(t, 200).Data(t, &board)
	if len(board.Items) != 1 || board.Items[0].Value != "1.50" || board.Me.Rank != nil || board.Me.Value != "0.00" {
		t.Fatalf("points of building 2: %+v", board)
	}
	for q, field := range map[string]string{"?metric=likes": "metric", "?period=2024-1": "period", "?limit=500": "limit",
		"?building_id=" + w.other.BuildingIDs[0]: "building_id"} {
		if eb := e.Do("GET", base+q, nil, tok(w.alice)).Want(t, 400).Err(t); !eb.HasField(field) {
			t.Errorf("%s: %+v", q, eb)
		}
	}
	e.Do("GET", base, nil, tok(w.outsider)).Want(t, 404)
	e.Do("GET", base, nil).Want(t, 401)
}

// TestRewardMerchantMustBelong: a reward's merchant verifies its vouchers and sees who holds
// them, so it must be someone of the community (an approved resident, or staff or a captain
// of it): a user of another community, even its staff, or one with no residency, is refused
// with a 422 in Chinese naming merchant_user_id, and nothing changes.
func TestRewardMerchantMustBelong(t *testing.T) {
	t.Parallel()
	w := newBankWorld(t)
	e := w.e
	shelf := "/api/v1/communities/" + w.c.ID + "/rewards"
	drifter := e.DevLogin("tb-drifter")
	refused := func(r *apptest.Response) {
		t.Helper()
		eb := r.Want(t, 422).Err(t)
		if !eb.HasField("merchant_user_id") || eb.Message != "商户须为本社区的认证居民或工作人员" {
			t.Errorf("refusal: %+v", eb)
		}
	}
	before := rows(t, e, "rewards")
	for _, m := range []apptest.Session{w.outsider, w.otherStaff, drifter} {
		refused(e.Do("POST", shelf, map[string]any{"name": "洗车", "kind": "merchant", "price": "1", "merchant_user_id": m.UserID},
			tok(w.staff)))
	}
	if n := rows(t, e, "rewards"); n != before {
		t.Fatalf("refused rewards were written: %d → %d", before, n)
	}
	var r rewardData
	e.Do("POST", shelf, map[string]any{"name": "洗车", "kind": "merchant", "price": "1", "merchant_user_id": w.bob.UserID},
		tok(w.staff)).Want(t, 201).Data(t, &r)
	refused(e.Do("PATCH", "/api/v1/rewards/"+r.ID, map[string]any{"merchant_user_id": w.outsider.UserID}, tok(w.staff)))
	var got struct {
		MerchantUserID string `json:"merchant_user_id"`
	}
	e.Do("PATCH", "/api/v1/rewards/"+r.ID, map[string]any{"stock": 3}, tok(w.staff)).Want(t, 200).Data(t, &got)
	if got.MerchantUserID != w.bob.UserID {
		t.Fatalf("merchant after a refused change: %q", got.MerchantUserID)
	}
	e.Do("PATCH", "/api/v1/rewards/"+r.ID, map[string]any{"merchant_user_id": w.staff.UserID}, tok(w.staff)).Want(t, 200)
}
