package api_test

// The bad-input test: every endpoint the router registers, sent the classics (empty body, wrong
// types, huge numbers, negative counts, 10,000-character strings, invalid UTF-8, emoji, SQL and
// script fragments, ids of another community, unknown enum values, far-past and far-future
// dates, bad ids in the path, bad query parameters). Each must answer an envelope below 500,
// refuse what is invalid with a 4xx naming the field at fault, and write nothing when it
// refuses (the row count of every table is the same before and after).
//
// Nothing here lists endpoints or fields. The routes come from the router; each field and query
// parameter, with its type and limits, from the OpenAPI document the same route registration
// writes (badinput_doc_test.go); the mutations from those schemas (badinput_cases_test.go). The
// baseline request that a mutation spoils is the permission matrix's row for the route, made
// by an actor the matrix expects to succeed at A1: so every route the matrix covers (all of
// them, or the matrix fails) is covered here, and TestBadInput fails for a route whose baseline
// does not succeed, for an id field without another community's value to try, and for a write
// that has no baseline at all unless noBaseline explains why.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"linli/app/apptest"
	"linli/config"
)

// badShards split the routes over parallel servers of their own.
const badShards = 4

func TestBadInput(t *testing.T) {
	t.Parallel()
	for shard := range badShards {
		t.Run(fmt.Sprintf("shard%d", shard), func(t *testing.T) {
			t.Parallel()
			b := newBadRun(t)
			targets := b.targets(t)
			if shard == 0 {
				b.checkCoverage(t, targets)
			}
			routes := 0
			for i, tg := range targets {
				if i%badShards == shard {
					routes++
					t.Run(tg.key, func(t *testing.T) { b.run(t, tg) })
				}
			}
			t.Logf("%d routes, %d bad requests", routes, b.tried)
		})
	}
}

// badRun is one shard's server: the matrix's world, the document, the tables to count.
type badRun struct {
	*matrix
	doc     *apiDoc
	tables  []string
	mu      sync.Mutex
	foreign map[string]string
	// last is the row counts after the last refused request, while nothing has written since.
	last map[string]int64
	// tried counts the mutated requests sent.
	tried int
}

// target is one route under test.
type target struct {
	key, method, route string
	op                 *docOperation
	rows               []row
}

func newBadRun(t *testing.T) *badRun {
	m := newMatrix(t, func(c *config.Config) {
		l := &c.Limits
		l.ReportPerUser, l.CommentPerUser, l.UploadPerUser, l.SignupPerUser, l.RedeemPerUser = 0, 0, 0, 0, 0
		l.ReportPerIP, l.CommentPerIP, l.UploadPerIP, l.SignupPerIP, l.RedeemPerIP = 0, 0, 0, 0, 0
		l.HelpPerUser, l.DispatchPerUser, l.TransitionPerUser, l.ActivityPerUser = 0, 0, 0, 0
		l.TransferPerUser, l.ProfilePerUser, l.SkillProfilePerUser = 0, 0, 0
		l.HelpOpenPerUser = 0 // every accepted mutation opens a request
		l.HelpPerIP, l.DispatchPerIP, l.TransitionPerIP, l.ActivityPerIP = 0, 0, 0, 0
		l.TransferPerIP, l.ProfilePerIP, l.SkillProfilePerIP = 0, 0, 0
		c.Notify.Templates = map[string]string{"issue_new": badInputTemplate}
	})
	tables, err := m.e.App.Store.Tables()
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(tables)
	return &badRun{matrix: m, doc: loadDoc(t, m.e), tables: tables, foreign: map[string]string{}}
}

// targets are the registered routes (without operations and documentation), with their rows.
func (b *badRun) targets(t *testing.T) []target {
	byRoute := map[string][]row{}
	for _, r := range matrixRows() {
		byRoute[r.route] = append(byRoute[r.route], r)
	}
	var out []target
	for _, ri := range b.e.App.API.Routes() {
		if ri.Path == "/healthz" || ri.Path == "/readyz" || strings.HasPrefix(ri.Path, "/api/docs") ||
			strings.HasPrefix(ri.Path, "/debug/") {
			continue
		}
		key := ri.Method + " " + ri.Path
		out = append(out, target{key: key, method: ri.Method, route: ri.Path, op: b.doc.op(ri.Method, ri.Path), rows: byRoute[key]})
	}
	slices.SortFunc(out, func(a, c target) int { return strings.Compare(a.key, c.key) })
	return out
}

// baseline picks the row and the actor that make the route succeed at A1.
func (b *badRun) baseline(tg target) (row, actorID, bool) {
	for _, r := range tg.rows {
		for _, a := range []actorID{staffA, residentA1, captainA1, admin, user, captainA2, staffB, anon} {
			if w := int(r.want[a][A1] &^ full); w >= 200 && w < 300 {
				return r, a, true
			}
		}
	}
	return row{}, 0, false
}

// checkCoverage: every write and every route with parameters has a baseline (or a reason in
// noBaseline), every id field has another community's value to try, and the list of decimal
// fields names fields that exist.
func (b *badRun) checkCoverage(t *testing.T, targets []target) {
	seenDecimal := map[string]bool{}
	for _, tg := range targets {
		if tg.op == nil {
			t.Errorf("%s is not in the OpenAPI document", tg.key)
			continue
		}
		_, _, ok := b.baseline(target{rows: append(append([]row{}, tg.rows...), extraBaselines(tg.key)...)})
		_, excused := noBaseline[tg.key]
		if !ok && !excused && (tg.method != "GET" || len(b.doc.query(tg.op)) > 0) {
			t.Errorf("%s: no matrix row makes it succeed at A1, so bad input cannot be tried against a working request; "+
				"add such a row or explain in noBaseline", tg.key)
		}
		var walk func(name string, s *docSchema)
		walk = func(name string, s *docSchema) {
			if b.doc.isID(s) {
				if !foreignKnown[name] {
					t.Errorf("%s: id field %q has no value of another community to try: add it to foreignKnown and badRun.foreignValue", tg.key, name)
				}
				return
			}
			s = b.doc.resolve(s)
			if s == nil {
				return
			}
			if decimalFields[name] {
				seenDecimal[name] = true
			}
			for n, p := range s.Properties {
				walk(n, p)
			}
			if s.Items != nil {
				walk(name, s.Items)
			}
		}
		if body := b.doc.body(tg.op); body != nil {
			walk("", body)
		}
	}
	for f := range decimalFields {
		if !seenDecimal[f] {
			t.Errorf("decimalFields names %q, which no request has", f)
		}
	}
	for name, table := range map[string]map[string][]string{"safetyChecked": safetyChecked, "cleanedRequired": cleanedRequired} {
		for key, fields := range table {
			i := slices.IndexFunc(targets, func(tg target) bool { return tg.key == key })
			if i < 0 || targets[i].op == nil {
				t.Errorf("%s names %s, which the router does not document", name, key)
				continue
			}
			body := b.doc.resolve(b.doc.body(targets[i].op))
			for _, f := range fields {
				if body == nil || body.Properties[f] == nil {
					t.Errorf("%s names %s %s, which its request does not have", name, key, f)
				}
			}
		}
	}
}

// run tries the mutations of the route against fresh baselines: every mutation against the
// first working request, and the field and query mutations against each other one (another
// matrix row, or an extra baseline: the same route used another way).
func (b *badRun) run(t *testing.T, tg target) {
	if tg.op == nil {
		t.Skip("not documented (checkCoverage reports it)")
	}
	var ways []row
	for _, r := range append(append([]row{}, tg.rows...), extraBaselines(tg.key)...) {
		if _, _, ok := b.baseline(target{rows: []row{r}}); ok {
			ways = append(ways, r)
		}
	}
	if len(ways) == 0 {
		b.runWay(t, tg, row{}, true)
		return
	}
	for i, r := range ways {
		b.runWay(t, tg, r, i == 0)
	}
}

// runWay tries the mutations against the baseline of one row (r.build nil: none works).
func (b *badRun) runWay(t *testing.T, tg target, r row, all bool) {
	foreign := func(f string) string { return b.foreignValue(t, f) }
	_, a, ok := b.baseline(target{rows: []row{r}})
	var base call
	var as *mxActor
	fresh := func() {
		as = b.actors[a]
		if r.self && a != anon {
			as = b.newActor(t, a, fmt.Sprintf("bad-%s-%d", a, b.seq.Add(1)))
		}
		base = r.build(&attempt{matrix: b.matrix, t: t, as: as, at: A1})
		b.last = nil
	}
	if ok {
		fresh()
		res := b.send(t, tg.method, base.path, base.body, as, mutation{}, r, base.opts)
		if res.Status != want(r, a) {
			t.Fatalf("baseline %s as %s: status %d, want %d: %s", r.name(), a, res.Status, want(r, a), clip(res.Body))
		}
		if all && (tg.method == "PUT" || tg.method == "PATCH") {
			// The same change again: nothing to change is no failure.
			if again := b.send(t, tg.method, base.path, base.body, as, mutation{}, r, base.opts); again.Status != want(r, a) {
				t.Errorf("baseline %s as %s sent twice: status %d the second time: %s", r.name(), a, again.Status, clip(again.Body))
			}
		}
		fresh()
	} else {
		base = call{path: tg.route}
		for _, seg := range strings.Split(base.path, "/") {
			if strings.HasPrefix(seg, ":") {
				base.path = strings.Replace(base.path, seg, "1", 1)
			}
		}
		as = b.actors[staffA]
	}
	// encode is the baseline's body, the template every body mutation edits.
	encode := func() []byte {
		if base.body == nil {
			return []byte("{}")
		}
		b, _ := json.Marshal(base.body)
		return b
	}
	baseJSON := encode()
	var sent map[string]any
	_ = json.Unmarshal(baseJSON, &sent)
	var muts []mutation
	body := b.doc.body(tg.op)
	switch {
	case !all:
	case b.doc.isMultipart(tg.op):
		muts = append(muts, uploadMutations()...)
	case body == nil && tg.method != "GET":
		muts = append(muts, mutation{name: "cut JSON to a route without a body", raw: &apptest.Raw{ContentType: "application/json", Body: `{"a":`}},
			mutation{name: "2 MB body to a route without a body", expect: exactly, status: 413,
				raw: &apptest.Raw{ContentType: "application/json", Body: strings.Repeat(" ", 2<<20)}})
	}
	if body != nil {
		for _, mu := range b.doc.bodyMutations(body, baseJSON, foreign) {
			if all || mu.keys != nil {
				muts = append(muts, mu)
			}
		}
	}
	muts = append(muts, b.doc.queryMutations(b.doc.query(tg.op), foreign)...)
	if all {
		muts = append(muts, pathMutations(tg.route)...)
	}
	for _, mu := range muts {
		if _, allowed := foreignAllowed[tg.key+" "+mu.field]; allowed && mu.ifUsed {
			mu.expect = mayPass
		}
		switch {
		case mu.text == textRisky && slices.Contains(safetyChecked[tg.key], mu.field):
			mu.expect, mu.status = exactly, 422
		case mu.text == textInvisible && slices.Contains(cleanedRequired[tg.key], mu.field):
			mu.expect = invalid
		}
		if mu.text != textPlain && mu.expect != mayPass && slices.Contains(excludedBy[tg.key], mu.field) && (sent == nil || sent[mu.field] == nil) {
			// The baseline uses the route the other way (a claim by household_id, where room
			// is excluded): the text is refused either way, by its check or as a field too many.
			mu.expect = refused
		}
		if mu.ifUsed && (sent == nil || sent[mu.field] == nil) {
			mu.expect = mayPass // the request does not use the field: an odd id in it may be ignored
		}
		if !ok && mu.expect == invalid {
			mu.expect = refused // no working request: the route may refuse before it reads the field
		}
		path, reqBody := apply(t, base, baseJSON, mu)
		res := b.send(t, tg.method, path, reqBody, as, mu, r, base.opts)
		if res.Status < 300 && mu.ifUsed {
			// Accepted where that is allowed (a role given to another community's user): the
			// value now belongs to this community too, so later routes get a fresh one.
			b.mu.Lock()
			delete(b.foreign, mu.field)
			b.mu.Unlock()
		}
		if res.Status < 300 && tg.method != "GET" && ok {
			fresh() // the mutation took effect: the next one needs a fresh baseline
			baseJSON = encode()
		}
	}
}

// apply makes the request of a mutation from the baseline.
func apply(t *testing.T, base call, baseJSON []byte, mu mutation) (string, any) {
	path := base.path
	if mu.path != nil {
		path = mu.path(path)
	}
	if mu.query != nil {
		p, q, _ := strings.Cut(path, "?")
		vals, _ := url.ParseQuery(q)
		for k, v := range mu.query {
			vals[k] = v
		}
		path = p + "?" + vals.Encode()
	}
	switch {
	case mu.raw != nil:
		return path, *mu.raw
	case mu.keys != nil || mu.build != nil:
		var doc map[string]any
		if err := json.Unmarshal(baseJSON, &doc); err != nil || doc == nil {
			doc = map[string]any{}
		}
		if mu.build != nil {
			mu.build(doc)
		} else {
			doc = setAt(doc, mu.keys, mu.value).(map[string]any)
		}
		out, err := json.Marshal(doc)
		if err != nil {
			t.Fatalf("marshal %s: %v", mu.name, err)
		}
		if mu.utf8 {
			out = bytes.ReplaceAll(out, []byte(badUTF8Marker), []byte("a\xff\xfe\xc0\x80b"))
		}
		return path, apptest.Raw{ContentType: "application/json", Body: string(out)}
	}
	return path, base.body
}

// setAt sets v at keys inside doc (maps by string keys, arrays by int indexes), creating what
// is missing.
func setAt(doc any, keys []any, v any) any {
	if len(keys) == 0 {
		return v
	}
	switch k := keys[0].(type) {
	case string:
		m, _ := doc.(map[string]any)
		if m == nil {
			m = map[string]any{}
		}
		m[k] = setAt(m[k], keys[1:], v)
		return m
	case int:
		a, _ := doc.([]any)
		for len(a) <= k {
			a = append(a, nil)
		}
		a[k] = setAt(a[k], keys[1:], v)
		return a
	}
	return doc
}

// send makes the request (with the baseline's extra options, extra), checks the answer against
// the mutation, and that a refusal wrote nothing.
func (b *badRun) send(t *testing.T, method, path string, body any, as *mxActor, mu mutation, r row, extra []apptest.Req) *apptest.Response {
	t.Helper()
	var before map[string]int64
	if method != "GET" && mu.name != "" {
		before = b.last
		if before == nil {
			before = b.counts(t)
		}
	}
	var opts []apptest.Req
	if as.token != "" {
		opts = append(opts, apptest.Token(as.token))
	}
	opts = append(opts, extra...)
	start := time.Now()
	res := b.e.Do(method, path, body, opts...)
	if method != "GET" {
		b.last = nil
	}
	if mu.name == "" {
		return res
	}
	b.tried++
	label := fmt.Sprintf("%s %s as %s [%s]", method, path, as.id, mu.name)
	if len(label) > 300 {
		label = label[:300] + "…"
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("%s: took %s", label, d)
	}
	if res.Status >= 500 {
		t.Errorf("%s: status %d: %s", label, res.Status, clip(res.Body))
		return res
	}
	if res.Status >= 300 {
		checkEnvelope(t, label, res)
	}
	switch mu.expect {
	case refused:
		if res.Status < 400 {
			t.Errorf("%s: accepted (%d), want a 4xx: %s", label, res.Status, clip(res.Body))
		}
	case invalid:
		if res.Status != 400 {
			t.Errorf("%s: status %d, want 400: %s", label, res.Status, clip(res.Body))
		}
	case exactly:
		if res.Status != mu.status {
			t.Errorf("%s: status %d, want %d: %s", label, res.Status, mu.status, clip(res.Body))
		}
	}
	if res.Status == 400 && mu.field != "" && mu.expect != mayPass {
		var eb apptest.ErrorBody
		_ = json.Unmarshal(res.Body, &eb)
		named := false
		for _, f := range eb.Fields {
			named = named || f.Field == mu.field || strings.HasPrefix(f.Field, mu.field+"[") || strings.HasPrefix(f.Field, mu.field+".")
		}
		if !named {
			t.Errorf("%s: the 400 does not name %s: %s", label, mu.field, clip(res.Body))
		}
	}
	if before != nil && res.Status >= 400 {
		after := b.counts(t)
		for _, tb := range b.tables {
			if after[tb] != before[tb] {
				t.Errorf("%s: refused (%d) but %s went from %d to %d rows", label, res.Status, tb, before[tb], after[tb])
			}
		}
		b.last = after
	}
	if method == "GET" && res.Status < 300 && !r.public && !r.binary {
		b.checkForeign(t, label, as, res.Body)
	}
	return res
}

// counts is the row count of every table, counted over a few connections at once.
func (b *badRun) counts(t *testing.T) map[string]int64 {
	t.Helper()
	out := make(map[string]int64, len(b.tables))
	var mu sync.Mutex
	var failed error
	var wg sync.WaitGroup
	next := make(chan string)
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for tb := range next {
				n, err := b.e.App.Store.Count(context.Background(), tb, "")
				mu.Lock()
				out[tb] = n
				if err != nil {
					failed = fmt.Errorf("count %s: %w", tb, err)
				}
				mu.Unlock()
			}
		}()
	}
	for _, tb := range b.tables {
		next <- tb
	}
	close(next)
	wg.Wait()
	if failed != nil {
		t.Fatal(failed)
	}
	return out
}

// want is the status the row expects of the actor at A1.
func want(r row, a actorID) int { return int(r.want[a][A1] &^ full) }
