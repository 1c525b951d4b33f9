package api

import (
	"net/http"
	"sort"
	"strings"

	"github.com/gin-gonic/gin"
)

// ReadyStatus reports each dependency as "ok" or "unreachable".
type ReadyStatus struct {
	Database string `json:"database" enum:"ok,unreachable"`
	Redis    string `json:"redis" enum:"ok,unreachable"`
}

// ReadyEnvelope is the readiness answer: code 0 when ready, 50300 otherwise.
type ReadyEnvelope struct {
	Code      int         `json:"code"`
	Message   string      `json:"message"`
	Data      ReadyStatus `json:"data"`
	RequestID string      `json:"request_id,omitempty"`
}

// Alive is the liveness answer.
type Alive struct {
	Status string `json:"status" example:"ok"`
}

// operations registers /healthz and /readyz, public so that load balancers and orchestrators
// can probe them. /metrics is not among them: it is served by MetricsHandler on a listener of
// its own (http.metrics_addr).
func (a *API) operations() error {
	routes := []struct {
		rt route
		h  gin.HandlerFunc
	}{
		{route{op: "healthz", method: "GET", path: "/healthz", tag: "运维", summary: "进程存活检查", description: "进程存活即 200，不访问数据库与 Redis；供负载均衡与容器探活使用。",
			resp: data[Alive]()}, a.healthz},
		{route{op: "readyz", method: "GET", path: "/readyz", tag: "运维", summary: "就绪检查：数据库与 Redis 是否可达",
			description: "200 when both answer; 503 naming the unreachable dependency in message and data.",
			resp:        new(ReadyEnvelope), errors: []int{http.StatusServiceUnavailable}}, a.readyz},
	}
	for _, r := range routes {
		if err := a.handle(nil, r.rt, r.h); err != nil {
			return err
		}
	}
	a.pprofRoutes()
	return nil
}

func (a *API) healthz(c *gin.Context) {
	ok(c, http.StatusOK, Alive{Status: "ok"})
}

func (a *API) readyz(c *gin.Context) {
	checks := a.deps.Health.Check(c.Request.Context())
	var down []string
	st := ReadyStatus{Database: "ok", Redis: "ok"}
	for name, err := range checks {
		if err == nil {
			continue
		}
		down = append(down, name)
		a.log.WarnContext(c.Request.Context(), "not ready", "dependency", name, "error", err.Error(), "request_id", requestID(c))
		switch name {
		case "database":
			st.Database = "unreachable"
		case "redis":
			st.Redis = "unreachable"
		}
	}
	if len(down) == 0 {
		c.JSON(http.StatusOK, ReadyEnvelope{Code: 0, Message: "ok", Data: st})
		return
	}
	sort.Strings(down)
	c.JSON(http.StatusServiceUnavailable, ReadyEnvelope{
		Code: 50300, Message: "服务未就绪，不可达：" + strings.Join(down, ", "), Data: st, RequestID: requestID(c),
	})
}
