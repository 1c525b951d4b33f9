package api

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"mime"
	"net/http"

	"github.com/gin-gonic/gin"

	"linli/service"
)

const idempotencyHeader = "Idempotency-Key"

// captureWriter keeps a copy of what the handler writes.
type captureWriter struct {
	gin.ResponseWriter
	buf bytes.Buffer
}

func (w *captureWriter) Write(b []byte) (int, error) {
	w.buf.Write(b)
	return w.ResponseWriter.Write(b)
}

func (w *captureWriter) WriteString(s string) (int, error) {
	w.buf.WriteString(s)
	return w.ResponseWriter.WriteString(s)
}

// idempotent honours Idempotency-Key on authenticated POSTs with a JSON (or empty) body: the
// first request runs and its answer is kept for 24 hours; a repeat with the same key and the
// same method, path and body gets that answer again (header Idempotent-Replayed: true) and
// changes nothing; the same key with a different request gets 422. It runs after requireUser.
func (a *API) idempotent(c *gin.Context) {
	key := c.GetHeader(idempotencyHeader)
	if key == "" || userID(c) == 0 { // no key, or no user yet to scope it to
		c.Next()
		return
	}
	if len(key) > 128 || !printableASCII(key) {
		fail(c, a.log, service.Invalid(idempotencyHeader, "Idempotency-Key 须为 1–128 个可见 ASCII 字符"))
		return
	}
	if mt, _, _ := mime.ParseMediaType(c.GetHeader("Content-Type")); mt != "" && mt != "application/json" {
		c.Next() // multipart uploads are not replayed: each is a new file anyway
		return
	}
	body, err := io.ReadAll(c.Request.Body)
	if err != nil {
		fail(c, a.log, decodeError(err))
		return
	}
	c.Request.Body = io.NopCloser(bytes.NewReader(body))
	h := sha256.New()
	h.Write([]byte(c.Request.Method + " " + c.Request.URL.Path + "\n"))
	h.Write(body)
	ctx := c.Request.Context()
	claim, replay, err := a.deps.Idempotency.Begin(ctx, userID(c), key, hex.EncodeToString(h.Sum(nil)))
	switch {
	case err != nil:
		fail(c, a.log, err)
		return
	case replay != nil:
		c.Header("Idempotent-Replayed", "true")
		if len(replay.Body) == 0 {
			c.AbortWithStatus(replay.Status)
			return
		}
		c.Data(replay.Status, "application/json; charset=utf-8", replay.Body)
		c.Abort()
		return
	}
	w := &captureWriter{ResponseWriter: c.Writer}
	c.Writer = w
	finished := false
	defer func() {
		status := w.Status()
		if !finished { // a panic: forget the claim so a retry runs again
			status = http.StatusInternalServerError
		}
		if err := a.deps.Idempotency.Finish(context.WithoutCancel(ctx), claim, status, w.buf.Bytes()); err != nil {
			a.log.ErrorContext(ctx, "record idempotent answer", "request_id", requestID(c), "error", err.Error())
		}
	}()
	c.Next()
	finished = true
}

func printableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x21 || s[i] > 0x7e {
			return false
		}
	}
	return true
}
