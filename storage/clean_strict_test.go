package storage_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"image"
	"slices"
	"testing"

	"linli/storage"
	"linli/storage/storagetest"
)

// secret is what a smuggler puts in the segments and chunks no decoder reads; finding it in a
// cleaned image means bytes the picture does not show got through.
const secret = "LINLI-SECRET-not-the-picture"

// noSecret fails when out still carries secret.
func noSecret(t *testing.T, what string, out []byte) {
	t.Helper()
	if bytes.Contains(out, []byte(secret)) {
		t.Fatalf("%s: cleaned image still carries the secret bytes", what)
	}
}

// jpegMarkers lists the markers of the segments before the first scan's data.
func jpegMarkers(t *testing.T, b []byte) []byte {
	t.Helper()
	var out []byte
	for i := 2; i+4 <= len(b); {
		if b[i] != 0xFF {
			t.Fatalf("no marker at %d", i)
		}
		m := b[i+1]
		out = append(out, m)
		if m == 0xDA {
			return out
		}
		i += 2 + int(binary.BigEndian.Uint16(b[i+2:]))
	}
	return out
}

// TestCleanJPEGKeepsOnlyWhatDecodes: JPGn (0xFFF0–0xFFFD), JPG (0xFFC8), every APPn but the
// fixed part of JFIF and Adobe, and COM are dropped with whatever they carry; what remains
// decodes to the same picture.
func TestCleanJPEGKeepsOnlyWhatDecodes(t *testing.T) {
	t.Parallel()
	jfif := []byte("JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x01\x01\xAA\xBB\xCC" + secret) // 1×1 thumbnail
	adobe := []byte("Adobe\x00\x64\x00\x00\x00\x00\x01" + secret)
	segs := []storagetest.Segment{
		{Marker: 0xE0, Payload: jfif},
		{Marker: 0xE2, Payload: []byte("ICC_PROFILE\x00\x01\x01" + secret)},
		{Marker: 0xE2, Payload: []byte("MPF\x00" + secret)},
		{Marker: 0xEE, Payload: adobe},
		{Marker: 0xE5, Payload: []byte(secret)},
		{Marker: 0xFE, Payload: []byte(secret)},
		{Marker: 0xC8, Payload: []byte(secret)},
	}
	for m := byte(0xF0); m <= 0xFD; m++ {
		segs = append(segs, storagetest.Segment{Marker: m, Payload: []byte(secret)})
	}
	plain := storagetest.JPEGWith(24, 16)
	in := storagetest.JPEGWith(24, 16, segs...)
	if !bytes.Contains(in, []byte(secret)) {
		t.Fatal("test image lacks its secret")
	}
	img, err := storage.Clean(in)
	if err != nil {
		t.Fatal(err)
	}
	noSecret(t, "jpeg", img.Data)
	if !bytes.Contains(img.Data, jfif[:12]) || !bytes.Contains(img.Data, adobe[:12]) {
		t.Fatal("dropped the fixed part of JFIF or Adobe")
	}
	if bytes.Contains(img.Data, []byte{0xAA, 0xBB, 0xCC}) {
		t.Fatal("kept the JFIF thumbnail")
	}
	for _, m := range jpegMarkers(t, img.Data) {
		switch {
		case m == 0xE0, m == 0xEE, m == 0xDB, m == 0xC4, m == 0xC0, m == 0xDA:
		default:
			t.Errorf("kept segment %#x", m)
		}
	}
	want, _, err := image.Decode(bytes.NewReader(plain))
	if err != nil {
		t.Fatal(err)
	}
	got, _, err := image.Decode(bytes.NewReader(img.Data))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []image.Point{{0, 0}, {5, 5}, {23, 15}} {
		if got.At(p.X, p.Y) != want.At(p.X, p.Y) {
			t.Fatalf("pixel %v changed", p)
		}
	}
	// Cleaning twice changes nothing.
	if again, err := storage.Clean(img.Data); err != nil || !bytes.Equal(again.Data, img.Data) {
		t.Fatalf("not idempotent: %v", err)
	}
}

// pngChunks lists the chunk types of a PNG.
func pngChunks(b []byte) []string {
	var out []string
	for i := 8; i+8 <= len(b); {
		n := int(binary.BigEndian.Uint32(b[i:]))
		out = append(out, string(b[i+4:i+8]))
		i += 12 + n
	}
	return out
}

// TestCleanPNGKeepsOnlyWhatDecodes: sPLT, iCCP (its name and profile), a true-colour image's
// suggested PLTE and every descriptive chunk are dropped with what they carry; the colour
// chunks of fixed size stay.
func TestCleanPNGKeepsOnlyWhatDecodes(t *testing.T) {
	t.Parallel()
	in := storagetest.PNGWith(12, 8,
		storagetest.PNGChunk{Type: "sRGB", Data: []byte{0}},
		storagetest.PNGChunk{Type: "gAMA", Data: []byte{0, 0, 0xB1, 0x8F}},
		storagetest.PNGChunk{Type: "gAMA", Data: []byte{0, 0, 0xB1, 0x8F}}, // a second one
		storagetest.PNGChunk{Type: "cHRM", Data: []byte(secret)},           // wrong length
		storagetest.PNGChunk{Type: "iCCP", Data: []byte(secret + "\x00\x00x\x9c\x03\x00\x00\x00\x00\x01")},
		storagetest.PNGChunk{Type: "sPLT", Data: []byte(secret + "\x00\x08\x01\x02\x03\x04\x00\x05")},
		storagetest.PNGChunk{Type: "PLTE", Data: []byte(secret[:27])},
		storagetest.PNGChunk{Type: "bKGD", Data: []byte(secret[:6])},
		storagetest.PNGChunk{Type: "pHYs", Data: []byte(secret[:9])},
		storagetest.PNGChunk{Type: "sBIT", Data: []byte(secret[:3])},
		storagetest.PNGChunk{Type: "hIST", Data: []byte(secret)},
		storagetest.PNGChunk{Type: "zTXt", Data: []byte(secret)},
		storagetest.PNGChunk{Type: "iTXt", Data: []byte(secret)},
		storagetest.PNGChunk{Type: "acTL", Data: []byte(secret[:8])},
		storagetest.PNGChunk{Type: "prVt", Data: []byte(secret)},
	)
	img, err := storage.Clean(in)
	if err != nil {
		t.Fatal(err)
	}
	noSecret(t, "png", img.Data)
	if got := pngChunks(img.Data); !slices.Equal(got, []string{"IHDR", "sRGB", "gAMA", "IDAT", "IEND"}) {
		t.Fatalf("chunks %q", got)
	}
	if _, _, err := image.Decode(bytes.NewReader(img.Data)); err != nil {
		t.Fatal(err)
	}
	if again, err := storage.Clean(img.Data); err != nil || !bytes.Equal(again.Data, img.Data) {
		t.Fatalf("not idempotent: %v", err)
	}
}

// TestCleanPNGKeepsTheTransparencyOfAPalette: a paletted picture keeps PLTE and tRNS.
func TestCleanPNGKeepsTheTransparencyOfAPalette(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	storagetest.Chunk(&b, "IHDR", []byte{0, 0, 0, 1, 0, 0, 0, 1, 8, 3, 0, 0, 0})
	storagetest.Chunk(&b, "PLTE", []byte{255, 0, 0, 0, 255, 0})
	storagetest.Chunk(&b, "tRNS", []byte{0x80})
	storagetest.Chunk(&b, "IDAT", []byte{0x78, 0x9C, 0x63, 0x60, 0x00, 0x00, 0x00, 0x02, 0x00, 0x01})
	storagetest.Chunk(&b, "IEND", nil)
	if _, _, err := image.Decode(bytes.NewReader(b.Bytes())); err != nil {
		t.Fatalf("test image: %v", err)
	}
	img, err := storage.Clean(b.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if got := pngChunks(img.Data); !slices.Equal(got, []string{"IHDR", "PLTE", "tRNS", "IDAT", "IEND"}) {
		t.Fatalf("chunks %q", got)
	}
	if !bytes.Equal(img.Data, b.Bytes()) {
		t.Fatal("a clean image changed")
	}
}

func TestCleanWebPDropsTheICCProfile(t *testing.T) {
	t.Parallel()
	in := storagetest.WebPWithEXIF()
	// Insert an ICCP chunk after VP8X and set the ICC flag.
	var b bytes.Buffer
	b.Write(in[:12+18])
	b.WriteString("ICCP")
	_ = binary.Write(&b, binary.LittleEndian, uint32(len(secret)))
	b.WriteString(secret)
	b.Write(in[12+18:])
	out := b.Bytes()
	binary.LittleEndian.PutUint32(out[4:], uint32(len(out)-8))
	out[20] |= 0x20
	img, err := storage.Clean(out)
	if err != nil {
		t.Fatal(err)
	}
	noSecret(t, "webp", img.Data)
	if img.Data[20]&0x20 != 0 {
		t.Fatal("ICC flag left set")
	}
}

// TestCleanRefusesHeadersNoDecoderAccepts: sizes outside the format, impossible depths, a
// second frame, junk after a frame or scan header, a scan before the frame.
func TestCleanRefusesHeadersNoDecoderAccepts(t *testing.T) {
	t.Parallel()
	jpg := storagetest.JPEGWith(8, 8)
	sof := bytes.Index(jpg, []byte{0xFF, 0xC0})
	sofLen := int(binary.BigEndian.Uint16(jpg[sof+2:]))
	sos := bytes.Index(jpg, []byte{0xFF, 0xDA})
	with := func(at int, extra []byte) []byte {
		return slices.Concat(jpg[:at], extra, jpg[at:])
	}
	longSOF := slices.Concat(jpg[:sof+2], []byte{byte((sofLen + 4) >> 8), byte(sofLen + 4)}, jpg[sof+4:sof+2+sofLen], []byte(secret[:4]), jpg[sof+2+sofLen:])
	for name, b := range map[string][]byte{
		"png width 0":         storagetest.PNGBomb(0, 10, 8, storagetest.PNGRGBA),
		"png width 2^31":      storagetest.PNGBomb(1<<31, 10, 8, storagetest.PNGRGBA),
		"png 16-bit palette":  storagetest.PNGBomb(10, 10, 16, 3),
		"png 3-bit gray":      storagetest.PNGBomb(10, 10, 3, storagetest.PNGGray),
		"png colour type 5":   storagetest.PNGBomb(10, 10, 8, 5),
		"jpeg two frames":     with(sos, jpg[sof:sof+2+sofLen]),
		"jpeg junk after SOF": longSOF,
		"jpeg scan first":     slices.Concat(jpg[:2], jpg[sos:]),
	} {
		if _, err := storage.Clean(b); !errors.Is(err, storage.ErrCorrupt) {
			t.Errorf("%s: %v", name, err)
		}
	}
}
