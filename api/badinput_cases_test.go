package api_test

// The classics the bad-input test sends (see badinput_test.go): derived from each field's
// schema in the OpenAPI document, so that a new field or endpoint gets them without a line
// here. Each mutation says what must come back.

import (
	"fmt"
	"math"
	"net/url"
	"slices"
	"strings"

	"linli/app/apptest"
)

// expect is what a mutated request must answer.
type expect int

const (
	// mayPass: any status below 500; a 4xx writes nothing.
	mayPass expect = iota
	// refused: a 4xx that writes nothing; a 400 with fields names the field at fault.
	refused
	// invalid: a 400 that names the field at fault (when there is one) and writes nothing.
	invalid
	// exactly: the status in mutation.status, and nothing written.
	exactly
)

// mutation is one bad request derived from a baseline request that succeeds.
type mutation struct {
	name   string
	field  string // the field at fault; "" for the whole body
	expect expect
	status int // for exactly
	// Exactly one of the following changes the baseline.
	keys  []any                     // set the value at this path of the JSON body (string keys, int indexes)
	value any                       // … to this value
	raw   *apptest.Raw              // replace the body
	query url.Values                // set these query parameters (sent escaped)
	path  func(path string) string  // rewrite the path
	utf8  bool                      // value is a string whose placeholder becomes invalid UTF-8
	build func(base map[string]any) // edit the whole body (for several keys at once)
	// ifUsed: the expectation holds only when the baseline sends the field (an id that does
	// not exist, or is another community's, may be ignored where the request does not use it).
	ifUsed bool
	// text marks a text mutation whose expectation depends on the route's field: textRisky is
	// refused (422) where content safety checks the field (safetyChecked), textInvisible (no
	// visible character) is refused (400) where the field is required once cleaned
	// (cleanedRequired).
	text textKind
}

// textKind says which route-dependent text mutation a mutation is.
type textKind int

const (
	textPlain textKind = iota
	textRisky
	textInvisible
)

// The texts of the route-dependent mutations: a word the dev word list calls risky, and a
// string of nothing but zero-width, bidi and filler characters.
const (
	riskyWord     = "赌博"
	invisibleOnly = "\u200b\u200c\u200d\u2060\ufeff\u202e\u2066\u3164"
)

// safetyChecked are the text fields content safety checks, by route: the risky word there is
// a 422 that writes nothing.
var safetyChecked = map[string][]string{
	"PATCH /api/v1/me":                      {"nickname"},
	"POST /api/v1/me/residencies":           {"room"},
	"POST /api/v1/transfers":                {"memo"},
	"POST /api/v1/issues":                   {"description", "location"},
	"POST /api/v1/issues/:id/transitions":   {"note"},
	"POST /api/v1/issues/:id/comments":      {"body"},
	"POST /api/v1/issues/:id/rating":        {"comment"},
	"POST /api/v1/dispatches":               {"note"},
	"POST /api/v1/dispatches/:id/decline":   {"reason"},
	"POST /api/v1/dispatches/:id/cancel":    {"reason"},
	"POST /api/v1/communities/:id/rewards":  {"name", "description", "merchant_name"},
	"PATCH /api/v1/rewards/:id":             {"name", "description", "merchant_name"},
	"POST /api/v1/communities/:id/accounts": {"name"},
	"PATCH /api/v1/accounts/:id":            {"name"},
	"POST /api/v1/teams":                    {"name", "description"},
	"POST /api/v1/postings/:id/reverse":     {"reason"},
	"POST /api/v1/activities":               {"title", "place", "description"},
	"PUT /api/v1/me/skill-profile":          {"intro"},
	"POST /api/v1/help-requests":            {"description"},
}

// excludedBy are the fields a route refuses next to another way of asking (validate
// excluded_with), by route: a baseline of the other way gets a 400 for them, whatever they hold.
var excludedBy = map[string][]string{
	"POST /api/v1/me/residencies": {"building_id", "room"},
}

// cleanedRequired are the fields that must keep a visible character once cleaned, by route:
// nothing but invisible characters there is a 400 naming the field.
var cleanedRequired = map[string][]string{
	"PATCH /api/v1/me":                      {"nickname"},
	"POST /api/v1/me/residencies":           {"room"},
	"POST /api/v1/communities/:id/accounts": {"name"},
	"PATCH /api/v1/accounts/:id":            {"name"},
	"POST /api/v1/teams":                    {"name"},
	"POST /api/v1/communities/:id/rewards":  {"name"},
	"PATCH /api/v1/rewards/:id":             {"name"},
	"POST /api/v1/postings/:id/reverse":     {"reason"},
	"POST /api/v1/dispatches/:id/decline":   {"reason"},
}

// hostileURLs are links no URL field takes: scripts, inline data, plain http, file and other
// schemes, addresses inside the network, credentials in the host.
var hostileURLs = []string{"javascript:alert(document.cookie)", "data:text/html;base64,PHNjcmlwdD4=",
	"http://thirdwx.qlogo.cn/a.png", "https://169.254.169.254/latest/meta-data/", "https://[fe80::1]/a.png",
	"https://127.0.0.1/a.png", "file:///etc/passwd", "https://thirdwx.qlogo.cn@evil.example.com/a.png"}

// The strings every text field is sent.
const (
	sqlFragment    = `'; DROP TABLE users; -- " OR 1=1 /*`
	scriptFragment = `<script>alert(document.cookie)</script><img src=x onerror=alert(1)>`
	emoji          = "👨‍👩‍👧‍👦🔥💯🇨🇳𠀋"
	badUTF8Marker  = "BAD-UTF8-PLACEHOLDER"
	huge           = "99999999999999999999"      // beyond uint64
	maxUint64      = "18446744073709551615"      // a valid uint64 above int64
	farPast        = "0001-01-01T00:00:00Z"      // before every DATETIME range
	farFuture      = "9999-12-31T23:59:59-12:00" // year 10000 in UTC
)

// decimalFields are string fields that carry points (decimal strings of hundredths).
var decimalFields = map[string]bool{"points": true, "price": true, "points_per_hour": true}

func long10k() string { return strings.Repeat("长", 10000) }

// bodyMutations are the classics for every field of a JSON body schema, and for the body as a
// whole. foreign gives another community's value of an id field ("" when none is known).
func (d *apiDoc) bodyMutations(body *docSchema, baseline []byte, foreign func(field string) string) []mutation {
	var out []mutation
	required := len(body.Required) > 0
	wholeBody := func(name, raw string, e expect, status int, ct string) {
		if ct == "" {
			ct = "application/json"
		}
		out = append(out, mutation{name: name, expect: e, status: status, raw: &apptest.Raw{ContentType: ct, Body: raw}})
	}
	emptyExpect := mayPass
	if required {
		emptyExpect = invalid
	}
	wholeBody("empty body", "", emptyExpect, 0, "")
	wholeBody("null body", "null", emptyExpect, 0, "")
	wholeBody("array body", "[]", invalid, 0, "")
	wholeBody("string body", `"x"`, invalid, 0, "")
	wholeBody("cut JSON", `{"a":`, invalid, 0, "")
	wholeBody("two objects", string(baseline)+"{}", invalid, 0, "")
	wholeBody("nested 20000 deep", `{"x":`+strings.Repeat("[", 20000)+strings.Repeat("]", 20000)+`}`, invalid, 0, "")
	wholeBody("text/plain", string(baseline), exactly, 415, "text/plain")
	wholeBody("2 MB body", `{"x":"`+strings.Repeat("a", 2<<20)+`"}`, exactly, 413, "")
	out = append(out, mutation{name: "unknown field", build: func(b map[string]any) { b["no_such_field"] = sqlFragment }})
	names := make([]string, 0, len(body.Properties))
	for n := range body.Properties {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		out = append(out, d.fieldMutations(n, []any{n}, body.Properties[n], foreign)...)
	}
	return out
}

// fieldMutations are the classics for one field at keys, named top for the fields check.
func (d *apiDoc) fieldMutations(top string, keys []any, s *docSchema, foreign func(string) string) []mutation {
	var out []mutation
	leaf := fmt.Sprint(keys[len(keys)-1])
	if _, isIndex := keys[len(keys)-1].(int); isIndex {
		leaf = top
	}
	add := func(name string, v any, e expect) {
		out = append(out, mutation{name: fmt.Sprintf("%s = %s", pathName(keys), name), field: top, expect: e,
			keys: keys, value: v})
	}
	addIfUsed := func(name string, v any) {
		add(name, v, refused)
		out[len(out)-1].ifUsed = true
	}
	isID := d.isID(s)
	s = d.resolve(s)
	if s == nil {
		return nil
	}
	switch {
	case isID:
		for _, v := range []any{"abc", "-1", huge, "1e3", 12.5, true, map[string]any{"id": 1}, []any{"1"}} {
			add(fmt.Sprintf("%#v", v), v, invalid)
		}
		add("0", "0", mayPass)
		add(maxUint64, maxUint64, invalid)
		addIfUsed(fmt.Sprint(uint64(math.MaxInt64)), fmt.Sprint(uint64(math.MaxInt64)))
		if f := foreign(leaf); f != "" {
			addIfUsed("another community's "+leaf+" "+f, f)
		}
	case s.Type == "string" && len(s.Enum) > 0:
		add(`"no_such_value"`, "no_such_value", invalid)
		add("10,000 characters", long10k(), invalid)
		add("a number", 3, invalid)
		add("SQL", sqlFragment, invalid)
	case s.Type == "string" && (s.Format == "date-time" || strings.HasSuffix(leaf, "_at")):
		for _, v := range []any{"not a date", "2024-02-30T25:61:00+08:00", 20240101, "2024-05-01"} {
			add(fmt.Sprintf("%#v", v), v, invalid)
		}
		add(`"" (no time)`, "", mayPass)
		add("far past "+farPast, farPast, refused)
		add("far future "+farFuture, farFuture, refused)
		add("year 9999", "9999-12-31T00:00:00+08:00", refused)
	case s.Type == "string" && decimalFields[leaf]:
		for _, v := range []any{"-1", "0.001", "1e309", "NaN", "Infinity", "99999999999", "1,5", 1.5} {
			add(fmt.Sprintf("%#v", v), v, refused)
		}
	case s.Type == "string":
		add("a number", 12345, invalid)
		add("a boolean", true, invalid)
		add("an array", []any{"a"}, invalid)
		if s.MaxLength != nil && *s.MaxLength < 10000 {
			add("10,000 characters", long10k(), invalid)
		} else {
			add("10,000 characters", long10k(), mayPass)
		}
		add("emoji", emoji, mayPass)
		add("SQL", sqlFragment, mayPass)
		add("script", scriptFragment, mayPass)
		add("NUL and controls", "a\x00b\x1b[31mc\u202e", mayPass)
		add("blank", "   ", mayPass)
		add("zero-width, bidi and fillers only", invisibleOnly, mayPass)
		out[len(out)-1].text = textInvisible
		add("a risky word", riskyWord, mayPass)
		out[len(out)-1].text = textRisky
		if s.Format == "uri" {
			for _, u := range hostileURLs {
				add(fmt.Sprintf("%.40q", u), u, invalid)
			}
		}
		out = append(out, mutation{name: pathName(keys) + " = invalid UTF-8", field: top, expect: mayPass, keys: keys,
			value: badUTF8Marker, utf8: true})
	case s.Type == "integer" || s.Type == "number":
		for _, v := range []any{"abc", "12", 1.5, 1e30, json9223372036854775808{}, json9223372036854775808{neg: true}, true} {
			add(fmt.Sprintf("%v", v), v, invalid)
		}
		if s.Minimum != nil && *s.Minimum >= 0 {
			add("-1", -1, invalid)
		} else {
			add("-1", -1, mayPass)
		}
		if s.Maximum != nil {
			add(fmt.Sprint(int64(*s.Maximum)+1), int64(*s.Maximum)+1, invalid)
		}
	case s.Type == "boolean":
		for _, v := range []any{"yes", 1, []any{}} {
			add(fmt.Sprintf("%#v", v), v, invalid)
		}
	case s.Type == "array":
		add(`"x"`, "x", invalid)
		add("an object", map[string]any{"a": 1}, invalid)
		if s.MaxItems != nil {
			n := int(*s.MaxItems) + 1
			items := make([]any, n)
			for i := range items {
				items[i] = fmt.Sprint(i + 1)
			}
			if d.resolve(s.Items) != nil && d.resolve(s.Items).Type == "object" {
				for i := range items {
					items[i] = map[string]any{}
				}
			}
			add(fmt.Sprintf("%d items", n), items, invalid)
		}
		if s.Items != nil {
			out = append(out, d.fieldMutations(top, append(append([]any{}, keys...), 0), s.Items, foreign)...)
		}
	case s.Type == "object":
		add(`"x"`, "x", invalid)
		names := make([]string, 0, len(s.Properties))
		for n := range s.Properties {
			names = append(names, n)
		}
		slices.Sort(names)
		for _, n := range names {
			out = append(out, d.fieldMutations(top, append(append([]any{}, keys...), n), s.Properties[n], foreign)...)
		}
	}
	return out
}

// json9223372036854775808 marshals as 2^63 (or -2^63-1): one past the int64 range.
type json9223372036854775808 struct{ neg bool }

func (v json9223372036854775808) MarshalJSON() ([]byte, error) {
	if v.neg {
		return []byte("-9223372036854775809"), nil
	}
	return []byte("9223372036854775808"), nil
}

func (v json9223372036854775808) String() string {
	b, _ := v.MarshalJSON()
	return string(b)
}

// queryMutations are the classics for each query parameter.
func (d *apiDoc) queryMutations(params []docParam, foreign func(string) string) []mutation {
	var out []mutation
	for _, p := range params {
		s := p.Schema
		isID := d.isID(s) || strings.HasSuffix(p.Name, "_id")
		s = d.resolve(s)
		if s == nil {
			continue
		}
		add := func(v string, e expect) {
			out = append(out, mutation{name: fmt.Sprintf("?%s=%.40q", p.Name, v), field: p.Name, expect: e,
				query: url.Values{p.Name: {v}}})
		}
		switch {
		case p.Name == "cursor":
			for _, v := range []string{"abc", "-1", huge, maxUint64, "0", sqlFragment, "%FF", strings.Repeat("9", 64)} {
				add(v, mayPass)
			}
			add(strings.Repeat("a", 10000), invalid)
		case isID:
			for _, v := range []string{"abc", "-1", huge, "1e3", sqlFragment} {
				add(v, invalid)
			}
			add(maxUint64, mayPass)
			if f := foreign(p.Name); f != "" {
				add(f, mayPass)
			}
		case s.Type == "integer":
			for _, v := range []string{"abc", "-1", "1.5", huge, "1e3", ""} {
				if v == "" {
					add(v, mayPass)
					continue
				}
				add(v, invalid)
			}
			if s.Maximum != nil {
				add(fmt.Sprint(int64(*s.Maximum)+1), invalid)
			}
		case s.Type == "boolean":
			add("maybe", invalid)
			add("2", invalid)
		case len(s.Enum) > 0:
			add("no_such_value", invalid)
			add(strings.Repeat("a", 10000), invalid)
		default:
			if s.MaxLength != nil && *s.MaxLength < 10000 {
				add(strings.Repeat("a", 10000), invalid)
			}
			for _, v := range []string{sqlFragment, scriptFragment, emoji, "\xff\xfe", "a\x00b", "2024-13", "0001-01", "9999-12",
				"0000-00-00", "9999-12-31"} {
				add(v, mayPass)
			}
		}
	}
	return out
}

// pathMutations replace each id in the path with the classics: never a 2xx, never a 5xx.
func pathMutations(route string) []mutation {
	var out []mutation
	segs := strings.Split(route, "/")
	for i, s := range segs {
		if !strings.HasPrefix(s, ":") {
			continue
		}
		for _, v := range []string{"abc", "0", "-1", huge, maxUint64, "9223372036854775807", "1%20OR%201=1", "%F0%9F%98%80", "1.5", "0x10"} {
			i, v := i, v
			out = append(out, mutation{name: fmt.Sprintf("path %s = %s", s, v), expect: refused, path: func(p string) string {
				ps := strings.Split(p, "/")
				if i < len(ps) {
					ps[i] = v
				}
				return strings.Join(ps, "/")
			}})
		}
	}
	return out
}

// uploadMutations are the classics for the multipart upload.
func uploadMutations() []mutation {
	var out []mutation
	for _, c := range []struct {
		name, ct, body string
	}{
		{"empty body", "multipart/form-data", ""},
		{"no boundary", "multipart/form-data", "--x\r\n\r\n"},
		{"cut multipart", "multipart/form-data; boundary=x", "--x\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.jpg\"\r\n\r\n\xff\xd8"},
		{"wrong field", "multipart/form-data; boundary=x", "--x\r\nContent-Disposition: form-data; name=\"photo\"; filename=\"a.png\"\r\n\r\nabc\r\n--x--\r\n"},
		{"not an image", "multipart/form-data; boundary=x", "--x\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.png\"\r\n\r\n" + sqlFragment + "\r\n--x--\r\n"},
		{"JSON", "application/json", `{"file":"x"}`},
		{"emoji file name", "multipart/form-data; boundary=x", "--x\r\nContent-Disposition: form-data; name=\"file\"; filename=\"" + emoji + "\xff.png\"\r\n\r\n\x89PNG\r\n--x--\r\n"},
	} {
		out = append(out, mutation{name: c.name, expect: refused, raw: &apptest.Raw{ContentType: c.ct, Body: c.body}})
	}
	return out
}

func pathName(keys []any) string {
	var b strings.Builder
	for i, k := range keys {
		switch k := k.(type) {
		case int:
			fmt.Fprintf(&b, "[%d]", k)
		default:
			if i > 0 {
				b.WriteByte('.')
			}
			fmt.Fprint(&b, k)
		}
	}
	return b.String()
}
