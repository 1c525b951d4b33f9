// Package console holds the built staff console (工作台网页): the Vue 3 + Element Plus +
// ECharts single-page app of this folder, built by `npm ci && npm run build` into dist/ and
// committed, so that `go run .` serves it with no Node.js installed.
package console

import (
	"embed"
	"io/fs"
)

//go:embed all:dist
var dist embed.FS

// Files is the built console: index.html at the root, assets/ beside it.
func Files() fs.FS {
	sub, err := fs.Sub(dist, "dist")
	if err != nil {
		panic(err) // dist is embedded at build time: a missing folder fails the build first
	}
	return sub
}
