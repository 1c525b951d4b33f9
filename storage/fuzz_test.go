package storage

import (
	"bytes"
	"encoding/binary"
	"testing"

	"linli/storage/storagetest"
)

// fuzzSecret marks the bytes the seeds hide where no decoder reads (TestCleanJPEGKeepsOnlyWhatDecodes
// and TestCleanPNGKeepsOnlyWhatDecodes check that it goes; the fuzzer may move it into picture data).
const fuzzSecret = "FUZZ-SECRET"

// FuzzClean: whatever bytes arrive as an upload, cleaning never panics, and whatever it
// accepts carries no EXIF block any more, keeps only the PNG chunks and JPEG segments that
// draw the picture, declares a decode cost of at least a byte a pixel, and comes out the same
// when cleaned again.
func FuzzClean(f *testing.F) {
	f.Add(storagetest.JPEGWithGPS(8, 8))
	f.Add(storagetest.PNGWithEXIF(8, 8))
	f.Add(storagetest.WebPWithEXIF())
	f.Add([]byte("GIF89a not an image we take"))
	f.Add([]byte{0xFF, 0xD8, 0xFF, 0xE1, 0x00, 0x02})
	f.Add([]byte("RIFF\x04\x00\x00\x00WEBP"))
	// Bytes in the segments and chunks decoders skip: JPGn, JPG, ICC, sPLT, iCCP.
	f.Add(storagetest.JPEGWith(8, 8,
		storagetest.Segment{Marker: 0xF0, Payload: []byte(fuzzSecret)},
		storagetest.Segment{Marker: 0xFD, Payload: []byte(fuzzSecret)},
		storagetest.Segment{Marker: 0xC8, Payload: []byte(fuzzSecret)},
		storagetest.Segment{Marker: 0xE2, Payload: []byte("ICC_PROFILE\x00\x01\x01" + fuzzSecret)}))
	f.Add(storagetest.PNGWith(8, 8,
		storagetest.PNGChunk{Type: "sPLT", Data: []byte(fuzzSecret + "\x00\x08\x00\x00\x00\x00\x00\x00")},
		storagetest.PNGChunk{Type: "iCCP", Data: []byte(fuzzSecret + "\x00\x00x\x9c\x03\x00\x00\x00\x00\x01")}))
	// Bombs: headers that promise far more than the file holds.
	f.Add(storagetest.PNGBomb(7000, 7000, 16, storagetest.PNGRGBA))
	f.Add(storagetest.PNGBomb(1<<31-1, 1<<31-1, 16, storagetest.PNGRGBA))
	f.Add(storagetest.HeavyPNG(64, 64, 16, storagetest.PNGRGBA, 16))
	f.Fuzz(func(t *testing.T, b []byte) {
		img, err := Clean(b)
		if err != nil {
			return
		}
		if bytes.Contains(img.Data, []byte("Exif\x00\x00")) {
			t.Fatalf("cleaned %s still holds an Exif block", img.ContentType)
		}
		switch img.ContentType {
		case TypePNG:
			for _, typ := range chunkTypes(img.Data) {
				switch typ {
				case "IHDR", "PLTE", "tRNS", "gAMA", "cHRM", "sRGB", "cICP", "IDAT", "IEND":
				default:
					t.Fatalf("cleaned PNG keeps %q", typ)
				}
			}
		case TypeJPEG:
			for _, m := range segmentMarkers(img.Data) {
				if !isSOF(m) && m != jpegDHT && m != jpegDAC && m != jpegDQT && m != jpegDRI &&
					m != jpegSOS && m != jpegAPP0 && m != jpegAPP14 {
					t.Fatalf("cleaned JPEG keeps segment %#x", m)
				}
			}
		}
		if img.DecodeBytes < img.Pixels() {
			t.Fatalf("decode cost %d below %d pixels", img.DecodeBytes, img.Pixels())
		}
		again, err := Clean(img.Data)
		if err != nil || !bytes.Equal(again.Data, img.Data) || again.DecodeBytes != img.DecodeBytes {
			t.Fatalf("cleaning the cleaned %s: %v", img.ContentType, err)
		}
	})
}

// chunkTypes lists the chunk types of a cleaned PNG.
func chunkTypes(b []byte) []string {
	var out []string
	for i := len(pngSignature); i+8 <= len(b); i += 12 + int(binary.BigEndian.Uint32(b[i:])) {
		out = append(out, string(b[i+4:i+8]))
	}
	return out
}

// segmentMarkers lists the markers of a cleaned JPEG's segments up to its first scan, where
// the cleaner writes no fill bytes and every segment has a length.
func segmentMarkers(b []byte) []byte {
	var out []byte
	for i := 2; i+4 <= len(b) && b[i] == 0xFF; i += 2 + int(binary.BigEndian.Uint16(b[i+2:])) {
		out = append(out, b[i+1])
		if b[i+1] == jpegSOS {
			break
		}
	}
	return out
}
