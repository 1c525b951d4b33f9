package api

import (
	"net/http"
	"reflect"
	"strconv"

	"github.com/gin-gonic/gin"

	"linli/service"
)

// handler is a route's work. It answers with ok (or writes a file itself) and returns an error
// for the one error path (fail): nothing else writes an error.
type handler func(c *gin.Context) error

// h adapts a handler to gin.
func (a *API) h(f handler) gin.HandlerFunc {
	return func(c *gin.Context) {
		if err := f(c); err != nil {
			fail(c, a.log, err)
		}
	}
}

// Request binds everything a request carries into dst, a pointer to a request struct: path
// parameters (tag `path`, an ID or a string), the query (tag `query`) and, for a method with a
// body, the JSON body (tag `json`); then validates it once. Each problem names the field as
// the client spelled it. The checks (the policy's, usually) run once the path is bound and
// before anything else is read: a user who may not act learns nothing from the validation.
func (b *binder) Request(c *gin.Context, dst any, checks ...func() error) error {
	if err := bindPath(c, reflect.ValueOf(dst).Elem()); err != nil {
		return err
	}
	for _, check := range checks {
		if err := check(); err != nil {
			return err
		}
	}
	if hasTag(reflect.TypeOf(dst).Elem(), "query") {
		if err := b.queryOnly(c, dst); err != nil {
			return err
		}
		// A path field without a query tag is a query key too (gin maps by field name): the
		// path has the last word.
		if err := bindPath(c, reflect.ValueOf(dst).Elem()); err != nil {
			return err
		}
	}
	switch c.Request.Method {
	case http.MethodPost, http.MethodPut, http.MethodPatch:
		if hasTag(reflect.TypeOf(dst).Elem(), "json") {
			return b.JSON(c, dst) // validates the whole struct
		}
	}
	return b.check(dst)
}

// bindPath fills the fields tagged `path` (embedded structs included) from the route's
// parameters: an ID must be a positive integer.
func bindPath(c *gin.Context, v reflect.Value) error {
	t := v.Type()
	for i := range t.NumField() {
		f, fv := t.Field(i), v.Field(i)
		if f.Anonymous && f.Type.Kind() == reflect.Struct {
			if err := bindPath(c, fv); err != nil {
				return err
			}
			continue
		}
		name := f.Tag.Get("path")
		if name == "" {
			continue
		}
		raw := c.Param(name)
		switch fv.Interface().(type) {
		case ID:
			id, err := strconv.ParseUint(raw, 10, 63)
			if err != nil || id == 0 {
				return service.Invalid(name, label(f, name)+"必须是有效的编号")
			}
			fv.SetUint(id)
		case string:
			fv.SetString(raw)
		}
	}
	return nil
}

// hasTag reports whether t (or a struct it embeds) has a field with the tag.
func hasTag(t reflect.Type, tag string) bool {
	for i := range t.NumField() {
		f := t.Field(i)
		if f.Anonymous && f.Type.Kind() == reflect.Struct && hasTag(f.Type, tag) {
			return true
		}
		if v, ok := f.Tag.Lookup(tag); ok && v != "-" {
			return true
		}
	}
	return false
}

// label is the field's Chinese label (tag `label`), or its name as the client spells it.
func label(f reflect.StructField, name string) string {
	if l := f.Tag.Get("label"); l != "" {
		return l
	}
	return name
}

// pageOf is a page of DTOs: conv turns each item, and when there are more the next cursor is
// cursor of the last one.
func pageOf[M, D any](items []M, more bool, conv func(*M) D, cursor func(*M) string) Page[D] {
	p := Page[D]{Items: make([]D, len(items))}
	for i := range items {
		p.Items[i] = conv(&items[i])
	}
	if more && len(items) > 0 {
		p.NextCursor = cursor(&items[len(items)-1])
	}
	return p
}

// can asks the policy whether the caller may act in the scope: nil, or the error to answer.
func (a *API) can(c *gin.Context, action service.Action, s service.Scope) error {
	p, err := a.principal(c)
	if err != nil {
		return err
	}
	return service.Authorize(p, action, s)
}
