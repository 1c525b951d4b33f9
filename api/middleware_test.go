package api

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"

	"linli/cache"
	"linli/config"
	"linli/model"
	"linli/service"
)

type echoReq struct {
	Name  string `json:"name" validate:"required,max=10"`
	Count int    `json:"count" validate:"gte=0,lte=5"`
}

// testAPI builds the router on an embedded back end and adds two routes the real API does
// not have: one that binds JSON, one that panics.
func testAPI(t testing.TB) *API {
	t.Helper()
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	cfg.HTTP.MaxBodyBytes = 2048
	store, err := model.Open(context.Background(), cfg.DB, cfg.DataDir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	if err := store.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	rdb, err := cache.Open(cfg.Redis, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rdb.Close() })
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	cfg.SecretKey = "0123456789abcdef0123456789abcdef"
	services, err := service.NewServices(cfg, store, rdb, log, nil)
	if err != nil {
		t.Fatal(err)
	}
	a, err := New(Deps{Config: cfg, Log: log, SQL: store.SQL(), Health: service.NewHealth(store, rdb), Services: services})
	if err != nil {
		t.Fatal(err)
	}
	a.v1.POST("/test/echo", func(c *gin.Context) {
		var req echoReq
		if err := a.bind.JSON(c, &req); err != nil {
			fail(c, a.log, err)
			return
		}
		ok(c, http.StatusOK, req)
	})
	a.v1.GET("/test/panic", func(c *gin.Context) { panic("boom") })
	return a
}

func send(a *API, method, path, contentType, body string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	rec := httptest.NewRecorder()
	a.Handler().ServeHTTP(rec, req)
	return rec
}

func TestBadRequestsGetTheEnvelope(t *testing.T) {
	t.Parallel()
	a := testAPI(t)
	cases := []struct {
		name, method, path, ctype, body string
		status                          int
		inBody                          string
	}{
		{"ok", "POST", "/api/v1/test/echo", "application/json", `{"name":"王"}`, 200, `"name":"王"`},
		{"malformed", "POST", "/api/v1/test/echo", "application/json", `{"name":`, 400, "不是有效的 JSON"},
		{"empty", "POST", "/api/v1/test/echo", "application/json", ``, 400, "不能为空"},
		{"wrong type", "POST", "/api/v1/test/echo", "application/json", `{"name":"a","count":"x"}`, 400, `"field":"count"`},
		{"missing field", "POST", "/api/v1/test/echo", "application/json", `{"count":1}`, 400, `"field":"name"`},
		{"too long", "POST", "/api/v1/test/echo", "application/json", `{"name":"一二三四五六七八九十十"}`, 400, `"field":"name"`},
		{"out of range", "POST", "/api/v1/test/echo", "application/json", `{"name":"a","count":9}`, 400, `"field":"count"`},
		{"wrong content type", "POST", "/api/v1/test/echo", "text/plain", `{"name":"a"}`, 415, "application/json"},
		{"oversize", "POST", "/api/v1/test/echo", "application/json", `{"name":"` + strings.Repeat("a", 5000) + `"}`, 413, "过大"},
		{"panic", "GET", "/api/v1/test/panic", "", "", 500, "服务器内部错误"},
		{"unknown route", "GET", "/api/v1/nope", "", "", 404, "不存在"},
		{"wrong method", "DELETE", "/api/v1/test/echo", "", "", 405, "不支持"},
	}
	for _, c := range cases {
		rec := send(a, c.method, c.path, c.ctype, c.body)
		if rec.Code != c.status {
			t.Errorf("%s: status %d, want %d: %s", c.name, rec.Code, c.status, rec.Body)
			continue
		}
		body := rec.Body.String()
		if !strings.Contains(body, c.inBody) {
			t.Errorf("%s: body %s lacks %q", c.name, body, c.inBody)
		}
		if c.status >= 400 {
			if !strings.Contains(body, `"request_id":"`+rec.Header().Get("X-Request-ID")+`"`) || rec.Header().Get("X-Request-ID") == "" {
				t.Errorf("%s: request id missing or not echoed: %s", c.name, body)
			}
			if !strings.Contains(body, `"code":`+strconv.Itoa(c.status*100)) {
				t.Errorf("%s: code not %d: %s", c.name, c.status*100, body)
			}
		}
	}
	// The server keeps serving after a panic.
	if rec := send(a, "GET", "/healthz", "", ""); rec.Code != 200 {
		t.Fatalf("after panic: %d", rec.Code)
	}
}

func TestRequestIDEchoedOrGenerated(t *testing.T) {
	t.Parallel()
	a := testAPI(t)
	req := httptest.NewRequest("GET", "/healthz", nil)
	req.Header.Set("X-Request-ID", "abc-123")
	rec := httptest.NewRecorder()
	a.Handler().ServeHTTP(rec, req)
	if got := rec.Header().Get("X-Request-ID"); got != "abc-123" {
		t.Fatalf("echo: %q", got)
	}
	req.Header.Set("X-Request-ID", "bad id\nwith newline")
	rec = httptest.NewRecorder()
	a.Handler().ServeHTTP(rec, req)
	if got := rec.Header().Get("X-Request-ID"); len(got) != 24 {
		t.Fatalf("generated: %q", got)
	}
	if rec.Header().Get("X-Content-Type-Options") != "nosniff" {
		t.Fatal("security headers missing")
	}
}

type pageQ struct {
	PageQuery
	Flag int `query:"flag" validate:"omitempty,max=3"`
}

func TestQueryErrorsNameTheParameter(t *testing.T) {
	t.Parallel()
	a := testAPI(t)
	a.v1.GET("/test/list", func(c *gin.Context) {
		var q pageQ
		if err := a.bind.Query(c, &q); err != nil {
			fail(c, a.log, err)
			return
		}
		ok(c, http.StatusOK, q.Size())
	})
	for query, field := range map[string]string{"limit=abc": "limit", "limit=500": "limit", "flag=9": "flag", "flag=x&limit=5": "flag"} {
		rec := send(a, "GET", "/api/v1/test/list?"+query, "", "")
		if rec.Code != 400 || !strings.Contains(rec.Body.String(), `"field":"`+field+`"`) {
			t.Errorf("%s: %d %s", query, rec.Code, rec.Body)
		}
	}
	if rec := send(a, "GET", "/api/v1/test/list?limit=7", "", ""); rec.Code != 200 || !strings.Contains(rec.Body.String(), `"data":7`) {
		t.Errorf("valid query: %d %s", rec.Code, rec.Body)
	}
}
