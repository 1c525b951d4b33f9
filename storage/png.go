package storage

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
)

const pngSignature = "\x89PNG\r\n\x1a\n"

// pngIEND is the one IEND chunk the cleaner writes (empty, with its CRC).
const pngIEND = "\x00\x00\x00\x00IEND\xaeB`\x82"

// PNG colour types (IHDR byte 9).
const (
	pngGray      = 0
	pngTrueColor = 2
	pngPaletted  = 3
	pngGrayAlpha = 4
	pngRGBA      = 6
)

// pngHeader is what IHDR says about the picture.
type pngHeader struct {
	width, height      int
	depth, colorType   byte
	interlaced         bool
	paletteEntries     int // from PLTE, for the length of tRNS
	transparent        bool
	seenIDAT, seenPLTE bool
	keptColour         [4]bool // by pngColourChunk's index
}

// pngColourChunk gives an index and the only valid length of the fixed-size chunks that
// change how the pixels are shown (gamma, chromaticities, sRGB intent, coding-independent code
// points). Every byte of them is a number the renderer reads: nothing to hide text in.
func pngColourChunk(typ string) (index, length int, ok bool) {
	switch typ {
	case "gAMA":
		return 0, 4, true
	case "cHRM":
		return 1, 32, true
	case "sRGB":
		return 2, 1, true
	case "cICP":
		return 3, 4, true
	}
	return 0, 0, false
}

// parseIHDR validates the header chunk: a size within the format's limits (1 to 2³¹−1 each
// way) and a bit depth the colour type allows.
func parseIHDR(data []byte) (*pngHeader, error) {
	if len(data) != 13 {
		return nil, corrupt("png: IHDR is not first")
	}
	w, h := binary.BigEndian.Uint32(data[0:]), binary.BigEndian.Uint32(data[4:])
	if w == 0 || h == 0 || w > 1<<31-1 || h > 1<<31-1 {
		return nil, corrupt("png: size %d×%d out of range", w, h)
	}
	hd := &pngHeader{width: int(w), height: int(h), depth: data[8], colorType: data[9], interlaced: data[12] == 1}
	ok := false
	switch hd.colorType {
	case pngGray:
		ok = hd.depth == 1 || hd.depth == 2 || hd.depth == 4 || hd.depth == 8 || hd.depth == 16
	case pngTrueColor, pngGrayAlpha, pngRGBA:
		ok = hd.depth == 8 || hd.depth == 16
	case pngPaletted:
		ok = hd.depth == 1 || hd.depth == 2 || hd.depth == 4 || hd.depth == 8
	}
	if !ok || data[10] != 0 || data[11] != 0 || data[12] > 1 {
		return nil, corrupt("png: bad IHDR (depth %d, colour type %d)", hd.depth, hd.colorType)
	}
	return hd, nil
}

// keep decides about one chunk after IHDR: true for the chunks a renderer needs to draw the
// picture (PLTE of a paletted image, tRNS, gAMA, cHRM, sRGB, cICP, IDAT), each only where the
// format puts it and with a valid length. Everything else is dropped, including what merely
// describes the picture and can carry arbitrary bytes: text (tEXt, zTXt, iTXt), eXIf, tIME,
// ICC profiles with their free-text names (iCCP), suggested palettes (sPLT, and PLTE of a
// true-colour image), histograms, backgrounds, physical size, sBIT, HDR mastering data, APNG
// animation (the default image stays) and every private or unknown chunk.
func (hd *pngHeader) keep(typ string, data []byte) (bool, error) {
	switch typ {
	case "IHDR":
		return false, corrupt("png: second IHDR")
	case "IDAT":
		if hd.colorType == pngPaletted && !hd.seenPLTE {
			return false, corrupt("png: paletted image without PLTE")
		}
		hd.seenIDAT = true
		return true, nil
	case "PLTE":
		if hd.seenIDAT || hd.seenPLTE {
			return false, nil
		}
		if hd.colorType != pngPaletted {
			return false, nil // a suggested palette for true colour: not needed to draw
		}
		if len(data) == 0 || len(data)%3 != 0 || len(data)/3 > 1<<hd.depth {
			return false, corrupt("png: bad PLTE")
		}
		hd.seenPLTE, hd.paletteEntries = true, len(data)/3
		return true, nil
	case "tRNS":
		if hd.seenIDAT || hd.transparent {
			return false, nil
		}
		switch {
		case hd.colorType == pngGray && len(data) == 2,
			hd.colorType == pngTrueColor && len(data) == 6,
			hd.colorType == pngPaletted && hd.seenPLTE && len(data) >= 1 && len(data) <= hd.paletteEntries:
			hd.transparent = true
			return true, nil
		}
		return false, nil
	}
	if i, n, ok := pngColourChunk(typ); ok {
		// Before PLTE and IDAT, once each, at their exact length.
		if hd.seenIDAT || hd.seenPLTE || hd.keptColour[i] || len(data) != n {
			return false, nil
		}
		hd.keptColour[i] = true
		return true, nil
	}
	return false, nil
}

// bytesPerPixel is the size of one pixel in the image Go's png decoder returns (Gray,
// Gray16, RGBA, RGBA64, NRGBA, NRGBA64 or Paletted, by colour type, depth and tRNS).
func (hd *pngHeader) bytesPerPixel() int64 {
	wide := hd.depth == 16
	switch {
	case hd.colorType == pngPaletted:
		return 1
	case hd.colorType == pngGray && !hd.transparent && !wide:
		return 1
	case hd.colorType == pngGray && !hd.transparent:
		return 2
	case wide:
		return 8
	}
	return 4
}

// decodeBytes is the memory a full decode takes: the image, for Adam7 interlacing the largest
// pass (half the image) besides, the current and previous rows and the inflater.
func (hd *pngHeader) decodeBytes() int64 {
	n := mulSat(mulSat(int64(hd.width), int64(hd.height)), hd.bytesPerPixel())
	if hd.interlaced {
		n = addSat(n, n/2)
	}
	channels := int64(1) // gray, paletted
	switch hd.colorType {
	case pngTrueColor:
		channels = 3
	case pngGrayAlpha:
		channels = 2
	case pngRGBA:
		channels = 4
	}
	row := 1 + (int64(hd.width)*channels*int64(hd.depth)+7)/8
	return addSat(n, 2*row+decoderOverhead)
}

// cleanPNG copies the chunks pngHeader.keep accepts, checking each chunk's CRC, and ends the
// file with an empty IEND; anything after IEND is dropped.
func cleanPNG(b []byte) (out []byte, hd *pngHeader, err error) {
	if !bytes.HasPrefix(b, []byte(pngSignature)) {
		return nil, nil, corrupt("png: no signature")
	}
	w := bytes.NewBuffer(make([]byte, 0, len(b)))
	w.WriteString(pngSignature)
	i := len(pngSignature)
	for {
		if i+12 > len(b) {
			return nil, nil, corrupt("png: truncated before IEND")
		}
		n := binary.BigEndian.Uint32(b[i:])
		if n > 1<<31-1 || uint64(i)+12+uint64(n) > uint64(len(b)) {
			return nil, nil, corrupt("png: chunk overruns the file")
		}
		typ := string(b[i+4 : i+8])
		data := b[i+8 : i+8+int(n)]
		chunk := b[i : i+12+int(n)]
		crc := binary.BigEndian.Uint32(b[i+8+int(n):])
		i += 12 + int(n)
		if crc32.ChecksumIEEE(b[i-int(n)-8:i-4]) != crc {
			return nil, nil, corrupt("png: bad CRC in %q", typ)
		}
		if hd == nil {
			if typ != "IHDR" {
				return nil, nil, corrupt("png: IHDR is not first")
			}
			if hd, err = parseIHDR(data); err != nil {
				return nil, nil, err
			}
			w.Write(chunk)
			continue
		}
		if typ == "IEND" {
			if !hd.seenIDAT {
				return nil, nil, corrupt("png: no image data")
			}
			w.WriteString(pngIEND)
			return w.Bytes(), hd, nil
		}
		keep, err := hd.keep(typ, data)
		if err != nil {
			return nil, nil, err
		}
		if keep {
			w.Write(chunk)
		}
	}
}
