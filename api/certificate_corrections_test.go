package api_test

import (
	"strings"
	"testing"

	"linli/app/apptest"
	"linli/config"
)

// verifyNote is what GET /verify/:code says of corrections and revocation.
type verifyNote struct {
	Status         string `json:"status"`
	Valid          bool   `json:"valid"`
	CorrectedLater bool   `json:"corrected_later"`
	Note           string `json:"note"`
	RevokedAt      string `json:"revoked_at"`
}

func TestCertificatesCorrectedLaterAndRevoked(t *testing.T) {
	t.Parallel()
	w := newCertWorld(t)
	rec := w.serve(t, w.alice, 60, 100)
	w.account(t, w.alice)
	w.e.Do("PATCH", "/api/v1/me", map[string]any{"real_name": "刘晓芳"}, tok(w.alice)).Want(t, 200)
	var cert certData
	w.e.Do("POST", "/api/v1/me/certificates", w.period(), tok(w.alice)).Want(t, 201).Data(t, &cert)
	verify := func() verifyNote {
		var v verifyNote
		w.e.Do("GET", "/verify/"+cert.Code, nil, apptest.Header("Accept", "application/json")).Want(t, 200).Data(t, &v)
		return v
	}
	if v := verify(); !v.Valid || v.CorrectedLater || v.Note != "" {
		t.Fatalf("fresh certificate: %+v", v)
	}
	c := w.request(t, w.alice, rec, 120)
	// A pending (or rejected) correction changes nothing.
	if v := verify(); v.CorrectedLater {
		t.Fatalf("pending correction noted: %+v", v)
	}
	w.e.Do("POST", "/api/v1/corrections/"+c.ID+"/approve", map[string]any{}, tok(w.staff)).Want(t, 200)
	v := verify()
	if !v.Valid || v.Status != "valid" || !v.CorrectedLater || v.Note != "本证明出具后，其中的服务记录有更正，以最新记录为准" {
		t.Fatalf("after correction: %+v", v)
	}
	var full struct {
		Hours string `json:"hours"`
	}
	w.e.Do("GET", "/verify/"+cert.Code, nil, apptest.Header("Accept", "application/json")).Want(t, 200).Data(t, &full)
	if full.Hours != "1" {
		t.Fatalf("the certificate is verified as issued: hours %q", full.Hours)
	}
	page := w.e.Do("GET", "/verify/"+cert.Code, nil, apptest.Header("Accept", "text/html")).Want(t, 200)
	if !strings.Contains(string(page.Body), "本证明出具后，其中的服务记录有更正，以最新记录为准") {
		t.Fatalf("HTML page lacks the note:\n%s", page.Body)
	}
	// A certificate issued after the correction shows the new figure and no note.
	var later certData
	w.e.Do("POST", "/api/v1/me/certificates", w.period(), tok(w.alice)).Want(t, 201).Data(t, &later)
	var lv verifyNote
	w.e.Do("GET", "/verify/"+later.Code, nil, apptest.Header("Accept", "application/json")).Want(t, 200).Data(t, &lv)
	if lv.CorrectedLater || later.Hours == cert.Hours {
		t.Fatalf("later certificate: %+v %+v", lv, later)
	}
	// Revocation: staff of the community only, with a reason, once.
	revoke := "/api/v1/certificates/" + cert.Code + "/revoke"
	w.e.Do("POST", revoke, map[string]any{"reason": "信息有误"}, tok(w.alice)).Want(t, 403)
	w.e.Do("POST", revoke, map[string]any{"reason": "信息有误"}, tok(w.otherStaff)).Want(t, 404)
	w.e.Do("POST", revoke, map[string]any{}, tok(w.staff)).Want(t, 400)
	w.e.Do("POST", "/api/v1/certificates/aaaaaaaaaaaaaaaaaaaaaaaaaa/revoke", map[string]any{"reason": "信息有误"}, tok(w.staff)).Want(t, 404)
	var rv verifyNote
	w.e.Do("POST", revoke, map[string]any{"reason": "信息有误，已重新出具"}, tok(w.staff)).Want(t, 200).Data(t, &rv)
	if rv.Status != "revoked" || rv.Valid || rv.RevokedAt == "" {
		t.Fatalf("revoked: %+v", rv)
	}
	w.e.Do("POST", revoke, map[string]any{"reason": "再来一次"}, tok(w.staff)).Want(t, 409)
	if v := verify(); v.Status != "revoked" || v.Valid {
		t.Fatalf("verify after revocation: %+v", v)
	}
	page = w.e.Do("GET", "/verify/"+cert.Code, nil, apptest.Header("Accept", "text/html")).Want(t, 200)
	if !strings.Contains(string(page.Body), "已作废") {
		t.Fatalf("HTML page does not say revoked:\n%s", page.Body)
	}
	if n := w.inboxWith(t, w.alice, "certificate_revoked"); len(n) != 1 || !strings.Contains(n[0], "信息有误") {
		t.Fatalf("holder inbox: %q", n)
	}
}

func TestCertificatesVerifyBaseURLConfigured(t *testing.T) {
	t.Parallel()
	w := newCertWorldWith(t, "https://linli.example.cn/")
	w.serve(t, w.alice, 60, 100)
	w.e.Do("PATCH", "/api/v1/me", map[string]any{"real_name": "刘晓芳"}, tok(w.alice)).Want(t, 200)
	var cert certData
	w.e.Do("POST", "/api/v1/me/certificates", w.period(), tok(w.alice)).Want(t, 201).Data(t, &cert)
	if cert.VerifyURL != "https://linli.example.cn/verify/"+cert.Code {
		t.Fatalf("verify url %q", cert.VerifyURL)
	}
}

// newCertWorldWith is newCertWorld with certificates.verify_base_url set.
func newCertWorldWith(t *testing.T, base string) *certWorld {
	t.Helper()
	w := newBankWorldWith(t, func(c *config.Config) { c.Certificates.VerifyBaseURL = base })
	w.e.Do("PATCH", "/api/v1/communities/"+w.c.ID, map[string]any{"certificate_issuer": "东亭社区居民委员会"}, tok(w.staff)).Want(t, 200)
	return &certWorld{w}
}

// newBankWorldWith is newBankWorld with more configuration.
func newBankWorldWith(t *testing.T, opt func(*config.Config)) *bankWorld {
	t.Helper()
	e := apptest.New(t, func(c *config.Config) {
		c.Limits.LoginPerIP, c.Limits.LoginPerUser = 0, 0
		opt(c)
	})
	w := &bankWorld{e: e, c: e.MakeCommunity("东亭社区", 1, 2), other: e.MakeCommunity("乙社区", 1, 1)}
	w.staff = e.MakeStaff(w.c.ID, "tb-staff")
	w.alice = e.MakeResident("tb-alice", w.c.BuildingIDs[0], "101")
	w.bob = e.MakeResident("tb-bob", w.c.BuildingIDs[1], "202")
	w.outsider = e.MakeResident("tb-outsider", w.other.BuildingIDs[0], "303")
	w.otherStaff = e.MakeStaff(w.other.ID, "tb-other-staff")
	return w
}
