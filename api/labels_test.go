package api

import (
	"errors"
	"strings"
	"testing"

	"linli/service"
)

// TestValidationMessagesUseLabels: a refusal names the field by its label, in the message and
// in fields[], while fields[].field stays the JSON path.
func TestValidationMessagesUseLabels(t *testing.T) {
	type inner struct {
		Start string `json:"start" label:"开始时间" validate:"required"`
	}
	type req struct {
		Description string  `json:"description" label:"描述" validate:"max=3"`
		Slots       []inner `json:"slots" label:"时段" validate:"dive"`
		Count       ID      `json:"count" label:"数量"`
	}
	b, err := newBinder()
	if err != nil {
		t.Fatal(err)
	}
	err = b.check(&req{Description: "四个汉字", Slots: []inner{{}}})
	var se *service.Error
	if !errors.As(err, &se) {
		t.Fatalf("not a service error: %v", err)
	}
	if len(se.Fields) != 2 {
		t.Fatalf("fields %+v", se.Fields)
	}
	for i, want := range []struct{ field, has string }{{"description", "描述"}, {"slots[0].start", "开始时间"}} {
		f := se.Fields[i]
		if f.Field != want.field || !strings.Contains(f.Message, want.has) || strings.Contains(f.Message, want.field) {
			t.Errorf("field %d: %+v, want %s named %s", i, f, want.field, want.has)
		}
	}
	if se.Message != se.Fields[0].Message {
		t.Errorf("message %q, want the first field's", se.Message)
	}
}
