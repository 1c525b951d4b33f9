package api

import (
	"bytes"
	"encoding/json"
	"math"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	gojson "github.com/goccy/go-json"

	"linli/clock"
)

// TestFastJSONMatchesEncodingJSON: ok() encodes with goccy/go-json; for the success body of
// every route in the OpenAPI document, filled with random values (HTML and control characters,
// line separators, Chinese, huge and tiny floats, nil and empty slices, maps, pointers, times
// in several zones), the bytes are exactly what encoding/json writes. Two differences were
// found, neither possible in an answer (see fill): the order of map keys that JSON escapes
// (invalid UTF-8, HTML characters, quotes …), and exponents of floats below 1e-6 or from 1e21.
func TestFastJSONMatchesEncodingJSON(t *testing.T) {
	t.Parallel()
	a := testAPI(t)
	if len(a.docs.bodies) < 50 {
		t.Fatalf("only %d documented bodies", len(a.docs.bodies))
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for _, body := range a.docs.bodies {
		typ := reflect.TypeOf(body).Elem()
		for range 40 {
			v := reflect.New(typ)
			fill(rng, v.Elem(), 0)
			want, err1 := json.Marshal(v.Interface())
			got, err2 := gojson.Marshal(v.Interface())
			if (err1 == nil) != (err2 == nil) || !bytes.Equal(want, got) {
				t.Fatalf("%s:\nencoding/json: %s (%v)\ngo-json:       %s (%v)", typ, want, err1, got, err2)
			}
		}
	}
}

var fillStrings = []string{"", "居民 张三", `<script>alert("x")</script> & co`, "line\u2028sep\u2029", "tab\tnew\nline\x01\x7f",
	"\\back\"quote", "emoji 😀", "12.50", "\xff invalid utf8"}

// escapedKey reports whether JSON writes a map key other than as its bytes.
func escapedKey(k string) bool {
	return !utf8.ValidString(k) || strings.ContainsFunc(k, func(r rune) bool {
		return r < 0x20 || r == '"' || r == '\\' || r == '<' || r == '>' || r == '&' || r == '\u2028' || r == '\u2029'
	})
}

// fill sets v (settable) to a random value, recursing into exported fields.
func fill(rng *rand.Rand, v reflect.Value, depth int) {
	if v.Type() == reflect.TypeOf(time.Time{}) {
		zones := []*time.Location{time.UTC, clock.China, time.FixedZone("X", -3*3600-1800)}
		t := time.Unix(rng.Int64N(4e9), rng.Int64N(1e9)).In(zones[rng.IntN(len(zones))])
		v.Set(reflect.ValueOf(t))
		return
	}
	switch v.Kind() {
	case reflect.String:
		v.SetString(fillStrings[rng.IntN(len(fillStrings))])
	case reflect.Bool:
		v.SetBool(rng.IntN(2) == 1)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		v.SetInt(int64(rng.Uint64()) >> (64 - v.Type().Bits()))
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		v.SetUint(rng.Uint64() >> (64 - v.Type().Bits()))
	case reflect.Float32, reflect.Float64:
		// The answers' floats are rates rounded to four decimals and ratings of 1–5: the two
		// differ in exponent notation only below 1e-6 and from 1e21 on ("1e-07" vs "1e-7").
		fs := []float64{0, 1, -0.5, 0.0538, 0.0001, 4.5, 123456.789, math.Round(rng.Float64()*1e4) / 1e4}
		v.SetFloat(fs[rng.IntN(len(fs))])
	case reflect.Pointer:
		if depth < 6 && rng.IntN(3) > 0 {
			p := reflect.New(v.Type().Elem())
			fill(rng, p.Elem(), depth+1)
			v.Set(p)
		}
	case reflect.Slice:
		if depth >= 6 || rng.IntN(4) == 0 {
			return // nil
		}
		n := rng.IntN(4)
		s := reflect.MakeSlice(v.Type(), n, n)
		for i := range n {
			fill(rng, s.Index(i), depth+1)
		}
		v.Set(s)
	case reflect.Map:
		if depth >= 6 || rng.IntN(4) == 0 {
			return
		}
		m := reflect.MakeMap(v.Type())
		for range rng.IntN(4) {
			k, e := reflect.New(v.Type().Key()).Elem(), reflect.New(v.Type().Elem()).Elem()
			fill(rng, k, depth+1)
			if k.Kind() == reflect.String && escapedKey(k.String()) {
				// The one difference found: the two order map keys that JSON escapes (invalid
				// UTF-8, quotes, backslashes, controls, <, > and &) differently: go-json sorts the
				// escaped bytes. The answers' only map keys are the export's table and column
				// names, never user text.
				continue
			}
			fill(rng, e, depth+1)
			m.SetMapIndex(k, e)
		}
		v.Set(m)
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				fill(rng, v.Field(i), depth+1)
			}
		}
	case reflect.Interface:
		if rng.IntN(2) == 0 {
			v.Set(reflect.ValueOf(fillStrings[rng.IntN(len(fillStrings))]))
		}
	}
}
