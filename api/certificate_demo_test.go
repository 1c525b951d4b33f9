package api_test

import (
	"context"
	"os"
	"strconv"
	"strings"
	"testing"

	"linli/app/apptest"
	"linli/service"
)

// TestCertificatesDemoCommunity issues a certificate of a volunteer of the demo community from
// its year of history and reads the PDF back. With LINLI_CERT_DEMO_PDF set it also writes the
// PDF there (docs/certificate-demo.png is rendered from it with pdftoppm).
func TestCertificatesDemoCommunity(t *testing.T) {
	e := apptest.New(t)
	ctx := context.Background()
	demo, err := service.NewDemo(e.App.Services).Seed(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// The volunteer with the most service records in the year.
	var who service.DemoPerson
	most := 0
	for _, p := range demo.People {
		recs, err := e.App.Store.ServiceRecordsOf(ctx, p.UserID, 0, 1000)
		if err != nil {
			t.Fatal(err)
		}
		if len(recs) > most {
			who, most = p, len(recs)
		}
	}
	if most == 0 {
		t.Fatal("the demo has no service records")
	}
	cid := strconv.FormatUint(demo.CommunityID, 10)
	staff := e.DevLogin("demo-staff")
	e.Do("PATCH", "/api/v1/communities/"+cid, map[string]any{"certificate_issuer": "锡山区东亭街道东亭社区居民委员会"},
		apptest.Token(staff.Token)).Want(t, 200)
	vol := e.DevLogin(who.OpenID)
	e.Do("PATCH", "/api/v1/me", map[string]any{"real_name": "刘晓芳"}, apptest.Token(vol.Token)).Want(t, 200)
	today := e.Clock.Now().Format("2006-01-02")
	from := e.Clock.Now().AddDate(0, -3, 0).Format("2006-01-02")
	var cert certData
	e.Do("POST", "/api/v1/communities/"+cid+"/certificates", map[string]any{"user_id": strconv.FormatUint(who.UserID, 10), "from": from, "to": today},
		apptest.Token(staff.Token)).Want(t, 201).Data(t, &cert)
	if cert.Records == 0 || cert.HolderName != "刘晓芳" {
		t.Fatalf("demo certificate = %+v", cert)
	}
	res := e.Do("GET", cert.PDFURL, nil, apptest.Token(vol.Token)).Want(t, 200)
	text := pdfText(t, res.Body)
	for _, want := range []string{"刘晓芳", "锡山区东亭街道东亭社区居民委员会", cert.Serial} {
		if !strings.Contains(text, want) {
			t.Errorf("PDF text lacks %q", want)
		}
	}
	if out := os.Getenv("LINLI_CERT_DEMO_PDF"); out != "" {
		if err := os.WriteFile(out, res.Body, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if got := pdfQR(t, res.Body); got != "" && got != cert.VerifyURL {
		t.Fatalf("QR code = %q, want %q", got, cert.VerifyURL)
	}
}
