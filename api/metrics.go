package api

import (
	"database/sql"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// metrics owns one Prometheus registry per server (no global registry, so tests can build
// many servers in one process).
type metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
}

func newMetrics(sqlDB *sql.DB) *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "linli_http_requests_total",
			Help: "HTTP requests by method, route pattern and status.",
		}, []string{"method", "route", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "linli_http_request_duration_seconds",
			Help:    "HTTP request latency by method, route pattern and status.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"method", "route", "status"}),
	}
	m.reg.MustRegister(m.requests, m.latency,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	if sqlDB != nil {
		m.reg.MustRegister(collectors.NewDBStatsCollector(sqlDB, "linli"))
	}
	return m
}

func (m *metrics) middleware() gin.HandlerFunc {
	return func(c *gin.Context) {
		start := time.Now()
		c.Next()
		labels := prometheus.Labels{
			"method": methodLabel(c.Request.Method),
			"route":  routeLabel(c),
			"status": statusLabel(c.Writer.Status()),
		}
		m.requests.With(labels).Inc()
		m.latency.With(labels).Observe(time.Since(start).Seconds())
	}
}

// Every label takes its value from a short fixed list: a counter and a histogram are kept for
// each combination for the life of the process, so a label a client could choose freely would
// let each request add series (issue #15: 60,000 made-up methods grew the process by some
// 160 MB and /metrics to 105 MB). route is the route pattern or "unmatched" (routeLabel);
// method and status are bounded here.

// methodLabel is one of the nine methods HTTP defines, or "other". The method of a request is
// any token the client sends ("M00000001"); net/http and gin pass it through unchanged.
func methodLabel(method string) string {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions, http.MethodConnect, http.MethodTrace:
		return method
	}
	return "other"
}

// statusLabel is a status code net/http has a name for (100–599), or "other". Handlers write
// only such codes today; the bound keeps it so whatever a future handler writes.
func statusLabel(code int) string {
	if code < 100 || code > 599 || http.StatusText(code) == "" {
		return "other"
	}
	return strconv.Itoa(code)
}

func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}
