package api_test

// The bad-input test's view of the OpenAPI document: which operations take a JSON body or
// query parameters, and the schema of each field, so that every field of every endpoint gets
// the classics without a hand-written list (see badinput_test.go).

import (
	"encoding/json"
	"strings"
	"testing"

	"linli/app/apptest"
)

// docSchema is the part of a JSON schema the test reads.
type docSchema struct {
	Ref        string                `json:"$ref"`
	Type       string                `json:"type"`
	Format     string                `json:"format"`
	Pattern    string                `json:"pattern"`
	Enum       []any                 `json:"enum"`
	MinLength  *int64                `json:"minLength"`
	MaxLength  *int64                `json:"maxLength"`
	Minimum    *float64              `json:"minimum"`
	Maximum    *float64              `json:"maximum"`
	MaxItems   *int64                `json:"maxItems"`
	Items      *docSchema            `json:"items"`
	Properties map[string]*docSchema `json:"properties"`
	Required   []string              `json:"required"`
}

type docParam struct {
	Name   string     `json:"name"`
	In     string     `json:"in"`
	Schema *docSchema `json:"schema"`
}

type docOperation struct {
	Parameters  []docParam `json:"parameters"`
	RequestBody *struct {
		Content map[string]struct {
			Schema *docSchema `json:"schema"`
		} `json:"content"`
	} `json:"requestBody"`
}

// apiDoc is the served OpenAPI document.
type apiDoc struct {
	Paths      map[string]map[string]docOperation `json:"paths"`
	Components struct {
		Schemas map[string]*docSchema `json:"schemas"`
	} `json:"components"`
}

func loadDoc(t *testing.T, e *apptest.Env) *apiDoc {
	t.Helper()
	var d apiDoc
	res := e.Do("GET", "/api/docs/openapi.json", nil).Want(t, 200)
	if err := json.Unmarshal(res.Body, &d); err != nil {
		t.Fatalf("openapi.json: %v", err)
	}
	return &d
}

// op is the operation of a gin route (METHOD and gin path), nil when undocumented.
func (d *apiDoc) op(method, ginPath string) *docOperation {
	parts := strings.Split(ginPath, "/")
	for i, s := range parts {
		if strings.HasPrefix(s, ":") || strings.HasPrefix(s, "*") {
			parts[i] = "{" + s[1:] + "}"
		}
	}
	ops, ok := d.Paths[strings.Join(parts, "/")]
	if !ok {
		return nil
	}
	o, ok := ops[strings.ToLower(method)]
	if !ok {
		return nil
	}
	return &o
}

// resolve follows a $ref.
func (d *apiDoc) resolve(s *docSchema) *docSchema {
	for s != nil && s.Ref != "" {
		s = d.Components.Schemas[s.Ref[strings.LastIndex(s.Ref, "/")+1:]]
	}
	return s
}

// isID reports whether s is the API's ID type (a numeric string).
func (d *apiDoc) isID(s *docSchema) bool {
	s = d.resolve(s)
	return s != nil && s.Type == "string" && s.Pattern == "^[0-9]+$"
}

// body is the JSON body schema of the operation (nil: none).
func (d *apiDoc) body(o *docOperation) *docSchema {
	if o == nil || o.RequestBody == nil {
		return nil
	}
	c, ok := o.RequestBody.Content["application/json"]
	if !ok {
		return nil
	}
	return d.resolve(c.Schema)
}

// query lists the operation's query parameters.
func (d *apiDoc) query(o *docOperation) []docParam {
	if o == nil {
		return nil
	}
	var out []docParam
	for _, p := range o.Parameters {
		if p.In == "query" {
			out = append(out, p)
		}
	}
	return out
}

// isMultipart reports whether the operation takes a multipart body (uploads).
func (d *apiDoc) isMultipart(o *docOperation) bool {
	if o == nil || o.RequestBody == nil {
		return false
	}
	_, ok := o.RequestBody.Content["multipart/form-data"]
	return ok
}
