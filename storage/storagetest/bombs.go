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
