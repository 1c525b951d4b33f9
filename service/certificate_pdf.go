package service

import (
	"bytes"
	"context"
	_ "embed" // the CJK font
	"fmt"
	"image"
	_ "image/jpeg" // seal images
	_ "image/png"  // seal images
	"strconv"
	"time"

	"github.com/signintech/gopdf"
	"github.com/skip2/go-qrcode"
)

// certFont is Noto Sans SC Regular (SIL Open Font License 1.1, service/certfont/OFL.txt), from
// the npm package @expo-google-fonts/noto-sans-sc 0.4.3. It is embedded so that a fresh machine
// with no font installed renders Chinese; gopdf embeds only the glyphs a PDF uses.
//
//go:embed certfont/NotoSansSC-Regular.ttf
var certFont []byte

// Page geometry of a certificate, in points (A4).
const (
	pageW, pageH   = 595.0, 842.0
	marginX        = 50.0
	contentW       = pageW - 2*marginX
	certRowH       = 20.0
	certFontFamily = "noto"
	// footTop is where the foot (issuer, date, seal, QR code) starts on the last page.
	footTop = pageH - 200
)

// certColumns are the record table's headings and widths (their sum is contentW).
var certColumns = []struct {
	title string
	w     float64
}{{"服务日期", 70}, {"服务内容", 150}, {"服务地点", 125}, {"时长(小时)", 60}, {"组织者", 90}}

// Hours formats minutes as hours with up to two decimals (90 → "1.5").
func Hours(minutes int) string {
	return strconv.FormatFloat(float64(minutes)/60, 'f', -1, 64)
}

func hoursText(minutes int) string {
	return strconv.FormatFloat(float64(minutes)/60+1e-9, 'f', 2, 64)
}

func dateCN(t time.Time) string {
	t = t.In(certZone)
	return fmt.Sprintf("%d年%d月%d日", t.Year(), t.Month(), t.Day())
}

// PDF renders a certificate: A4, the records as a table (more pages when they do not fit),
// the recording unit with its seal, and a QR code of the verification address.
func (s *Certificates) PDF(ctx context.Context, v *CertificateView) ([]byte, error) {
	seal, err := s.seal(ctx, &v.Certificate)
	if err != nil {
		return nil, err
	}
	return renderCertificate(v, seal)
}

func renderCertificate(v *CertificateView, seal []byte) ([]byte, error) {
	pdf := &gopdf.GoPdf{}
	pdf.Start(gopdf.Config{PageSize: *gopdf.PageSizeA4})
	pdf.SetInfo(gopdf.PdfInfo{Title: "志愿服务证明 " + v.Serial, Creator: "Linli", CreationDate: v.IssuedAt})
	if err := pdf.AddTTFFontData(certFontFamily, certFont); err != nil {
		return nil, fmt.Errorf("certificate font: %w", err)
	}
	w := &certWriter{pdf: pdf}
	w.page()
	w.font(24)
	w.centred(90, "志愿服务证明")
	w.font(9)
	w.right(60, "编号："+v.Serial)
	w.font(12)
	body := fmt.Sprintf("兹证明 %s 于 %s 至 %s 期间在%s参加志愿服务，累计志愿服务时长 %s 小时，共 %d 次。服务记录如下：",
		v.HolderName, v.PeriodFrom, v.PeriodTo, v.Issuer, hoursText(v.Minutes), len(v.Items))
	w.y = 130
	w.paragraph(body, 20)
	w.y += 8
	w.tableHead()
	for _, it := range v.Items {
		if w.y+certRowH > pageH-60 {
			w.page()
			w.y = 60
			w.tableHead()
		}
		w.row([]string{it.Date, it.Content, it.Place, hoursText(it.Minutes), it.Organiser})
	}
	w.font(10)
	w.y += 10
	if w.y > footTop-40 {
		w.page() // the foot does not fit under the table
		w.y = 60
	}
	w.paragraph("本证明依据《志愿服务记录与证明出具办法》（民政部令第67号）免费出具，内容以出具时的记录为准。", 16)
	return w.finish(v, seal)
}

// certWriter keeps the position on the page while a certificate is written.
type certWriter struct {
	pdf  *gopdf.GoPdf
	y    float64
	size float64
	err  error
}

func (w *certWriter) page() {
	w.pdf.AddPage()
	w.pdf.SetStrokeColor(180, 40, 40)
	w.pdf.SetLineWidth(1.5)
	w.pdf.RectFromUpperLeftWithStyle(25, 25, pageW-50, pageH-50, "D")
	w.pdf.SetStrokeColor(0, 0, 0)
	w.pdf.SetLineWidth(0.5)
}

func (w *certWriter) font(size float64) {
	w.size = size
	w.keep(w.pdf.SetFont(certFontFamily, "", size))
}

func (w *certWriter) keep(err error) {
	if w.err == nil {
		w.err = err
	}
}

func (w *certWriter) width(s string) float64 {
	n, err := w.pdf.MeasureTextWidth(s)
	w.keep(err)
	return n
}

func (w *certWriter) at(x, y float64, s string) {
	w.pdf.SetXY(x, y)
	w.keep(w.pdf.Text(s))
}

func (w *certWriter) centred(y float64, s string) { w.at((pageW-w.width(s))/2, y, s) }

func (w *certWriter) right(y float64, s string) { w.at(pageW-marginX-w.width(s), y, s) }

// paragraph writes wrapped text from the current line down.
func (w *certWriter) paragraph(s string, lineH float64) {
	lines, err := w.pdf.SplitText(s, contentW)
	w.keep(err)
	for _, l := range lines {
		w.y += lineH
		w.at(marginX, w.y, l)
	}
}

// fit shortens s with an ellipsis until it fits width.
func (w *certWriter) fit(s string, width float64) string {
	if w.width(s) <= width {
		return s
	}
	r := []rune(s)
	for len(r) > 0 && w.width(string(r)+"…") > width {
		r = r[:len(r)-1]
	}
	return string(r) + "…"
}

func (w *certWriter) tableHead() {
	w.font(10)
	w.pdf.SetFillColor(240, 236, 228)
	w.pdf.RectFromUpperLeftWithStyle(marginX, w.y, contentW, certRowH, "FD")
	w.pdf.SetFillColor(0, 0, 0) // text is painted with the fill colour
	w.row(nil)
}

// row writes one table row (nil: the headings) with cell borders.
func (w *certWriter) row(cells []string) {
	x := marginX
	for i, col := range certColumns {
		text := col.title
		if cells != nil {
			text = cells[i]
		}
		w.pdf.RectFromUpperLeftWithStyle(x, w.y, col.w, certRowH, "D")
		w.at(x+4, w.y+14, w.fit(text, col.w-8))
		x += col.w
	}
	w.y += certRowH
}

// finish writes the foot of the last page: the issuer, date, seal and QR code.
func (w *certWriter) finish(v *CertificateView, seal []byte) ([]byte, error) {
	footY := footTop
	w.font(12)
	w.right(footY+40, "记录单位："+v.Issuer)
	w.right(footY+65, "出具日期："+dateCN(v.IssuedAt))
	if len(seal) > 0 {
		if img, _, err := image.Decode(bytes.NewReader(seal)); err == nil {
			w.keep(w.pdf.ImageFrom(img, pageW-marginX-150, footY-20, &gopdf.Rect{W: 110, H: 110}))
		}
	}
	qr, err := qrcode.New(v.VerifyURL, qrcode.Medium)
	if err != nil {
		return nil, fmt.Errorf("certificate QR code: %w", err)
	}
	qr.DisableBorder = false
	w.keep(w.pdf.ImageFrom(qr.Image(360), marginX, footY, &gopdf.Rect{W: 100, H: 100}))
	w.font(8)
	w.at(marginX, footY+112, "扫码核验真伪，或访问：")
	w.at(marginX, footY+124, v.VerifyURL)
	w.at(marginX, footY+136, "核验码："+v.Code)
	if w.err != nil {
		return nil, fmt.Errorf("certificate PDF: %w", w.err)
	}
	var buf bytes.Buffer
	if err := w.pdf.Write(&buf); err != nil {
		return nil, fmt.Errorf("certificate PDF: %w", err)
	}
	return buf.Bytes(), nil
}
