package api_test

import (
	"context"
	"io"
	"net/http/httptest"
	"runtime"
	"strconv"
	"sync"
	"testing"

	"linli/app/apptest"
	"linli/config"
	"linli/storage/storagetest"
)

// attackPNG is the image of issue #15: 1.6 MB of PNG declaring 7000×7000 16-bit RGBA pixels,
// complete and decodable (into 392 MB). Built once per test binary: it takes seconds.
var attackPNG = sync.OnceValue(func() []byte {
	return storagetest.HeavyPNG(7000, 7000, 16, storagetest.PNGRGBA, 120)
})

// TestUploadBombsAreRefusedBeforeDecoding: with the content check on, which decodes images
// over WeChat's 1 MB to shrink them, each bomb is refused with 400 naming the file before
// anything decodes it — the whole run allocates a fraction of one decode — and nothing is
// kept. Before the limits the 30000×30000 and 2147483647×2147483647 headers were stored and
// served, and the 7000×7000 one was decoded. Not parallel: it counts the process's
// allocations.
func TestUploadBombsAreRefusedBeforeDecoding(t *testing.T) {
	e := apptest.New(t, apptest.WithWeChat())
	tok := apptest.Token(e.DevLogin(uniq(t, "o-bomb")).Token)
	attack := attackPNG()
	if len(attack) < 1<<20 || len(attack) > 2<<20 {
		t.Fatalf("attack image is %d bytes", len(attack))
	}
	const tooManyPixels = "图片尺寸过大（最大 5000 万像素）"
	cases := []struct {
		name, file, message string
		data                []byte
	}{
		{"7000×7000 16-bit RGBA, complete", "attack.png", "图片色深或尺寸过大，无法处理（需约 375 MB 内存，最多 128 MB），请转为普通 JPEG 后重试", attack},
		{"30000×30000 RGBA header", "a.png", tooManyPixels, storagetest.PNGBomb(30000, 30000, 8, storagetest.PNGRGBA)},
		{"2147483647² 16-bit header", "b.png", tooManyPixels, storagetest.PNGBomb(1<<31-1, 1<<31-1, 16, storagetest.PNGRGBA)},
		{"65535×65535 JPEG header", "c.jpg", tooManyPixels, storagetest.JPEGBomb(65535, 65535)},
		{"16384×16384 WebP header", "d.webp", tooManyPixels, storagetest.WebPBomb(16384, 16384)},
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for _, c := range cases {
		eb := e.Do("POST", "/api/v1/uploads", form(t, "file", c.file, c.data), tok).Want(t, 400).Err(t)
		if !eb.HasField("file") || eb.Message != c.message {
			t.Errorf("%s: %+v", c.name, eb)
		}
	}
	runtime.ReadMemStats(&after)
	allocated := after.TotalAlloc - before.TotalAlloc
	t.Logf("%d bombs refused, %d MiB allocated", len(cases), allocated>>20)
	if allocated > 64<<20 {
		t.Fatalf("refusing the bombs allocated %d MiB: something decoded them", allocated>>20)
	}
	if n, _ := e.App.Store.Count(context.Background(), "uploads", ""); n != 0 || len(storedFiles(t, e)) != 0 {
		t.Fatalf("refused bombs left %d rows and %v", n, storedFiles(t, e))
	}
	// An ordinary photo still goes through the same server.
	upload(t, e, e.DevLogin(uniq(t, "o-photo")).Token, "ok.jpg", storagetest.JPEGWithGPS(64, 48))
}

// heldUpload is an upload whose body is still being sent: it holds its turn until finished.
type heldUpload struct {
	pw   *io.PipeWriter
	rest string
	done chan *httptest.ResponseRecorder
}

// holdUpload starts an upload and returns once the server has begun reading its body, which
// it does only after admitting it.
func holdUpload(t *testing.T, e *apptest.Env, token string) *heldUpload {
	t.Helper()
	body := form(t, "file", "held.jpg", storagetest.JPEGWithGPS(16, 16))
	pr, pw := io.Pipe()
	req := httptest.NewRequest("POST", "/api/v1/uploads", pr)
	req.Header.Set("Content-Type", body.ContentType)
	req.Header.Set("Authorization", "Bearer "+token)
	h := &heldUpload{pw: pw, rest: body.Body[16:], done: make(chan *httptest.ResponseRecorder, 1)}
	go func() {
		rec := httptest.NewRecorder()
		e.App.Handler.ServeHTTP(rec, req)
		_ = pr.CloseWithError(io.ErrClosedPipe) // answered without reading it all: unblock the writer
		h.done <- rec
	}()
	if _, err := io.WriteString(pw, body.Body[:16]); err != nil {
		rec := <-h.done
		t.Fatalf("upload not admitted: %d %s", rec.Code, rec.Body)
	}
	return h
}

// finish sends the rest of the body and returns the answer.
func (h *heldUpload) finish(t *testing.T) *httptest.ResponseRecorder {
	t.Helper()
	_, _ = io.WriteString(h.pw, h.rest)
	_ = h.pw.Close()
	return <-h.done
}

// wantRetryAfter checks an answer of status with an error envelope and a Retry-After.
func wantRetryAfter(t *testing.T, r *apptest.Response, status int) apptest.ErrorBody {
	t.Helper()
	eb := r.Want(t, status).Err(t)
	if s, err := strconv.Atoi(r.Header.Get("Retry-After")); err != nil || s < 1 {
		t.Fatalf("%d without Retry-After: %q", status, r.Header.Get("Retry-After"))
	}
	return eb
}

// TestUploadsInFlightPerUserAnswer429: with two uploads of a user still being sent, the
// user's third is refused at once with 429 and Retry-After, while another user's goes
// through; once one of the two ends, the user may upload again.
func TestUploadsInFlightPerUserAnswer429(t *testing.T) {
	t.Parallel()
	e := apptest.New(t)
	s := e.DevLogin("held-uploader")
	h1, h2 := holdUpload(t, e, s.Token), holdUpload(t, e, s.Token)
	r := e.Do("POST", "/api/v1/uploads", form(t, "file", "third.jpg", storagetest.JPEGWithGPS(8, 8)), apptest.Token(s.Token))
	if eb := wantRetryAfter(t, r, 429); eb.Message != "同时最多上传 2 张图片，请等前面的传完再试" {
		t.Fatalf("429 message %q", eb.Message)
	}
	upload(t, e, e.DevLogin("neighbour").Token, "n.jpg", storagetest.JPEGWithGPS(8, 8))
	if rec := h1.finish(t); rec.Code != 201 {
		t.Fatalf("held upload: %d %s", rec.Code, rec.Body)
	}
	upload(t, e, s.Token, "again.jpg", storagetest.JPEGWithGPS(8, 8))
	if rec := h2.finish(t); rec.Code != 201 {
		t.Fatalf("held upload: %d %s", rec.Code, rec.Body)
	}
}

// TestUploadsOverTheProcessCapAnswer503: with every turn of the process taken and no time to
// queue, an upload gets 503 with Retry-After (the server is full; the client did nothing
// wrong), and goes through once a turn is free.
func TestUploadsOverTheProcessCapAnswer503(t *testing.T) {
	t.Parallel()
	e := apptest.New(t, func(c *config.Config) {
		c.Uploads.MaxInFlight, c.Uploads.MaxInFlightPerUser, c.Uploads.QueueWait = 1, 1, 0
	})
	held := holdUpload(t, e, e.DevLogin("first").Token)
	other := e.DevLogin("second").Token
	r := e.Do("POST", "/api/v1/uploads", form(t, "file", "b.jpg", storagetest.JPEGWithGPS(8, 8)), apptest.Token(other))
	if eb := wantRetryAfter(t, r, 503); eb.Message != "上传的人太多，请稍后再试" {
		t.Fatalf("503 message %q", eb.Message)
	}
	if rec := held.finish(t); rec.Code != 201 {
		t.Fatalf("held upload: %d %s", rec.Code, rec.Body)
	}
	upload(t, e, other, "b.jpg", storagetest.JPEGWithGPS(8, 8))
}
