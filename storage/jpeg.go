package storage

import (
	"bytes"
	"encoding/binary"
)

// JPEG markers the cleaner tells apart.
const (
	jpegDHT   = 0xC4
	jpegJPG   = 0xC8
	jpegDAC   = 0xCC
	jpegSOI   = 0xD8
	jpegEOI   = 0xD9
	jpegSOS   = 0xDA
	jpegDQT   = 0xDB
	jpegDRI   = 0xDD
	jpegAPP0  = 0xE0
	jpegAPP14 = 0xEE
)

// jpegComponent is one colour component of a frame: its id and sampling factors.
type jpegComponent struct {
	id   byte
	h, v int
}

// jpegFrame is what the frame header and the kept APP segments say about the picture.
type jpegFrame struct {
	width, height int
	precision     byte
	progressive   bool
	comps         []jpegComponent
	jfif          bool
	adobe         int // the Adobe APP14 colour transform, -1 without one
}

// cleanJPEG walks the marker segments of a JPEG and keeps only those a decoder needs to draw
// the picture: frame and scan headers, Huffman, arithmetic and quantisation tables, the restart
// interval, JFIF (without its thumbnail) and Adobe APP14 (its colour transform), both cut to
// their fixed length. Every other segment is dropped: APP1 (EXIF, XMP), APP2 (ICC profiles,
// MPF), the other APPn, COM, JPG (0xFFC8) and JPGn (0xFFF0–0xFFFD), DNL, hierarchical markers
// and reserved ones. It never decodes or re-encodes the image data, which is copied as is.
func cleanJPEG(b []byte) (out []byte, f *jpegFrame, err error) {
	if len(b) < 4 || b[0] != 0xFF || b[1] != jpegSOI {
		return nil, nil, corrupt("jpeg: no start-of-image marker")
	}
	w := bytes.NewBuffer(make([]byte, 0, len(b)))
	w.Write(b[:2])
	i := 2
	scans := 0
	f = &jpegFrame{adobe: -1}
	for {
		// A marker is 0xFF, optionally more 0xFF fill bytes, then the marker code.
		if i >= len(b) || b[i] != 0xFF {
			if scans > 0 && i >= len(b) {
				// Truncated after image data: decoders show what is there; close it properly.
				w.Write([]byte{0xFF, jpegEOI})
				return w.Bytes(), f, nil
			}
			return nil, nil, corrupt("jpeg: expected a marker at byte %d", i)
		}
		for i < len(b) && b[i] == 0xFF {
			i++
		}
		if i >= len(b) {
			return nil, nil, corrupt("jpeg: truncated marker")
		}
		m := b[i]
		i++
		switch {
		case m == jpegEOI:
			if scans == 0 {
				return nil, nil, corrupt("jpeg: no image data")
			}
			w.Write([]byte{0xFF, jpegEOI})
			return w.Bytes(), f, nil // whatever follows EOI is dropped
		case m >= 0xD0 && m <= 0xD7, m == 0x01:
			continue // restart markers outside scan data, and TEM, carry nothing: dropped
		case m == 0x00 || m == jpegSOI:
			return nil, nil, corrupt("jpeg: unexpected marker %#x", m)
		}
		if i+2 > len(b) {
			return nil, nil, corrupt("jpeg: truncated segment")
		}
		n := int(binary.BigEndian.Uint16(b[i:]))
		if n < 2 || i+n > len(b) {
			return nil, nil, corrupt("jpeg: segment %#x overruns the file", m)
		}
		payload := b[i+2 : i+n]
		i += n
		keep, err := f.segment(m, payload)
		if err != nil {
			return nil, nil, err
		}
		if keep != nil {
			writeSegment(w, m, keep)
		}
		if m != jpegSOS {
			continue
		}
		// Entropy-coded data runs until a marker other than a stuffed 0xFF00 or a restart
		// marker; copy it as is.
		scans++
		start := i
		for i < len(b) {
			if b[i] == 0xFF && i+1 < len(b) {
				next := b[i+1]
				if next != 0x00 && (next < 0xD0 || next > 0xD7) {
					break
				}
				i += 2
				continue
			}
			i++
		}
		end := i
		if end == len(b) && end > start && b[end-1] == 0xFF {
			end-- // the start of a marker the cut file never finished
		}
		w.Write(b[start:end])
	}
}

// isSOF reports whether m is a start-of-frame marker (SOF0..SOF15 without DHT, JPG and DAC).
func isSOF(m byte) bool {
	return m >= 0xC0 && m <= 0xCF && m != jpegDHT && m != jpegJPG && m != jpegDAC
}

// segment decides about one segment and returns the payload to write (nil: drop it). Frame
// and scan headers are checked for the lengths their counts imply, so nothing rides along
// after them; a second frame header, or a scan before the frame, is corrupt.
func (f *jpegFrame) segment(m byte, payload []byte) ([]byte, error) {
	switch {
	case isSOF(m):
		if f.comps != nil {
			return nil, corrupt("jpeg: more than one frame")
		}
		if len(payload) < 6 || payload[5] < 1 || payload[5] > 4 || len(payload) != 6+3*int(payload[5]) {
			return nil, corrupt("jpeg: bad frame header")
		}
		f.precision = payload[0]
		f.height = int(binary.BigEndian.Uint16(payload[1:]))
		f.width = int(binary.BigEndian.Uint16(payload[3:]))
		f.progressive = m&0x03 == 0x02 // SOF2, SOF6, SOF10, SOF14
		for c := range int(payload[5]) {
			hv := payload[7+3*c]
			h, v := int(hv>>4), int(hv&0x0F)
			if h < 1 || h > 4 || v < 1 || v > 4 {
				return nil, corrupt("jpeg: bad sampling factors")
			}
			f.comps = append(f.comps, jpegComponent{id: payload[6+3*c], h: h, v: v})
		}
		return payload, nil
	case m == jpegSOS:
		if f.comps == nil {
			return nil, corrupt("jpeg: scan before the frame header")
		}
		if len(payload) < 1 || payload[0] < 1 || payload[0] > 4 || len(payload) != 4+2*int(payload[0]) {
			return nil, corrupt("jpeg: bad scan header")
		}
		return payload, nil
	case m == jpegDRI:
		if len(payload) != 2 {
			return nil, corrupt("jpeg: bad restart interval")
		}
		return payload, nil
	case m == jpegDHT, m == jpegDAC, m == jpegDQT:
		return payload, nil
	case m == jpegAPP0:
		// JFIF: version, density units and density (14 bytes); the thumbnail after it is
		// dropped (it may show what the picture was cropped from).
		if len(payload) < 14 || !bytes.HasPrefix(payload, []byte("JFIF\x00")) || f.jfif {
			return nil, nil
		}
		f.jfif = true
		p := append([]byte(nil), payload[:14]...)
		p[12], p[13] = 0, 0 // no thumbnail
		return p, nil
	case m == jpegAPP14:
		// Adobe: version, flags and the colour transform (12 bytes), which tells decoders
		// whether three or four components are RGB/CMYK or YCbCr/YCCK.
		if len(payload) < 12 || !bytes.HasPrefix(payload, []byte("Adobe")) || f.adobe >= 0 {
			return nil, nil
		}
		f.adobe = int(payload[11])
		return payload[:12], nil
	}
	return nil, nil
}

// decodeBytes is the memory a full decode takes (Go's image/jpeg, which no other decoder we
// know of exceeds): the sample planes padded to whole MCUs, the coefficients progressive
// scans keep between scans (64 int32 per 8×8 block of samples), the RGBA or CMYK copy of an
// RGB or four-component picture, and the decoder's tables.
func (f *jpegFrame) decodeBytes() int64 {
	hmax, vmax := 1, 1
	for _, c := range f.comps {
		hmax, vmax = max(hmax, c.h), max(vmax, c.v)
	}
	mcuW, mcuH := int64(8*hmax), int64(8*vmax)
	w := (int64(f.width) + mcuW - 1) / mcuW * mcuW
	h := (int64(f.height) + mcuH - 1) / mcuH * mcuH
	var samples int64
	for _, c := range f.comps {
		samples = addSat(samples, mulSat(w, h)*int64(c.h*c.v)/int64(hmax*vmax))
	}
	if f.precision > 8 {
		samples *= 2
	}
	n := samples
	if f.progressive {
		n = addSat(n, mulSat(samples, 4))
	}
	rgb := len(f.comps) == 3 && !f.jfif && (f.adobe == 0 ||
		f.comps[0].id == 'R' && f.comps[1].id == 'G' && f.comps[2].id == 'B')
	if rgb || len(f.comps) == 4 {
		n = addSat(n, mulSat(mulSat(int64(f.width), int64(f.height)), 4))
	}
	return addSat(n, decoderOverhead)
}

func writeSegment(w *bytes.Buffer, m byte, payload []byte) {
	var h [4]byte
	h[0], h[1] = 0xFF, m
	binary.BigEndian.PutUint16(h[2:], uint16(len(payload)+2))
	w.Write(h[:])
	w.Write(payload)
}
