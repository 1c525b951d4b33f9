package storage

import (
	"bytes"
	"testing"

	"linli/storage/storagetest"
)

// FuzzClean: whatever bytes arrive as an upload, cleaning never panics, and whatever it
// accepts carries no EXIF block any more.
func FuzzClean(f *testing.F) {
	f.Add(storagetest.JPEGWithGPS(8, 8))
	f.Add(storagetest.PNGWithEXIF(8, 8))
	f.Add(storagetest.WebPWithEXIF())
	f.Add([]byte("GIF89a not an image we take"))
	f.Add([]byte{0xFF, 0xD8, 0xFF, 0xE1, 0x00, 0x02})
	f.Add([]byte("RIFF\x04\x00\x00\x00WEBP"))
	f.Fuzz(func(t *testing.T, b []byte) {
		img, err := Clean(b)
		if err != nil {
			return
		}
		if bytes.Contains(img.Data, []byte("Exif\x00\x00")) {
			t.Fatalf("cleaned %s still holds an Exif block", img.ContentType)
		}
	})
}
