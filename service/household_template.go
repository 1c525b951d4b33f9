package service

import (
	"bytes"
	"fmt"
	"io"

	"github.com/xuri/excelize/v2"
)

// The template's sheets.
const (
	templateSheet = "房屋台账"
	notesSheet    = "填写说明"
)

// exampleNote marks the template's example row: an import refuses it, so that a forgotten
// example does not become a household.
const exampleNote = "示例行，导入前请删除"

// RegisterRow is one row of a register workbook.
type RegisterRow struct {
	Estate, Building, Unit, Room, Head, Note string
}

var templateNotes = [][2]string{
	{"小区（必填）", "小区或院落名称，如“春合苑”。社区里还没有的小区会自动创建。"},
	{"楼栋（必填）", "楼栋名称，如“12栋”。同一小区里还没有的楼栋会自动创建。"},
	{"单元", "单元号，如“2”或“2单元”；没有单元的楼栋留空。"},
	{"房号（必填）", "如“302”或“302室”。全角数字、空格和末尾的“室/号”不影响识别：“３０２室”与“302”是同一户。"},
	{"户主称呼", "可选，如“王阿姨”，仅社区工作者和楼栋长可见，加密保存。"},
	{"备注", "可选，最多 200 字，仅社区工作者和楼栋长可见，例如“独居老人，需定期探访”。"},
	{"重复导入", "同一份文件可以多次导入：已有的房屋不会重复创建，只更新户主称呼和备注。"},
	{"出错时", "任何一行有错误时整份文件都不会写入，系统会列出每个错误的行号和列名，修改后重新上传即可。"},
	{"上限", fmt.Sprintf("文件不超过 %d MB，不超过 %d 行。请保存为 .xlsx 格式；公式和日期按单元格显示的文字读取。", MaxImportBytes>>20, MaxImportRows)},
}

// Template writes the register template (.xlsx): the columns with an example row, the room
// columns formatted as text (so Excel keeps "0302" and does not turn "1-2" into a date), and a
// sheet of notes.
func (h *Households) Template(w io.Writer) error {
	return writeRegister(w, []RegisterRow{
		{Estate: "春合苑", Building: "12栋", Unit: "2", Room: "302", Head: "王阿姨", Note: exampleNote},
	}, true)
}

// RegisterWorkbook builds a register workbook of the rows, as staff would fill the template
// (the demo community and benchmarks import one).
func RegisterWorkbook(rows []RegisterRow) ([]byte, error) {
	var b bytes.Buffer
	if err := writeRegister(&b, rows, false); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

func writeRegister(w io.Writer, rows []RegisterRow, notes bool) error {
	f := excelize.NewFile()
	defer func() { _ = f.Close() }()
	if err := f.SetSheetName("Sheet1", templateSheet); err != nil {
		return err
	}
	text, err := f.NewStyle(&excelize.Style{NumFmt: 49}) // "@": text
	if err != nil {
		return err
	}
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}, NumFmt: 49})
	if err != nil {
		return err
	}
	widths := []float64{16, 12, 8, 10, 14, 36}
	if notes { // the template: every cell of the columns is text, for the rows staff will add
		for i, width := range widths {
			col := columnLetter(i)
			if err := f.SetColWidth(templateSheet, col, col, width); err != nil {
				return err
			}
			if err := f.SetColStyle(templateSheet, col, text); err != nil {
				return err
			}
		}
		if err := f.SetSheetRow(templateSheet, "A1", &registerColumns); err != nil {
			return err
		}
		if err := f.SetCellStyle(templateSheet, "A1", "F1", bold); err != nil {
			return err
		}
		for i, r := range rows {
			cell, _ := excelize.CoordinatesToCellName(1, i+2)
			if err := f.SetSheetRow(templateSheet, cell, &[]string{r.Estate, r.Building, r.Unit, r.Room, r.Head, r.Note}); err != nil {
				return err
			}
		}
	} else if err := streamRegister(f, rows, widths, text, bold); err != nil {
		return err
	}
	if notes {
		if _, err := f.NewSheet(notesSheet); err != nil {
			return err
		}
		_ = f.SetColWidth(notesSheet, "A", "A", 16)
		_ = f.SetColWidth(notesSheet, "B", "B", 90)
		if err := f.SetSheetRow(notesSheet, "A1", &[]any{"项目", "说明"}); err != nil {
			return err
		}
		for i, n := range templateNotes {
			cell, _ := excelize.CoordinatesToCellName(1, i+2)
			if err := f.SetSheetRow(notesSheet, cell, &[]any{n[0], n[1]}); err != nil {
				return err
			}
		}
	}
	_, err = f.WriteTo(w)
	return err
}

// streamRegister writes a large register with excelize's stream writer.
func streamRegister(f *excelize.File, rows []RegisterRow, widths []float64, text, bold int) error {
	sw, err := f.NewStreamWriter(templateSheet)
	if err != nil {
		return err
	}
	for i, width := range widths {
		if err := sw.SetColWidth(i+1, i+1, width); err != nil {
			return err
		}
	}
	header := make([]any, len(registerColumns))
	for i, c := range registerColumns {
		header[i] = excelize.Cell{StyleID: bold, Value: c}
	}
	if err := sw.SetRow("A1", header); err != nil {
		return err
	}
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		vals := []any{r.Estate, r.Building, r.Unit, r.Room, r.Head, r.Note}
		for j, v := range vals {
			vals[j] = excelize.Cell{StyleID: text, Value: v}
		}
		if err := sw.SetRow(cell, vals); err != nil {
			return err
		}
	}
	return sw.Flush()
}
