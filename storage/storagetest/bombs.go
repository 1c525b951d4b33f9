package storagetest

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"math/rand/v2"
)

// PNG colour types for the builders here.
const (
	PNGGray      = 0
	PNGTrueColor = 2
	PNGRGBA      = 6
)

// PNGBomb is a structurally valid PNG whose IHDR declares width×height pixels of the given bit
// depth and colour type, followed by a small IDAT (a few zero rows, a complete zlib stream) and
// IEND: a few hundred bytes that promise an enormous picture. A decoder given it allocates the
// whole picture before it finds the data short; nothing that reads only the header does.
func PNGBomb(width, height uint32, depth, colorType byte) []byte {
	var out bytes.Buffer
	out.WriteString("\x89PNG\r\n\x1a\n")
	Chunk(&out, "IHDR", ihdr(width, height, depth, colorType))
	var z bytes.Buffer
	zw, _ := zlib.NewWriterLevel(&z, zlib.BestCompression)
	_, _ = zw.Write(make([]byte, 4096))
	_ = zw.Close()
	Chunk(&out, "IDAT", z.Bytes())
	Chunk(&out, "IEND", nil)
	return out.Bytes()
}

// HeavyPNG is a complete, decodable w×h PNG of the given bit depth and colour type (8 or 16
// bits, PNGTrueColor or PNGRGBA) whose rows are zero but for noisy bytes at their start, so
// that it compresses to a file of a few megabytes while decoding takes w×h×(bytes a pixel):
// 7000×7000 at 16-bit RGBA is about 1.6 MB that decodes into 392 MB. Building one takes
// seconds (it deflates the whole picture).
func HeavyPNG(w, h int, depth, colorType byte, noisePerRow int) []byte {
	channels := 3
	if colorType == PNGRGBA {
		channels = 4
	}
	row := make([]byte, 1+w*channels*int(depth)/8) // filter byte 0 (none), then the pixels
	var z bytes.Buffer
	zw, _ := zlib.NewWriterLevel(&z, zlib.BestSpeed)
	rng := rand.New(rand.NewPCG(uint64(w), uint64(h)))
	for range h {
		for i := 1; i <= noisePerRow && i < len(row); i++ {
			row[i] = byte(rng.Uint32())
		}
		_, _ = zw.Write(row)
	}
	_ = zw.Close()
	var out bytes.Buffer
	out.WriteString("\x89PNG\r\n\x1a\n")
	Chunk(&out, "IHDR", ihdr(uint32(w), uint32(h), depth, colorType))
	Chunk(&out, "IDAT", z.Bytes())
	Chunk(&out, "IEND", nil)
	return out.Bytes()
}

func ihdr(w, h uint32, depth, colorType byte) []byte {
	b := make([]byte, 13)
	binary.BigEndian.PutUint32(b[0:], w)
	binary.BigEndian.PutUint32(b[4:], h)
	b[8], b[9] = depth, colorType
	return b
}

// JPEGBomb is a JPEG whose frame header declares width×height (baseline, YCbCr 4:2:0),
// followed by one scan of a few bytes: no decoder can draw it, but whatever reads only the
// header sees a picture of that size.
func JPEGBomb(width, height uint16) []byte {
	b := []byte{0xFF, 0xD8, 0xFF, 0xC0, 0, 17, 8, byte(height >> 8), byte(height), byte(width >> 8), byte(width), 3,
		1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1}
	b = append(b, 0xFF, 0xDA, 0, 12, 3, 1, 0x00, 2, 0x11, 3, 0x11, 0, 63, 0)
	return append(b, 0x12, 0x34, 0x56, 0xFF, 0xD9)
}

// WebPBomb is a lossless WebP whose VP8L header declares width×height (each at most 16384).
func WebPBomb(width, height int) []byte {
	bits := uint32(width-1) | uint32(height-1)<<14
	vp8l := []byte{0x2F, byte(bits), byte(bits >> 8), byte(bits >> 16), byte(bits >> 24), 0, 0, 0}
	var out bytes.Buffer
	out.WriteString("RIFF")
	_ = binary.Write(&out, binary.LittleEndian, uint32(4+8+len(vp8l)))
	out.WriteString("WEBPVP8L")
	_ = binary.Write(&out, binary.LittleEndian, uint32(len(vp8l)))
	out.Write(vp8l)
	return out.Bytes()
}
