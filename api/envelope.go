// Package api is Linli's HTTP layer: the gin router, middleware, handlers, request and response
// DTOs, the single error mapping, and the OpenAPI document generated from the same DTOs.
package api

import (
	"bytes"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"
	gojson "github.com/goccy/go-json"

	"linli/service"
)

// Envelope is the body of every successful response.
type Envelope[T any] struct {
	Code    int    `json:"code" description:"0 on success"`
	Message string `json:"message" example:"ok"`
	Data    T      `json:"data"`
}

// ErrorEnvelope is the body of every error response.
type ErrorEnvelope struct {
	Code      int                  `json:"code" description:"non-zero: the HTTP status × 100 (40000 bad input, 40100 not logged in, 40300 forbidden, 40400 not found, 40500 wrong method, 40900 conflict, 41300 too large, 41500 wrong content type, 42200 refused by a rule, 42900 rate limited, 50000 internal, 50300 unavailable)"`
	Message   string               `json:"message" description:"Chinese, shown to the user"`
	RequestID string               `json:"request_id" description:"quote it when reporting a problem"`
	Fields    []service.FieldError `json:"fields,omitempty" description:"each invalid field and what is wrong with it"`
}

// ok writes the success envelope with the given status. It encodes with goccy/go-json, which
// writes the same bytes as encoding/json for every answer (TestFastJSONMatchesEncodingJSON) at
// less cost: encoding was 40 % of the server's time on a list of 20 activities.
func ok[T any](c *gin.Context, status int, data T) {
	env := Envelope[T]{Code: 0, Message: "ok", Data: data}
	body, err := gojson.Marshal(env)
	if err != nil { // not seen; encoding/json then says what is wrong, as before
		c.JSON(status, env)
		return
	}
	writeJSON(c, status, body)
}

// spliceItems puts items, an encoded JSON array, in place of the `"items":null` of body, an
// envelope encoded without them: the same bytes as encoding it whole, for answers whose items
// are kept encoded (leaderboard.go, announcements.go).
func spliceItems(body, items []byte) []byte {
	return bytes.Replace(body, []byte(`"items":null`), append([]byte(`"items":`), items...), 1)
}

// writeJSON writes an encoded envelope. Its length is sent, so that a large answer goes out
// in one piece rather than chunked.
func writeJSON(c *gin.Context, status int, body []byte) {
	c.Header("Content-Length", strconv.Itoa(len(body)))
	c.Data(status, "application/json; charset=utf-8", body)
}

// statusOf is the single mapping from an error kind to its HTTP status.
func statusOf(k service.Kind) int {
	switch k {
	case service.KindInvalid:
		return http.StatusBadRequest
	case service.KindUnauthorized:
		return http.StatusUnauthorized
	case service.KindForbidden:
		return http.StatusForbidden
	case service.KindNotFound:
		return http.StatusNotFound
	case service.KindConflict:
		return http.StatusConflict
	case service.KindTooLarge:
		return http.StatusRequestEntityTooLarge
	case service.KindUnsupportedType:
		return http.StatusUnsupportedMediaType
	case service.KindUnprocessable:
		return http.StatusUnprocessableEntity
	case service.KindTooManyRequests:
		return http.StatusTooManyRequests
	case service.KindUnavailable:
		return http.StatusServiceUnavailable
	case service.KindGone:
		return http.StatusGone
	}
	return http.StatusInternalServerError
}

// statusClientClosed is nginx's status for a request whose client hung up before the answer.
const statusClientClosed = 499

// fail writes the error envelope for err and aborts the chain. Errors that are not a
// *service.Error are internal: logged with the request id, hidden from the user.
func fail(c *gin.Context, log *slog.Logger, err error) {
	se := service.Classify(err)
	status := statusOf(se.Kind)
	if c.Request.Context().Err() != nil {
		// The client went away: nobody reads the answer and nothing failed on our side worth
		// an error line. The access log shows nginx's 499 (client closed request), not a 5xx
		// that would page someone.
		log.DebugContext(c.Request.Context(), "request abandoned", "request_id", requestID(c), "route", c.FullPath())
		status, se = statusClientClosed, service.Errorf(service.KindUnavailable, "请求已取消")
	} else if status >= 500 {
		log.ErrorContext(c.Request.Context(), "request failed",
			"request_id", requestID(c), "route", c.FullPath(), "status", status, "error", err.Error())
	}
	if se.RetryAfterSeconds > 0 {
		c.Header("Retry-After", strconv.Itoa(se.RetryAfterSeconds))
	}
	abortJSON(c, status, se.Message, se.Fields)
}

// abortJSON writes an error envelope with an explicit status.
func abortJSON(c *gin.Context, status int, message string, fields []service.FieldError) {
	c.AbortWithStatusJSON(status, ErrorEnvelope{
		Code:      status * 100,
		Message:   message,
		RequestID: requestID(c),
		Fields:    fields,
	})
}
