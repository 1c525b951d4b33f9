package api

import (
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"strings"

	"github.com/gin-gonic/gin"
	"github.com/swaggest/jsonschema-go"
	"github.com/swaggest/openapi-go"
	"github.com/swaggest/openapi-go/openapi3"
	"github.com/swaggest/swgui/v5emb"
)

// route describes one endpoint once, for both gin and the OpenAPI document, so the document
// cannot list an endpoint the router lacks or describe a body the handler does not use.
type route struct {
	method, path string // gin syntax: /issues/:id
	summary      string
	description  string
	tag          string
	auth         bool  // needs a Bearer session token
	req          any   // pointer to the request struct (json/query/path tags), or nil
	resp         any   // pointer to the response body (usually from data[T]), or nil for none
	status       int   // success status; 200 when zero
	also         []int // other success statuses with the same body (e.g. 200 for an update of what a 201 creates)
	contentType  string
	errors       []int // error statuses the endpoint can answer besides 500
	idempotent   bool  // accepts Idempotency-Key (set by handle for authenticated POSTs)
}

// data is the documented body of a success envelope carrying T.
func data[T any]() any { return new(Envelope[T]) }

// docs accumulates the OpenAPI document while routes are registered.
type docs struct {
	r *openapi3.Reflector
	// bodies are the success bodies of every route, for TestFastJSONMatchesEncodingJSON.
	bodies []any
}

func newDocs() *docs {
	r := openapi3.NewReflector()
	r.DefaultOptions = append(r.DefaultOptions, jsonschema.InterceptProp(validateToSchema), jsonschema.InterceptProp(nullableRefs))
	r.Spec = &openapi3.Spec{Openapi: "3.0.3"}
	r.Spec.Info.WithTitle("Linli 邻里 API").WithVersion("1.0.0").WithDescription(
		"社区自治小程序后端。所有 /api/v1 响应使用统一信封 {code, message, data}；错误时另含 request_id 与 fields。" +
			"ID 一律为字符串；时间为带时区的 RFC 3339（默认 Asia/Shanghai）。")
	r.Spec.SetHTTPBearerTokenSecurity("bearer", "opaque", "登录返回的会话令牌")
	return &docs{r: r}
}

// add documents one route.
func (d *docs) add(rt route) error {
	if rt.resp != nil {
		d.bodies = append(d.bodies, rt.resp)
	}
	oc, err := d.r.NewOperationContext(rt.method, ginToOpenAPI(rt.path))
	if err != nil {
		return err
	}
	oc.SetSummary(rt.summary)
	desc := rt.description
	if rt.idempotent {
		desc += "\n\n可携带请求头 Idempotency-Key（1–128 个可见 ASCII 字符）：24 小时内以相同 key 重试相同请求，返回首次的结果且不重复执行（响应头 Idempotent-Replayed: true）；相同 key 用于不同请求 → 422；首次请求仍在处理 → 409。"
	}
	if desc != "" {
		oc.SetDescription(desc)
	}
	if rt.tag != "" {
		oc.SetTags(rt.tag)
	}
	if rt.auth {
		oc.AddSecurity("bearer")
	}
	if rt.req != nil {
		oc.AddReqStructure(rt.req)
	}
	status := rt.status
	if status == 0 {
		status = http.StatusOK
	}
	opts := []openapi.ContentOption{openapi.WithHTTPStatus(status)}
	if rt.contentType != "" {
		opts = append(opts, openapi.WithContentType(rt.contentType))
	}
	oc.AddRespStructure(rt.resp, opts...)
	for _, s := range rt.also {
		oc.AddRespStructure(rt.resp, append(opts[1:], openapi.WithHTTPStatus(s))...)
	}
	errs := append([]int{}, rt.errors...)
	if rt.req != nil {
		errs = append(errs, http.StatusBadRequest)
	}
	if hasBody(rt) { // the JSON content type applies to every body
		errs = append(errs, http.StatusUnsupportedMediaType)
	}
	if hasBody(rt) || strings.HasPrefix(rt.path, "/api/v1/") { // so does the body limit, to any request sent one
		errs = append(errs, http.StatusRequestEntityTooLarge)
	}
	if rt.idempotent { // a key reused for another request, or the first still running
		errs = append(errs, http.StatusConflict, http.StatusUnprocessableEntity)
	}
	if rt.auth {
		errs = append(errs, http.StatusUnauthorized)
	}
	// Any route may meet a bug or an outage of the database or Redis.
	errs = append(errs, http.StatusInternalServerError, http.StatusServiceUnavailable)
	slices.Sort(errs)
	seen := map[int]bool{}
	for _, s := range errs {
		if !seen[s] {
			seen[s] = true
			oc.AddRespStructure(new(ErrorEnvelope), openapi.WithHTTPStatus(s))
		}
	}
	return d.r.AddOperation(oc)
}

// ginToOpenAPI turns /issues/:id into /issues/{id}.
func ginToOpenAPI(p string) string {
	parts := strings.Split(p, "/")
	for i, s := range parts {
		if strings.HasPrefix(s, ":") || strings.HasPrefix(s, "*") {
			parts[i] = "{" + s[1:] + "}"
		}
	}
	return strings.Join(parts, "/")
}

// mount serves the document and its browsable UI (embedded assets, no CDN).
func (d *docs) mount(r *gin.Engine) error {
	jsonDoc, err := d.r.Spec.MarshalJSON()
	if err != nil {
		return fmt.Errorf("openapi: %w", err)
	}
	yamlDoc, err := d.r.Spec.MarshalYAML()
	if err != nil {
		return fmt.Errorf("openapi: %w", err)
	}
	ui := v5emb.New("Linli 邻里 API", "/api/docs/openapi.json", "/api/docs/")
	serve := func(c *gin.Context) {
		switch c.Param("path") {
		case "/openapi.json":
			c.Data(http.StatusOK, "application/json", jsonDoc)
		case "/openapi.yaml":
			c.Data(http.StatusOK, "application/yaml", yamlDoc)
		default:
			ui.ServeHTTP(c.Writer, c.Request)
		}
	}
	r.GET("/api/docs", serve)
	r.GET("/api/docs/*path", serve)
	return nil
}

// hasBody reports whether the route reads a JSON body: a method with one, and a request
// struct with body fields.
func hasBody(rt route) bool {
	switch rt.method {
	case http.MethodPost, http.MethodPut, http.MethodPatch:
		return rt.req != nil && hasTag(reflect.TypeOf(rt.req).Elem(), "json")
	}
	return false
}
