// Package storagetest builds real images carrying the metadata the storage package must
// remove (EXIF with a GPS position, text chunks, XMP, segments and chunks of arbitrary bytes),
// and images whose headers promise huge pictures (bombs.go), for tests of uploads.
package storagetest

import (
	"bytes"
	"compress/zlib"
	"encoding/base64"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"math/rand/v2"
)

// GPSMarker is an ASCII value inside the GPS data of the images built here (the GPS map
// datum tag); finding it in an output means the location survived.
const GPSMarker = "LINLI-GPS-31.5856N-120.3642E"

// Picture is a small test picture with a gradient, so encoders produce real image data.
func Picture(w, h int) image.Image {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, color.RGBA{uint8(x * 255 / w), uint8(y * 255 / h), 128, 255})
		}
	}
	return img
}

// Noise is a w×h picture of random pixels from rng: it does not compress, so its JPEG or PNG
// is large (about 3 bytes a pixel).
func Noise(w, h int, rng *rand.Rand) image.Image {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = uint8(rng.Uint32())
		if i%4 == 3 {
			img.Pix[i] = 0xFF // opaque
		}
	}
	return img
}

// ExifWithGPS is the payload of an APP1 segment (and of a PNG eXIf chunk after its first six
// bytes): "Exif\0\0", a little-endian TIFF header, IFD0 pointing at a GPS IFD with latitude,
// longitude and GPSMarker as map datum.
func ExifWithGPS() []byte {
	var t bytes.Buffer
	le := binary.LittleEndian
	put16 := func(v uint16) { _ = binary.Write(&t, le, v) }
	put32 := func(v uint32) { _ = binary.Write(&t, le, v) }
	entry := func(tag, typ uint16, count, value uint32) { put16(tag); put16(typ); put32(count); put32(value) }
	t.WriteString("II*\x00")
	put32(8)
	// IFD0 at 8: one entry (GPSInfo), next IFD 0. 2 + 12 + 4 = 18 bytes → GPS IFD at 26.
	put16(1)
	entry(0x8825, 4, 1, 26)
	put32(0)
	// GPS IFD at 26: 5 entries → 2 + 60 + 4 = 66 bytes → data at 92.
	const data = 26 + 2 + 5*12 + 4
	put16(5)
	entry(0x0001, 2, 2, uint32('N'))                    // GPSLatitudeRef "N\0" inline
	entry(0x0002, 5, 3, data)                           // GPSLatitude, three rationals
	entry(0x0003, 2, 2, uint32('E'))                    // GPSLongitudeRef "E\0" inline
	entry(0x0004, 5, 3, data+24)                        // GPSLongitude, three rationals
	entry(0x0012, 2, uint32(len(GPSMarker)+1), data+48) // GPSMapDatum
	put32(0)
	for _, r := range []uint32{31, 1, 35, 1, 837, 100, 120, 1, 21, 1, 5112, 100} {
		put32(r)
	}
	t.WriteString(GPSMarker + "\x00")
	return append([]byte("Exif\x00\x00"), t.Bytes()...)
}

// JPEGWithGPS encodes a w×h JPEG and inserts, after SOI, an APP1 EXIF segment with a GPS
// position, an APP1 XMP segment and a COM comment.
func JPEGWithGPS(w, h int) []byte {
	var enc bytes.Buffer
	if err := jpeg.Encode(&enc, Picture(w, h), &jpeg.Options{Quality: 80}); err != nil {
		panic(err)
	}
	b := enc.Bytes()
	var out bytes.Buffer
	out.Write(b[:2])
	segment(&out, 0xE1, ExifWithGPS())
	segment(&out, 0xE1, []byte("http://ns.adobe.com/xap/1.0/\x00<x:xmpmeta><exif:GPSLatitude>"+GPSMarker+"</exif:GPSLatitude></x:xmpmeta>"))
	segment(&out, 0xFE, []byte("comment "+GPSMarker))
	out.Write(b[2:])
	return out.Bytes()
}

// JPEGWith encodes a w×h JPEG and inserts each segment (marker, payload) after SOI, in order.
func JPEGWith(w, h int, segments ...Segment) []byte {
	var enc bytes.Buffer
	if err := jpeg.Encode(&enc, Picture(w, h), &jpeg.Options{Quality: 80}); err != nil {
		panic(err)
	}
	b := enc.Bytes()
	var out bytes.Buffer
	out.Write(b[:2])
	for _, s := range segments {
		segment(&out, s.Marker, s.Payload)
	}
	out.Write(b[2:])
	return out.Bytes()
}

// Segment is one JPEG marker segment: the marker code (the byte after 0xFF) and its payload.
type Segment struct {
	Marker  byte
	Payload []byte
}

func segment(w *bytes.Buffer, marker byte, payload []byte) {
	w.Write([]byte{0xFF, marker})
	_ = binary.Write(w, binary.BigEndian, uint16(len(payload)+2))
	w.Write(payload)
}

// PNGWithEXIF encodes a w×h PNG and inserts, after IHDR, an eXIf chunk with a GPS position,
// a tEXt chunk and a tIME chunk.
func PNGWithEXIF(w, h int) []byte {
	var enc bytes.Buffer
	if err := png.Encode(&enc, Picture(w, h)); err != nil {
		panic(err)
	}
	b := enc.Bytes()
	const ihdrEnd = 8 + 12 + 13
	var out bytes.Buffer
	out.Write(b[:ihdrEnd])
	Chunk(&out, "eXIf", ExifWithGPS()[6:])
	Chunk(&out, "tEXt", []byte("Comment\x00"+GPSMarker))
	Chunk(&out, "tIME", []byte{0x07, 0xE9, 1, 2, 3, 4, 5})
	out.Write(b[ihdrEnd:])
	return out.Bytes()
}

// PNGWith encodes a w×h true-colour PNG and inserts each chunk after IHDR, in order.
func PNGWith(w, h int, chunks ...PNGChunk) []byte {
	var enc bytes.Buffer
	if err := png.Encode(&enc, Picture(w, h)); err != nil {
		panic(err)
	}
	b := enc.Bytes()
	const ihdrEnd = 8 + 12 + 13
	var out bytes.Buffer
	out.Write(b[:ihdrEnd])
	for _, c := range chunks {
		Chunk(&out, c.Type, c.Data)
	}
	out.Write(b[ihdrEnd:])
	return out.Bytes()
}

// PNGChunk is one PNG chunk: its four-letter type and its data.
type PNGChunk struct {
	Type string
	Data []byte
}

// Chunk writes one PNG chunk with its CRC.
func Chunk(w *bytes.Buffer, typ string, data []byte) {
	_ = binary.Write(w, binary.BigEndian, uint32(len(data)))
	start := w.Len()
	w.WriteString(typ)
	w.Write(data)
	_ = binary.Write(w, binary.BigEndian, crc32.ChecksumIEEE(w.Bytes()[start:]))
}

// PNGWithPixels builds a grayscale PNG, one row, whose pixel values are the bytes of row,
// stored uncompressed: the bytes appear verbatim in the file, inside the picture itself, so
// they survive metadata removal (used to carry the fake WeChat server's risky-image marker).
func PNGWithPixels(row []byte) []byte {
	var out bytes.Buffer
	out.WriteString("\x89PNG\r\n\x1a\n")
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], uint32(len(row)))
	binary.BigEndian.PutUint32(ihdr[4:], 1)
	ihdr[8], ihdr[9] = 8, 0 // 8-bit grayscale
	Chunk(&out, "IHDR", ihdr)
	var z bytes.Buffer
	zw, _ := zlib.NewWriterLevel(&z, zlib.NoCompression)
	_, _ = zw.Write(append([]byte{0}, row...)) // filter type 0, then the pixels
	_ = zw.Close()
	Chunk(&out, "IDAT", z.Bytes())
	Chunk(&out, "IEND", nil)
	return out.Bytes()
}

// webp1x1 is a valid 1×1 lossless WebP (RIFF, one VP8L chunk).
const webp1x1 = "UklGRhoAAABXRUJQVlA4TA0AAAAvAAAAEAcQERGIiP4HAA=="

// WebPWithEXIF wraps a valid 1×1 lossless picture in an extended WebP (VP8X with the EXIF and
// XMP flags set) followed by EXIF and XMP chunks carrying a GPS position.
func WebPWithEXIF() []byte {
	plain, _ := base64.StdEncoding.DecodeString(webp1x1)
	vp8l := plain[12:] // the VP8L chunk with its header and padding
	var body bytes.Buffer
	riffChunk(&body, "VP8X", []byte{vp8xEXIFAndXMP, 0, 0, 0, 0, 0, 0, 0, 0, 0}) // canvas 1×1
	body.Write(vp8l)
	riffChunk(&body, "EXIF", ExifWithGPS()[6:])
	riffChunk(&body, "XMP ", []byte("<x:xmpmeta>"+GPSMarker+"</x:xmpmeta>"))
	var out bytes.Buffer
	out.WriteString("RIFF")
	_ = binary.Write(&out, binary.LittleEndian, uint32(4+body.Len()))
	out.WriteString("WEBP")
	out.Write(body.Bytes())
	return out.Bytes()
}

const vp8xEXIFAndXMP = 0x08 | 0x04

func riffChunk(w *bytes.Buffer, fourCC string, data []byte) {
	w.WriteString(fourCC)
	_ = binary.Write(w, binary.LittleEndian, uint32(len(data)))
	w.Write(data)
	if len(data)%2 == 1 {
		w.WriteByte(0)
	}
}
