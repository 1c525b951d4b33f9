package api_test

import (
	"bytes"
	"context"
	"image"
	_ "image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ledongthuc/pdf"
	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"

	"linli/app/apptest"
	"linli/model"
)

// certWorld is the time-bank world with a recording unit and a volunteer with a real name.
type certWorld struct {
	*bankWorld
}

func newCertWorld(t *testing.T) *certWorld {
	t.Helper()
	w := &certWorld{newBankWorld(t)}
	w.e.Do("PATCH", "/api/v1/communities/"+w.c.ID, map[string]any{"certificate_issuer": "武昌区水果湖街道东亭社区居民委员会"},
		apptest.Token(w.staff.Token)).Want(t, 200)
	return w
}

type certData struct {
	Code       string `json:"code"`
	Serial     string `json:"serial"`
	PDFURL     string `json:"pdf_url"`
	VerifyURL  string `json:"verify_url"`
	HolderName string `json:"holder_name"`
	Hours      string `json:"hours"`
	Records    int    `json:"records"`
	Issuer     string `json:"issuer"`
}

type verifyData struct {
	Status string `json:"status"`
	Valid  bool   `json:"valid"`
	Holder string `json:"holder"`
	Hours  string `json:"hours"`
	Issuer string `json:"issuer"`
}

func (w *certWorld) period() map[string]any {
	d := w.e.Clock.Now().In(time.FixedZone("CST", 8*3600))
	return map[string]any{"community_id": w.c.ID, "from": d.AddDate(0, -1, 0).Format("2006-01-02"), "to": d.Format("2006-01-02")}
}

func TestCertificatesRealName(t *testing.T) {
	w := newCertWorld(t)
	var me struct {
		RealName string `json:"real_name"`
	}
	w.e.Do("PATCH", "/api/v1/me", map[string]any{"real_name": "刘晓芳"}, apptest.Token(w.alice.Token)).Want(t, 200).Data(t, &me)
	if me.RealName != "刘晓芳" {
		t.Fatalf("real name = %q", me.RealName)
	}
	w.e.Do("GET", "/api/v1/me", nil, apptest.Token(w.alice.Token)).Want(t, 200).Data(t, &me)
	if me.RealName != "刘晓芳" {
		t.Fatalf("GET /me real name = %q", me.RealName)
	}
	// At rest it is a ciphertext: the name is in no text column of the table.
	texts, err := w.e.App.Store.AllText(context.Background(), "real_names")
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range texts {
		if strings.Contains(s, "刘晓芳") {
			t.Fatal("real name stored in clear")
		}
	}
	w.e.Do("PATCH", "/api/v1/me", map[string]any{"real_name": strings.Repeat("名", 40)}, apptest.Token(w.alice.Token)).Want(t, 400)
	w.e.Do("PATCH", "/api/v1/me", map[string]any{"real_name": ""}, apptest.Token(w.alice.Token)).Want(t, 200).Data(t, &me)
	if me.RealName != "" {
		t.Fatalf("cleared real name = %q", me.RealName)
	}
}

func TestCertificatesIssuer(t *testing.T) {
	w := newBankWorld(t)
	body := map[string]any{"certificate_issuer": "东亭社区居民委员会"}
	w.e.Do("PATCH", "/api/v1/communities/"+w.c.ID, body, apptest.Token(w.alice.Token)).Want(t, 403)
	w.e.Do("PATCH", "/api/v1/communities/"+w.c.ID, body, apptest.Token(w.otherStaff.Token)).Want(t, 404)
	w.e.Do("PATCH", "/api/v1/communities/999999", body, apptest.Token(w.staff.Token)).Want(t, 404)
	w.e.Do("PATCH", "/api/v1/communities/"+w.c.ID, map[string]any{"certificate_issuer": ""}, apptest.Token(w.staff.Token)).Want(t, 400)
	w.e.Do("PATCH", "/api/v1/communities/"+w.c.ID, map[string]any{"certificate_issuer": "东亭", "seal_upload_id": "4242"},
		apptest.Token(w.staff.Token)).Want(t, 400)
	var got struct {
		Issuer  string `json:"certificate_issuer"`
		HasSeal bool   `json:"has_seal"`
	}
	w.e.Do("PATCH", "/api/v1/communities/"+w.c.ID, body, apptest.Token(w.staff.Token)).Want(t, 200).Data(t, &got)
	if got.Issuer != "东亭社区居民委员会" || got.HasSeal {
		t.Fatalf("issuer = %+v", got)
	}
}

func TestCertificatesIssueBadInput(t *testing.T) {
	w := newCertWorld(t)
	tok := apptest.Token(w.alice.Token)
	w.serve(t, w.alice, 90, 100)
	// No real name: 409 naming it.
	res := w.e.Do("POST", "/api/v1/me/certificates", w.period(), tok).Want(t, 409)
	if e := res.Err(t); !strings.Contains(e.Message, "实名") {
		t.Fatalf("409 message %q does not name the real name", e.Message)
	}
	w.e.Do("PATCH", "/api/v1/me", map[string]any{"real_name": "刘晓芳"}, tok).Want(t, 200)
	// No records in the period: 409.
	w.e.Do("POST", "/api/v1/me/certificates", map[string]any{"community_id": w.c.ID, "from": "2001-01-01", "to": "2001-12-31"}, tok).Want(t, 409)
	// from > to, over 5 years, bad dates: 400.
	w.e.Do("POST", "/api/v1/me/certificates", map[string]any{"community_id": w.c.ID, "from": "2025-02-01", "to": "2025-01-01"}, tok).Want(t, 400)
	w.e.Do("POST", "/api/v1/me/certificates", map[string]any{"community_id": w.c.ID, "from": "2019-01-01", "to": "2025-01-02"}, tok).Want(t, 400)
	w.e.Do("POST", "/api/v1/me/certificates", map[string]any{"community_id": w.c.ID, "from": "2025-13-01", "to": "2025-01-02"}, tok).Want(t, 400)
	// Unknown community: 404.
	p := w.period()
	p["community_id"] = "999999"
	w.e.Do("POST", "/api/v1/me/certificates", p, tok).Want(t, 404)
	// Staff: another community's volunteer → 404; a resident issuing for someone else → 403.
	sp := w.period()
	delete(sp, "community_id")
	sp["user_id"] = w.outsider.UserID
	w.e.Do("POST", "/api/v1/communities/"+w.c.ID+"/certificates", sp, apptest.Token(w.staff.Token)).Want(t, 404)
	sp["user_id"] = w.alice.UserID
	w.e.Do("POST", "/api/v1/communities/"+w.c.ID+"/certificates", sp, apptest.Token(w.bob.Token)).Want(t, 403)
	w.e.Do("POST", "/api/v1/communities/"+w.c.ID+"/certificates", sp, apptest.Token(w.otherStaff.Token)).Want(t, 404)
	// No issuer in the other community: 409 naming it.
	w.serveIn(t, w.other, w.outsider, 30)
	w.e.Do("PATCH", "/api/v1/me", map[string]any{"real_name": "王五"}, apptest.Token(w.outsider.Token)).Want(t, 200)
	op := w.period()
	op["community_id"] = w.other.ID
	res = w.e.Do("POST", "/api/v1/me/certificates", op, apptest.Token(w.outsider.Token)).Want(t, 409)
	if e := res.Err(t); !strings.Contains(e.Message, "出具单位") {
		t.Fatalf("409 message %q does not name the issuer", e.Message)
	}
}

// serveIn records a service of s in community c, organised by the world's staff.
func (w *certWorld) serveIn(t *testing.T, c apptest.Community, s apptest.Session, minutes int) {
	t.Helper()
	w.seq++
	r := &model.ServiceRecord{CommunityID: w.e.ParseID(c.ID), UserID: w.e.ParseID(s.UserID), SourceKind: model.SourceActivity,
		SourceID: uint64(1000 + w.seq), Content: "社区环境清扫", Place: "中心广场", ServedAt: w.e.Clock.Now(), Minutes: minutes,
		PointsPerHour: 100, OrganiserID: w.e.ParseID(w.staff.UserID), ConfirmerID: w.e.ParseID(w.staff.UserID)}
	if _, err := w.e.App.Store.AddServiceRecord(context.Background(), r); err != nil {
		t.Fatal(err)
	}
}

func TestCertificatesIssueVerifyAndPDF(t *testing.T) {
	w := newCertWorld(t)
	tok := apptest.Token(w.alice.Token)
	w.e.Do("PATCH", "/api/v1/me", map[string]any{"real_name": "刘晓芳"}, tok).Want(t, 200)
	w.serve(t, w.alice, 90, 100)
	w.serveIn(t, w.c, w.alice, 60)
	var cert certData
	w.e.Do("POST", "/api/v1/me/certificates", w.period(), tok).Want(t, 201).Data(t, &cert)
	if cert.HolderName != "刘晓芳" || cert.Hours != "2.5" || cert.Records != 2 || len(cert.Code) < 16 ||
		!strings.HasSuffix(cert.VerifyURL, "/verify/"+cert.Code) {
		t.Fatalf("certificate = %+v", cert)
	}
	// Staff issue one too; the codes differ.
	sp := w.period()
	delete(sp, "community_id")
	sp["user_id"] = w.alice.UserID
	var second certData
	w.e.Do("POST", "/api/v1/communities/"+w.c.ID+"/certificates", sp, apptest.Token(w.staff.Token)).Want(t, 201).Data(t, &second)
	if second.Code == cert.Code || second.Serial == cert.Serial {
		t.Fatalf("two certificates share a code or serial: %+v %+v", cert, second)
	}

	// Verification: no login, JSON for a client, HTML for a browser.
	var v verifyData
	w.e.Do("GET", "/verify/"+cert.Code, nil, apptest.Header("Accept", "application/json")).Want(t, 200).Data(t, &v)
	if v.Status != "valid" || !v.Valid || v.Holder != "刘*芳" || v.Hours != "2.5" || v.Issuer != "武昌区水果湖街道东亭社区居民委员会" {
		t.Fatalf("verification = %+v", v)
	}
	page := w.e.Do("GET", "/verify/"+cert.Code, nil, apptest.Header("Accept", "text/html,application/xhtml+xml")).Want(t, 200)
	if !strings.Contains(string(page.Body), "证明有效") || !strings.Contains(string(page.Body), "刘*芳") ||
		strings.Contains(string(page.Body), "刘晓芳") {
		t.Fatalf("verification page: %s", page.Body)
	}
	w.e.Do("GET", "/verify/aaaaaaaaaaaaaaaaaaaaaaaaaa", nil, apptest.Header("Accept", "application/json")).Want(t, 200).Data(t, &v)
	if v.Status != "unknown" || v.Valid {
		t.Fatalf("unknown code = %+v", v)
	}

	// The snapshot does not follow later changes of the real name.
	w.e.Do("PATCH", "/api/v1/me", map[string]any{"real_name": "刘小芳"}, tok).Want(t, 200)

	// The PDF: holder and staff; nobody else.
	w.e.Do("GET", cert.PDFURL, nil, apptest.Token(w.bob.Token)).Want(t, 404)
	w.e.Do("GET", cert.PDFURL, nil, apptest.Token(w.otherStaff.Token)).Want(t, 404)
	w.e.Do("GET", "/api/v1/certificates/"+cert.Code, nil, tok).Want(t, 400)
	w.e.Do("GET", cert.PDFURL, nil, apptest.Token(w.staff.Token)).Want(t, 200)
	res := w.e.Do("GET", cert.PDFURL, nil, tok).Want(t, 200)
	if ct := res.Header.Get("Content-Type"); ct != "application/pdf" {
		t.Fatalf("content type %q", ct)
	}
	text := pdfText(t, res.Body)
	for _, want := range []string{"志愿服务证明", "刘晓芳", "2.50", "武昌区水果湖街道东亭社区居民委员会", "维修楼道灯", "社区环境清扫", cert.Serial} {
		if !strings.Contains(text, want) {
			t.Errorf("PDF text lacks %q:\n%s", want, text)
		}
	}
	if got := pdfQR(t, res.Body); got != "" && got != cert.VerifyURL {
		t.Fatalf("QR code = %q, want %q", got, cert.VerifyURL)
	}
}

// pdfText extracts the text of every page of a PDF.
func pdfText(t *testing.T, body []byte) string {
	t.Helper()
	r, err := pdf.NewReader(bytes.NewReader(body), int64(len(body)))
	if err != nil {
		t.Fatalf("read PDF: %v", err)
	}
	var b strings.Builder
	for i := 1; i <= r.NumPage(); i++ {
		p := r.Page(i)
		if p.V.IsNull() {
			continue
		}
		rows, err := p.GetTextByRow()
		if err != nil {
			t.Fatalf("text of page %d: %v", i, err)
		}
		for _, row := range rows {
			for _, w := range row.Content {
				b.WriteString(w.S)
			}
			b.WriteString("\n")
		}
	}
	return strings.ReplaceAll(b.String(), " ", "")
}

// pdfQR rasterises the last page with pdftoppm (poppler-utils) and decodes its QR code. Without
// pdftoppm the check is skipped ("") except in CI, which must have it.
func pdfQR(t *testing.T, body []byte) string {
	t.Helper()
	if _, err := exec.LookPath("pdftoppm"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("pdftoppm (poppler-utils) is needed in CI to check the certificate's QR code")
		}
		t.Log("pdftoppm not installed: the QR code is not decoded")
		return ""
	}
	r, err := pdf.NewReader(bytes.NewReader(body), int64(len(body)))
	if err != nil {
		t.Fatalf("read PDF: %v", err)
	}
	last := strconv.Itoa(r.NumPage())
	dir := t.TempDir()
	in := filepath.Join(dir, "c.pdf")
	if err := os.WriteFile(in, body, 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("pdftoppm", "-png", "-r", "150", "-f", last, "-l", last, "-singlefile", in, filepath.Join(dir, "p")).CombinedOutput(); err != nil {
		t.Fatalf("pdftoppm: %v %s", err, out)
	}
	f, err := os.Open(filepath.Join(dir, "p.png"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, _, err := image.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		t.Fatal(err)
	}
	res, err := qrcode.NewQRCodeReader().Decode(bmp, map[gozxing.DecodeHintType]any{gozxing.DecodeHintType_TRY_HARDER: true})
	if err != nil {
		t.Fatalf("no QR code on the rendered page: %v", err)
	}
	return res.GetText()
}
