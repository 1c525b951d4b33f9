package service

import (
	"bytes"
	"context"
	"fmt"
)

// demoLayout is how the buildings of a demo estate are built: units per building (0: a
// building without units, as old dormitories are), floors and rooms per floor.
type demoLayout struct{ units, floors, perFloor int }

// layouts of the demo estates (demoEstates' order): high-rises at 湖光苑, six-storey walk-ups
// at 东亭新村 and 红旗院, a dormitory without units on 东湖路. About 4,300 households in all,
// close to the real 东亭's 4,644.
var demoLayouts = []demoLayout{{2, 12, 2}, {3, 6, 2}, {2, 18, 2}, {3, 7, 2}, {2, 6, 2}, {2, 11, 2}, {0, 5, 3}}

// demoRoom is a room in the layout of the place, picked by seed: the claim text a resident
// would type ("2单元502", or "302" in a building without units).
func demoRoom(pl demoPlace, seed, perFloorOffset int) string {
	l := demoLayouts[pl.estate]
	floor := 2 + seed%(l.floors-1)
	room := fmt.Sprintf("%d%02d", floor, 1+(seed+perFloorOffset)%l.perFloor)
	if l.units == 0 {
		return room
	}
	return fmt.Sprintf("%d单元%s", 1+seed%l.units, room)
}

// demoNotes are staff's notes on a few households, as a register has them.
var demoNotes = []struct{ head, note string }{
	{"潘阿婆", "独居老人，每周探访一次"},
	{"老周", "行动不便，停水停电需上门通知"},
	{"", "出租户，租客常换"},
	{"", "空置房"},
	{"曹奶奶", "高龄独居，子女在外地"},
}

// demoRegister is the register of the demo community as staff would fill the template: every
// room of every building, estate by estate.
func demoRegister() []RegisterRow {
	var rows []RegisterRow
	for ei, e := range demoEstates() {
		l := demoLayouts[ei]
		for b := 1; b <= e.buildings; b++ {
			for u := 1; u <= max(l.units, 1); u++ {
				unit := fmt.Sprint(u)
				if l.units == 0 {
					unit = ""
				}
				for f := 1; f <= l.floors; f++ {
					for r := 1; r <= l.perFloor; r++ {
						row := RegisterRow{Estate: e.name, Building: fmt.Sprintf("%d栋", b), Unit: unit, Room: fmt.Sprintf("%d%02d", f, r)}
						if n := len(rows); n%211 == 17 {
							row.Head, row.Note = demoNotes[n/211%len(demoNotes)].head, demoNotes[n/211%len(demoNotes)].note
						}
						rows = append(rows, row)
					}
				}
			}
		}
	}
	return rows
}

// seedPlaces builds the demo's estates, buildings and households through the import staff
// use (Households.Import of a workbook), then reads back the estates and buildings it made.
func (d *Demo) seedPlaces(ctx context.Context, r *DemoResult) error {
	wb, err := RegisterWorkbook(demoRegister())
	if err != nil {
		return err
	}
	rep, err := d.services.Households.Import(ctx, 0, r.CommunityID, bytes.NewReader(wb), false)
	if err != nil {
		return err
	}
	if rep.ErrorCount > 0 {
		return fmt.Errorf("the demo register has %d errors, first: %s", rep.ErrorCount, rep.Errors[0].Message)
	}
	r.Households = rep.HouseholdsCreated
	estates, _, err := d.Places.Estates(ctx, r.CommunityID, 0, 100)
	if err != nil {
		return err
	}
	for _, e := range estates {
		de := DemoEstate{ID: e.ID, Name: e.Name}
		q := BuildingQuery{CommunityID: r.CommunityID, EstateID: e.ID, Limit: 100}
		bs, _, err := d.Places.Buildings(ctx, q)
		if err != nil {
			return err
		}
		for _, b := range bs {
			de.BuildingIDs = append(de.BuildingIDs, b.ID)
		}
		r.Estates = append(r.Estates, de)
	}
	return nil
}
