package apptest

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
)

// Response is a recorded answer of the router.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// ErrorBody is the error envelope as a client sees it.
type ErrorBody struct {
	Code      int    `json:"code"`
	Message   string `json:"message"`
	RequestID string `json:"request_id"`
	Fields    []struct {
		Field   string `json:"field"`
		Message string `json:"message"`
	} `json:"fields"`
}

// Req adjusts a request before it is sent.
type Req func(*http.Request)

// Token authenticates the request with a session token.
func Token(tok string) Req {
	return func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+tok) }
}

// Header sets a request header.
func Header(k, v string) Req {
	return func(r *http.Request) { r.Header.Set(k, v) }
}

// Raw is a body sent as is, with its content type.
type Raw struct {
	ContentType string
	Body        string
}

// Do sends a request through the real router (no network). body may be nil, a Raw, or any
// value, which is sent as JSON.
func (e *Env) Do(method, path string, body any, opts ...Req) *Response {
	e.T.Helper()
	var sent []byte
	contentType := ""
	switch b := body.(type) {
	case nil:
	case Raw:
		sent, contentType = []byte(b.Body), b.ContentType
	default:
		buf, err := json.Marshal(b)
		if err != nil {
			e.T.Fatalf("marshal request: %v", err)
		}
		sent, contentType = buf, "application/json"
	}
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(sent)
	}
	req := httptest.NewRequest(method, path, rd)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for _, o := range opts {
		o(req)
	}
	rec := httptest.NewRecorder()
	e.App.API.Handler().ServeHTTP(rec, req)
	res := &Response{Status: rec.Code, Header: rec.Header(), Body: rec.Body.Bytes()}
	e.checkContract(req, sent, res)
	return res
}

// Want fails the test unless the status is want; it prints the body to explain.
func (r *Response) Want(t testing.TB, want int) *Response {
	t.Helper()
	if r.Status != want {
		t.Fatalf("status %d, want %d; body: %s", r.Status, want, r.Body)
	}
	return r
}

// Data decodes the envelope's data into v.
func (r *Response) Data(t testing.TB, v any) {
	t.Helper()
	env := struct {
		Code int             `json:"code"`
		Data json.RawMessage `json:"data"`
	}{}
	if err := json.Unmarshal(r.Body, &env); err != nil {
		t.Fatalf("decode envelope: %v; body: %s", err, r.Body)
	}
	if env.Code != 0 {
		t.Fatalf("envelope code %d; body: %s", env.Code, r.Body)
	}
	if err := json.Unmarshal(env.Data, v); err != nil {
		t.Fatalf("decode data: %v; body: %s", err, r.Body)
	}
}

// Err decodes an error envelope and checks its invariants: non-zero code and a request id.
func (r *Response) Err(t testing.TB) ErrorBody {
	t.Helper()
	var e ErrorBody
	if err := json.Unmarshal(r.Body, &e); err != nil {
		t.Fatalf("decode error envelope: %v; body: %s", err, r.Body)
	}
	if e.Code == 0 || e.Message == "" || e.RequestID == "" {
		t.Fatalf("error envelope incomplete: %s", r.Body)
	}
	return e
}

// HasField reports whether the error names field.
func (e ErrorBody) HasField(field string) bool {
	for _, f := range e.Fields {
		if f.Field == field {
			return true
		}
	}
	return false
}
