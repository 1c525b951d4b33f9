package api

import (
	"encoding/json"
	"reflect"
	"strconv"
	"time"

	"github.com/swaggest/jsonschema-go"

	"linli/clock"
)

// ID is an identifier. It travels as a JSON string (JavaScript loses precision above 2^53)
// and is accepted as a string or a number. Every id fits in a signed 64-bit integer (the
// databases' row ids): larger numbers are refused at the door, here and wherever the api
// parses an id (bit size 63), instead of failing in the database driver.
type ID uint64

// MarshalJSON writes the id as a string.
func (id ID) MarshalJSON() ([]byte, error) {
	b := make([]byte, 0, 22)
	b = append(b, '"')
	b = strconv.AppendUint(b, uint64(id), 10)
	return append(b, '"'), nil
}

// UnmarshalJSON reads "123" or 123.
func (id *ID) UnmarshalJSON(b []byte) error {
	s := string(b)
	if len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' {
		s = s[1 : len(s)-1]
	}
	v, err := strconv.ParseUint(s, 10, 63)
	if err != nil {
		return &json.UnmarshalTypeError{Value: "string " + string(b), Type: reflect.TypeFor[ID]()}
	}
	*id = ID(v)
	return nil
}

// UnmarshalText reads query parameters.
func (id *ID) UnmarshalText(b []byte) error {
	v, err := strconv.ParseUint(string(b), 10, 63)
	if err != nil {
		return err
	}
	*id = ID(v)
	return nil
}

// UnmarshalParam reads query parameters bound by gin's form mapping.
func (id *ID) UnmarshalParam(param string) error { return id.UnmarshalText([]byte(param)) }

// JSONSchema documents ids as numeric strings.
func (ID) JSONSchema() (jsonschema.Schema, error) {
	var s jsonschema.Schema
	s.AddType(jsonschema.String)
	s.WithPattern(`^[0-9]+$`).WithExamples("1024").WithDescription("ID（字符串形式的整数）")
	return s, nil
}

// IDs converts ids for a response.
func IDs(in []uint64) []ID {
	out := make([]ID, len(in))
	for i, v := range in {
		out[i] = ID(v)
	}
	return out
}

// Uint64s converts ids from a request.
func Uint64s(in []ID) []uint64 {
	out := make([]uint64, len(in))
	for i, v := range in {
		out[i] = uint64(v)
	}
	return out
}

// Time is a response timestamp: RFC 3339 with the +08:00 offset.
func Time(t time.Time) time.Time { return t.In(clock.China) }

// TimePtr is Time for optional timestamps.
func TimePtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	v := t.In(clock.China)
	return &v
}

// Page is a page of a list with the cursor of the next one ("" when there is no more).
type Page[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"next_cursor"`
}

// PageQuery is the pagination part of a list query.
type PageQuery struct {
	Limit  int    `query:"limit" validate:"omitempty,min=1,max=100" description:"每页条数，默认 20，最多 100" label:"每页条数"`
	Cursor string `query:"cursor" validate:"omitempty,max=64" description:"上一页返回的 next_cursor" label:"分页游标"`
}

// Size returns the page size with the default applied.
func (p PageQuery) Size() int {
	if p.Limit == 0 {
		return 20
	}
	return p.Limit
}
