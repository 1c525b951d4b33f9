package api_test

import (
	"encoding/json"
	"strings"
	"testing"

	"linli/app/apptest"
)

// TestABugIsA500AndAnOutageA503: a query the database refuses (here: its table is gone, as
// with a migration missing) is a bug — 500 "服务器内部错误", logged at error level with the
// request id — not 503 "数据库暂时不可用"; a database that cannot be reached is a 503.
func TestABugIsA500AndAnOutageA503(t *testing.T) {
	t.Parallel()
	e := apptest.New(t)
	c := e.MakeCommunity("错误分类社区", 1, 1)
	path := "/api/v1/communities/" + c.ID + "/estates"
	e.Do("GET", path, nil).Want(t, 200)
	if _, err := e.App.Store.SQL().Exec("DROP TABLE estates"); err != nil {
		t.Fatal(err)
	}
	res := e.Do("GET", path, nil).Want(t, 500)
	body := res.Err(t)
	if !strings.Contains(body.Message, "服务器内部错误") || body.RequestID == "" {
		t.Fatalf("a bad query answered %+v", body)
	}
	logged := false
	for _, line := range strings.Split(e.Logs(), "\n") {
		var m map[string]any
		if json.Unmarshal([]byte(line), &m) == nil && m["level"] == "ERROR" && m["request_id"] == body.RequestID {
			logged = true
		}
	}
	if !logged {
		t.Fatalf("the 500 was not logged at error level with its request id:\n%s", e.Logs())
	}

	down := apptest.New(t)
	dc := down.MakeCommunity("停机社区", 1, 1)
	// The pool closed under it (as at shutdown, or a server gone): every query fails to connect.
	if err := down.App.Store.SQL().Close(); err != nil {
		t.Fatal(err)
	}
	if b := down.Do("GET", "/api/v1/communities/"+dc.ID+"/estates", nil).Want(t, 503).Err(t); !strings.Contains(b.Message, "暂时不可用") {
		t.Fatalf("an outage answered %+v", b)
	}
}
