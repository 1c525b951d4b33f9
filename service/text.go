package service

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// TextRule says how CleanText treats one field of user text.
type TextRule struct {
	// Field is the request field a 400 names; What is how the message calls it (昵称, 房号).
	Field, What string
	// Max is the most characters the cleaned text may have; 0 means no limit here.
	Max int
	// Required refuses a text that is empty once cleaned.
	Required bool
	// Multiline keeps line breaks (descriptions, notes); elsewhere they become spaces.
	Multiline bool
}

// CleanText normalises text a user writes for others to read, the one helper for every such
// field: invalid UTF-8 is refused (400 naming the field); control characters are dropped
// (tabs become spaces, line breaks spaces unless Multiline); so are invisible format
// characters (bidi overrides and isolates, zero-width spaces and joiners, the byte-order mark)
// and the blank "letters" used to fake an empty name (Hangul fillers, the braille blank), a
// zero-width joiner inside an emoji sequence aside; other spaces become a plain space, and
// runs of them one. The result is trimmed; empty when Required, or over Max characters, is a
// 400 in Chinese.
func CleanText(r TextRule, s string) (string, error) {
	if !utf8.ValidString(s) {
		return "", Invalid(r.Field, r.What+"包含无效字符")
	}
	var b strings.Builder
	b.Grow(len(s))
	runes := []rune(s)
	gap, lineStart := false, true // a space is owed before the next character; at a line's start
	for i, c := range runes {
		switch {
		case c == '\r' && i+1 < len(runes) && runes[i+1] == '\n':
		case c == '\n' || c == '\r' || c == '\u2028' || c == '\u2029' || c == '\u0085':
			if r.Multiline {
				b.WriteByte('\n')
				gap, lineStart = false, true
			} else {
				gap = true
			}
		case c == '\u200d' && i > 0 && i+1 < len(runes) && joins(runes[i-1]) && joins(runes[i+1]):
			b.WriteRune(c) // 👨‍👩‍👧: the joiner is part of the picture
		case invisible(c):
		case unicode.IsSpace(c):
			gap = true
		default:
			if gap && !lineStart {
				b.WriteByte(' ')
			}
			gap, lineStart = false, false
			b.WriteRune(c)
		}
	}
	out := strings.TrimSpace(b.String())
	switch n := utf8.RuneCountInString(out); {
	case n == 0 && r.Required && strings.TrimSpace(s) != "":
		return "", Invalid(r.Field, r.What+"不能只包含空白或不可见字符")
	case n == 0 && r.Required:
		return "", Invalid(r.Field, r.What+"不能为空")
	case r.Max > 0 && n > r.Max:
		return "", Invalid(r.Field, fmt.Sprintf("%s不能超过 %d 个字", r.What, r.Max))
	}
	return out, nil
}

// invisible reports the characters CleanText drops: controls (C0, C1, DEL), format characters
// (bidi controls, zero-width characters, the BOM, soft hyphen, tag characters …), the
// combining grapheme joiner, and the blank letters that render as nothing.
func invisible(c rune) bool {
	switch c {
	case '\t', '\n', '\r':
		return false // whitespace, handled by the caller
	case '\u034f', '\u115f', '\u1160', '\u3164', '\uffa0', '\u2800', '\u180e':
		return true
	}
	return unicode.IsControl(c) || unicode.Is(unicode.Cf, c)
}

// joins reports whether c can sit on either side of a zero-width joiner in an emoji sequence:
// a symbol, an emoji modifier or variation selector.
func joins(c rune) bool {
	return unicode.Is(unicode.So, c) || unicode.Is(unicode.Sk, c) || c == '\ufe0f' || (c >= 0x1f3fb && c <= 0x1f3ff)
}
