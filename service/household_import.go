package service

import (
	"context"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"

	"linli/model"
)

// Lengths of a register row's texts, in characters (a unit and a room together make the
// claim's room text, at most 32).
const (
	maxUnit      = 8
	maxRoomKey   = 20
	maxHead      = 32
	maxNote      = 200
	maxRowErrors = 200
)

// ImportError is one thing wrong with a workbook: its row (1 = the header) and column.
type ImportError struct {
	Row     int
	Column  string
	Message string
}

// ImportReport says what an import did (or, dry, would do), and what is wrong with the file.
type ImportReport struct {
	DryRun            bool
	Rows              int
	EstatesCreated    int
	BuildingsCreated  int
	HouseholdsCreated int
	// HouseholdsUpdated: a head, a note or a review flag that the file changes.
	HouseholdsUpdated int
	Unchanged         int
	// Errors lists the first maxRowErrors problems; ErrorCount counts them all. When there is
	// any, nothing was written.
	Errors     []ImportError
	ErrorCount int
}

func (r *ImportReport) bad(row int, column, msg string) {
	r.ErrorCount++
	if len(r.Errors) < maxRowErrors {
		r.Errors = append(r.Errors, ImportError{Row: row, Column: column, Message: msg})
	}
}

// importPlan is what an import will write, found before anything is. Estates and buildings
// are named by a ref: an existing row's id, or -(n+1) for the n-th one to create.
type importPlan struct {
	estates   []string           // names of the estates to create, in file order
	buildings []plannedBuilding  // buildings to create
	create    []plannedHousehold // households to create
	update    []model.Household  // households whose head, note or flag change
	estateRef map[string]int64   // estate key → ref
	buildRef  map[placeRef]int64 // (estate ref, building key) → ref
}

type placeRef struct {
	estate int64
	key    string
}

type plannedBuilding struct {
	estate int64
	name   string
}

type plannedHousehold struct {
	building   int64
	unit, room string
	head, note string
}

type roomKey struct {
	building   int64
	unit, room string
}

type seenRow struct {
	num  int
	text string
}

// Import reads a register workbook (房屋台账) into the community: it creates the estates,
// buildings and households the file names and the community lacks, and sets heads and notes.
// It checks the whole file first and writes nothing when anything is wrong (the report lists
// each problem by row and column); then it writes everything in one transaction. The same file
// twice changes nothing the second time. dryRun checks and counts without writing. byUserID is
// the staff member (0: the command line or the demo). Refusals of the file itself are errors:
// 415 not an xlsx, 413 over 10 MB, 400 over 50,000 rows or a zip bomb.
func (h *Households) Import(ctx context.Context, byUserID, communityID uint64, file io.Reader, dryRun bool) (*ImportReport, error) {
	if _, err := h.places.Community(ctx, communityID); err != nil {
		return nil, err
	}
	data, err := readAllData(file)
	if err != nil {
		return nil, err
	}
	wb, err := openWorkbook(data)
	if err != nil {
		return nil, err
	}
	defer func() { _ = wb.Close() }()
	rep := &ImportReport{DryRun: dryRun}
	plan, err := h.newPlan(ctx, communityID)
	if err != nil {
		return nil, err
	}
	existing, err := h.existingRooms(ctx, communityID)
	if err != nil {
		return nil, err
	}
	seen := map[roomKey]seenRow{}
	err = readRegister(wb, rep.bad, func(row sheetRow) error {
		rep.Rows++
		return h.planRow(ctx, byUserID, plan, existing, seen, rep, row)
	})
	if err != nil {
		return nil, err
	}
	rep.EstatesCreated, rep.BuildingsCreated = len(plan.estates), len(plan.buildings)
	if rep.ErrorCount == 0 && rep.Rows == 0 {
		rep.bad(2, colRoom, "表头下面没有任何房屋")
	}
	if rep.ErrorCount > 0 || dryRun {
		return rep, nil
	}
	if err := h.write(ctx, communityID, plan); err != nil {
		return nil, err
	}
	return rep, nil
}

func (h *Households) newPlan(ctx context.Context, communityID uint64) (*importPlan, error) {
	p := &importPlan{estateRef: map[string]int64{}, buildRef: map[placeRef]int64{}}
	for after := uint64(0); ; {
		es, err := h.store.Estates(ctx, communityID, after, 500)
		if err != nil {
			return nil, err
		}
		for _, e := range es {
			if _, dup := p.estateRef[model.PlaceKey(e.Name)]; !dup {
				p.estateRef[model.PlaceKey(e.Name)] = int64(e.ID)
			}
			after = e.ID
		}
		if len(es) < 500 {
			break
		}
	}
	for after := (model.BuildingPos{}); ; {
		bs, err := h.store.Buildings(ctx, communityID, 0, after, 500)
		if err != nil {
			return nil, err
		}
		for _, b := range bs {
			ref := placeRef{int64(b.EstateID), model.PlaceKey(b.Name)}
			if _, dup := p.buildRef[ref]; !dup {
				p.buildRef[ref] = int64(b.ID)
			}
			after = model.BuildingPos{EstateID: b.EstateID, ID: b.ID}
		}
		if len(bs) < 500 {
			return p, nil
		}
	}
}

// existingRooms maps each registered household of the community by building and key.
func (h *Households) existingRooms(ctx context.Context, communityID uint64) (map[roomKey]model.Household, error) {
	all, err := h.store.CommunityHouseholds(ctx, communityID)
	if err != nil {
		return nil, err
	}
	out := make(map[roomKey]model.Household, len(all))
	for _, hh := range all {
		out[roomKey{int64(hh.BuildingID), hh.Unit, hh.Room}] = hh
	}
	return out, nil
}

// building returns the ref of the building of the names, planning it and its estate when the
// community lacks them.
func (p *importPlan) building(estate, building string) int64 {
	ek := model.PlaceKey(estate)
	eref, ok := p.estateRef[ek]
	if !ok {
		p.estates = append(p.estates, estate)
		eref = -int64(len(p.estates))
		p.estateRef[ek] = eref
	}
	pr := placeRef{eref, model.PlaceKey(building)}
	bref, ok := p.buildRef[pr]
	if !ok {
		p.buildings = append(p.buildings, plannedBuilding{estate: eref, name: building})
		bref = -int64(len(p.buildings))
		p.buildRef[pr] = bref
	}
	return bref
}

func (h *Households) planRow(ctx context.Context, byUserID uint64, p *importPlan, existing map[roomKey]model.Household,
	seen map[roomKey]seenRow, rep *ImportReport, row sheetRow) error {
	before := rep.ErrorCount
	cell := func(col string, max int, required bool) string {
		v, err := CleanText(TextRule{Field: col, What: col, Max: max, Required: required}, row.Cells[col])
		if err != nil {
			rep.bad(row.Num, col, fmt.Sprintf("第 %d 行 %s 列「%s」%s", row.Num, row.letter(col), col, cellProblem(row.Cells[col], max, required)))
		}
		return v
	}
	estate := cell(colEstate, maxPlaceName, true)
	building := cell(colBuilding, maxPlaceName, true)
	unitText := cell(colUnit, maxUnit+2, false)
	roomText := cell(colRoom, maxRoomKey+1, true)
	head := cell(colHead, maxHead, false)
	note := cell(colNote, maxNote, false)
	unit, room := model.HouseholdUnit(unitText), model.HouseholdRoom(roomText)
	switch {
	case rep.ErrorCount > before:
	case note == exampleNote:
		rep.bad(row.Num, colNote, fmt.Sprintf("第 %d 行是模板的示例行，请删除后再导入", row.Num))
	case room == "":
		rep.bad(row.Num, colRoom, fmt.Sprintf("第 %d 行 %s 列「房号」只有“室/号”，缺少号码", row.Num, row.letter(colRoom)))
	case utf8.RuneCountInString(unit) > maxUnit || utf8.RuneCountInString(room) > maxRoomKey:
		rep.bad(row.Num, colRoom, fmt.Sprintf("第 %d 行单元最多 %d 个字、房号最多 %d 个字", row.Num, maxUnit, maxRoomKey))
	}
	if rep.ErrorCount > before {
		return nil
	}
	bref := p.building(estate, building)
	k := roomKey{bref, unit, room}
	text := model.HouseholdLabel(unitText, roomText)
	if prev, dup := seen[k]; dup {
		if prev.text == text {
			rep.bad(row.Num, colRoom, fmt.Sprintf("第 %d 行与第 %d 行重复（%s %s %s）", row.Num, prev.num, estate, building, text))
		} else {
			rep.bad(row.Num, colRoom, fmt.Sprintf("第 %d 行「%s」与第 %d 行「%s」只差全角、空格或“室/号”的写法，是同一户，请只保留一行",
				row.Num, text, prev.num, prev.text))
		}
		return nil
	}
	seen[k] = seenRow{row.Num, text}
	cur, registered := existing[k]
	registered = registered && bref > 0
	if registered && h.openHead(cur.HeadCipher) == head && cur.Note == note && !cur.NeedsReview {
		rep.Unchanged++
		return nil
	}
	// Only a head or note that is new is checked: a re-import asks nobody again.
	if !registered || h.openHead(cur.HeadCipher) != head || cur.Note != note {
		for _, t := range []struct{ col, text string }{{colHead, head}, {colNote, note}} {
			if t.text == "" {
				continue
			}
			if err := h.safety.ScreenByStaff(ctx, h.store, byUserID, SceneProfile, t.col, t.text); err != nil {
				if KindOf(err) != KindUnprocessable {
					return err
				}
				rep.bad(row.Num, t.col, fmt.Sprintf("第 %d 行 %s 列「%s」未通过内容安全检查，请修改", row.Num, row.letter(t.col), t.col))
				return nil
			}
		}
	}
	if registered {
		cur.HeadCipher, cur.Note, cur.NeedsReview = h.sealHead(head), note, false
		p.update = append(p.update, cur)
		rep.HouseholdsUpdated++
		return nil
	}
	p.create = append(p.create, plannedHousehold{building: bref, unit: unit, room: room, head: head, note: note})
	rep.HouseholdsCreated++
	return nil
}

func (r sheetRow) letter(col string) string {
	if l := r.Letters[col]; l != "" {
		return l
	}
	return "-"
}

// cellProblem says in Chinese what is wrong with a cell CleanText refused.
func cellProblem(raw string, max int, required bool) string {
	switch {
	case !utf8.ValidString(raw):
		return "包含无效字符"
	case required && blank([]string{raw}):
		return "为空（必填；如果是公式，请复制后“选择性粘贴为数值”）"
	}
	return fmt.Sprintf("超过 %d 个字", max)
}

func (h *Households) sealHead(head string) []byte {
	if head == "" {
		return nil
	}
	return h.secrets.Seal(head)
}

// write carries the plan out in one transaction. An import racing another (the same rooms
// inserted meanwhile) fails whole with a conflict.
func (h *Households) write(ctx context.Context, communityID uint64, p *importPlan) error {
	err := h.store.Tx(ctx, func(tx *model.Store) error {
		estateIDs := make([]uint64, len(p.estates))
		for i, name := range p.estates {
			e := &model.Estate{CommunityID: communityID, Name: name}
			if err := tx.CreateEstate(ctx, e); err != nil {
				return err
			}
			estateIDs[i] = e.ID
		}
		resolve := func(ref int64, created []uint64) uint64 {
			if ref > 0 {
				return uint64(ref)
			}
			return created[-ref-1]
		}
		buildingIDs := make([]uint64, len(p.buildings))
		estateOf := map[uint64]uint64{}
		for i, b := range p.buildings {
			nb := &model.Building{CommunityID: communityID, EstateID: resolve(b.estate, estateIDs), Name: b.name}
			if err := tx.CreateBuilding(ctx, nb); err != nil {
				return err
			}
			buildingIDs[i] = nb.ID
			estateOf[nb.ID] = nb.EstateID
		}
		rows := make([]model.Household, len(p.create))
		for i, c := range p.create {
			bid := resolve(c.building, buildingIDs)
			eid, ok := estateOf[bid]
			if !ok {
				b, err := h.places.Building(ctx, bid)
				if err != nil {
					return err
				}
				eid, estateOf[bid] = b.EstateID, b.EstateID
			}
			rows[i] = model.Household{CommunityID: communityID, EstateID: eid, BuildingID: bid, Unit: c.unit, Room: c.room,
				HeadCipher: h.sealHead(c.head), Note: c.note}
		}
		if err := tx.CreateHouseholds(ctx, rows); err != nil {
			return err
		}
		for _, u := range p.update {
			if err := tx.UpdateHouseholdDetails(ctx, u.ID, u.HeadCipher, u.Note, u.NeedsReview); err != nil {
				return err
			}
		}
		return nil
	})
	if errors.Is(err, model.ErrConflict) {
		return Errorf(KindConflict, "另一次导入同时在写入同样的房屋，请稍后重新导入")
	}
	return err
}
