package api

import (
	"fmt"
	"net/http"
	"reflect"
	"regexp"
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
	op           string // operationId: lowerCamelCase, unique in the document (the name a generated client gives the call)
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

// tags are the document's groups of operations, in the order a reader meets them; a route's
// tag must be one of them.
var tags = []struct{ name, description string }{
	{"身份", "登录、会话、个人资料、手机号绑定、角色、账号注销与个人数据导出"},
	{"社区与楼栋", "社区目录、小区/院落与楼栋（公开目录与工作者维护）"},
	{"房屋认证", "居民申请认证所住房屋，楼栋长或社区工作者审核"},
	{"房屋台账", "社区的房屋台账：小区、楼栋、单元、房号；模板下载、Excel 导入与选房"},
	{"通知", "站内通知与微信订阅消息授权"},
	{"报事", "居民报事（问题清单）：报事、跟进、流转、评论、评单"},
	{"能人库", "技能名录、个人技能档案与能人搜索"},
	{"派单", "居民点单、社区派单、志愿者接单与服务确认"},
	{"志愿活动", "志愿服务队、志愿活动、报名、签到与结算"},
	{"时间银行", "积分账户、流水、服务记录、转赠与集体账户"},
	{"爱心超市", "积分兑换的商品、兑换券与核销"},
	{"排行榜", "志愿服务时长与积分排行"},
	{"议事厅", "居民提议、附议、讨论，按户表决、结果公示与落实"},
	{"公告", "社区、小区、楼栋公告，按户统计阅读回执与未读到的户"},
	{"工作台", "社区工作者的月度数据与导出"},
	{"工作台网页", "浏览器中的工作台（/console/）：Cookie 会话登录与退出"},
	{"运维", "存活与就绪检查"},
	{"志愿服务证明", "志愿者实名、社区出具单位与印章、志愿服务证明的出具、下载与公开核验"},
}

// data is the documented body of a success envelope carrying T.
func data[T any]() any { return new(Envelope[T]) }

// docs accumulates the OpenAPI document while routes are registered.
type docs struct {
	r *openapi3.Reflector
	// bodies are the success bodies of every route, for TestFastJSONMatchesEncodingJSON.
	bodies []any
	// ops maps each operationId to the route that has it, so that two routes cannot share one.
	ops map[string]string
	// routes are the documented routes, in registration order (for the tests that walk them).
	routes []route
}

// opID checks that rt.op is a lowerCamelCase identifier no other route has taken.
func (d *docs) opID(rt route) error {
	if !operationIDPattern.MatchString(rt.op) {
		return fmt.Errorf("openapi: %s %s: operationId %q is not lowerCamelCase", rt.method, rt.path, rt.op)
	}
	where := rt.method + " " + rt.path
	if prev, taken := d.ops[rt.op]; taken {
		return fmt.Errorf("openapi: %s: operationId %q is already the one of %s", where, rt.op, prev)
	}
	if d.ops == nil {
		d.ops = map[string]string{}
	}
	d.ops[rt.op] = where
	return nil
}

// operationIDPattern is the form of an operationId: a lowerCamelCase Go-and-TypeScript identifier.
var operationIDPattern = regexp.MustCompile(`^[a-z][A-Za-z0-9]*$`)

func newDocs() *docs {
	r := openapi3.NewReflector()
	r.DefaultOptions = append(r.DefaultOptions, jsonschema.InterceptProp(validateToSchema), jsonschema.InterceptProp(nullableRefs), jsonschema.InterceptDefName(defName))
	r.Spec = &openapi3.Spec{Openapi: "3.0.3"}
	r.Spec.Info.WithTitle("Linli 邻里 API").WithVersion("1.0.0").WithDescription(
		"社区自治小程序后端。所有 /api/v1 响应使用统一信封 {code, message, data}；错误时另含 request_id 与 fields。" +
			"ID 一律为字符串；时间为带时区的 RFC 3339（默认 Asia/Shanghai）。")
	r.Spec.Info.WithContact(openapi3.Contact{Name: ptr("Linli 邻里")})
	r.Spec.WithServers(openapi3.Server{URL: "/", Description: ptr("本服务（与文档同源）")})
	r.Spec.SetHTTPBearerTokenSecurity("bearer", "opaque", "登录返回的会话令牌")
	for _, t := range tags {
		r.Spec.Tags = append(r.Spec.Tags, openapi3.Tag{Name: t.name, Description: ptr(t.description)})
	}
	r.DefaultOptions = append(r.DefaultOptions, jsonschema.InterceptSchema(requireAnswered))
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
	if err := d.opID(rt); err != nil {
		return err
	}
	oc.SetID(rt.op)
	d.routes = append(d.routes, rt)
	oc.SetSummary(rt.summary)
	desc := rt.description
	if rt.idempotent {
		desc += "\n\n可携带请求头 Idempotency-Key（1–128 个可见 ASCII 字符）：24 小时内以相同 key 重试相同请求，返回首次的结果且不重复执行（响应头 Idempotent-Replayed: true）；相同 key 用于不同请求 → 422；首次请求仍在处理 → 409。"
	}
	if desc == "" {
		return fmt.Errorf("openapi: %s %s: a route needs a description (what it does, who may, what it refuses)", rt.method, rt.path)
	}
	oc.SetDescription(desc)
	if !slices.ContainsFunc(tags, func(t struct{ name, description string }) bool { return t.name == rt.tag }) {
		return fmt.Errorf("openapi: %s %s: tag %q is not declared in tags", rt.method, rt.path, rt.tag)
	}
	oc.SetTags(rt.tag)
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
	if rt.auth { // no session; a console cookie without its CSRF header (console.go)
		errs = append(errs, http.StatusUnauthorized, http.StatusForbidden)
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

func ptr[T any](v T) *T { return &v }
