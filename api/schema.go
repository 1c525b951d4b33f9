package api

import (
	"reflect"
	"strconv"
	"strings"

	"github.com/swaggest/jsonschema-go"
	"github.com/swaggest/openapi-go"
)

// validateToSchema copies the constraints of `validate` tags into the OpenAPI schema, so the
// document states the same limits the binder enforces (required, min/max, len, oneof).
func validateToSchema(params jsonschema.InterceptPropParams) error {
	if !params.Processed || params.PropertySchema == nil {
		return nil
	}
	tag := params.Field.Tag.Get("validate")
	if tag == "" {
		return nil
	}
	s := params.PropertySchema
	isString := s.HasType(jsonschema.String)
	isNumber := s.HasType(jsonschema.Integer) || s.HasType(jsonschema.Number)
	isArray := s.HasType(jsonschema.Array)
	for _, rule := range strings.Split(tag, ",") {
		name, arg, _ := strings.Cut(rule, "=")
		if name == "dive" { // the rules after it are the elements', not the list's
			break
		}
		n, numErr := strconv.ParseInt(arg, 10, 64)
		switch {
		case name == "required" && params.ParentSchema != nil && params.Name != "":
			if params.Field.Tag.Get("json") != "" {
				params.ParentSchema.Required = appendOnce(params.ParentSchema.Required, params.Name)
			}
		case name == "oneof":
			var enum []any
			for _, v := range strings.Fields(arg) {
				enum = append(enum, v)
			}
			s.Enum = enum
		case numErr != nil:
		case (name == "min" || name == "gte") && isString:
			s.MinLength = n
		case (name == "max" || name == "lte") && isString:
			s.WithMaxLength(n)
		case name == "len" && isString:
			s.MinLength = n
			s.WithMaxLength(n)
		case (name == "min" || name == "gte") && isNumber:
			s.WithMinimum(float64(n))
		case (name == "max" || name == "lte") && isNumber:
			s.WithMaximum(float64(n))
		case name == "min" && isArray:
			s.MinItems = n
		case name == "max" && isArray:
			s.WithMaxItems(n)
		}
	}
	return nil
}

func appendOnce(list []string, v string) []string {
	for _, x := range list {
		if x == v {
			return list
		}
	}
	return append(list, v)
}

// nullableRefs documents a pointer to a struct (an object that may be null, such as an
// activity's team or the reader's sign-up) as nullable. OpenAPI 3.0 ignores `nullable` beside
// a $ref, so the reference is wrapped: {allOf: [$ref], nullable: true}, which validators and
// client generators read as "that object or null".
func nullableRefs(params jsonschema.InterceptPropParams) error {
	s := params.PropertySchema
	if !params.Processed || s == nil || s.Ref == nil || params.Field.Type.Kind() != reflect.Pointer {
		return nil
	}
	ref := jsonschema.Schema{Ref: s.Ref}
	*s = jsonschema.Schema{Description: s.Description, AllOf: []jsonschema.SchemaOrBool{ref.ToSchemaOrBool()}}
	s.WithType(jsonschema.Null.Type())
	return nil
}

// defName names the document's schemas as a client reads them: IssueDTO, not ApiIssueDTO;
// EnvelopePageIssueDTO for Envelope[Page[IssueDTO]], EnvelopeIssueDTOList for a bare list.
func defName(t reflect.Type, def string) string {
	if t.PkgPath() != "linli/api" {
		return def
	}
	if !strings.Contains(t.Name(), "[") {
		return strings.TrimPrefix(def, "Api")
	}
	return genericName(t.Name())
}

// genericName turns "Envelope[linli/api.Page[linli/api.IssueDTO]]" into "EnvelopePageIssueDTO".
func genericName(s string) string {
	outer, args, ok := strings.Cut(s, "[")
	if !ok {
		return s[strings.LastIndex(s, ".")+1:]
	}
	args = strings.TrimSuffix(args, "]")
	if rest, list := strings.CutPrefix(args, "[]"); list {
		return genericName(outer) + genericName(rest) + "List"
	}
	return genericName(outer) + genericName(args)
}

// requireAnswered marks every field of an answer (a response body) that is always present —
// a JSON name without omitempty — as required, so that a generated client types it as present
// (possibly null), not as optional. Request structs keep what their `validate` tags require.
func requireAnswered(params jsonschema.InterceptSchemaParams) (bool, error) {
	if !params.Processed || params.Schema == nil {
		return false, nil
	}
	if oc, ok := openapi.OperationCtx(params.Context); !ok || !oc.IsProcessingResponse() {
		return false, nil
	}
	t := params.Value.Type()
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct {
		return false, nil
	}
	var walk func(t reflect.Type)
	walk = func(t reflect.Type) {
		for i := range t.NumField() {
			f := t.Field(i)
			name, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
			if f.Anonymous && name == "" && f.Type.Kind() == reflect.Struct {
				walk(f.Type)
				continue
			}
			if !f.IsExported() || name == "-" || strings.Contains(opts, "omitempty") {
				continue
			}
			if name == "" {
				name = f.Name
			}
			prop, ok := params.Schema.Properties[name]
			if !ok {
				continue
			}
			params.Schema.Required = appendOnce(params.Schema.Required, name)
			// A list in an answer is [] when empty, never null (the contract tests hold
			// every answer to it).
			if ps := prop.TypeObject; ps != nil && f.Type.Kind() == reflect.Slice && ps.HasType(jsonschema.Array) {
				ps.Type = nil
				ps.WithType(jsonschema.Array.Type())
				params.Schema.Properties[name] = prop
			}
		}
	}
	walk(t)
	return false, nil
}
