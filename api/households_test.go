package api_test

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"linli/app/apptest"
	"linli/service"
)

type importData struct {
	DryRun            bool `json:"dry_run"`
	Rows              int  `json:"rows"`
	EstatesCreated    int  `json:"estates_created"`
	BuildingsCreated  int  `json:"buildings_created"`
	HouseholdsCreated int  `json:"households_created"`
	HouseholdsUpdated int  `json:"households_updated"`
	Unchanged         int  `json:"unchanged"`
	Errors            []struct {
		Row     int    `json:"row"`
		Column  string `json:"column"`
		Message string `json:"message"`
	} `json:"errors"`
	ErrorCount int `json:"error_count"`
}

type roomData struct {
	ID   string `json:"id"`
	Unit string `json:"unit"`
	Room string `json:"room"`
}

func importFile(e *apptest.Env, s apptest.Session, communityID string, wb []byte, dry bool) *apptest.Response {
	e.T.Helper()
	return e.Do("POST", fmt.Sprintf("/api/v1/communities/%s/households/import?dry_run=%v", communityID, dry),
		xlsxForm(e.T, wb), apptest.Token(s.Token))
}

// rejected decodes the report of a 400 import.
func rejected(t *testing.T, r *apptest.Response) importData {
	t.Helper()
	r.Want(t, 400).Err(t)
	var body struct {
		Data importData `json:"data"`
	}
	if err := json.Unmarshal(r.Body, &body); err != nil || body.Data.ErrorCount == 0 {
		t.Fatalf("400 without a report: %v %s", err, r.Body)
	}
	return body.Data
}

func register(t *testing.T, rows ...service.RegisterRow) []byte {
	t.Helper()
	wb, err := service.RegisterWorkbook(rows)
	if err != nil {
		t.Fatal(err)
	}
	return wb
}

func rowCount(t *testing.T, e *apptest.Env, table, where string, args ...any) int64 {
	t.Helper()
	n, err := e.App.Store.Count(t.Context(), table, where, args...)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func rooms(t *testing.T, e *apptest.Env, s apptest.Session, buildingID string) []roomData {
	t.Helper()
	var page struct {
		Items []roomData `json:"items"`
	}
	e.Do("GET", "/api/v1/buildings/"+buildingID+"/households?limit=100", nil, apptest.Token(s.Token)).Want(t, 200).Data(t, &page)
	return page.Items
}

func TestHouseholdsImportDryRunAndReimport(t *testing.T) {
	t.Parallel()
	e := apptest.New(t)
	c := e.MakeCommunity("东亭社区", 1, 1)
	staff := e.MakeStaff(c.ID, "staff")
	wb := register(t,
		service.RegisterRow{Estate: "1号院", Building: "1栋", Room: "101"},
		service.RegisterRow{Estate: "1号院", Building: "1栋", Room: "１０２室", Head: "王阿姨", Note: "独居老人"},
		service.RegisterRow{Estate: "春合苑", Building: "12栋", Unit: "2单元", Room: "302"},
		service.RegisterRow{Estate: "春合苑", Building: "12栋", Unit: "3", Room: "302"},
		service.RegisterRow{Estate: "春合苑 ", Building: "１３栋", Room: "1201号"},
	)
	var dry importData
	importFile(e, staff, c.ID, wb, true).Want(t, 200).Data(t, &dry)
	if !dry.DryRun || dry.Rows != 5 || dry.EstatesCreated != 1 || dry.BuildingsCreated != 2 || dry.HouseholdsCreated != 5 || dry.ErrorCount != 0 {
		t.Fatalf("dry run: %+v", dry)
	}
	if n := rowCount(t, e, "households", ""); n != 0 {
		t.Fatalf("a dry run wrote %d households", n)
	}
	if n := rowCount(t, e, "estates", "community_id = ?", e.ParseID(c.ID)); n != 1 {
		t.Fatalf("a dry run wrote estates: %d", n)
	}
	var done importData
	importFile(e, staff, c.ID, wb, false).Want(t, 200).Data(t, &done)
	if done.DryRun || done.EstatesCreated != 1 || done.BuildingsCreated != 2 || done.HouseholdsCreated != 5 || done.Unchanged != 0 {
		t.Fatalf("import: %+v", done)
	}
	got := rooms(t, e, staff, c.BuildingIDs[0])
	if len(got) != 2 || got[0].Room != "101" || got[1].Room != "102" || got[0].Unit != "" {
		t.Fatalf("rooms of 1栋: %+v", got)
	}
	// The head is sealed at rest.
	if n := rowCount(t, e, "households", "head_cipher LIKE ?", "%王阿姨%"); n != 0 {
		t.Fatal("head stored in clear")
	}
	// The same file again changes nothing.
	var again importData
	importFile(e, staff, c.ID, wb, false).Want(t, 200).Data(t, &again)
	if again.HouseholdsCreated != 0 || again.EstatesCreated != 0 || again.BuildingsCreated != 0 ||
		again.HouseholdsUpdated != 0 || again.Unchanged != 5 {
		t.Fatalf("re-import: %+v", again)
	}
	if n := rowCount(t, e, "households", ""); n != 5 {
		t.Fatalf("households after re-import: %d", n)
	}
	// A changed note is an update, not a new household.
	var upd importData
	importFile(e, staff, c.ID, register(t, service.RegisterRow{Estate: "1号院", Building: "1栋", Room: "101", Note: "有轮椅"}),
		false).Want(t, 200).Data(t, &upd)
	if upd.HouseholdsUpdated != 1 || upd.HouseholdsCreated != 0 {
		t.Fatalf("update: %+v", upd)
	}
}

func TestHouseholdsImportReportsEveryRowAndWritesNothing(t *testing.T) {
	t.Parallel()
	e := apptest.New(t)
	c := e.MakeCommunity("东亭社区", 1, 1)
	staff := e.MakeStaff(c.ID, "staff")
	f := excelize.NewFile()
	sh := "Sheet1"
	for i, row := range [][]any{
		{"小区", "楼栋", "单元", "房号", "车位"},
		{"1号院", "1栋", "", "101"},
		{"1号院", "", "", "102"},
		{"1号院", "1栋", "", ""},
		{"1号院", "1栋", "", "101"},
		{"1号院", "1栋", "", "１０１室"},
		{"新苑", "1栋", "", "201", "A-1"},
		{},
		{"1号院", "1栋", "", "103", "", "多出来的"},
	} {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow(sh, cell, &row); err != nil {
			t.Fatal(err)
		}
	}
	var b bytes.Buffer
	if _, err := f.WriteTo(&b); err != nil {
		t.Fatal(err)
	}
	rep := rejected(t, importFile(e, staff, c.ID, b.Bytes(), false))
	want := []struct {
		row    int
		column string
		says   string
	}{
		{1, "E", "未知的列「车位」"},
		{3, "楼栋", "第 3 行 B 列「楼栋」为空"},
		{4, "房号", "第 4 行 D 列「房号」为空"},
		{5, "房号", "第 5 行与第 2 行重复"},
		{6, "房号", "只差全角、空格或“室/号”的写法"},
		{9, "F", "第 9 行 F 列没有表头"},
	}
	if rep.ErrorCount != len(want) {
		t.Fatalf("errors: %+v", rep.Errors)
	}
	for i, w := range want {
		got := rep.Errors[i]
		if got.Row != w.row || got.Column != w.column || !strings.Contains(got.Message, w.says) {
			t.Fatalf("error %d: %+v, want %+v", i, got, w)
		}
	}
	if rowCount(t, e, "households", "") != 0 || rowCount(t, e, "estates", "name = ?", "新苑") != 0 {
		t.Fatal("a rejected file wrote something")
	}
	// A note others will read passes the content-safety check.
	rep = rejected(t, importFile(e, staff, c.ID, register(t,
		service.RegisterRow{Estate: "1号院", Building: "1栋", Room: "101", Note: "常年" + "赌博"}), false))
	if rep.ErrorCount != 1 || rep.Errors[0].Column != "备注" || rep.Errors[0].Row != 2 || !strings.Contains(rep.Errors[0].Message, "内容安全") {
		t.Fatalf("risky note: %+v", rep.Errors)
	}
	// A file without the required columns names them.
	f2 := excelize.NewFile()
	_ = f2.SetSheetRow("Sheet1", "A1", &[]any{"小区", "单元"})
	_ = f2.SetSheetRow("Sheet1", "A2", &[]any{"1号院", "1"})
	b.Reset()
	_, _ = f2.WriteTo(&b)
	rep = rejected(t, importFile(e, staff, c.ID, b.Bytes(), true))
	if rep.ErrorCount != 2 || rep.Errors[0].Column != "楼栋" || rep.Errors[1].Column != "房号" {
		t.Fatalf("missing columns: %+v", rep.Errors)
	}
}

func TestHouseholdsImportRefusals(t *testing.T) {
	t.Parallel()
	e := apptest.New(t)
	c := e.MakeCommunity("东亭社区", 1, 1)
	staff := e.MakeStaff(c.ID, "staff")
	// Not an xlsx: text, an old .xls (OLE), a zip that is no workbook.
	importFile(e, staff, c.ID, []byte("小区,楼栋,房号\n1号院,1栋,101\n"), false).Want(t, 415).Err(t)
	importFile(e, staff, c.ID, append([]byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}, make([]byte, 512)...), false).Want(t, 415)
	var z bytes.Buffer
	zw := zip.NewWriter(&z)
	w, _ := zw.Create("readme.txt")
	_, _ = w.Write([]byte("hello"))
	_ = zw.Close()
	importFile(e, staff, c.ID, z.Bytes(), false).Want(t, 415)
	// Not multipart at all.
	e.Do("POST", "/api/v1/communities/"+c.ID+"/households/import", map[string]string{"file": "x"},
		apptest.Token(staff.Token)).Want(t, 415)
	// Over 10 MB.
	big := make([]byte, service.MaxImportBytes+1)
	copy(big, "PK\x03\x04")
	if eb := importFile(e, staff, c.ID, big, false).Want(t, 413).Err(t); !strings.Contains(eb.Message, "10 MB") {
		t.Fatalf("413: %s", eb.Message)
	}
	// A zip bomb: the directory says the sheet unpacks to a terabyte; refused before unpacking.
	z.Reset()
	zw = zip.NewWriter(&z)
	for _, name := range []string{"[Content_Types].xml", "xl/workbook.xml"} {
		w, _ := zw.Create(name)
		_, _ = w.Write([]byte("<x/>"))
	}
	raw, err := zw.CreateRaw(&zip.FileHeader{Name: "xl/worksheets/sheet1.xml", Method: zip.Deflate,
		CompressedSize64: 4, UncompressedSize64: 1 << 40})
	if err != nil {
		t.Fatal(err)
	}
	_, _ = raw.Write([]byte{1, 2, 3, 4})
	_ = zw.Close()
	if eb := importFile(e, staff, c.ID, z.Bytes(), false).Want(t, 400).Err(t); !strings.Contains(eb.Message, "解压后超过") {
		t.Fatalf("zip bomb: %s", eb.Message)
	}
	// Over 50,000 rows: 400 naming the limit.
	many := make([]service.RegisterRow, service.MaxImportRows+1)
	for i := range many {
		many[i] = service.RegisterRow{Estate: "1号院", Building: "1栋", Room: fmt.Sprint(i + 1)}
	}
	if eb := importFile(e, staff, c.ID, register(t, many...), true).Want(t, 400).Err(t); !strings.Contains(eb.Message, "50000") {
		t.Fatalf("row limit: %s", eb.Message)
	}
	if rowCount(t, e, "households", "") != 0 {
		t.Fatal("a refused file wrote households")
	}
}

func TestHouseholdsImportReadsFormulasAndDatesAsText(t *testing.T) {
	t.Parallel()
	e := apptest.New(t)
	c := e.MakeCommunity("东亭社区", 1, 1)
	staff := e.MakeStaff(c.ID, "staff")
	f := excelize.NewFile()
	_ = f.SetSheetRow("Sheet1", "A1", &[]any{"小区", "楼栋", "单元", "房号"})
	_ = f.SetSheetRow("Sheet1", "A2", &[]any{"1号院", "1栋", "1", 1201})
	if err := f.SetCellFormula("Sheet1", "D2", "1200+1"); err != nil { // keeps the last value, 1201
		t.Fatal(err)
	}
	_ = f.SetSheetRow("Sheet1", "A3", &[]any{"1号院", "1栋", "2"})
	if err := f.SetCellValue("Sheet1", "D3", time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	shown, _ := f.GetCellValue("Sheet1", "D3")
	var b bytes.Buffer
	_, _ = f.WriteTo(&b)
	var rep importData
	importFile(e, staff, c.ID, b.Bytes(), false).Want(t, 200).Data(t, &rep)
	got := rooms(t, e, staff, c.BuildingIDs[0])
	if rep.HouseholdsCreated != 2 || len(got) != 2 || got[0].Room != "1201" || got[1].Room != strings.ToUpper(strings.ReplaceAll(shown, " ", "")) ||
		strings.Contains(got[1].Room, "46") {
		t.Fatalf("formula and date: %+v %+v (date shows %q)", rep, got, shown)
	}
}

func TestHouseholdsTemplateAndPermissions(t *testing.T) {
	t.Parallel()
	e := apptest.New(t)
	c := e.MakeCommunity("东亭社区", 1, 1)
	other := e.MakeCommunity("别的社区", 1, 1)
	staff := e.MakeStaff(c.ID, "staff")
	otherStaff := e.MakeStaff(other.ID, "other-staff")
	captain := e.MakeCaptain(c.ID, "captain", c.BuildingIDs[0])
	resident := e.MakeResident("resident", c.BuildingIDs[0], "101")

	res := e.Do("GET", "/api/v1/communities/"+c.ID+"/households/template", nil, apptest.Token(staff.Token)).Want(t, 200)
	if !strings.Contains(res.Header.Get("Content-Type"), "spreadsheetml") {
		t.Fatalf("content type %q", res.Header.Get("Content-Type"))
	}
	f, err := excelize.OpenReader(bytes.NewReader(res.Body))
	if err != nil {
		t.Fatal(err)
	}
	if sheets := f.GetSheetList(); len(sheets) != 2 || sheets[0] != "房屋台账" || sheets[1] != "填写说明" {
		t.Fatalf("sheets %v", sheets)
	}
	hdr, _ := f.GetRows("房屋台账")
	if strings.Join(hdr[0], ",") != "小区,楼栋,单元,房号,户主称呼,备注" || len(hdr) != 2 {
		t.Fatalf("template rows %v", hdr)
	}
	// The template is a file the import reads; its example row is refused, not imported.
	rep := rejected(t, importFile(e, staff, c.ID, res.Body[:len(res.Body):len(res.Body)], true))
	if rep.ErrorCount != 1 || !strings.Contains(rep.Errors[0].Message, "示例行") || rep.Errors[0].Row != 2 {
		t.Fatalf("template import: %+v", rep)
	}

	wb := register(t, service.RegisterRow{Estate: "1号院", Building: "1栋", Room: "102"})
	for _, s := range []apptest.Session{captain, resident} {
		e.Do("GET", "/api/v1/communities/"+c.ID+"/households/template", nil, apptest.Token(s.Token)).Want(t, 403)
		importFile(e, s, c.ID, wb, false).Want(t, 403)
	}
	e.Do("GET", "/api/v1/communities/"+c.ID+"/households/template", nil, apptest.Token(otherStaff.Token)).Want(t, 404)
	importFile(e, otherStaff, c.ID, wb, false).Want(t, 404)
	e.Do("GET", "/api/v1/communities/"+c.ID+"/households/template", nil).Want(t, 401)
	importFile(e, apptest.Session{Token: "nope"}, c.ID, wb, false).Want(t, 401)
	e.Do("GET", "/api/v1/communities/x/households/template", nil, apptest.Token(staff.Token)).Want(t, 400)
	e.Do("GET", "/api/v1/buildings/999999/households", nil, apptest.Token(staff.Token)).Want(t, 404)
	e.Do("GET", "/api/v1/households/999999", nil, apptest.Token(staff.Token)).Want(t, 404)
}

type householdData struct {
	ID          string `json:"id"`
	BuildingID  string `json:"building_id"`
	Unit        string `json:"unit"`
	Room        string `json:"room"`
	Label       string `json:"label"`
	Head        string `json:"head"`
	NeedsReview bool   `json:"needs_review"`
	Members     []struct {
		UserID      string `json:"user_id"`
		PhoneMasked string `json:"phone_masked"`
		Phone       string `json:"phone"`
	} `json:"members"`
}

func TestResidencyByHousehold(t *testing.T) {
	t.Parallel()
	e := apptest.New(t)
	c := e.MakeCommunity("东亭社区", 1, 2)
	staff := e.MakeStaff(c.ID, "staff")
	captain := e.MakeCaptain(c.ID, "captain", c.BuildingIDs[0])
	captain2 := e.MakeCaptain(c.ID, "captain2", c.BuildingIDs[1])
	importFile(e, staff, c.ID, register(t,
		service.RegisterRow{Estate: "1号院", Building: "1栋", Unit: "2", Room: "302", Head: "李伯伯"},
		service.RegisterRow{Estate: "1号院", Building: "1栋", Unit: "3", Room: "303"},
	), false).Want(t, 200)
	picked := rooms(t, e, e.DevLogin("browser"), c.BuildingIDs[0])
	if len(picked) != 2 || picked[0].Unit != "2" || picked[0].Room != "302" {
		t.Fatalf("picker: %+v", picked)
	}

	u := e.DevLogin("by-household")
	var r struct {
		ID          string  `json:"id"`
		Room        string  `json:"room"`
		HouseholdID *string `json:"household_id"`
	}
	e.Do("POST", "/api/v1/me/residencies", map[string]string{"household_id": picked[0].ID}, apptest.Token(u.Token)).Want(t, 201).Data(t, &r)
	if r.Room != "2单元302" || r.HouseholdID == nil || *r.HouseholdID != picked[0].ID {
		t.Fatalf("claim by household: %+v", r)
	}
	e.Do("POST", "/api/v1/me/residencies", map[string]string{"household_id": picked[0].ID}, apptest.Token(u.Token)).Want(t, 409)
	e.Do("POST", "/api/v1/me/residencies", map[string]string{"household_id": "999999"}, apptest.Token(u.Token)).Want(t, 404)
	wantInvalid(t, e.Do("POST", "/api/v1/me/residencies", map[string]string{"household_id": "x"}, apptest.Token(u.Token)), "household_id")
	wantInvalid(t, e.Do("POST", "/api/v1/me/residencies", map[string]string{}, apptest.Token(u.Token)), "building_id")

	// The old form, spelled loosely, finds the registered room; a room typed without its unit
	// matches when one unit has it.
	v := e.DevLogin("old-form")
	e.Do("POST", "/api/v1/me/residencies", map[string]string{"building_id": c.BuildingIDs[0], "room": "2单元 ３０２室"},
		apptest.Token(v.Token)).Want(t, 201).Data(t, &r)
	if r.HouseholdID == nil || *r.HouseholdID != picked[0].ID || r.Room != "2单元302" {
		t.Fatalf("old form matched: %+v", r)
	}
	e.Approve(r.ID)
	w := e.DevLogin("no-unit")
	e.Do("POST", "/api/v1/me/residencies", map[string]string{"building_id": c.BuildingIDs[0], "room": "303"},
		apptest.Token(w.Token)).Want(t, 201).Data(t, &r)
	if r.HouseholdID == nil || *r.HouseholdID != picked[1].ID {
		t.Fatalf("room without unit: %+v", r)
	}
	// A room the register lacks: no household until approved, then one flagged for review.
	x := e.DevLogin("unregistered")
	e.Do("POST", "/me/residencies", nil) // (not under /api/v1: 404, nothing happens)
	e.Do("POST", "/api/v1/me/residencies", map[string]string{"building_id": c.BuildingIDs[1], "room": "901"},
		apptest.Token(x.Token)).Want(t, 201).Data(t, &r)
	if r.HouseholdID != nil {
		t.Fatalf("unregistered room has a household: %+v", r)
	}
	e.Approve(r.ID)
	hh, err := e.App.Services.Households.OfUser(t.Context(), e.ParseID(x.UserID), e.ParseID(c.ID))
	if err != nil {
		t.Fatal(err)
	}
	var d householdData
	e.Do("GET", fmt.Sprint("/api/v1/households/", hh.ID), nil, apptest.Token(captain2.Token)).Want(t, 200).Data(t, &d)
	if !d.NeedsReview || d.Room != "901" || len(d.Members) != 1 || d.Members[0].UserID != x.UserID {
		t.Fatalf("household made on approval: %+v", d)
	}

	// The detail: the building's captain and staff; members with masked and (for them) full phones.
	e.Do("POST", "/api/v1/me/phone", map[string]string{"code": "13800005678"}, apptest.Token(v.Token)).Want(t, 200)
	for _, s := range []apptest.Session{captain, staff} {
		e.Do("GET", "/api/v1/households/"+picked[0].ID, nil, apptest.Token(s.Token)).Want(t, 200).Data(t, &d)
		if d.Label != "2单元302" || d.Head != "李伯伯" || d.NeedsReview || len(d.Members) != 1 ||
			d.Members[0].Phone != "13800005678" || d.Members[0].PhoneMasked != "138****5678" {
			t.Fatalf("detail: %+v", d)
		}
	}
	e.Do("GET", "/api/v1/households/"+picked[0].ID, nil, apptest.Token(captain2.Token)).Want(t, 403)
	e.Do("GET", "/api/v1/households/"+picked[0].ID, nil, apptest.Token(v.Token)).Want(t, 403)
}

// Two staff importing the same file at once end with each room once: one writes, the other
// either finds everything there (unchanged) or is told to retry (409).
func TestHouseholdsImportConcurrent(t *testing.T) {
	t.Parallel()
	e := apptest.New(t)
	c := e.MakeCommunity("东亭社区", 1, 1)
	staff := e.MakeStaff(c.ID, "staff")
	rows := make([]service.RegisterRow, 200)
	for i := range rows {
		rows[i] = service.RegisterRow{Estate: "春合苑", Building: fmt.Sprintf("%d栋", i%4+1), Room: fmt.Sprint(101 + i)}
	}
	wb := register(t, rows...)
	var wg sync.WaitGroup
	statuses := make([]int, 4)
	for i := range statuses {
		wg.Go(func() { statuses[i] = importFile(e, staff, c.ID, wb, false).Status })
	}
	wg.Wait()
	ok := 0
	for _, s := range statuses {
		if s != 200 && s != 409 {
			t.Fatalf("statuses %v", statuses)
		}
		if s == 200 {
			ok++
		}
	}
	if ok == 0 || rowCount(t, e, "households", "") != 200 || rowCount(t, e, "buildings", "community_id = ?", e.ParseID(c.ID)) != 5 ||
		rowCount(t, e, "estates", "name = ?", "春合苑") != 1 {
		t.Fatalf("after racing imports: %v, %d households", statuses, rowCount(t, e, "households", ""))
	}
}
