package api_test

// The permission matrix: every route registered in the router, tried by every actor in every
// place, with the exact status and what the body may and may not show. TestPermissionMatrix
// fails naming each route that has no row, and each row whose route no longer exists.
//
// Rows come from one function per capability, listed in matrixRows (matrix_rows_test.go); a new
// capability puts its function in a file of its own (matrix_<capability>_test.go) and adds it
// to that list. A row looks like this:
//
//	{route: "POST /api/v1/residencies/:id/approve", // METHOD and gin path exactly as registered
//		build: func(x *attempt) call { return call{path: "/api/v1/residencies/" + x.claim() + "/approve"} },
//		want: wants{anon: all(401), user: all(404), residentA1: at(403, 403, 404),
//			captainA1: at(200, 403, 404), captainA2: at(403, 200, 404),
//			staffA: at(200, 200, 404), staffB: at(404, 404, 200), admin: all(200)}},
//
//   - build makes the request for one attempt: x.as is the actor, x.at the place (A1, A2 or
//     B1). It returns the path (with any query) and the JSON body (nil for none); the method is
//     the row's. When the request changes state, build makes fresh resources for it (x.claim()
//     files a new pending claim in x.at, x.role() grants a new captain role there, x.user() a
//     new user, x.name/x.unique fresh names), so that every attempt is independent of the others.
//     Add helpers for your resources as methods of *attempt.
//   - want gives each actor's outcome at A1, A2 and B1: at(a1, a2, b1), or all(s) when it is the
//     same everywhere. Add full (200|full) where the body must show the full phone numbers of
//     people in that place because the actor may have to call them; everywhere else a full number
//     is a leak (bind numbers with x.bindPhone(userID, place) so the matrix knows whose they
//     are). Missing actors expect 0, which fails: write every actor.
//   - place: the three places are building A1 (estate 甲东苑 of community 甲社区), building A2
//     (estate 甲西苑 of 甲社区) and building B1 (estate 乙苑 of 乙社区). A community-level route
//     uses the place's community (A1 and A2 both mean 甲社区).
//   - noPlace: the route has no place (GET /me): one attempt per actor, with want[actor][A1];
//     write all(s).
//   - self: the request changes the caller's own account (logout, profile, phone, deletion,
//     claims): each attempt runs as a fresh copy of the actor, with the same roles and residency.
//   - public: the body may name places of any community (the public directory, the caller's own
//     new claim); otherwise an answer to an actor of 甲社区 must not show 乙社区 (its names
//     contain 乙, its community, estate and building ids), nor the other way round.
//   - binary: a 2xx body is raw bytes (an image), not an envelope.
//   - note: what a second row of the same route tries; check: extra assertions on the answer
//     (build may leave an id for it in x.ref).
//
// The actors are anon (no token), user (logged in, no residency nor role), residentA1 (approved
// resident of A1, with a bound phone), captainA1, captainA2, staffA, staffB and admin. Every
// non-2xx body must be an error envelope, every 2xx one a success envelope (204: empty). The
// fixture (newMatrix) and the helpers of *attempt are in matrix_fixture_test.go.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"linli/app/apptest"
)

// actorID names an actor of the matrix.
type actorID int

// The actors.
const (
	anon actorID = iota
	user
	residentA1
	captainA1
	captainA2
	staffA
	staffB
	admin
	numActors
)

func (a actorID) String() string {
	return [...]string{"anon", "user", "residentA1", "captainA1", "captainA2", "staffA", "staffB", "admin"}[a]
}

// place is where an attempt happens.
type place int

// The places; nowhere is the place of a phone number nobody may see in full.
const (
	A1 place = iota
	A2
	B1
	numPlaces
	nowhere place = -1
)

func (p place) String() string {
	if p == nowhere {
		return "nowhere"
	}
	return [...]string{"A1", "A2", "B1"}[p]
}

// outcome is an expected status, optionally with full.
type outcome int

// full marks an outcome whose body must show the full phone numbers of people in the place.
const full outcome = 1 << 12

// wants holds each actor's outcomes at A1, A2 and B1.
type wants [numActors][numPlaces]outcome

func all(s outcome) [numPlaces]outcome { return [numPlaces]outcome{s, s, s} }

func at(a1, a2, b1 outcome) [numPlaces]outcome { return [numPlaces]outcome{a1, a2, b1} }

// call is the request of one attempt.
type call struct {
	path string
	body any
	// opts adjust the request further (a cookie the route needs).
	opts []apptest.Req
}

// row is one line of the matrix; see the comment at the top of the file.
type row struct {
	route   string
	note    string
	build   func(x *attempt) call
	want    wants
	noPlace bool
	self    bool
	public  bool
	binary  bool
	check   func(x *attempt, res *apptest.Response)
}

func (r row) method() string  { m, _, _ := strings.Cut(r.route, " "); return m }
func (r row) pattern() string { _, p, _ := strings.Cut(r.route, " "); return p }

func (r row) name() string {
	if r.note == "" {
		return r.route
	}
	return r.route + " (" + r.note + ")"
}

// mxCommunity is one community of the fixture: 0 is 甲社区, 1 is 乙社区.
type mxCommunity struct {
	id, name, marker string
	// ids are its ids by the key that carries them ("community_id", "estate_id",
	// "building_id"), for the leak check.
	ids map[string]map[string]bool
}

// mxPlace is where a place is.
type mxPlace struct {
	community        int
	estate, building string
}

// mxActor is a logged-in (or anonymous) user of the matrix.
type mxActor struct {
	id            actorID
	token, userID string
	// home is the community the actor belongs to (-1: none, the leak check is off).
	home int
	// calls are the places whose people the actor may have to call (full phone numbers).
	calls []place
	// lives is where the actor is an approved resident (nowhere: no residency).
	lives place
}

// matrix is the fixture shared by every attempt.
type matrix struct {
	e      *apptest.Env
	comms  [2]mxCommunity
	places [numPlaces]mxPlace
	actors [numActors]*mxActor
	seq    atomic.Int64
	mu     sync.Mutex
	phones map[string]place // every bound number and whose place it is
}

// attempt is one actor trying one row in one place.
type attempt struct {
	*matrix
	t  *testing.T
	as *mxActor
	at place
	// ref is whatever build leaves for check.
	ref string
}

func TestPermissionMatrix(t *testing.T) {
	t.Parallel()
	m := newMatrix(t)
	rows := matrixRows()
	covered := map[string]bool{}
	for _, r := range rows {
		covered[r.route] = true
	}
	registered := map[string]bool{}
	var missing []string
	for _, ri := range m.e.App.API.Routes() { // with the ops and documentation routes left out
		if ri.Path == "/healthz" || ri.Path == "/readyz" || strings.HasPrefix(ri.Path, "/api/docs") {
			continue
		}
		key := ri.Method + " " + ri.Path
		registered[key] = true
		if !covered[key] {
			missing = append(missing, key)
		}
	}
	slices.Sort(missing)
	for _, k := range missing {
		t.Errorf("route %s has no row in the permission matrix (api/matrix_rows_test.go)", k)
	}
	for _, r := range rows {
		if !registered[r.route] {
			t.Errorf("matrix row %q names a route the router does not have", r.name())
		}
	}
	for _, r := range rows {
		t.Run(r.name(), func(t *testing.T) {
			t.Parallel()
			for a := range numActors {
				for p := range numPlaces {
					if r.noPlace && p != A1 {
						break
					}
					m.try(t, r, a, p)
				}
			}
		})
	}
}

// try runs one attempt and checks its status and body.
func (m *matrix) try(t *testing.T, r row, a actorID, p place) {
	t.Helper()
	as := m.actors[a]
	if r.self && a != anon {
		as = m.newActor(t, a, fmt.Sprintf("copy-%s-%d", a, m.seq.Add(1)))
	}
	x := &attempt{matrix: m, t: t, as: as, at: p}
	c := r.build(x)
	label := fmt.Sprintf("%s as %s", r.name(), a)
	if !r.noPlace {
		label += " at " + p.String()
	}
	if !matchRoute(r.pattern(), c.path) {
		t.Fatalf("%s: the row builds %s, which is not its route", label, c.path)
	}
	var opts []apptest.Req
	if as.token != "" {
		opts = append(opts, apptest.Token(as.token))
	}
	res := m.e.Do(r.method(), c.path, c.body, append(opts, c.opts...)...)
	want := r.want[a][p]
	if res.Status != int(want&^full) {
		t.Errorf("%s: status %d, want %d; body %s", label, res.Status, want&^full, clip(res.Body))
	}
	if !r.binary || res.Status >= 300 {
		checkEnvelope(t, label, res)
	}
	m.checkPhones(t, label, as, want&full != 0 && res.Status < 300, res.Body)
	if !r.public {
		m.checkForeign(t, label, as, res.Body)
	}
	if r.check != nil {
		r.check(x, res)
	}
}

// matchRoute reports whether path (with any query) is an instance of the gin pattern.
func matchRoute(pattern, path string) bool {
	path, _, _ = strings.Cut(path, "?")
	ps, ss := strings.Split(pattern, "/"), strings.Split(path, "/")
	for i, seg := range ps {
		if strings.HasPrefix(seg, "*") {
			return len(ss) >= i
		}
		if i >= len(ss) || (strings.HasPrefix(seg, ":") && ss[i] == "") || (!strings.HasPrefix(seg, ":") && seg != ss[i]) {
			return false
		}
	}
	return len(ps) == len(ss)
}

// checkEnvelope: 204 is empty, other 2xx a success envelope, everything else an error envelope.
func checkEnvelope(t *testing.T, label string, res *apptest.Response) {
	t.Helper()
	var env struct {
		Code      *int            `json:"code"`
		Message   string          `json:"message"`
		RequestID string          `json:"request_id"`
		Data      json.RawMessage `json:"data"`
	}
	switch {
	case res.Status == 204:
		if len(res.Body) != 0 {
			t.Errorf("%s: 204 with a body: %s", label, res.Body)
		}
	case json.Unmarshal(res.Body, &env) != nil || env.Code == nil:
		t.Errorf("%s: body is not an envelope: %s", label, res.Body)
	case res.Status < 300 && (*env.Code != 0 || env.Data == nil):
		t.Errorf("%s: success without a success envelope: %s", label, res.Body)
	case res.Status >= 300 && (*env.Code == 0 || env.Message == "" || env.RequestID == ""):
		t.Errorf("%s: error without an error envelope: %s", label, res.Body)
	}
}

// checkPhones: a full number may appear only where the row says so (shows), and then only the
// numbers of people in the places the actor may have to call; where shows, at least one does.
func (m *matrix) checkPhones(t *testing.T, label string, as *mxActor, shows bool, body []byte) {
	t.Helper()
	m.mu.Lock()
	defer m.mu.Unlock()
	seen := false
	for phone, p := range m.phones {
		if !bytes.Contains(body, []byte(phone)) {
			continue
		}
		if !shows || !slices.Contains(as.calls, p) {
			t.Errorf("%s: the body shows %s, the full phone number of someone in %v: %s", label, phone, p, clip(body))
		}
		seen = true
	}
	if shows && !seen {
		t.Errorf("%s: the body should show the full phone numbers of people in scope: %s", label, clip(body))
	}
}

// checkForeign: an actor of one community sees nothing of the other: no text with its marker,
// no community, estate or building id of it.
func (m *matrix) checkForeign(t *testing.T, label string, as *mxActor, body []byte) {
	t.Helper()
	if as.home < 0 || len(body) == 0 {
		return
	}
	other := m.comms[1-as.home]
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		return // checkEnvelope has reported it
	}
	var leak string
	var walk func(key string, v any)
	walk = func(key string, v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, c := range v {
				walk(k, c)
			}
		case []any:
			for _, c := range v {
				walk(strings.TrimSuffix(key, "s"), c)
			}
		case string:
			if strings.Contains(v, other.marker) {
				leak = fmt.Sprintf("%q", v)
			} else if other.ids[key][v] {
				leak = key + " " + v
			}
		}
	}
	walk("", v)
	if leak != "" {
		t.Errorf("%s: the body shows %s of %s: %s", label, leak, other.name, clip(body))
	}
}

// clip shortens a body for a message.
func clip(body []byte) string {
	if len(body) > 600 {
		return string(body[:600]) + "…"
	}
	return string(body)
}
