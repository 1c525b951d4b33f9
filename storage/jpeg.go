package storage

import (
	"bytes"
	"encoding/binary"
)

// JPEG markers the cleaner tells apart.
const (
	jpegSOI   = 0xD8
	jpegEOI   = 0xD9
	jpegSOS   = 0xDA
	jpegAPP0  = 0xE0
	jpegAPP2  = 0xE2
	jpegAPP14 = 0xEE
	jpegAPP15 = 0xEF
	jpegCOM   = 0xFE
)

// cleanJPEG walks the marker segments of a JPEG, keeping those that define the picture and
// dropping metadata (see Clean). It never decodes or re-encodes the image data.
func cleanJPEG(b []byte) (out []byte, width, height int, err error) {
	if len(b) < 4 || b[0] != 0xFF || b[1] != jpegSOI {
		return nil, 0, 0, corrupt("jpeg: no start-of-image marker")
	}
	w := bytes.NewBuffer(make([]byte, 0, len(b)))
	w.Write(b[:2])
	i := 2
	scans := 0
	for {
		// A marker is 0xFF, optionally more 0xFF fill bytes, then the marker code.
		if i >= len(b) || b[i] != 0xFF {
			if scans > 0 && i >= len(b) {
				// Truncated after image data: decoders show what is there; close it properly.
				w.Write([]byte{0xFF, jpegEOI})
				return w.Bytes(), width, height, nil
			}
			return nil, 0, 0, corrupt("jpeg: expected a marker at byte %d", i)
		}
		for i < len(b) && b[i] == 0xFF {
			i++
		}
		if i >= len(b) {
			return nil, 0, 0, corrupt("jpeg: truncated marker")
		}
		m := b[i]
		i++
		switch {
		case m == jpegEOI:
			if scans == 0 || width == 0 {
				return nil, 0, 0, corrupt("jpeg: no image data")
			}
			w.Write([]byte{0xFF, jpegEOI})
			return w.Bytes(), width, height, nil // whatever follows EOI is dropped
		case m >= 0xD0 && m <= 0xD7, m == 0x01:
			w.Write([]byte{0xFF, m}) // standalone markers carry no length
			continue
		case m == 0x00 || m == jpegSOI:
			return nil, 0, 0, corrupt("jpeg: unexpected marker %#x", m)
		}
		if i+2 > len(b) {
			return nil, 0, 0, corrupt("jpeg: truncated segment")
		}
		n := int(binary.BigEndian.Uint16(b[i:]))
		if n < 2 || i+n > len(b) {
			return nil, 0, 0, corrupt("jpeg: segment %#x overruns the file", m)
		}
		payload := b[i+2 : i+n]
		i += n
		if isSOF(m) {
			if len(payload) < 5 {
				return nil, 0, 0, corrupt("jpeg: short frame header")
			}
			height = int(binary.BigEndian.Uint16(payload[1:]))
			width = int(binary.BigEndian.Uint16(payload[3:]))
		}
		if keep, rewritten := keepJPEGSegment(m, payload); keep {
			writeSegment(w, m, rewritten)
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
		w.Write(b[start:i])
	}
}

// isSOF reports whether m is a start-of-frame marker (SOF0..SOF15 without DHT, JPG and DAC).
func isSOF(m byte) bool {
	return m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC
}

// keepJPEGSegment decides about one segment; for APP0 JFIF it returns the payload without
// the embedded thumbnail (a thumbnail may show what the picture was cropped from).
func keepJPEGSegment(m byte, payload []byte) (bool, []byte) {
	switch {
	case m == jpegCOM:
		return false, nil
	case m == jpegAPP0:
		if len(payload) < 14 || !bytes.HasPrefix(payload, []byte("JFIF\x00")) {
			return false, nil
		}
		p := append([]byte(nil), payload[:14]...)
		p[12], p[13] = 0, 0 // no thumbnail
		return true, p
	case m == jpegAPP2:
		return bytes.HasPrefix(payload, []byte("ICC_PROFILE\x00")), payload
	case m == jpegAPP14:
		return bytes.HasPrefix(payload, []byte("Adobe")), payload
	case m > jpegAPP0 && m <= jpegAPP15:
		return false, nil // APP1 EXIF/XMP and every other application segment
	}
	return true, payload
}

func writeSegment(w *bytes.Buffer, m byte, payload []byte) {
	var h [4]byte
	h[0], h[1] = 0xFF, m
	binary.BigEndian.PutUint16(h[2:], uint16(len(payload)+2))
	w.Write(h[:])
	w.Write(payload)
}
