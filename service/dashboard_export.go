package service

import (
	"context"
	"fmt"
	"time"

	"github.com/xuri/excelize/v2"

	"linli/clock"
	"linli/model"
)

// Workbook is the dashboard of one month as an Excel workbook (.xlsx).
type Workbook struct {
	// Name is the file name to offer ("东亭社区 2026-03 工作台.xlsx"); Month is YYYY-MM.
	Name, Month string
	Body        []byte
}

// Export builds the workbook of a month's dashboard for its staff: the same view as Month (the
// same figures, from the same rollup or cache), one sheet per section with the trend, and the
// month's issues one by one, their reporters left out where they reported anonymously.
func (d *Dashboard) Export(ctx context.Context, p *Principal, communityID uint64, month string) (*Workbook, error) {
	v, err := d.Month(ctx, p, communityID, month)
	if err != nil {
		return nil, err
	}
	from, to, _ := ParseMonth(v.Figures.Month)
	issues, err := d.store.DashIssueList(ctx, communityID, from, to)
	if err != nil {
		return nil, err
	}
	body, err := buildWorkbook(v, issues)
	if err != nil {
		return nil, Internal(err)
	}
	return &Workbook{Name: fmt.Sprintf("%s %s 工作台.xlsx", v.CommunityName, v.Figures.Month), Month: v.Figures.Month,
		Body: body}, nil
}

// Sheet names of the workbook, in order.
const (
	SheetAbout        = "说明"
	SheetIssues       = "报事"
	SheetIssueList    = "报事明细"
	SheetVolunteering = "志愿服务"
	SheetSkills       = "能人库与派单"
	SheetTimeBank     = "时间银行"
	SheetCouncil      = "议事厅"
	SheetAnnouncement = "公告"
	SheetTrend        = "趋势"
)

// Number formats of the workbook's cells.
const (
	fmtCount   = "0"
	fmtPercent = "0.0%"
	fmtHours   = "[h]:mm" // minutes written as a fraction of a day, shown as hours:minutes
	fmtPoints  = "0.00"
	fmtRating  = "0.00"
	fmtTime    = "yyyy-mm-dd hh:mm"
)

// cell is one value with its number format ("" for text).
type cell struct {
	v   any
	fmt string
}

func count(v int64) cell { return cell{v, fmtCount} }
func text(v string) cell { return cell{v, ""} }

// percent writes a ratio (nil: an empty cell).
func percent(v *float64) cell {
	if v == nil {
		return cell{}
	}
	return cell{*v, fmtPercent}
}

// hours writes minutes as a day fraction shown [h]:mm (nil: an empty cell).
func hours(minutes *int64) cell {
	if minutes == nil {
		return cell{}
	}
	return cell{float64(*minutes) / (24 * 60), fmtHours}
}

func minutesCell(m int64) cell { return hours(&m) }

// points writes hundredths as points with two decimals.
func points(v int64) cell { return cell{float64(v) / 100, fmtPoints} }

// moment writes an instant as Shanghai wall-clock time (nil: an empty cell). Excel times have
// no zone; excelize counts from the instant, so the wall clock is handed over as UTC.
func moment(t *time.Time) cell {
	if t == nil {
		return cell{}
	}
	w := t.In(clock.China)
	return cell{time.Date(w.Year(), w.Month(), w.Day(), w.Hour(), w.Minute(), w.Second(), 0, time.UTC), fmtTime}
}

// sheet streams one worksheet row by row (excelize's StreamWriter: a month of issues is
// thousands of rows), remembering the first error. The header row stays in view.
type sheet struct {
	f      *excelize.File
	sw     *excelize.StreamWriter
	row    int
	styles map[string]int
	err    error
}

// newSheet starts a worksheet: its frozen first row and its column widths come first.
func newSheet(f *excelize.File, name string, styles map[string]int, widths []float64) *sheet {
	s := &sheet{f: f, styles: styles}
	if s.sw, s.err = f.NewStreamWriter(name); s.err != nil {
		return s
	}
	s.err = s.sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"})
	for i, w := range widths {
		if s.err == nil {
			s.err = s.sw.SetColWidth(i+1, i+1, w)
		}
	}
	return s
}

func (s *sheet) style(format string, bold bool) int {
	key := fmt.Sprint(format, bold)
	if id, ok := s.styles[key]; ok {
		return id
	}
	st := &excelize.Style{Font: &excelize.Font{Bold: bold}}
	if format != "" {
		st.CustomNumFmt = &format
	}
	if bold {
		st.Fill = excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"DDEBF7"}}
	}
	id, err := s.f.NewStyle(st)
	if err != nil && s.err == nil {
		s.err = err
	}
	s.styles[key] = id
	return id
}

// line writes the next row; bold marks a header.
func (s *sheet) line(bold bool, cells ...cell) {
	s.row++
	if s.err != nil {
		return
	}
	values := make([]any, len(cells))
	for i, c := range cells {
		if c.v != nil || bold {
			values[i] = excelize.Cell{StyleID: s.style(c.fmt, bold), Value: c.v}
		}
	}
	ref, err := excelize.CoordinatesToCellName(1, s.row)
	if err == nil {
		err = s.sw.SetRow(ref, values)
	}
	s.err = err
}

// header writes a header row of texts.
func (s *sheet) header(titles ...string) {
	cells := make([]cell, len(titles))
	for i, t := range titles {
		cells[i] = text(t)
	}
	s.line(true, cells...)
}

// blank leaves an empty row.
func (s *sheet) blank() { s.row++ }

// buildWorkbook writes the view and the month's issues.
func buildWorkbook(v *DashboardView, issues []model.DashIssueListRow) ([]byte, error) {
	f := excelize.NewFile()
	defer f.Close()
	styles := map[string]int{}
	sheets := []struct {
		name   string
		widths []float64
		write  func(*sheet)
	}{
		{SheetAbout, []float64{22, 60}, func(s *sheet) { writeAbout(s, v) }},
		{SheetIssues, []float64{22, 14, 40, 12, 18, 10}, func(s *sheet) { writeIssues(s, v.Figures.Issues) }},
		{SheetIssueList, []float64{10, 18, 12, 10, 18, 18, 18, 8, 16}, func(s *sheet) { writeIssueList(s, issues) }},
		{SheetVolunteering, []float64{18, 16, 44, 10, 12}, func(s *sheet) {
			writeVolunteering(s, v.Figures.Volunteering, v.Volunteers)
		}},
		{SheetSkills, []float64{18, 12, 40}, func(s *sheet) { writeSkills(s, v.Figures.Skills) }},
		{SheetTimeBank, []float64{16, 20, 36, 10}, func(s *sheet) { writeTimeBank(s, v.Figures.TimeBank) }},
		{SheetCouncil, []float64{18, 12, 40}, func(s *sheet) { writeCouncil(s, v.Figures.Council) }},
		{SheetAnnouncement, []float64{18, 12, 44}, func(s *sheet) { writeAnnouncements(s, v.Figures.Announcements) }},
		{SheetTrend, []float64{10, 8, 8, 8, 14, 14, 8, 8, 8, 10, 10, 8, 8, 10, 10, 10}, func(s *sheet) { writeTrend(s, v) }},
	}
	for i, sh := range sheets {
		var err error
		if i == 0 {
			err = f.SetSheetName("Sheet1", sh.name)
		} else {
			_, err = f.NewSheet(sh.name)
		}
		if err != nil {
			return nil, err
		}
		s := newSheet(f, sh.name, styles, sh.widths)
		sh.write(s)
		if s.err == nil {
			s.err = s.sw.Flush()
		}
		if s.err != nil {
			return nil, fmt.Errorf("sheet %s: %w", sh.name, s.err)
		}
	}
	buf, err := f.WriteToBuffer()
	if err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
