package api

import (
	"io/fs"
	"net/http"
	"strings"

	"linli/console"
)

// consoleCSP is the console's Content-Security-Policy: no inline or foreign script, no
// foreign connection, no framing.
const consoleCSP = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; " +
	"img-src 'self' data: blob:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'"

// consolePrefix is where the staff console is served.
const consolePrefix = "/console/"

// withConsole serves the embedded console at /console/ (an unknown path under it gets the
// app's index.html) and everything else with api.
func withConsole(api http.Handler) http.Handler {
	files := console.Files()
	static := http.StripPrefix(consolePrefix, http.FileServerFS(files))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/console" {
			http.Redirect(w, r, consolePrefix, http.StatusMovedPermanently)
			return
		}
		if !strings.HasPrefix(r.URL.Path, consolePrefix) {
			api.ServeHTTP(w, r)
			return
		}
		h := w.Header()
		h.Set("Content-Security-Policy", consoleCSP)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cache-Control", "no-cache")
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		name := strings.TrimPrefix(r.URL.Path, consolePrefix)
		if st, err := fs.Stat(files, name); name == "" || err != nil || st.IsDir() {
			http.ServeFileFS(w, r, files, "index.html")
			return
		}
		static.ServeHTTP(w, r)
	})
}
