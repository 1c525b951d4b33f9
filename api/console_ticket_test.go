package api_test

import (
	"bytes"
	"image"
	_ "image/png"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"

	"linli/app/apptest"
	"linli/wechat/wechattest"
)

// consoleTicket is a login code as the console got it, with the browser's ticket cookie.
type consoleTicket struct {
	ID       string `json:"id"`
	ImageURL string `json:"image_url"`
	cookie   *http.Cookie
}

// newTicket asks for a login code as the console does.
func newTicket(t *testing.T, e *apptest.Env) consoleTicket {
	t.Helper()
	res := e.Do("POST", "/api/v1/console/tickets", nil).Want(t, 201)
	var tk consoleTicket
	res.Data(t, &tk)
	for _, c := range (&http.Response{Header: res.Header}).Cookies() {
		if c.Name == "linli_ticket" {
			tk.cookie = c
		}
	}
	if tk.cookie == nil || len(tk.ID) != 32 {
		t.Fatalf("ticket %+v, cookies %v", tk, res.Header.Values("Set-Cookie"))
	}
	return tk
}

// poll is the console's poll of its ticket, with the ticket cookie.
func (tk consoleTicket) poll(e *apptest.Env) *apptest.Response {
	return e.Do("GET", "/api/v1/console/tickets/"+tk.ID, nil, withCookies("", tk.cookie))
}

// approve is the mini-program's confirmation with the session token.
func (tk consoleTicket) approve(e *apptest.Env, token string) *apptest.Response {
	return e.Do("POST", "/api/v1/console/tickets/"+tk.ID+"/approve", nil, apptest.Token(token))
}

// cookiesOf returns the session and CSRF cookies an answer set (nil when it set none).
func cookiesOf(res *apptest.Response) (session, csrf *http.Cookie) {
	for _, c := range (&http.Response{Header: res.Header}).Cookies() {
		switch {
		case c.Name == "linli_session" && c.Value != "":
			session = c
		case c.Name == "linli_csrf" && c.Value != "":
			csrf = c
		}
	}
	return session, csrf
}

func TestConsoleTicketLogin(t *testing.T) {
	t.Parallel()
	e := apptest.New(t)
	cm := e.MakeCommunity("扫码登录社区", 1, 1)
	staff := e.MakeStaff(cm.ID, "ticket-staff")
	tk := newTicket(t, e)
	if c := tk.cookie; !c.HttpOnly || c.SameSite != http.SameSiteStrictMode || c.Path != "/api/v1/console/tickets/"+tk.ID || c.MaxAge <= 0 {
		t.Errorf("ticket cookie %+v: want HttpOnly, SameSite=Strict, the ticket's path, Max-Age>0", c)
	}
	if tk.ImageURL != "/api/v1/console/tickets/"+tk.ID+"/image" {
		t.Errorf("image_url %q", tk.ImageURL)
	}
	img := e.Do("GET", tk.ImageURL, nil, withCookies("", tk.cookie)).Want(t, 200)
	if ct := img.Header.Get("Content-Type"); ct != "image/png" {
		t.Fatalf("dev-mode image is %q", ct)
	}
	if got := decodeQR(t, img.Body); got != "pages/console/login?scene="+tk.ID {
		t.Errorf("the QR code says %q", got)
	}

	var st struct {
		Status    string `json:"status"`
		ExpiresAt string `json:"expires_at"`
		Session   *struct {
			ExpiresAt string `json:"expires_at"`
			User      struct {
				ID string `json:"id"`
			} `json:"user"`
		} `json:"session"`
	}
	tk.poll(e).Want(t, 200).Data(t, &st)
	if st.Status != "pending" || st.ExpiresAt == "" || st.Session != nil {
		t.Fatalf("before the scan: %+v", st)
	}
	tk.approve(e, staff.Token).Want(t, 200)
	tk.approve(e, staff.Token).Want(t, 200) // the phone retrying
	res := tk.poll(e).Want(t, 200)
	res.Data(t, &st)
	if st.Status != "approved" || st.Session == nil || st.Session.User.ID != staff.UserID {
		t.Fatalf("after the confirmation: %s", res.Body)
	}
	s, csrf := cookiesOf(res)
	if s == nil || csrf == nil || !s.HttpOnly || s.SameSite != http.SameSiteStrictMode || csrf.HttpOnly || s.MaxAge <= 0 {
		t.Fatalf("session cookies %v", res.Header.Values("Set-Cookie"))
	}
	if bytes.Contains(res.Body, []byte(s.Value)) {
		t.Errorf("the body carries the session token")
	}
	var me struct {
		ID string `json:"id"`
	}
	e.Do("GET", "/api/v1/me", nil, withCookies(csrf.Value, s, csrf)).Want(t, 200).Data(t, &me)
	if me.ID != staff.UserID {
		t.Fatalf("the console is logged in as %q, want %q", me.ID, staff.UserID)
	}
	e.Do("GET", "/api/v1/communities/"+cm.ID+"/dashboard", nil, withCookies(csrf.Value, s, csrf)).Want(t, 200)
	e.Do("GET", "/api/v1/me", nil, withCookies("", s, csrf)).Want(t, 403) // still no CSRF header, no entry

	// Taken once: a second poll, a late confirmation and the image are gone.
	tk.poll(e).Want(t, 410)
	tk.approve(e, staff.Token).Want(t, 410)
	e.Do("GET", tk.ImageURL, nil, withCookies("", tk.cookie)).Want(t, 410)
	for _, secret := range []string{tk.ID, tk.cookie.Value, s.Value} {
		if strings.Contains(e.Logs(), secret) {
			t.Errorf("the log shows a ticket id, ticket secret or session token")
		}
	}
}

// decodeQR reads the text of the QR code in a PNG.
func decodeQR(t *testing.T, png []byte) string {
	t.Helper()
	img, _, err := image.Decode(bytes.NewReader(png))
	if err != nil {
		t.Fatal(err)
	}
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		t.Fatal(err)
	}
	res, err := qrcode.NewQRCodeReader().Decode(bmp, nil)
	if err != nil {
		t.Fatalf("no QR code in the image: %v", err)
	}
	return res.GetText()
}

func TestConsoleTicketBadInput(t *testing.T) {
	t.Parallel()
	e := apptest.New(t)
	cm := e.MakeCommunity("扫码错误社区", 1, 1)
	staff := e.MakeStaff(cm.ID, "ticket-bad-staff")
	tk := newTicket(t, e)
	unknown := consoleTicket{ID: strings.Repeat("ab", 16), cookie: tk.cookie}
	unknown.poll(e).Want(t, 404)
	unknown.approve(e, staff.Token).Want(t, 404)
	for _, bad := range []string{"abc", strings.Repeat("g", 32), strings.Repeat("a", 33), "1%20OR%201=1"} {
		m := consoleTicket{ID: bad, cookie: tk.cookie}
		if eb := m.poll(e).Want(t, 400).Err(t); !eb.HasField("id") {
			t.Errorf("poll %q: the 400 does not name id: %+v", bad, eb)
		}
		m.approve(e, staff.Token).Want(t, 400)
		e.Do("GET", "/api/v1/console/tickets/"+bad+"/image", nil, withCookies("", tk.cookie)).Want(t, 400)
	}
	// Only the browser that asked for the ticket may poll it or load its image.
	e.Do("GET", "/api/v1/console/tickets/"+tk.ID, nil).Want(t, 403)
	e.Do("GET", tk.ImageURL, nil).Want(t, 403)
	other := newTicket(t, e)
	(consoleTicket{ID: tk.ID, cookie: other.cookie}).poll(e).Want(t, 403)
	tk.approve(e, staff.Token).Want(t, 200)
	e.Do("GET", "/api/v1/console/tickets/"+tk.ID, nil).Want(t, 403) // the photo of the code gets nothing
	tk.poll(e).Want(t, 200)
	e.Do("POST", "/api/v1/console/tickets/"+other.ID+"/approve", nil).Want(t, 401)
}

func TestConsoleTicketOnlyConsoleWorkers(t *testing.T) {
	t.Parallel()
	e := apptest.New(t)
	cm := e.MakeCommunity("扫码角色社区", 1, 2)
	resident := e.MakeResident("ticket-resident", cm.BuildingIDs[0], "101")
	nobody := e.DevLogin("ticket-nobody")
	captain := e.MakeCaptain(cm.ID, "ticket-captain", cm.BuildingIDs[1])
	staff := e.MakeStaff(cm.ID, "ticket-role-staff")
	tk := newTicket(t, e)
	for _, s := range []apptest.Session{resident, nobody} {
		tk.approve(e, s.Token).Want(t, 403)
		e.Do("POST", "/api/v1/console/tickets/abc/approve", nil, apptest.Token(s.Token)).Want(t, 403)
	}
	var st struct{ Status string }
	tk.poll(e).Want(t, 200).Data(t, &st)
	if st.Status != "pending" {
		t.Fatalf("refused confirmations changed the ticket: %+v", st)
	}
	tk.approve(e, captain.Token).Want(t, 200)
	tk.approve(e, staff.Token).Want(t, 409) // someone else's confirmation stands
	var got struct {
		Session struct {
			User struct{ ID string } `json:"user"`
		} `json:"session"`
	}
	tk.poll(e).Want(t, 200).Data(t, &got)
	if got.Session.User.ID != captain.UserID {
		t.Fatalf("logged in as %q, want the captain %q", got.Session.User.ID, captain.UserID)
	}
}

func TestConsoleTicketExpires(t *testing.T) {
	t.Parallel()
	e := apptest.New(t)
	cm := e.MakeCommunity("扫码过期社区", 1, 1)
	staff := e.MakeStaff(cm.ID, "ticket-late-staff")
	ttl := e.Config.Console.TicketTTL
	tk, confirmed := newTicket(t, e), newTicket(t, e)
	confirmed.approve(e, staff.Token).Want(t, 200)
	e.Clock.Add(ttl - time.Second)
	tk.poll(e).Want(t, 200)
	e.Clock.Add(time.Second)
	for _, res := range []*apptest.Response{tk.poll(e), tk.approve(e, staff.Token), confirmed.poll(e),
		e.Do("GET", tk.ImageURL, nil, withCookies("", tk.cookie))} {
		if eb := res.Want(t, 410).Err(t); !strings.Contains(eb.Message, "过期") {
			t.Errorf("expired: %q", eb.Message)
		}
		if s, _ := cookiesOf(res); s != nil {
			t.Errorf("an expired ticket gave a session")
		}
	}
}

// TestConsoleTicketRace: pollers racing for one confirmed ticket (the console open in two
// tabs, a retry) get exactly one session between them.
func TestConsoleTicketRace(t *testing.T) {
	t.Parallel()
	e := apptest.New(t)
	cm := e.MakeCommunity("扫码并发社区", 1, 1)
	staff := e.MakeStaff(cm.ID, "ticket-race-staff")
	for round := range 3 {
		tk := newTicket(t, e)
		tk.approve(e, staff.Token).Want(t, 200)
		const pollers = 8
		res := make([]*apptest.Response, pollers)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range pollers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				res[i] = tk.poll(e)
			}()
		}
		close(start)
		wg.Wait()
		won := 0
		for _, r := range res {
			s, _ := cookiesOf(r)
			switch {
			case r.Status == 200 && s != nil:
				won++
			case r.Status != 410 || s != nil:
				t.Errorf("round %d: a poller got %d with cookies %v: %s", round, r.Status, r.Header.Values("Set-Cookie"), r.Body)
			}
		}
		if won != 1 {
			t.Fatalf("round %d: %d pollers got a session, want exactly 1", round, won)
		}
	}
	var n int
	if err := e.App.Store.SQL().QueryRow("SELECT COUNT(*) FROM sessions WHERE user_id = ? AND console = ?",
		e.ParseID(staff.UserID), true).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 3 {
		t.Fatalf("%d console sessions, want 3 (one per ticket)", n)
	}
}

// TestConsoleTicketMiniProgramCode: with WeChat configured the image is the mini-program code
// that opens the configured page with the ticket id as scene.
func TestConsoleTicketMiniProgramCode(t *testing.T) {
	t.Parallel()
	e := apptest.New(t, apptest.WithWeChat())
	tk := newTicket(t, e)
	if !tk.cookie.Secure {
		t.Errorf("the ticket cookie is not Secure with WeChat configured")
	}
	res := e.Do("GET", tk.ImageURL, nil, withCookies("", tk.cookie)).Want(t, 200)
	if ct := res.Header.Get("Content-Type"); ct != "image/jpeg" {
		t.Fatalf("content type %q", ct)
	}
	scene, page, ok := wechattest.QRCodeInfo(res.Body)
	if !ok || scene != tk.ID || page != e.Config.Console.TicketPage {
		t.Fatalf("the code carries scene %q page %q (ok %v), want %q %q", scene, page, ok, tk.ID, e.Config.Console.TicketPage)
	}
}
