package api

import (
	"reflect"
	"sort"
	"strings"
	"testing"
)

// TestEveryRequestFieldHasALabel walks the request struct of every documented route: each
// field a client sends (JSON body, query, path or form) has a Chinese `label`, so that no
// validation message can name a field by its JSON name ("body为必填字段").
func TestEveryRequestFieldHasALabel(t *testing.T) {
	t.Parallel()
	a := testAPI(t)
	missing := map[string]bool{}
	var walk func(where string, typ reflect.Type, seen map[reflect.Type]bool)
	walk = func(where string, typ reflect.Type, seen map[reflect.Type]bool) {
		for typ.Kind() == reflect.Pointer || typ.Kind() == reflect.Slice || typ.Kind() == reflect.Array || typ.Kind() == reflect.Map {
			typ = typ.Elem()
		}
		if typ.Kind() != reflect.Struct || typ.PkgPath() != "linli/api" || seen[typ] {
			return
		}
		seen[typ] = true
		for i := range typ.NumField() {
			f := typ.Field(i)
			if !f.IsExported() {
				continue
			}
			if f.Anonymous && f.Tag.Get("json") == "" {
				walk(where, f.Type, seen)
				continue
			}
			name := ""
			for _, tag := range []string{"json", "query", "form", "uri"} {
				if n, _, _ := strings.Cut(f.Tag.Get(tag), ","); n != "" && n != "-" {
					name = n
					break
				}
			}
			if name == "" {
				continue
			}
			if label := f.Tag.Get("label"); label == "" || !hasHan(label) {
				missing[typ.Name()+"."+f.Name+" ("+name+")"] = true
			}
			walk(where, f.Type, seen)
		}
	}
	for _, rt := range a.docs.routes {
		if rt.req != nil {
			walk(rt.op, reflect.TypeOf(rt.req), map[reflect.Type]bool{})
		}
	}
	if len(missing) > 0 {
		list := make([]string, 0, len(missing))
		for k := range missing {
			list = append(list, k)
		}
		sort.Strings(list)
		t.Fatalf("%d request fields have no Chinese label:\n%s", len(list), strings.Join(list, "\n"))
	}
}

// hasHan reports whether s has a Chinese character.
func hasHan(s string) bool {
	for _, r := range s {
		if r >= 0x4e00 && r <= 0x9fff {
			return true
		}
	}
	return false
}

// TestRequiredQueryParametersAreDocumented: a query parameter the server requires (validate
// "required") is `required` in the document, so a generated client cannot omit it.
func TestRequiredQueryParametersAreDocumented(t *testing.T) {
	t.Parallel()
	a := testAPI(t)
	var walk func(typ reflect.Type, out map[string]bool)
	walk = func(typ reflect.Type, out map[string]bool) {
		for typ.Kind() == reflect.Pointer {
			typ = typ.Elem()
		}
		for i := range typ.NumField() {
			f := typ.Field(i)
			if f.Anonymous && f.Type.Kind() == reflect.Struct {
				walk(f.Type, out)
				continue
			}
			name, _, _ := strings.Cut(f.Tag.Get("query"), ",")
			if name != "" && strings.HasPrefix(f.Tag.Get("validate"), "required") {
				out[name] = true
			}
		}
	}
	checked := 0
	for _, rt := range a.docs.routes {
		if rt.req == nil {
			continue
		}
		required := map[string]bool{}
		walk(reflect.TypeOf(rt.req), required)
		op := a.docs.r.Spec.Paths.MapOfPathItemValues[ginToOpenAPI(rt.path)].MapOfOperationValues[strings.ToLower(rt.method)]
		for _, p := range op.Parameters {
			if p.Parameter == nil || p.Parameter.In != "query" || !required[p.Parameter.Name] {
				continue
			}
			checked++
			if p.Parameter.Required == nil || !*p.Parameter.Required {
				t.Errorf("%s %s: the query parameter %s is required by the server but not in the document", rt.method, rt.path, p.Parameter.Name)
			}
		}
	}
	if checked < 3 {
		t.Fatalf("only %d required query parameters found", checked)
	}
}
