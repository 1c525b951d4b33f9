package api_test

import (
	"bytes"
	"strings"

	"linli/app/apptest"
)

// dashboardRows are the permission matrix rows of the monthly dashboard (工作台) and its
// workbook: its community's staff and the admin read them; residents and captains of the
// community are refused (403), everyone else is told it is not there (404).
func dashboardRows() []row {
	community := func(x *attempt) string { return "/api/v1/communities/" + x.community() }
	staffOnly := wants{anon: all(401), user: all(404), residentA1: at(403, 403, 404),
		captainA1: at(403, 403, 404), captainA2: at(403, 403, 404),
		staffA: at(200, 200, 404), staffB: at(404, 404, 200), admin: all(200)}
	// workbook checks that a 200 is an .xlsx file (a zip archive) offered as an attachment.
	workbook := func(x *attempt, res *apptest.Response) {
		if res.Status != 200 {
			return
		}
		if !bytes.HasPrefix(res.Body, []byte("PK")) || !strings.Contains(res.Header.Get("Content-Type"), "spreadsheetml") ||
			!strings.HasPrefix(res.Header.Get("Content-Disposition"), "attachment;") {
			x.t.Errorf("export as %s: not an .xlsx attachment: %v", x.as.id, res.Header)
		}
	}
	return []row{
		{route: "GET /api/v1/communities/:id/dashboard", note: "this month",
			build: func(x *attempt) call { return call{path: community(x) + "/dashboard"} }, want: staffOnly},
		{route: "GET /api/v1/communities/:id/dashboard", note: "a month long over (its rollup)",
			build: func(x *attempt) call { return call{path: community(x) + "/dashboard?month=2025-03"} }, want: staffOnly},
		{route: "GET /api/v1/communities/:id/dashboard/export", binary: true, check: workbook,
			build: func(x *attempt) call { return call{path: community(x) + "/dashboard/export"} }, want: staffOnly},
	}
}
