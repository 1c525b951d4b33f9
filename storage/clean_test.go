package storage_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"image"
	_ "image/jpeg"
	_ "image/png"
	"testing"

	"linli/storage"
	"linli/storage/storagetest"
)

// noMetadata fails when out still carries any trace of the metadata storagetest inserts.
func noMetadata(t *testing.T, out []byte) {
	t.Helper()
	for _, trace := range []string{"Exif", "II*\x00", storagetest.GPSMarker, "xmpmeta", "tEXt", "tIME", "eXIf", "EXIF", "XMP "} {
		if bytes.Contains(out, []byte(trace)) {
			t.Fatalf("cleaned image still contains %q", trace)
		}
	}
}

func TestCleanJPEGDropsExifAndKeepsThePicture(t *testing.T) {
	t.Parallel()
	in := storagetest.JPEGWithGPS(40, 30)
	if !bytes.Contains(in, []byte("Exif")) || !bytes.Contains(in, []byte(storagetest.GPSMarker)) {
		t.Fatal("test image lacks its EXIF")
	}
	if _, _, err := image.Decode(bytes.NewReader(in)); err != nil {
		t.Fatalf("test image does not decode: %v", err)
	}
	img, err := storage.Clean(append(in, []byte("trailer "+storagetest.GPSMarker)...))
	if err != nil {
		t.Fatal(err)
	}
	noMetadata(t, img.Data)
	if img.ContentType != storage.TypeJPEG || img.Ext != "jpg" || img.Width != 40 || img.Height != 30 {
		t.Fatalf("image %s %s %dx%d", img.ContentType, img.Ext, img.Width, img.Height)
	}
	got, format, err := image.Decode(bytes.NewReader(img.Data))
	if err != nil || format != "jpeg" || got.Bounds().Dx() != 40 || got.Bounds().Dy() != 30 {
		t.Fatalf("cleaned JPEG: %v %s", err, format)
	}
	// Without re-encoding the image data is byte for byte what it was.
	sos := bytes.Index(in, []byte{0xFF, 0xDA})
	if !bytes.HasSuffix(img.Data, in[sos:]) {
		t.Fatal("image data changed")
	}
	// Cleaning twice changes nothing.
	again, err := storage.Clean(img.Data)
	if err != nil || !bytes.Equal(again.Data, img.Data) {
		t.Fatalf("not idempotent: %v", err)
	}
}

func TestCleanPNGDropsMetadataChunks(t *testing.T) {
	t.Parallel()
	in := storagetest.PNGWithEXIF(20, 10)
	if _, _, err := image.Decode(bytes.NewReader(in)); err != nil {
		t.Fatalf("test image does not decode: %v", err)
	}
	img, err := storage.Clean(append(in, "after IEND"...))
	if err != nil {
		t.Fatal(err)
	}
	noMetadata(t, img.Data)
	if bytes.Contains(img.Data, []byte("after IEND")) {
		t.Fatal("kept bytes after IEND")
	}
	got, format, err := image.Decode(bytes.NewReader(img.Data))
	if err != nil || format != "png" || got.Bounds().Dx() != 20 || img.Width != 20 || img.Height != 10 {
		t.Fatalf("cleaned PNG: %v %s %dx%d", err, format, img.Width, img.Height)
	}
	bad := append([]byte(nil), in...)
	bad[len(bad)-20] ^= 0xFF // inside IDAT: the CRC no longer matches
	if _, err := storage.Clean(bad); !errors.Is(err, storage.ErrCorrupt) {
		t.Fatalf("bad CRC: %v", err)
	}
}

func TestCleanWebPDropsExifAndXMP(t *testing.T) {
	t.Parallel()
	in := storagetest.WebPWithEXIF()
	img, err := storage.Clean(in)
	if err != nil {
		t.Fatal(err)
	}
	noMetadata(t, img.Data)
	d := img.Data
	if img.ContentType != storage.TypeWebP || img.Width != 1 || img.Height != 1 {
		t.Fatalf("webp %s %dx%d", img.ContentType, img.Width, img.Height)
	}
	if got := binary.LittleEndian.Uint32(d[4:]); int(got) != len(d)-8 {
		t.Fatalf("RIFF size %d for %d bytes", got, len(d))
	}
	if string(d[12:16]) != "VP8X" || d[20]&(0x08|0x04) != 0 {
		t.Fatalf("VP8X flags not cleared: %x", d[20])
	}
	// The chunks that remain are exactly VP8X and VP8L.
	var chunks []string
	for i := 12; i < len(d); {
		n := int(binary.LittleEndian.Uint32(d[i+4:]))
		chunks = append(chunks, string(d[i:i+4]))
		i += 8 + n + n%2
	}
	if len(chunks) != 2 || chunks[0] != "VP8X" || chunks[1] != "VP8L" {
		t.Fatalf("chunks %q", chunks)
	}
}

func TestCleanRefusesOtherTypesAndBrokenFiles(t *testing.T) {
	t.Parallel()
	for name, b := range map[string][]byte{
		"text":  []byte("just some text pretending to be a .jpg"),
		"gif":   []byte("GIF89a\x01\x00\x01\x00\x00\x00\x00;"),
		"pdf":   []byte("%PDF-1.7\n"),
		"empty": nil,
	} {
		if _, err := storage.Clean(b); !errors.Is(err, storage.ErrUnsupported) {
			t.Errorf("%s: %v", name, err)
		}
	}
	jpg := storagetest.JPEGWithGPS(8, 8)
	png := storagetest.PNGWithEXIF(8, 8)
	for name, b := range map[string][]byte{
		"jpeg cut in the header": jpg[:40],
		"jpeg without frame":     {0xFF, 0xD8, 0xFF, 0xD9},
		"png cut":                png[:60],
		"webp without picture":   []byte("RIFF\x16\x00\x00\x00WEBPVP8X\x0a\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"),
	} {
		if _, err := storage.Clean(b); !errors.Is(err, storage.ErrCorrupt) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestPixelsCarryAMarkerThroughCleaning(t *testing.T) {
	t.Parallel()
	marker := []byte("marker-in-the-pixels")
	img, err := storage.Clean(storagetest.PNGWithPixels(marker))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(img.Data, marker) {
		t.Fatal("pixels lost")
	}
	if _, _, err := image.Decode(bytes.NewReader(img.Data)); err != nil {
		t.Fatal(err)
	}
}
