package apptest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"io"
	"mime"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
)

// EnvContract says what Do does with an answer that its route's OpenAPI entry does not allow:
// by default the test fails, so every answer of the whole suite, success or error, is checked
// against the document the server serves; "off" does not check (to look at a behaviour
// before its document is written, never in CI).
const EnvContract = "LINLI_TEST_CONTRACT"

// contract is a server's own OpenAPI document, ready to check answers against.
type contract struct {
	router routers.Router
}

// contracts are the documents of this process's servers, by the hash of their bytes: the
// servers of one process serve one document (or a few, with other configurations), and
// loading one costs far more than checking an answer.
var contracts = struct {
	sync.Mutex
	m map[[32]byte]*contract
}{m: map[[32]byte]*contract{}}

// contractOf loads (once per document) the document the server serves.
func (e *Env) contractOf() *contract {
	rec := httptest.NewRecorder()
	e.App.API.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/api/docs/openapi.json", nil))
	if rec.Code != http.StatusOK {
		e.T.Fatalf("openapi.json: status %d", rec.Code)
	}
	key := sha256.Sum256(rec.Body.Bytes())
	contracts.Lock()
	defer contracts.Unlock()
	if c, ok := contracts.m[key]; ok {
		return c
	}
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(rec.Body.Bytes())
	if err != nil {
		e.T.Fatalf("load the OpenAPI document: %v", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		e.T.Fatalf("the OpenAPI document is invalid: %v", err)
	}
	doc.Servers = nil // match paths as the router sees them
	r, err := gorillamux.NewRouter(doc)
	if err != nil {
		e.T.Fatalf("route the OpenAPI document: %v", err)
	}
	c := &contract{router: r}
	contracts.m[key] = c
	return c
}

// checkContract fails the test when the answer to req is not what the route's entry in the
// document allows: a status it does not list, a header or body that does not match the schema.
// Requests to paths the document does not describe (files, docs) are not checked.
func (e *Env) checkContract(req *http.Request, body []byte, res *Response) {
	if os.Getenv(EnvContract) == "off" {
		return
	}
	e.T.Helper()
	if e.contract == nil {
		e.contract = e.contractOf()
	}
	// The router matches on the URL alone; give it a clean copy with the body it was sent.
	probe := req.Clone(context.Background())
	probe.Body = io.NopCloser(bytes.NewReader(body))
	if res.Status == 499 { // the test hung up first: nobody receives this answer
		return
	}
	route, params, err := e.contract.router.FindRoute(probe)
	if err != nil {
		return // not a documented path or method (a 404/405 of the router itself)
	}
	in := &openapi3filter.RequestValidationInput{Request: probe, PathParams: params, Route: route,
		Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc}}
	out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: res.Status,
		Header: res.Header, Body: io.NopCloser(bytes.NewReader(res.Body)),
		Options: &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true}}
	if mt, _, _ := mime.ParseMediaType(res.Header.Get("Content-Type")); mt != "application/json" {
		out.Options.ExcludeResponseBody = true // files, workbooks, images: the status and headers
	}
	if err := openapi3filter.ValidateResponse(context.Background(), out); err != nil {
		msg := err.Error()
		if len(msg) > 2000 {
			msg = msg[:2000] + "…"
		}
		e.T.Errorf("%s %s → %d breaks the OpenAPI document (%s %s): %s\nbody: %s", req.Method, req.URL.Path,
			res.Status, route.Method, route.Path, strings.TrimSpace(msg), clip(res.Body, 600))
	}
}

func clip(b []byte, n int) string {
	if len(b) > n {
		return string(b[:n]) + "…"
	}
	return string(b)
}
