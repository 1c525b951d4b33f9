package api_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"linli/app/apptest"
	"linli/config"
	"linli/storage/storagetest"
)

// wechatRecorder stands between the server and the fake WeChat server and keeps every secret
// the fake hands out (session_key, access_token): what the scenario must never show.
type wechatRecorder struct {
	URL     string
	mu      sync.Mutex
	secrets map[string]string // value → what it is
	logins  int
}

// recorder is one per test binary, like the fake itself: the WeChat library routes every call
// of the process to the most recently configured base URL, so it stays up for the process's
// life (a later test built on the fake goes straight to the fake, which is as good).
var recorder = sync.OnceValue(func() *wechatRecorder {
	r := &wechatRecorder{secrets: map[string]string{}}
	fake := apptest.WeChat().URL
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		out, err := http.NewRequestWithContext(req.Context(), req.Method, fake+req.URL.RequestURI(), bytes.NewReader(body))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		out.Header = req.Header.Clone()
		res, err := http.DefaultClient.Do(out)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		defer res.Body.Close()
		answer, _ := io.ReadAll(res.Body)
		var m map[string]any
		if json.Unmarshal(answer, &m) == nil {
			r.mu.Lock()
			for _, k := range []string{"session_key", "access_token"} {
				if v, ok := m[k].(string); ok && v != "" {
					r.secrets[v] = k
				}
			}
			if strings.HasPrefix(req.URL.Path, "/sns/jscode2session") {
				r.logins++
			}
			r.mu.Unlock()
		}
		for k, v := range res.Header {
			w.Header()[k] = v
		}
		w.WriteHeader(res.StatusCode)
		_, _ = w.Write(answer)
	}))
	r.URL = srv.URL
	return r
})

func (r *wechatRecorder) snapshot() (map[string]string, int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make(map[string]string, len(r.secrets))
	for k, v := range r.secrets {
		out[k] = v
	}
	return out, r.logins
}

// exchange is one request of the scenario and its answer.
type exchange struct {
	who, method, route string
	res                *apptest.Response
}

// scenario drives the server and keeps every answer.
type scenario struct {
	t    *testing.T
	e    *apptest.Env
	seen []exchange
}

func (s *scenario) do(who, token, method, route, path string, body any, opts ...apptest.Req) *apptest.Response {
	s.t.Helper()
	if token != "" {
		opts = append(opts, apptest.Token(token))
	}
	res := s.e.Do(method, path, body, opts...)
	s.seen = append(s.seen, exchange{who: who, method: method, route: route, res: res})
	return res
}

// login logs openid in through POST /auth/login with a fresh code of the fake WeChat server.
func (s *scenario) login(openid string) apptest.Session {
	s.t.Helper()
	code := fmt.Sprintf("code-%s-%d", openid, time.Now().UnixNano())
	apptest.WeChat().AddCode(code, openid, "")
	var out struct {
		Token string              `json:"token"`
		User  struct{ ID string } `json:"user"`
	}
	s.do(openid, "", "POST", "/api/v1/auth/login", "/api/v1/auth/login", map[string]string{"code": code}).Want(s.t, 200).Data(s.t, &out)
	return apptest.Session{Token: out.Token, UserID: out.User.ID}
}

// TestNoSecretsInLogsOrAnswers runs a resident's whole life through real WeChat login (the
// fake server, through a recorder that keeps the secrets it hands out): log in, bind a phone,
// claim a home, upload a photo carrying EXIF GPS, report, comment, sign up, redeem, export,
// delete the account; with staff and a neighbour alongside. Then no log line and no answer may
// hold a session_key, an access token or the AppSecret; no log line a session token; the
// phone number appears in full only in the owner's export and in answers to staff (their
// queues and the cases they handle, where they may have to call); stored and served images hold no EXIF or GPS; and every answer
// carries the security headers.
func TestNoSecretsInLogsOrAnswers(t *testing.T) {
	// Not parallel: the WeChat routing is process-wide, and the recorder must see this
	// scenario's logins (checked below).
	rec := recorder()
	_, loginsBefore := rec.snapshot()
	e := apptest.New(t, apptest.WithWeChat(), func(c *config.Config) {
		c.WeChat.APIBase = rec.URL
		c.Limits.LoginPerIP, c.Limits.LoginPerUser = 0, 0
	})
	s := &scenario{t: t, e: e}
	wx := apptest.WeChat()
	const phone, neighbourPhone = "13912345678", "13987654321"
	prefix := fmt.Sprintf("secrets-%d-", time.Now().UnixNano())

	c := e.MakeCommunity("保密社区", 1, 1)
	building := c.BuildingIDs[0]
	staff := s.login(prefix + "staff")
	e.Grant(staff.UserID, "staff", c.ID)
	resident := s.login(prefix + "resident")
	neighbour := s.login(prefix + "neighbour")
	tokens := []string{staff.Token, resident.Token, neighbour.Token}

	wx.AddPhoneCode(prefix+"phone-code", phone)
	var bound struct{ Phone string }
	s.do("resident", resident.Token, "POST", "/api/v1/me/phone", "/api/v1/me/phone", map[string]string{"code": prefix + "phone-code"}).
		Want(t, 200).Data(t, &bound)
	if bound.Phone == "" || bound.Phone == phone {
		t.Fatalf("bound phone answered as %q", bound.Phone)
	}
	wx.AddPhoneCode(prefix+"phone-code-2", neighbourPhone)
	s.do("neighbour", neighbour.Token, "POST", "/api/v1/me/phone", "/api/v1/me/phone", map[string]string{"code": prefix + "phone-code-2"}).Want(t, 200)

	for _, p := range []struct {
		who, token, room string
	}{{"resident", resident.Token, "101"}, {"neighbour", neighbour.Token, "102"}} {
		var claim struct{ ID string }
		s.do(p.who, p.token, "POST", "/api/v1/me/residencies", "/api/v1/me/residencies",
			map[string]any{"building_id": building, "room": p.room}).Want(t, 201).Data(t, &claim)
		s.do("staff", staff.Token, "GET", "/api/v1/residencies", "/api/v1/residencies?status=pending", nil).Want(t, 200)
		s.do("staff", staff.Token, "POST", "/api/v1/residencies/:id/approve", "/api/v1/residencies/"+claim.ID+"/approve", nil).Want(t, 200)
	}

	var photo struct{ ID, URL string }
	s.do("resident", resident.Token, "POST", "/api/v1/uploads", "/api/v1/uploads",
		form(t, "file", "IMG_0001.jpg", storagetest.JPEGWithGPS(64, 48))).Want(t, 201).Data(t, &photo)
	var cats []struct{ ID string }
	onePage(t, s.do("resident", resident.Token, "GET", "/api/v1/communities/:id/issue-categories", "/api/v1/communities/"+c.ID+"/issue-categories", nil).
		Want(t, 200), &cats)
	var issue struct{ ID string }
	s.do("resident", resident.Token, "POST", "/api/v1/issues", "/api/v1/issues", map[string]any{"building_id": building,
		"category_id": cats[0].ID, "description": "楼道灯不亮", "photos": []string{photo.ID}}).
		Want(t, 201).Data(t, &issue)
	s.do("resident", resident.Token, "POST", "/api/v1/issues/:id/comments", "/api/v1/issues/"+issue.ID+"/comments",
		map[string]any{"body": "还是不亮"}).Want(t, 201)
	s.do("neighbour", neighbour.Token, "GET", "/api/v1/issues/:id", "/api/v1/issues/"+issue.ID, nil).Want(t, 200)
	s.do("staff", staff.Token, "GET", "/api/v1/issues/:id", "/api/v1/issues/"+issue.ID, nil).Want(t, 200)
	s.do("staff", staff.Token, "POST", "/api/v1/issues/:id/transitions", "/api/v1/issues/"+issue.ID+"/transitions",
		map[string]any{"action": "acknowledge"}).Want(t, 200)
	served := s.do("neighbour", neighbour.Token, "GET", "/files/:id", photo.URL, nil).Want(t, 200)

	var types []struct{ ID string }
	onePage(t, s.do("staff", staff.Token, "GET", "/api/v1/communities/:id/activity-types", "/api/v1/communities/"+c.ID+"/activity-types", nil).
		Want(t, 200), &types)
	start := e.Clock.Now().Add(48 * time.Hour).UTC().Truncate(time.Second)
	var act struct{ ID string }
	s.do("staff", staff.Token, "POST", "/api/v1/activities", "/api/v1/activities", map[string]any{"community_id": c.ID,
		"type_id": types[0].ID, "title": "周末巡逻", "place": "东门", "start_at": start.Format(time.RFC3339),
		"end_at": start.Add(2 * time.Hour).Format(time.RFC3339), "capacity": 5}).Want(t, 201).Data(t, &act)
	s.do("staff", staff.Token, "POST", "/api/v1/activities/:id/publish", "/api/v1/activities/"+act.ID+"/publish", nil).Want(t, 200)
	s.do("resident", resident.Token, "POST", "/api/v1/activities/:id/signups", "/api/v1/activities/"+act.ID+"/signups", nil).Want(t, 201)
	s.do("staff", staff.Token, "GET", "/api/v1/activities/:id/signups", "/api/v1/activities/"+act.ID+"/signups", nil).Want(t, 200)

	var reward struct{ ID string }
	s.do("staff", staff.Token, "POST", "/api/v1/communities/:id/rewards", "/api/v1/communities/"+c.ID+"/rewards",
		map[string]any{"name": "荣誉证书", "kind": "honour", "price": "0", "stock": 5}).Want(t, 201).Data(t, &reward)
	s.do("resident", resident.Token, "POST", "/api/v1/rewards/:id/redeem", "/api/v1/rewards/"+reward.ID+"/redeem", nil).Want(t, 201)

	s.do("resident", resident.Token, "GET", "/api/v1/me", "/api/v1/me", nil).Want(t, 200)
	export := s.do("resident", resident.Token, "GET", "/api/v1/me/export", "/api/v1/me/export", nil).Want(t, 200)
	if !bytes.Contains(export.Body, []byte(phone)) {
		t.Errorf("the export does not give its owner their phone number: %s", clip(export.Body))
	}
	s.do("resident", resident.Token, "DELETE", "/api/v1/me", "/api/v1/me", nil).Want(t, 204)
	s.do("resident", resident.Token, "GET", "/api/v1/me", "/api/v1/me", nil).Want(t, 401)
	s.do("staff", staff.Token, "GET", "/api/v1/communities/:id/audit-log", "/api/v1/communities/"+c.ID+"/audit-log", nil).Want(t, 200)

	secrets, logins := rec.snapshot()
	if logins-loginsBefore < 3 {
		t.Fatalf("the recorder saw %d logins of this scenario, want 3: the secrets it keeps would not be this scenario's", logins-loginsBefore)
	}
	kinds := map[string]int{}
	for _, what := range secrets {
		kinds[what]++
	}
	if kinds["session_key"] < 3 || kinds["access_token"] < 1 {
		t.Fatalf("the recorder kept %v: too few secrets to look for", kinds)
	}
	secrets[wx.AppSecret()] = "AppSecret"
	logs := e.Logs()
	if !strings.Contains(logs, `"route":"/api/v1/issues"`) {
		t.Fatalf("the log buffer holds no access log: %.300s", logs)
	}
	for secret, what := range secrets {
		if strings.Contains(logs, secret) {
			t.Errorf("the log holds a %s", what)
		}
	}
	for _, tok := range tokens {
		if strings.Contains(logs, tok) {
			t.Errorf("the log holds a session token")
		}
	}
	for _, p := range []string{phone, neighbourPhone} {
		if strings.Contains(logs, p) {
			t.Errorf("the log holds the phone number %s", p)
		}
	}
	fullPhoneTo := map[string]bool{}
	for _, x := range s.seen {
		label := fmt.Sprintf("%s %s (as %s)", x.method, x.route, x.who)
		raw := string(x.res.Body)
		for k, v := range x.res.Header {
			raw += "\n" + k + ": " + strings.Join(v, ",")
		}
		for secret, what := range secrets {
			if strings.Contains(raw, secret) {
				t.Errorf("%s: the answer holds a %s", label, what)
			}
		}
		for _, p := range []string{phone, neighbourPhone} {
			if !strings.Contains(raw, p) {
				continue
			}
			owner := (p == phone && x.who == "resident") || (p == neighbourPhone && x.who == "neighbour")
			allowed := (owner && x.route == "/api/v1/me/export") || x.who == "staff"
			if !allowed {
				t.Errorf("%s: the answer shows the full phone number %s: %s", label, p, clip(x.res.Body))
			}
			fullPhoneTo[label] = true
		}
		checkSecurityHeaders(t, label, x.route, x.res)
	}
	t.Logf("full phone numbers shown in: %v", fullPhoneTo)
	// Images: neither the stored files nor the served one keep EXIF or the GPS position.
	files := storedFiles(t, e)
	if len(files) == 0 {
		t.Fatal("no stored upload")
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(b, []byte(storagetest.GPSMarker)) || bytes.Contains(b, []byte("Exif\x00\x00")) {
			t.Errorf("stored %s keeps EXIF/GPS", f)
		}
	}
	if bytes.Contains(served.Body, []byte(storagetest.GPSMarker)) || bytes.Contains(served.Body, []byte("Exif\x00\x00")) ||
		!bytes.HasPrefix(served.Body, []byte{0xFF, 0xD8}) {
		t.Errorf("the served photo keeps EXIF/GPS or is no JPEG")
	}
}

// checkSecurityHeaders: every answer forbids sniffing, framing and referrers; API answers are
// never cached and allow no content to load.
func checkSecurityHeaders(t *testing.T, label, route string, res *apptest.Response) {
	t.Helper()
	want := map[string]string{"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY", "Referrer-Policy": "no-referrer"}
	if strings.HasPrefix(route, "/api/v1/") {
		want["Cache-Control"] = "no-store"
		want["Content-Security-Policy"] = "default-src 'none'; frame-ancestors 'none'"
	} else if res.Status == 200 {
		want["Cache-Control"] = "private, max-age="
	}
	for k, v := range want {
		if got := res.Header.Get(k); !strings.HasPrefix(got, v) {
			t.Errorf("%s: header %s is %q, want %q", label, k, got, v)
		}
	}
	if res.Header.Get("X-Request-ID") == "" {
		t.Errorf("%s: no X-Request-ID", label)
	}
}
