package storage

import (
	"errors"
	"fmt"
	"math"
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
	// DecodeBytes is the memory decoding the whole picture takes (the pixel buffers of Go's
	// decoders), read from the header: what a check or a thumbnail would cost before it runs.
	DecodeBytes int64
}

// Pixels is Width × Height.
func (img *Image) Pixels() int64 { return mulSat(int64(img.Width), int64(img.Height)) }

// Sniff returns the content type of b from its first bytes (http.DetectContentType), or
// ErrUnsupported when it is none of the accepted image types.
func Sniff(b []byte) (string, error) {
	switch ct := http.DetectContentType(b); ct {
	case TypeJPEG, TypePNG, TypeWebP:
		return ct, nil
	}
	return "", ErrUnsupported
}

// Clean recognises the image in b by its bytes and returns it with only what a decoder needs to
// draw it: metadata, and anything else that could carry bytes the picture does not show, is
// removed, while the picture's own data is copied untouched (never re-encoded).
//   - JPEG: frame and scan headers, Huffman, arithmetic and quantisation tables and the restart
//     interval are kept, and APP0 JFIF (without its thumbnail) and APP14 Adobe (its colour
//     transform), both cut to their fixed length; every other segment goes: APP1 (EXIF, XMP),
//     APP2 (ICC profiles, MPF), the other APPn, COM, JPG and JPGn (0xFFC8, 0xFFF0–0xFFFD),
//     DNL and reserved markers. Anything after the end-of-image marker (trailers, appended
//     videos of "motion photos") is dropped.
//   - PNG: IHDR, PLTE (of a paletted image), tRNS, gAMA, cHRM, sRGB, cICP, IDAT and an empty
//     IEND, each only where the format puts it and at a valid length; every other chunk goes:
//     eXIf, tEXt, zTXt, iTXt, tIME, iCCP (a profile with a free-text name), sPLT, bKGD, hIST,
//     pHYs, sBIT, APNG animation (the default image stays), private and unknown chunks, and
//     anything after IEND. CRCs are checked.
//   - WebP: only the picture chunks (VP8X, VP8, VP8L, ALPH, ANIM, ANMF) are kept; EXIF, XMP,
//     ICCP and unknown chunks are dropped, the VP8X ICC, EXIF and XMP flags cleared and the
//     RIFF size recomputed.
//
// Colour profiles go with the rest: a wide-gamut photo is then shown as sRGB, slightly duller,
// which is the price of passing on no bytes that are not the picture.
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
		var f *jpegFrame
		if img.Data, f, err = cleanJPEG(b); err != nil {
			return nil, err
		}
		img.Width, img.Height, img.DecodeBytes = f.width, f.height, f.decodeBytes()
	case TypePNG:
		img.Ext = "png"
		var hd *pngHeader
		if img.Data, hd, err = cleanPNG(b); err != nil {
			return nil, err
		}
		img.Width, img.Height, img.DecodeBytes = hd.width, hd.height, hd.decodeBytes()
	case TypeWebP:
		img.Ext = "webp"
		if img.Data, img.Width, img.Height, err = cleanWebP(b); err != nil {
			return nil, err
		}
		img.DecodeBytes = webpDecodeBytes(img.Width, img.Height)
	}
	if img.Width <= 0 || img.Height <= 0 {
		return nil, corrupt("image has no size")
	}
	return img, nil
}

func corrupt(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrCorrupt, fmt.Sprintf(format, args...))
}

// decoderOverhead is what a decoder allocates whatever the picture's size: the inflater's
// window and tables, Huffman tables, buffers.
const decoderOverhead = 64 << 10

// mulSat is a×b for non-negative a and b, or math.MaxInt64 when that overflows: sizes a header
// declares may be absurd, and must then compare as huge rather than wrap.
func mulSat(a, b int64) int64 {
	if a == 0 || b == 0 {
		return 0
	}
	if a > math.MaxInt64/b {
		return math.MaxInt64
	}
	return a * b
}

// addSat is a+b for non-negative a and b, or math.MaxInt64 when that overflows.
func addSat(a, b int64) int64 {
	if a > math.MaxInt64-b {
		return math.MaxInt64
	}
	return a + b
}
