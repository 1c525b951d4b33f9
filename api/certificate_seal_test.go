package api_test

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"strconv"
	"testing"

	"linli/app/apptest"
)

// sealPNG is a red ring, as a community's seal image might be.
func sealPNG(t *testing.T) []byte {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, 120, 120))
	for y := 0; y < 120; y++ {
		for x := 0; x < 120; x++ {
			d := (x-60)*(x-60) + (y-60)*(y-60)
			if d < 58*58 && d > 50*50 {
				img.Set(x, y, color.NRGBA{R: 200, A: 255})
			}
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestCertificatesSeal(t *testing.T) {
	w := newCertWorld(t)
	ctx := context.Background()
	tok := apptest.Token(w.alice.Token)
	w.e.Do("PATCH", "/api/v1/me", map[string]any{"real_name": "刘晓芳"}, tok).Want(t, 200)
	w.serve(t, w.alice, 60, 100)
	var plain certData
	w.e.Do("POST", "/api/v1/me/certificates", w.period(), tok).Want(t, 201).Data(t, &plain)
	plainPDF := w.e.Do("GET", plain.PDFURL, nil, tok).Want(t, 200).Body

	// A seal must be the staff member's own upload.
	theirs, err := w.e.App.Services.Uploads.Save(ctx, w.e.ParseID(w.alice.UserID), bytes.NewReader(sealPNG(t)), -1)
	if err != nil {
		t.Fatal(err)
	}
	w.e.Do("PATCH", "/api/v1/communities/"+w.c.ID, map[string]any{"certificate_issuer": "东亭社区居民委员会",
		"seal_upload_id": strconv.FormatUint(theirs.ID, 10)}, apptest.Token(w.staff.Token)).Want(t, 400)
	up, err := w.e.App.Services.Uploads.Save(ctx, w.e.ParseID(w.staff.UserID), bytes.NewReader(sealPNG(t)), -1)
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		HasSeal bool `json:"has_seal"`
	}
	w.e.Do("PATCH", "/api/v1/communities/"+w.c.ID, map[string]any{"certificate_issuer": "东亭社区居民委员会",
		"seal_upload_id": strconv.FormatUint(up.ID, 10)}, apptest.Token(w.staff.Token)).Want(t, 200).Data(t, &got)
	if !got.HasSeal {
		t.Fatal("seal not kept")
	}
	var sealed certData
	w.e.Do("POST", "/api/v1/me/certificates", w.period(), tok).Want(t, 201).Data(t, &sealed)
	sealedPDF := w.e.Do("GET", sealed.PDFURL, nil, tok).Want(t, 200).Body
	if n, m := bytes.Count(plainPDF, []byte("/Subtype /Image")), bytes.Count(sealedPDF, []byte("/Subtype /Image")); n != 1 || m < 2 {
		t.Fatalf("images: %d without a seal (want 1, the QR code), %d with (want 2 or more: the seal, its alpha mask)", n, m)
	}
	// The earlier certificate stays as issued: still no seal.
	if again := w.e.Do("GET", plain.PDFURL, nil, tok).Want(t, 200).Body; bytes.Count(again, []byte("/Subtype /Image")) != 1 {
		t.Fatal("a certificate issued without a seal gained one")
	}
}
