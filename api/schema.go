package api

import (
	"reflect"
	"strconv"
	"strings"

	"github.com/swaggest/jsonschema-go"
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
