package api

import (
	"database/sql"
	"errors"
	"log/slog"
	"net/http"

	"github.com/gin-contrib/cors"
	"github.com/gin-gonic/gin"

	"linli/cache"
	"linli/config"
	"linli/service"
)

// Deps is everything the HTTP layer needs; main builds it, tests build their own.
type Deps struct {
	Config config.Config
	Log    *slog.Logger
	// SQL is the database pool, only for pool metrics.
	SQL    *sql.DB
	Health *service.Health
	// Services is the business layer (service.NewServices).
	*service.Services
}

// API is the HTTP layer of one server.
type API struct {
	deps    Deps
	log     *slog.Logger
	bind    *binder
	docs    *docs
	metrics *metrics
	engine  *gin.Engine
	// handler is engine with the staff console at /console/ (console_static.go).
	handler http.Handler
	v1      *gin.RouterGroup
	// rendered keeps answers (or their parts) as encoded, by what names them in memory:
	// rankings' items by TopKey (leaderboard.go), dashboards by Key (dashboard.go). A key
	// names one snapshot or view for good, so the encoding never changes: no channel, no TTL.
	rendered *cache.Memo[string, []byte]
}

// New builds the router with every route and its OpenAPI entry.
func New(deps Deps) (*API, error) {
	if deps.Log == nil || deps.Health == nil || deps.Services == nil {
		return nil, errors.New("api: Log, Health and Services are required")
	}
	b, err := newBinder()
	if err != nil {
		return nil, err
	}
	a := &API{deps: deps, log: deps.Log, bind: b, docs: newDocs(), metrics: newMetrics(deps.SQL),
		rendered: cache.NewMemo[string, []byte](nil, renderedKept, 0)}

	gin.SetMode(gin.ReleaseMode)
	e := gin.New()
	e.HandleMethodNotAllowed = true
	e.RedirectTrailingSlash = false
	e.RedirectFixedPath = false
	e.ContextWithFallback = true
	// The client address (per-address limits, the audit log) comes from forwarding headers only
	// when the connection is from a configured proxy; by default from the connection itself.
	if err := e.SetTrustedProxies(deps.Config.HTTP.TrustedProxies); err != nil {
		return nil, err
	}
	e.Use(withRequestID(), securityHeaders(), a.metrics.middleware(), accessLog(a.log), recoverPanics(a.log))
	if len(deps.Config.HTTP.CORSOrigins) > 0 {
		e.Use(cors.New(cors.Config{
			AllowOrigins:     deps.Config.HTTP.CORSOrigins,
			AllowMethods:     []string{"GET", "POST", "PUT", "PATCH", "DELETE"},
			AllowHeaders:     []string{"Authorization", "Content-Type", "Idempotency-Key", requestIDHeader},
			ExposeHeaders:    []string{requestIDHeader, "Retry-After"},
			AllowCredentials: false,
		}))
	}
	e.NoRoute(func(c *gin.Context) { abortJSON(c, http.StatusNotFound, "请求的接口不存在", nil) })
	e.NoMethod(func(c *gin.Context) {
		abortJSON(c, http.StatusMethodNotAllowed, "该接口不支持此请求方法", nil)
	})
	a.engine = e

	if err := a.operations(); err != nil {
		return nil, err
	}
	a.v1 = e.Group("/api/v1", limitBody(deps.Config.HTTP.MaxBodyBytes))
	if err := a.routes(); err != nil {
		return nil, err
	}
	// Outside the /api/v1 group: uploads have their own body limit, files need no login.
	if err := a.uploadRoutes(); err != nil {
		return nil, err
	}
	if err := a.docs.mount(e); err != nil {
		return nil, err
	}
	a.handler = withConsole(e)
	return a, nil
}

// Handler is the http.Handler to serve on the public listener (http.addr).
// The staff console is served beside the routes, at /console/.
func (a *API) Handler() http.Handler { return a.handler }

// MetricsHandler serves GET /metrics (Prometheus) and nothing else. It is meant for the
// listener of http.metrics_addr, never the public one: the figures describe the server's
// internals, and a scrape costs it work.
func (a *API) MetricsHandler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", a.metrics.handler())
	return mux
}

// Routes lists every registered method and path (for the documentation and matrix tests).
func (a *API) Routes() gin.RoutesInfo { return a.engine.Routes() }

// handle registers rt on the group g (nil: the engine root) and documents it.
func (a *API) handle(g *gin.RouterGroup, rt route, h ...gin.HandlerFunc) error {
	base := ""
	var r gin.IRoutes = a.engine
	if g != nil {
		base = g.BasePath()
		r = g
	}
	if rt.auth && rt.method == http.MethodPost && len(h) > 1 {
		// Every authenticated POST accepts Idempotency-Key: the check runs right after
		// requireUser (the first handler), before the route's own.
		h = append([]gin.HandlerFunc{h[0], a.idempotent}, h[1:]...)
		rt.idempotent = true
	}
	if rt.auth && rt.method != http.MethodGet {
		// Every authenticated write of a staff member, captain or admin goes to the audit log
		// (audit.go): the audit middleware wraps the route's whole chain.
		h = append([]gin.HandlerFunc{a.audit}, h...)
	}
	r.Handle(rt.method, rt.path, h...)
	rt.path = base + rt.path
	return a.docs.add(rt)
}

// routes registers the /api/v1 endpoints, one file per capability.
func (a *API) routes() error {
	for _, register := range []func() error{a.identityRoutes, a.placesRoutes, a.residencyRoutes, a.rolesRoutes,
		a.notificationRoutes, a.issueRoutes, a.skillRoutes, a.dispatchRoutes,
		a.activityRoutes, a.timeBankRoutes, a.rewardRoutes, a.leaderboardRoutes, a.dashboardRoutes, a.auditRoutes, a.householdRoutes,
		a.certificateRoutes, a.councilRoutes, a.announcementRoutes, a.correctionRoutes, a.consoleRoutes} {
		if err := register(); err != nil {
			return err
		}
	}
	return nil
}
