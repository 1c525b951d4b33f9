package service

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/xuri/excelize/v2"

	"linli/model"
)

// Limits of a register workbook.
const (
	// MaxImportBytes is the largest workbook accepted (10 MB).
	MaxImportBytes = 10 << 20
	// MaxImportRows is the most data rows a workbook may have.
	MaxImportRows = 50_000
	// maxUnzipped bounds what the workbook's parts may unpack to, read from the zip directory
	// before anything is unpacked: a 50,000-row sheet is some 10 MB of XML; a zip bomb claims
	// gigabytes. archive/zip refuses a part that unpacks to more than the directory says.
	maxUnzipped = 120 << 20
	// sheetInMemory: parts above it are unpacked to a temporary file and read from there.
	sheetInMemory = 4 << 20
)

// The columns of the register, as in the template.
const (
	colEstate   = "小区"
	colBuilding = "楼栋"
	colUnit     = "单元"
	colRoom     = "房号"
	colHead     = "户主称呼"
	colNote     = "备注"
)

// registerColumns are the template's columns in order; required ones first.
var registerColumns = []string{colEstate, colBuilding, colUnit, colRoom, colHead, colNote}

var requiredColumns = []string{colEstate, colBuilding, colRoom}

// columnAliases are other headers people write for the same column.
var columnAliases = map[string]string{
	"小区名称": colEstate, "院落": colEstate, "小区/院落": colEstate,
	"楼栋号": colBuilding, "楼号": colBuilding, "栋": colBuilding,
	"单元号": colUnit,
	"房间号": colRoom, "室号": colRoom, "门牌号": colRoom,
	"户主": colHead, "称呼": colHead,
}

// sheetRow is one data row of the register: its number in the sheet and its cells by column.
type sheetRow struct {
	Num   int
	Cells map[string]string
	// Letters gives the column letter of each column, for messages.
	Letters map[string]string
}

// openWorkbook checks what a workbook is before excelize unpacks it: a zip (else 415), an
// xlsx (415: an old .xls or another zip), and not a zip bomb (400, from the sizes of the zip
// directory, nothing unpacked).
func openWorkbook(data []byte) (*excelize.File, error) {
	if len(data) > MaxImportBytes {
		return nil, Errorf(KindTooLarge, "文件超过 %d MB 上限", MaxImportBytes>>20)
	}
	notXLSX := Errorf(KindUnsupportedType, "请上传 Excel 工作簿（.xlsx）；旧版 .xls 请先在 Excel 中另存为 .xlsx")
	if !bytes.HasPrefix(data, []byte("PK\x03\x04")) {
		return nil, notXLSX
	}
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, notXLSX
	}
	var total uint64
	workbook := false
	for _, f := range zr.File {
		total += f.UncompressedSize64
		if total > maxUnzipped || f.UncompressedSize64 > maxUnzipped {
			return nil, Errorf(KindInvalid, "文件解压后超过 %d MB，不像是一份房屋台账，已拒绝", maxUnzipped>>20)
		}
		workbook = workbook || strings.EqualFold(f.Name, "xl/workbook.xml")
	}
	if !workbook {
		return nil, notXLSX
	}
	wb, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{
		UnzipSizeLimit: maxUnzipped, UnzipXMLSizeLimit: sheetInMemory})
	if err != nil {
		return nil, Errorf(KindInvalid, "无法读取该工作簿，请用 Excel 打开后重新保存再上传")
	}
	return wb, nil
}

// readRegister streams the register sheet (the one named 房屋台账, else the first) row by
// row with excelize's row iterator, so a large sheet is never held whole: it reads the header,
// hands each non-empty data row to visit and reports what is wrong with the header to bad.
// Cells are read as the text they show (a formula's last value, a date as formatted).
func readRegister(wb *excelize.File, bad func(row int, column, msg string), visit func(sheetRow) error) error {
	sheets := wb.GetSheetList()
	if len(sheets) == 0 {
		return Errorf(KindInvalid, "工作簿中没有工作表")
	}
	sheet := sheets[0]
	for _, s := range sheets {
		if s == templateSheet {
			sheet = s
		}
	}
	rows, err := wb.Rows(sheet)
	if err != nil {
		return Errorf(KindInvalid, "无法读取工作表「%s」", sheet)
	}
	defer func() { _ = rows.Close() }()
	var header map[int]string // column index → column ("" for a column refused in the header)
	letters := map[string]string{}
	num, data := 0, 0
	complete := true // the header has every required column: else its rows are not checked
	for rows.Next() {
		num++
		cells, err := rows.Columns()
		if err != nil {
			return Errorf(KindInvalid, "第 %d 行无法读取，请用 Excel 打开后重新保存再上传", num)
		}
		if blank(cells) {
			continue
		}
		if header == nil {
			header = readHeader(num, cells, letters, bad)
			for _, c := range requiredColumns {
				complete = complete && letters[c] != ""
			}
			continue
		}
		data++
		if data > MaxImportRows {
			return Errorf(KindInvalid, "文件超过 %d 行数据的上限（第 %d 行起），请分成几个文件导入", MaxImportRows, num)
		}
		row := sheetRow{Num: num, Cells: make(map[string]string, len(header)), Letters: letters}
		for i, v := range cells {
			if col, ok := header[i]; ok {
				if col != "" {
					row.Cells[col] = v
				}
			} else if strings.TrimSpace(v) != "" {
				bad(num, columnLetter(i), fmt.Sprintf("第 %d 行 %s 列没有表头，无法识别这一列的内容", num, columnLetter(i)))
			}
		}
		if !complete {
			continue
		}
		if err := visit(row); err != nil {
			return err
		}
	}
	if err := rows.Error(); err != nil {
		return Errorf(KindInvalid, "工作表读取失败（第 %d 行附近），请用 Excel 打开后重新保存再上传", num)
	}
	if header == nil {
		return Errorf(KindInvalid, "工作表「%s」是空的：第一行应为表头（小区、楼栋、单元、房号）", sheet)
	}
	return nil
}

func readHeader(num int, cells []string, letters map[string]string, bad func(int, string, string)) map[int]string {
	header := map[int]string{}
	for i, v := range cells {
		name := strings.TrimSpace(strings.TrimRight(strings.TrimSpace(v), "*＊"))
		if name == "" {
			continue
		}
		col := name
		if a, ok := columnAliases[name]; ok {
			col = a
		}
		known := false
		for _, c := range registerColumns {
			known = known || c == col
		}
		switch {
		case !known:
			header[i] = "" // said once here, not on every row
			bad(num, columnLetter(i), fmt.Sprintf("未知的列「%s」：可用的列为 %s", name, strings.Join(registerColumns, "、")))
		case letters[col] != "":
			header[i] = ""
			bad(num, columnLetter(i), fmt.Sprintf("列「%s」重复（已在 %s 列）", col, letters[col]))
		default:
			header[i], letters[col] = col, columnLetter(i)
		}
	}
	for _, c := range requiredColumns {
		if letters[c] == "" {
			bad(num, c, fmt.Sprintf("缺少必填列「%s」", c))
		}
	}
	return header
}

func blank(cells []string) bool {
	for _, c := range cells {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

func columnLetter(i int) string {
	name, err := excelize.ColumnNumberToName(i + 1)
	if err != nil {
		return fmt.Sprint(i + 1)
	}
	return name
}

// readAllData reads the whole upload up to one byte past the limit.
func readAllData(r io.Reader) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxImportBytes+1))
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		return nil, Errorf(KindTooLarge, "文件超过 %d MB 上限", MaxImportBytes>>20)
	case err != nil && !model.IsOutage(err):
		return nil, Errorf(KindInvalid, "上传的文件不完整，请重新上传")
	case err != nil:
		return nil, err
	}
	if len(data) > MaxImportBytes {
		return nil, Errorf(KindTooLarge, "文件超过 %d MB 上限", MaxImportBytes>>20)
	}
	return data, nil
}
