package storage

import (
	"bytes"
	"encoding/binary"
)

// webpKeep reports whether a RIFF chunk is needed to draw the picture; EXIF, XMP, ICC
// profiles (ICCP: free text, as in PNG's iCCP) and anything unknown are dropped.
func webpKeep(fourCC string) bool {
	switch fourCC {
	case "VP8X", "VP8 ", "VP8L", "ALPH", "ANIM", "ANMF":
		return true
	}
	return false
}

// VP8X flag bits.
const (
	vp8xICC  = 0x20
	vp8xEXIF = 0x08
	vp8xXMP  = 0x04
)

// cleanWebP copies the chunks of webpKeep into a new RIFF container, clears the ICC, EXIF and
// XMP flags of VP8X and sets the RIFF size.
func cleanWebP(b []byte) (out []byte, width, height int, err error) {
	if len(b) < 12 || string(b[0:4]) != "RIFF" || string(b[8:12]) != "WEBP" {
		return nil, 0, 0, corrupt("webp: no RIFF WEBP header")
	}
	end := len(b)
	if riff := uint64(binary.LittleEndian.Uint32(b[4:])) + 8; riff < uint64(end) {
		end = int(riff) // anything after the RIFF container is dropped
	}
	var body bytes.Buffer
	vp8xAt, hasImage := -1, false
	for i := 12; i < end; {
		if i+8 > end {
			return nil, 0, 0, corrupt("webp: truncated chunk header")
		}
		fourCC := string(b[i : i+4])
		n := uint64(binary.LittleEndian.Uint32(b[i+4:]))
		if uint64(i)+8+n > uint64(end) {
			return nil, 0, 0, corrupt("webp: chunk %q overruns the file", fourCC)
		}
		data := b[i+8 : i+8+int(n)]
		next := i + 8 + int(n) + int(n&1) // chunks are padded to an even size
		if next > end {
			next = end
		}
		chunk := b[i:next]
		i = next
		if !webpKeep(fourCC) {
			continue
		}
		switch fourCC {
		case "VP8X":
			if len(data) < 10 {
				return nil, 0, 0, corrupt("webp: short VP8X")
			}
			vp8xAt = body.Len()
			width = 1 + int(uint32(data[4])|uint32(data[5])<<8|uint32(data[6])<<16)
			height = 1 + int(uint32(data[7])|uint32(data[8])<<8|uint32(data[9])<<16)
		case "VP8L":
			if len(data) < 5 || data[0] != 0x2F {
				return nil, 0, 0, corrupt("webp: bad VP8L header")
			}
			hasImage = true
			if vp8xAt < 0 {
				bits := binary.LittleEndian.Uint32(data[1:])
				width, height = int(bits&0x3FFF)+1, int(bits>>14&0x3FFF)+1
			}
		case "VP8 ":
			if len(data) < 10 || data[3] != 0x9D || data[4] != 0x01 || data[5] != 0x2A {
				return nil, 0, 0, corrupt("webp: bad VP8 header")
			}
			hasImage = true
			if vp8xAt < 0 {
				width = int(binary.LittleEndian.Uint16(data[6:]) & 0x3FFF)
				height = int(binary.LittleEndian.Uint16(data[8:]) & 0x3FFF)
			}
		case "ANMF":
			hasImage = true
		}
		body.Write(chunk)
		if len(chunk) < 8+int(n)+int(n&1) {
			body.WriteByte(0) // the last chunk lacked its padding byte
		}
	}
	if !hasImage {
		return nil, 0, 0, corrupt("webp: no image data")
	}
	out = make([]byte, 12, 12+body.Len())
	copy(out, "RIFF")
	binary.LittleEndian.PutUint32(out[4:], uint32(4+body.Len()))
	copy(out[8:], "WEBP")
	out = append(out, body.Bytes()...)
	if vp8xAt >= 0 {
		flags := &out[12+vp8xAt+8]
		*flags &^= vp8xICC | vp8xEXIF | vp8xXMP
	}
	return out, width, height, nil
}

// webpDecodeBytes is the memory a full decode of a w×h WebP takes: four bytes a pixel (the
// NRGBA of a lossless picture; a lossy one with alpha takes less). Nothing here decodes WebP,
// but the limit is the same for every format.
func webpDecodeBytes(w, h int) int64 {
	return addSat(mulSat(mulSat(int64(w), int64(h)), 4), decoderOverhead)
}
