package storage

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"net/http"
)

// Image content types the application accepts.
const (
	TypeJPEG = "image/jpeg"
	TypePNG  = "image/png"
	TypeWebP = "image/webp"
)

// ErrUnsupported means the bytes are not a JPEG, PNG or WebP image, whatever the file was called.
var ErrUnsupported = errors.New("storage: not a JPEG, PNG or WebP image")

// ErrCorrupt means the bytes start like a supported image but their structure is broken.
var ErrCorrupt = errors.New("storage: corrupt image")

// Image is an image cleaned of its metadata, ready to store.
type Image struct {
	// Data is the image without metadata; the picture's own bytes are untouched.
	Data []byte
	// ContentType is TypeJPEG, TypePNG or TypeWebP, read from the bytes.
	ContentType string
	// Ext is the file extension for the type: jpg, png or webp.
	Ext string
	// Width and Height in pixels, from the image's header.
	Width, Height int
}

// Sniff returns the content type of b from its first bytes (http.DetectContentType), or
// ErrUnsupported when it is none of the accepted image types.
func Sniff(b []byte) (string, error) {
	switch ct := http.DetectContentType(b); ct {
	case TypeJPEG, TypePNG, TypeWebP:
		return ct, nil
	}
	return "", ErrUnsupported
}

// Clean recognises the image in b by its bytes and returns it without metadata:
//   - JPEG: the segments before the image data are walked and APP1 (EXIF, XMP), every other
//     APPn and COM are dropped, except APP0 JFIF (with its thumbnail removed), APP2 ICC
//     profiles and APP14 Adobe (colour transform), which decoders need to show the right
//     colours; the entropy-coded data is copied as is, and anything after the end-of-image
//     marker (trailers, appended videos of "motion photos") is dropped.
//   - PNG: only chunks that define the picture are kept (IHDR, PLTE, IDAT, IEND, transparency,
//     colour space, physical size, suggested palette, histogram, background and the APNG
//     animation chunks); eXIf, tEXt, zTXt, iTXt, tIME and every unknown or private chunk are
//     dropped, as is anything after IEND. CRCs are checked.
//   - WebP: only the picture chunks (VP8X, VP8, VP8L, ALPH, ANIM, ANMF, ICCP) are kept; EXIF,
//     XMP and unknown chunks are dropped, the VP8X EXIF and XMP flags cleared and the RIFF size
//     recomputed.
//
// The result is ErrUnsupported for other types and wraps ErrCorrupt for a broken structure.
func Clean(b []byte) (*Image, error) {
	ct, err := Sniff(b)
	if err != nil {
		return nil, err
	}
	img := &Image{ContentType: ct}
	switch ct {
	case TypeJPEG:
		img.Ext = "jpg"
		img.Data, img.Width, img.Height, err = cleanJPEG(b)
	case TypePNG:
		img.Ext = "png"
		img.Data, img.Width, img.Height, err = cleanPNG(b)
	case TypeWebP:
		img.Ext = "webp"
		img.Data, img.Width, img.Height, err = cleanWebP(b)
	}
	if err != nil {
		return nil, err
	}
	if img.Width <= 0 || img.Height <= 0 {
		return nil, corrupt("image has no size")
	}
	return img, nil
}

func corrupt(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrCorrupt, fmt.Sprintf(format, args...))
}

const pngSignature = "\x89PNG\r\n\x1a\n"

// pngKeep reports whether a chunk defines the picture; every other chunk is dropped.
// Metadata (eXIf, tEXt, zTXt, iTXt, tIME) and private chunks are not among them.
func pngKeep(typ string) bool {
	switch typ {
	case "IHDR", "PLTE", "IDAT", "IEND",
		"tRNS", "cHRM", "gAMA", "iCCP", "sBIT", "sRGB", "cICP", "mDCv", "cLLi",
		"bKGD", "hIST", "pHYs", "sPLT",
		"acTL", "fcTL", "fdAT":
		return true
	}
	return false
}

// cleanPNG copies the chunks of pngKeep, checking each chunk's CRC, up to and including IEND.
func cleanPNG(b []byte) (out []byte, width, height int, err error) {
	if !bytes.HasPrefix(b, []byte(pngSignature)) {
		return nil, 0, 0, corrupt("png: no signature")
	}
	w := bytes.NewBuffer(make([]byte, 0, len(b)))
	w.WriteString(pngSignature)
	i := len(pngSignature)
	first, idat := true, false
	for {
		if i+12 > len(b) {
			return nil, 0, 0, corrupt("png: truncated before IEND")
		}
		n := binary.BigEndian.Uint32(b[i:])
		if n > 1<<31-1 || uint64(i)+12+uint64(n) > uint64(len(b)) {
			return nil, 0, 0, corrupt("png: chunk overruns the file")
		}
		typ := string(b[i+4 : i+8])
		data := b[i+8 : i+8+int(n)]
		chunk := b[i : i+12+int(n)]
		crc := binary.BigEndian.Uint32(b[i+8+int(n):])
		i += 12 + int(n)
		if crc32.ChecksumIEEE(b[i-int(n)-8:i-4]) != crc {
			return nil, 0, 0, corrupt("png: bad CRC in %q", typ)
		}
		if first {
			if typ != "IHDR" || len(data) != 13 {
				return nil, 0, 0, corrupt("png: IHDR is not first")
			}
			width = int(binary.BigEndian.Uint32(data[0:]))
			height = int(binary.BigEndian.Uint32(data[4:]))
			first = false
		}
		if typ == "IDAT" {
			idat = true
		}
		if pngKeep(typ) {
			w.Write(chunk)
		}
		if typ == "IEND" {
			if !idat {
				return nil, 0, 0, corrupt("png: no image data")
			}
			return w.Bytes(), width, height, nil // anything after IEND is dropped
		}
	}
}

// webpKeep reports whether a RIFF chunk defines the picture; EXIF, XMP and anything unknown
// is dropped.
func webpKeep(fourCC string) bool {
	switch fourCC {
	case "VP8X", "VP8 ", "VP8L", "ALPH", "ANIM", "ANMF", "ICCP":
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

// cleanWebP copies the chunks of webpKeep into a new RIFF container, clears the EXIF and XMP
// flags of VP8X (and the ICC flag when there is no ICCP chunk) and sets the RIFF size.
func cleanWebP(b []byte) (out []byte, width, height int, err error) {
	if len(b) < 12 || string(b[0:4]) != "RIFF" || string(b[8:12]) != "WEBP" {
		return nil, 0, 0, corrupt("webp: no RIFF WEBP header")
	}
	end := len(b)
	if riff := uint64(binary.LittleEndian.Uint32(b[4:])) + 8; riff < uint64(end) {
		end = int(riff) // anything after the RIFF container is dropped
	}
	var body bytes.Buffer
	vp8xAt, hasICC, hasImage := -1, false, false
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
		case "ICCP":
			hasICC = true
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
		*flags &^= vp8xEXIF | vp8xXMP
		if !hasICC {
			*flags &^= vp8xICC
		}
	}
	return out, width, height, nil
}
