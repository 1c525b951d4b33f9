package api

import (
	"net/http/pprof"

	"github.com/gin-gonic/gin"
)

// pprofRoutes mounts Go's profiler under /debug/pprof when http.pprof is on (it is off by
// default). The routes sit beside /healthz on the public listener, outside /api/v1 and outside
// the OpenAPI document: they are for whoever runs the server, e.g.
//
//	go tool pprof 'http://127.0.0.1:8080/debug/pprof/profile?seconds=20'
//	go tool pprof http://127.0.0.1:8080/debug/pprof/allocs
func (a *API) pprofRoutes() {
	if !a.deps.Config.HTTP.PProf {
		return
	}
	a.engine.Any("/debug/pprof/*name", func(c *gin.Context) {
		switch c.Param("name") {
		case "/cmdline":
			pprof.Cmdline(c.Writer, c.Request)
		case "/profile":
			pprof.Profile(c.Writer, c.Request)
		case "/symbol":
			pprof.Symbol(c.Writer, c.Request)
		case "/trace":
			pprof.Trace(c.Writer, c.Request)
		default: // the index, and the named profiles: heap, allocs, goroutine, block, mutex, …
			pprof.Index(c.Writer, c.Request)
		}
	})
}
