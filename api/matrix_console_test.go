package api_test

// consoleRows are the staff console's routes beyond its dev login: logging out everywhere.
func consoleRows() []row {
	return []row{
		{route: "POST /api/v1/console/logout-all", noPlace: true, self: true,
			build: func(x *attempt) call { return call{path: "/api/v1/console/logout-all"} }, want: loggedIn(204)},
	}
}
