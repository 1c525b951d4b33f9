package storage_test

import (
	"bytes"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"math"
	"runtime"
	"testing"

	"linli/storage"
	"linli/storage/storagetest"
)

// allocated is how many bytes decoding b allocates (runtime.MemStats.TotalAlloc).
// The least of three decodes: the first decode of a kind also pays for the decoders' one-time
// tables (flate's fixed Huffman table, built once per process on first use), which depends on
// the order the cases run in, not on the picture.
func allocated(t *testing.T, b []byte) uint64 {
	t.Helper()
	least := uint64(math.MaxUint64)
	for range 3 {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		if _, _, err := image.Decode(bytes.NewReader(b)); err != nil {
			t.Fatal(err)
		}
		runtime.ReadMemStats(&after)
		least = min(least, after.TotalAlloc-before.TotalAlloc)
	}
	return least
}

// TestDecodeBytesCoverWhatDecodersAllocate: for each kind of picture Go decodes, the estimate
// read from the header is at least what a real decode allocates, and not much more (so that
// the limit does not refuse ordinary photos).
func TestDecodeBytesCoverWhatDecodersAllocate(t *testing.T) {
	const w, h = 640, 480
	gray := image.NewGray(image.Rect(0, 0, w, h))
	gray16 := image.NewGray16(image.Rect(0, 0, w, h))
	rgba64 := image.NewNRGBA64(image.Rect(0, 0, w, h))
	pal := image.NewPaletted(image.Rect(0, 0, w, h), color.Palette{color.Black, color.White})
	encPNG := func(m image.Image) []byte {
		var b bytes.Buffer
		if err := png.Encode(&b, m); err != nil {
			t.Fatal(err)
		}
		return b.Bytes()
	}
	encJPEG := func(m image.Image) []byte {
		var b bytes.Buffer
		if err := jpeg.Encode(&b, m, &jpeg.Options{Quality: 90}); err != nil {
			t.Fatal(err)
		}
		return b.Bytes()
	}
	for name, c := range map[string]struct {
		b        []byte
		perPixel float64 // the decoded image's bytes a pixel
	}{
		"png rgba 8":     {encPNG(storagetest.Picture(w, h)), 4},
		"png rgba 16":    {encPNG(rgba64), 8},
		"png gray 8":     {encPNG(gray), 1},
		"png gray 16":    {encPNG(gray16), 2},
		"png paletted":   {encPNG(pal), 1},
		"png rgb 16":     {storagetest.HeavyPNG(w, h, 16, storagetest.PNGTrueColor, 64), 8},
		"jpeg ycbcr 420": {encJPEG(storagetest.Picture(w, h)), 1.5},
		"jpeg grayscale": {encJPEG(gray), 1},
	} {
		img, err := storage.Clean(c.b)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if got, image := float64(img.DecodeBytes), c.perPixel*w*h; got < image {
			t.Errorf("%s: estimate %.0f for a %.0f-byte image", name, got, image)
		}
		real := allocated(t, img.Data)
		t.Logf("%s: estimate %d, a decode allocated %d", name, img.DecodeBytes, real)
		if img.DecodeBytes < int64(real) || float64(img.DecodeBytes) > 1.1*float64(real)+64<<10 {
			t.Errorf("%s: estimate %d, a decode allocated %d", name, img.DecodeBytes, real)
		}
	}
}

// TestDecodeBytesOfHeadersAlone: what the estimate says for headers no test encoder writes
// (progressive and CMYK JPEG, interlaced PNG) and for bombs, whose sizes must not wrap: the
// pictures' buffers, plus the decoders' own (at most 64 KiB and two rows).
func TestDecodeBytesOfHeadersAlone(t *testing.T) {
	t.Parallel()
	// A JPEG of SOI, an optional APP14, the frame header, an empty scan and EOI.
	jpegHeader := func(sof byte, adobe bool, w, h int, comps ...[2]byte) []byte {
		b := []byte{0xFF, 0xD8}
		if adobe {
			b = append(b, 0xFF, 0xEE, 0, 14, 'A', 'd', 'o', 'b', 'e', 0, 100, 0, 0, 0, 0, 0)
		}
		n := 8 + 3*len(comps)
		b = append(b, 0xFF, sof, byte(n>>8), byte(n), 8, byte(h>>8), byte(h), byte(w>>8), byte(w), byte(len(comps)))
		for _, c := range comps {
			b = append(b, c[0], c[1], 0)
		}
		b = append(b, 0xFF, 0xDA, 0, 8, 1, 1, 0, 0, 63, 0, 0x12, 0x34, 0xFF, 0xD9)
		return b
	}
	ycc420 := [][2]byte{{1, 0x22}, {2, 0x11}, {3, 0x11}}
	interlaced := storagetest.PNGBomb(1000, 1000, 8, storagetest.PNGRGBA)
	interlaced[8+8+12] = 1
	fixCRC(interlaced)
	for name, c := range map[string]struct {
		b    []byte
		want int64
	}{
		"baseline 4:2:0 1000×1000":     {jpegHeader(0xC0, false, 1000, 1000, ycc420...), 1008 * 1008 * 3 / 2},
		"progressive 4:2:0 1000×1000":  {jpegHeader(0xC2, false, 1000, 1000, ycc420...), 5 * 1008 * 1008 * 3 / 2},
		"CMYK 100×100":                 {jpegHeader(0xC0, true, 100, 100, [2]byte{1, 0x11}, [2]byte{2, 0x11}, [2]byte{3, 0x11}, [2]byte{4, 0x11}), 104*104*4 + 100*100*4},
		"RGB by component ids":         {jpegHeader(0xC0, false, 100, 100, [2]byte{'R', 0x11}, [2]byte{'G', 0x11}, [2]byte{'B', 0x11}), 104*104*3 + 100*100*4},
		"png interlaced 1000×1000":     {interlaced, 1000 * 1000 * 4 * 3 / 2},
		"png 7000×7000 16-bit RGBA":    {storagetest.PNGBomb(7000, 7000, 16, storagetest.PNGRGBA), 7000 * 7000 * 8},
		"png 2147483647² 16-bit RGBA":  {storagetest.PNGBomb(1<<31-1, 1<<31-1, 16, storagetest.PNGRGBA), math.MaxInt64},
		"jpeg 65535×65535 progressive": {jpegHeader(0xC2, false, 65535, 65535, ycc420...), 5 * 65536 * 65536 * 3 / 2},
	} {
		img, err := storage.Clean(c.b)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if got := img.DecodeBytes; got < c.want || c.want < math.MaxInt64 && got > c.want+64<<10+128<<10 {
			t.Errorf("%s: %d, want %d", name, got, c.want)
		}
	}
	bomb, err := storage.Clean(storagetest.PNGBomb(1<<31-1, 1<<31-1, 8, storagetest.PNGGray))
	if err != nil || bomb.Pixels() != (1<<31-1)*(1<<31-1) {
		t.Fatalf("pixels of the largest PNG: %v %d", err, bomb.Pixels())
	}
}

// fixCRC recomputes the CRC of every chunk of a PNG after a test edited one.
func fixCRC(b []byte) {
	for i := 8; i+12 <= len(b); {
		n := int(b[i])<<24 | int(b[i+1])<<16 | int(b[i+2])<<8 | int(b[i+3])
		crc := crc32.ChecksumIEEE(b[i+4 : i+8+n])
		b[i+8+n], b[i+9+n], b[i+10+n], b[i+11+n] = byte(crc>>24), byte(crc>>16), byte(crc>>8), byte(crc)
		i += 12 + n
	}
}
