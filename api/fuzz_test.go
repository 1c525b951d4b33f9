package api

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"
)

// FuzzJSONBody: no request body, however broken, makes the binder answer 500 or panic; every
// answer is an envelope.
func FuzzJSONBody(f *testing.F) {
	for _, s := range []string{`{"name":"王"}`, `{"name":`, ``, `[]`, `{"count":"x"}`, `{"name":"a","count":1e309}`,
		"{\"name\":\"\xff\xfe\"}", `{"name":"` + strings.Repeat("长", 5000) + `"}`, `null`, `{"name":"a"}{"name":"b"}`} {
		f.Add(s)
	}
	a := testAPI(f)
	f.Fuzz(func(t *testing.T, body string) {
		rec := send(a, "POST", "/api/v1/test/echo", "application/json", body)
		if rec.Code >= 500 || !strings.HasPrefix(rec.Body.String(), `{"code":`) {
			t.Fatalf("body %q: %d %s", body, rec.Code, rec.Body)
		}
	})
}

// FuzzAuthorization: any Authorization header is either a live session or a 401, never 500.
func FuzzAuthorization(f *testing.F) {
	for _, s := range []string{"", "Bearer", "Bearer ", "Bearer abc", "bearer " + strings.Repeat("A", 43),
		"Basic dXNlcjpwYXNz", "Bearer " + strings.Repeat("é", 43), "Bearer\t" + strings.Repeat("_", 43)} {
		f.Add(s)
	}
	a := testAPI(f)
	f.Fuzz(func(t *testing.T, header string) {
		req := httptest.NewRequest("GET", "/api/v1/me", nil)
		req.Header["Authorization"] = []string{header}
		rec := httptest.NewRecorder()
		a.Handler().ServeHTTP(rec, req)
		if rec.Code != 401 {
			t.Fatalf("Authorization %q: %d %s", header, rec.Code, rec.Body)
		}
	})
}

// FuzzQuery: query strings never make the binder answer 500.
func FuzzQuery(f *testing.F) {
	for _, s := range []string{"limit=abc", "limit=500", "flag=9", "cursor=" + strings.Repeat("x", 100), "limit=-1&flag=%zz", "limit=99999999999999999999"} {
		f.Add(s)
	}
	a := testAPI(f)
	a.v1.GET("/test/fuzzlist", func(c *gin.Context) {
		var q pageQ
		if err := a.bind.Query(c, &q); err != nil {
			fail(c, a.log, err)
			return
		}
		ok(c, 200, q.Size())
	})
	f.Fuzz(func(t *testing.T, query string) {
		req := httptest.NewRequest("GET", "/api/v1/test/fuzzlist", nil)
		req.URL.RawQuery = query
		rec := httptest.NewRecorder()
		a.Handler().ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("query %q: %d %s", query, rec.Code, rec.Body)
		}
	})
}
