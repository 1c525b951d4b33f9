package model

import (
	"strings"
	"unicode"
)

// HouseholdUnit is the key form of a unit (单元): full-width letters and digits folded to
// ASCII, Latin letters upper-cased, every space removed and a trailing "单元" dropped, so that
// "２单元", "2 单元" and "2" name the same unit. Empty stays empty (a building without units).
func HouseholdUnit(unit string) string {
	u := foldKey(unit)
	for {
		t := strings.TrimSuffix(u, "单元")
		if t == u {
			return u
		}
		u = t
	}
}

// HouseholdRoom is the key form of a room (房号): folded like HouseholdUnit, with trailing
// "室" and "号" dropped, so that "１２０１室", "1201 号" and "1201" are one room.
func HouseholdRoom(room string) string {
	r := foldKey(room)
	for {
		t := strings.TrimRight(r, "室号")
		if t == r {
			return r
		}
		r = t
	}
}

// PlaceKey is the key form of an estate or building name for matching an imported name with
// one already entered: folded like HouseholdUnit, nothing dropped ("１２栋" is "12栋").
func PlaceKey(name string) string { return foldKey(name) }

// SplitRoomText reads a room as residents typed it before there was a register ("2单元302",
// "1201室") into the unit and room keys: the part before "单元" is the unit when there is one.
func SplitRoomText(text string) (unit, room string) {
	k := foldKey(text)
	if i := strings.Index(k, "单元"); i > 0 && i+len("单元") < len(k) {
		return HouseholdUnit(k[:i]), HouseholdRoom(k[i+len("单元"):])
	}
	return "", HouseholdRoom(k)
}

// HouseholdLabel is how a household's room reads on a claim and in lists: "2单元302", or
// the room alone when the building has no units.
func HouseholdLabel(unit, room string) string {
	if unit == "" {
		return room
	}
	return unit + "单元" + room
}

func foldKey(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, c := range s {
		switch {
		case c >= '\uFF01' && c <= '\uFF5E':
			c -= 0xFEE0
		case unicode.IsSpace(c), c == '\u200b', c == '\ufeff':
			continue
		}
		if c >= 'a' && c <= 'z' {
			c -= 'a' - 'A'
		}
		b.WriteRune(c)
	}
	return b.String()
}
