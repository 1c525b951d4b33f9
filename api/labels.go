package api

import (
	"errors"
	"reflect"
	"strings"

	"linli/service"
)

// relabel rewrites the messages of a binding error of the request dst so that a resident reads
// each field by its Chinese label (tag `label`), not by the name a programmer gave it in JSON:
// "描述长度不能超过1,000个字符", not "description长度不能超过1,000个字符". The fields' paths stay
// as the client spelled them, for the client to point at the input.
func relabel(dst any, err error) error {
	var se *service.Error
	if err == nil || dst == nil || !errors.As(err, &se) || len(se.Fields) == 0 {
		return err
	}
	t := reflect.TypeOf(dst)
	first := se.Message == se.Fields[0].Message
	out := *se
	out.Fields = make([]service.FieldError, len(se.Fields))
	for i, f := range se.Fields {
		out.Fields[i] = service.FieldError{Field: f.Field, Message: withLabel(t, f.Field, f.Message)}
	}
	if first {
		out.Message = out.Fields[0].Message
	}
	return &out
}

// withLabel replaces the field's client name in msg — the whole path, or else its last
// segment, which is how the validator's translations name it — by its label.
func withLabel(t reflect.Type, path, msg string) string {
	l := labelFor(t, path)
	if l == "" || path == "" {
		return msg
	}
	if strings.Contains(msg, path) {
		return strings.Replace(msg, path, l, 1)
	}
	last := path[strings.LastIndex(path, ".")+1:]
	return strings.Replace(msg, last, l, 1)
}

// labelFor is the label of the field a client names by path ("title", "slots[0].start",
// "items.0.name") in the request type t; "" when it has none. Path segments are JSON, query
// or path names; embedded structs are searched as the client sees them, flattened.
func labelFor(t reflect.Type, path string) string {
	var f reflect.StructField
	found := false
	for seg := range strings.SplitSeq(path, ".") {
		if i := strings.IndexByte(seg, '['); i >= 0 {
			seg = seg[:i]
		}
		if seg == "" || (seg[0] >= '0' && seg[0] <= '9') {
			continue // an index: the element type is reached below
		}
		st := structOf(t)
		if st == nil {
			return ""
		}
		if f, found = fieldNamed(st, seg); !found {
			return ""
		}
		t = f.Type
	}
	if !found {
		return ""
	}
	return f.Tag.Get("label")
}

// structOf is the struct type t holds through pointers, slices, arrays and maps; nil if none.
func structOf(t reflect.Type) reflect.Type {
	for {
		switch t.Kind() {
		case reflect.Pointer, reflect.Slice, reflect.Array, reflect.Map:
			t = t.Elem()
		case reflect.Struct:
			return t
		default:
			return nil
		}
	}
}

// clientNames are the tags that give a field the name a client uses.
var clientNames = [...]string{"json", "query", "path", "form"}

// fieldNamed finds the field of the struct type t (or of a struct it embeds) that a client
// names name.
func fieldNamed(t reflect.Type, name string) (reflect.StructField, bool) {
	for i := range t.NumField() {
		f := t.Field(i)
		tagged := false
		for _, tag := range clientNames {
			n, _, _ := strings.Cut(f.Tag.Get(tag), ",")
			if n == "" {
				continue
			}
			tagged = true
			if n == name {
				return f, true
			}
		}
		if f.Anonymous && !tagged {
			if st := structOf(f.Type); st != nil {
				if g, ok := fieldNamed(st, name); ok {
					return g, true
				}
			}
		}
	}
	return reflect.StructField{}, false
}
