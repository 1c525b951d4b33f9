package service_test

import (
	"testing"

	"linli/service"
)

// TestCleanText: what a short user text becomes, and which ones are refused (400 naming the
// field).
func TestCleanText(t *testing.T) {
	line := service.TextRule{Field: "nickname", What: "昵称", Max: 8, Required: true}
	multi := service.TextRule{Field: "note", What: "说明", Max: 100, Multiline: true}
	for _, c := range []struct {
		name string
		rule service.TextRule
		in   string
		want string // "" with bad: refused
		bad  bool
	}{
		{"plain", line, "王阿姨", "王阿姨", false},
		{"trimmed and spaces collapsed", line, "  王\u3000\u00a0 阿姨\t", "王 阿姨", false},
		{"NUL and escapes dropped", line, "a\x00b\x1b[31mc", "ab[31mc", false},
		{"bidi override dropped", line, "a\u202egpj.exe", "agpj.exe", false},
		{"bidi isolates dropped", line, "\u2066王\u2069", "王", false},
		{"zero-width characters dropped", line, "王\u200b阿\u200c姨\ufeff\u2060", "王阿姨", false},
		{"emoji sequence kept whole", line, "👨\u200d👩\u200d👧", "👨\u200d👩\u200d👧", false},
		{"stray joiner dropped", line, "王\u200d阿姨", "王阿姨", false},
		{"line break becomes a space", line, "王\r\n阿姨", "王 阿姨", false},
		{"zero-width only", line, "\u200b\u200c\u200d\u2060\ufeff", "", true},
		{"bidi only", line, "\u202e\u202d", "", true},
		{"Hangul filler only", line, "\u3164\u3164", "", true},
		{"braille blank only", line, "\u2800", "", true},
		{"blank", line, "   ", "", true},
		{"empty", line, "", "", true},
		{"too long once cleaned", line, "一二三四五六七八九", "", true},
		{"long before cleaning only", line, "一\u200b二\u200b三\u200b四\u200b五", "一二三四五", false},
		{"invalid UTF-8", line, "a\xffb", "", true},
		{"optional and empty", multi, "\u200b", "", false},
		{"lines kept, their edges trimmed", multi, " 第一行  \r\n\n  第二行\u202e ", "第一行\n\n第二行", false},
	} {
		got, err := service.CleanText(c.rule, c.in)
		switch {
		case c.bad && err == nil:
			t.Errorf("%s: %q accepted as %q", c.name, c.in, got)
		case c.bad:
			if se, ok := err.(*service.Error); !ok || se.Kind != service.KindInvalid || len(se.Fields) != 1 || se.Fields[0].Field != c.rule.Field {
				t.Errorf("%s: error %v does not name %s", c.name, err, c.rule.Field)
			}
		case err != nil:
			t.Errorf("%s: %q refused: %v", c.name, c.in, err)
		case got != c.want:
			t.Errorf("%s: %q became %q, want %q", c.name, c.in, got, c.want)
		}
	}
}
