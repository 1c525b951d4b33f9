package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"image"
	_ "image/jpeg"
	_ "image/png"
	"math/rand/v2"
	"mime/multipart"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"image/jpeg"

	"linli/app/apptest"
	"linli/config"
	"linli/model"
	"linli/storage/storagetest"
	"linli/wechat/wechattest"
)

// form builds a multipart body with one file part (field, filename, data) and a text field.
func form(t *testing.T, field, filename string, data []byte) apptest.Raw {
	t.Helper()
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	_ = w.WriteField("note", "from wx.uploadFile")
	if field != "" {
		part, err := w.CreateFormFile(field, filename)
		if err != nil {
			t.Fatal(err)
		}
		part.Write(data)
	}
	w.Close()
	return apptest.Raw{ContentType: w.FormDataContentType(), Body: b.String()}
}

type uploadData struct {
	ID  string `json:"id"`
	URL string `json:"url"`
}

func upload(t *testing.T, e *apptest.Env, tok, filename string, data []byte) uploadData {
	t.Helper()
	var out uploadData
	e.Do("POST", "/api/v1/uploads", form(t, "file", filename, data), apptest.Token(tok)).Want(t, 201).Data(t, &out)
	if out.ID == "" || !strings.HasPrefix(out.URL, "/files/"+out.ID+"?exp=") {
		t.Fatalf("upload answer %+v", out)
	}
	return out
}

func uploadRow(t *testing.T, e *apptest.Env, id string) *model.Upload {
	t.Helper()
	up, err := e.App.Store.UploadByID(context.Background(), e.ParseID(id))
	if err != nil {
		t.Fatal(err)
	}
	return up
}

// storedFiles lists the files under the uploads directory.
func storedFiles(t *testing.T, e *apptest.Env) []string {
	t.Helper()
	var out []string
	_ = filepath.WalkDir(filepath.Join(e.Config.DataDir, "uploads"), func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			out = append(out, p)
		}
		return nil
	})
	return out
}

func TestUploadStripsMetadataAndServesTheSignedLink(t *testing.T) {
	t.Parallel()
	e := apptest.New(t)
	s := e.DevLogin("uploader")
	for _, c := range []struct {
		name, contentType string
		data              []byte
		w, h              int
		decodes           bool
	}{
		{"photo.jpg", "image/jpeg", storagetest.JPEGWithGPS(64, 48), 64, 48, true},
		{"screenshot.png", "image/png", storagetest.PNGWithEXIF(30, 20), 30, 20, true},
		{"sticker.webp", "image/webp", storagetest.WebPWithEXIF(), 1, 1, false},
		{"named-wrong.gif", "image/jpeg", storagetest.JPEGWithGPS(10, 10), 10, 10, true},
	} {
		up := upload(t, e, s.Token, c.name, c.data)
		row := uploadRow(t, e, up.ID)
		if row.ContentType != c.contentType || row.Width != c.w || row.Height != c.h || row.Safety != "pass" ||
			row.AttachedKind != "" || row.OwnerID != e.ParseID(s.UserID) {
			t.Fatalf("%s: row %+v", c.name, row)
		}
		// The link needs no login.
		r := e.Do("GET", up.URL, nil).Want(t, 200)
		if r.Header.Get("Content-Type") != c.contentType || r.Header.Get("X-Content-Type-Options") != "nosniff" ||
			!strings.HasPrefix(r.Header.Get("Cache-Control"), "private, max-age=") {
			t.Fatalf("%s: headers %v", c.name, r.Header)
		}
		if int64(len(r.Body)) != row.Size {
			t.Fatalf("%s: served %d bytes, stored %d", c.name, len(r.Body), row.Size)
		}
		for _, trace := range []string{"Exif", storagetest.GPSMarker, "xmpmeta"} {
			if bytes.Contains(r.Body, []byte(trace)) {
				t.Fatalf("%s: served image still contains %q", c.name, trace)
			}
		}
		if c.decodes {
			img, _, err := image.Decode(bytes.NewReader(r.Body))
			if err != nil || img.Bounds().Dx() != c.w {
				t.Fatalf("%s: served image does not decode: %v", c.name, err)
			}
		}
		// Same bytes again: 304 with the ETag.
		e.Do("GET", up.URL, nil, apptest.Header("If-None-Match", r.Header.Get("ETag"))).Want(t, 304)
	}
	if n := len(storedFiles(t, e)); n != 4 {
		t.Fatalf("%d files stored", n)
	}
	// The key names nothing the user sent.
	for _, f := range storedFiles(t, e) {
		if strings.Contains(f, "photo") || strings.Contains(f, "named-wrong") {
			t.Fatalf("user file name in path %s", f)
		}
	}
}

func TestUploadRefusals(t *testing.T) {
	t.Parallel()
	e := apptest.New(t, func(c *config.Config) { c.Uploads.MaxBytes = 64 << 10 })
	s := e.DevLogin("uploader")
	tok := apptest.Token(s.Token)

	r := e.Do("POST", "/api/v1/uploads", form(t, "file", "notes.jpg", []byte("this is a text file, not a photo\n")), tok)
	if eb := r.Want(t, 415).Err(t); eb.Message != "只支持 JPEG、PNG、WebP 图片" {
		t.Fatalf("415 message %q", eb.Message)
	}
	gif := []byte("GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;")
	e.Do("POST", "/api/v1/uploads", form(t, "file", "a.png", gif), tok).Want(t, 415)
	// Over the limit but within the multipart slack: refused while reading.
	big := append([]byte{0xFF, 0xD8, 0xFF}, make([]byte, 70<<10)...)
	if eb := e.Do("POST", "/api/v1/uploads", form(t, "file", "big.jpg", big), tok).Want(t, 413).Err(t); eb.Message != "图片不能超过 64 KB" {
		t.Fatalf("413 message %q", eb.Message)
	}
	// Far over: refused on Content-Length before reading.
	e.Do("POST", "/api/v1/uploads", form(t, "file", "huge.jpg", make([]byte, 1<<20)), tok).Want(t, 413)
	// A broken image of an accepted type.
	if eb := e.Do("POST", "/api/v1/uploads", form(t, "file", "cut.png", storagetest.PNGWithEXIF(8, 8)[:50]), tok).Want(t, 400).Err(t); !eb.HasField("file") {
		t.Fatalf("corrupt image: %+v", eb)
	}
	if eb := e.Do("POST", "/api/v1/uploads", form(t, "", "", nil), tok).Want(t, 400).Err(t); !eb.HasField("file") {
		t.Fatalf("missing file: %+v", eb)
	}
	if eb := e.Do("POST", "/api/v1/uploads", form(t, "file", "empty.jpg", nil), tok).Want(t, 400).Err(t); !eb.HasField("file") {
		t.Fatalf("empty file: %+v", eb)
	}
	e.Do("POST", "/api/v1/uploads", map[string]string{"file": "x"}, tok).Want(t, 415)
	e.Do("POST", "/api/v1/uploads", form(t, "file", "a.jpg", storagetest.JPEGWithGPS(8, 8))).Want(t, 401).Err(t)
	e.Do("POST", "/api/v1/uploads", form(t, "file", "a.jpg", storagetest.JPEGWithGPS(8, 8)), apptest.Token("nope")).Want(t, 401)
	if n, _ := e.App.Store.Count(context.Background(), "uploads", ""); n != 0 || len(storedFiles(t, e)) != 0 {
		t.Fatalf("refused uploads left %d rows and %v", n, storedFiles(t, e))
	}
}

// TestUploadLimitIsNotTheBodyLimit: an image larger than http.max_body_bytes is accepted.
func TestUploadLimitIsNotTheBodyLimit(t *testing.T) {
	t.Parallel()
	e := apptest.New(t, func(c *config.Config) { c.HTTP.MaxBodyBytes = 4096 })
	s := e.DevLogin("uploader")
	var b bytes.Buffer
	if err := jpeg.Encode(&b, storagetest.Noise(200, 200, rand.New(rand.NewPCG(3, 4))), &jpeg.Options{Quality: 95}); err != nil {
		t.Fatal(err)
	}
	if b.Len() < 20<<10 {
		t.Fatalf("test image only %d bytes", b.Len())
	}
	upload(t, e, s.Token, "noise.jpg", b.Bytes())
	// The rest of /api/v1 keeps its limit.
	e.Do("PATCH", "/api/v1/me", map[string]string{"nickname": strings.Repeat("长", 3000)}, apptest.Token(s.Token)).Want(t, 413)
}

func TestFileLinksAreSignedAndExpire(t *testing.T) {
	t.Parallel()
	e := apptest.New(t)
	s := e.DevLogin("uploader")
	up := upload(t, e, s.Token, "a.jpg", storagetest.JPEGWithGPS(8, 8))
	link, _ := url.Parse(up.URL)
	q := link.Query()
	id := e.ParseID(up.ID)
	uploads := e.App.Services.Uploads
	other := upload(t, e, s.Token, "b.jpg", storagetest.JPEGWithGPS(8, 8))
	for name, path := range map[string]string{
		"tampered signature":     link.Path + "?exp=" + q.Get("exp") + "&sig=" + strings.ToUpper(q.Get("sig")),
		"extended expiry":        link.Path + "?exp=" + q.Get("exp") + "0&sig=" + q.Get("sig"),
		"no signature":           link.Path,
		"signature of another":   "/files/" + other.ID + "?" + link.RawQuery,
		"expired":                uploads.SignedURL(id, e.Clock.Now().Add(-time.Second)),
		"expiry not a number":    link.Path + "?exp=soon&sig=" + q.Get("sig"),
		"signature from the key": link.Path + "?exp=" + q.Get("exp") + "&sig=" + e.App.Services.Secrets.Sign("other-purpose", up.ID+"."+q.Get("exp")),
	} {
		r := e.Do("GET", path, nil)
		if r.Status != 403 {
			t.Errorf("%s: status %d", name, r.Status)
			continue
		}
		r.Err(t)
	}
	// A valid signature for an upload that does not exist (any more): 404.
	e.Do("GET", uploads.SignedURL(id+1000, e.Clock.Now().Add(time.Hour)), nil).Want(t, 404).Err(t)
	e.Do("GET", "/files/abc?exp=1&sig=x", nil).Want(t, 400)
	// The OpenAPI document lists both routes.
	var spec struct {
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(e.Do("GET", "/api/docs/openapi.json", nil).Want(t, 200).Body, &spec); err != nil {
		t.Fatal(err)
	}
	post := spec.Paths["/api/v1/uploads"]["post"]
	if !bytes.Contains(post, []byte("multipart/form-data")) || spec.Paths["/files/{id}"]["get"] == nil {
		t.Fatalf("openapi: uploads %s; files %v", post, spec.Paths["/files/{id}"])
	}
}

// TestRiskyImageIsRefusedAndNotKept: the fake WeChat server finds its marker in the picture's
// own bytes (it survives metadata removal): 422, and neither row nor file remains.
func TestRiskyImageIsRefusedAndNotKept(t *testing.T) {
	t.Parallel()
	e := apptest.New(t, apptest.WithWeChat())
	s := e.DevLogin(uniq(t, "o"))
	risky := storagetest.PNGWithPixels([]byte(wechattest.DefaultRiskyImageMarker))
	r := e.Do("POST", "/api/v1/uploads", form(t, "file", "a.png", risky), apptest.Token(s.Token))
	if eb := r.Want(t, 422).Err(t); eb.Message != "图片未通过安全检查" {
		t.Fatalf("422 message %q", eb.Message)
	}
	if n, _ := e.App.Store.Count(context.Background(), "uploads", ""); n != 0 || len(storedFiles(t, e)) != 0 {
		t.Fatalf("risky upload left %d rows and %v", n, storedFiles(t, e))
	}
	up := upload(t, e, s.Token, "ok.jpg", storagetest.JPEGWithGPS(16, 16))
	if row := uploadRow(t, e, up.ID); row.Safety != "pass" {
		t.Fatalf("checked image: %s", row.Safety)
	}
}

// TestUploadWhileWeChatIsDownIsHeldForReview switches the whole fake server down: not parallel.
func TestUploadWhileWeChatIsDownIsHeldForReview(t *testing.T) {
	e := apptest.New(t, apptest.WithWeChat())
	s := e.DevLogin(uniq(t, "o"))
	wx := apptest.WeChat()
	wx.SetDown(wechattest.DownBusy)
	t.Cleanup(func() { wx.SetDown(wechattest.DownNone) })
	up := upload(t, e, s.Token, "a.jpg", storagetest.JPEGWithGPS(16, 16))
	if row := uploadRow(t, e, up.ID); row.Safety != "review" {
		t.Fatalf("unchecked image stored as %q", row.Safety)
	}
	e.Do("GET", up.URL, nil).Want(t, 200) // the owner can still see it
}
