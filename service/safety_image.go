package service

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"
	"os"
	"runtime"

	"linli/storage"
	"linli/wechat"
)

// Limits of WeChat's image check: img_sec_check takes at most 1 MB and recommends no more than
// 750×1334 pixels.
const (
	imageCheckMaxBytes = 1 << 20
	imageCheckMaxW     = 750
	imageCheckMaxH     = 1334
)

// DecodeLimits bound what decoding an image for the content check may cost the process.
type DecodeLimits struct {
	// MaxPixels and MaxBytes refuse an image before it is decoded: its width × height, and the
	// memory its decode takes (storage.Image.DecodeBytes), both read from the header. Zero
	// decodes nothing: every image over WeChat's 1 MB is then held for review.
	MaxPixels, MaxBytes int64
	// Concurrency is how many images the process decodes at once (at least 1); the others wait.
	Concurrency int
}

// decoder lets at most Concurrency images be decoded (and shrunk) at once, so that decoding
// takes at most Concurrency × MaxBytes however many uploads arrive together.
type decoder struct {
	limits DecodeLimits
	turns  chan struct{}
}

func newDecoder(l DecodeLimits) *decoder {
	return &decoder{limits: l, turns: make(chan struct{}, max(l.Concurrency, 1))}
}

// collectAfterDecodeBytes is the decode size from which the picture's memory is collected as
// soon as it has been shrunk (see decoder.shrink).
const collectAfterDecodeBytes = 32 << 20

// errDecodeCost refuses to decode an image over the limits.
var errDecodeCost = errors.New("image too costly to decode")

// shrink decodes a JPEG or PNG img once its header is within the limits and a turn is free
// (waiting for one until ctx is done), and returns it scaled down to fit maxW×maxH. The turn
// is held until the full-size picture is no longer used, so that at most Concurrency of them
// are alive at once.
func (d *decoder) shrink(ctx context.Context, img *storage.Image, maxW, maxH int) (image.Image, error) {
	if img.Pixels() > d.limits.MaxPixels || img.DecodeBytes > d.limits.MaxBytes {
		return nil, fmt.Errorf("%w: %d×%d, %d bytes", errDecodeCost, img.Width, img.Height, img.DecodeBytes)
	}
	var decodeConfig func(io.Reader) (image.Config, error)
	var decode func(io.Reader) (image.Image, error)
	switch img.ContentType {
	case storage.TypeJPEG:
		decodeConfig, decode = jpeg.DecodeConfig, jpeg.Decode
	case storage.TypePNG:
		decodeConfig, decode = png.DecodeConfig, png.Decode
	default:
		return nil, fmt.Errorf("no decoder for %s", img.ContentType)
	}
	// The decoder's own header reader must see the size the cleaner saw: a decoder that
	// disagreed with the estimate would be the bomb the estimate was meant to stop.
	cfg, err := decodeConfig(bytes.NewReader(img.Data))
	if err != nil {
		return nil, err
	}
	if cfg.Width != img.Width || cfg.Height != img.Height {
		return nil, fmt.Errorf("header says %d×%d, decoder %d×%d", img.Width, img.Height, cfg.Width, cfg.Height)
	}
	select {
	case d.turns <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	defer func() { <-d.turns }()
	src, err := decode(bytes.NewReader(img.Data))
	if err != nil {
		return nil, err
	}
	small := scaleDown(src, maxW, maxH)
	if img.DecodeBytes >= collectAfterDecodeBytes {
		// The picture is garbage once scaled. Left to the pacer, the heap grows to twice what
		// was live (GOGC) before it is collected, and with Concurrency large pictures alive that
		// doubles what the turns bound: 8 uploads of 125 MB pictures peaked at 715 MiB instead
		// of 458. One collection per large picture costs far less than that memory.
		runtime.GC()
	}
	return small, nil
}

// Image checks the image file at path with WeChat's img_sec_check. Images over WeChat's 1 MB
// limit are checked as a shrunken JPEG copy (JPEG and PNG within DecodeLimits, decoded a few
// at a time; a large WebP, which the standard library cannot decode, or an image over the
// limits is held for review). In dev mode every image passes.
func (s *Safety) Image(ctx context.Context, path string) Verdict {
	if s.wx == nil {
		return VerdictPass
	}
	held := func(reason string, err error) Verdict {
		attrs := []any{"check", "image", "reason", reason}
		if err != nil {
			attrs = append(attrs, "errcode", wechat.ErrorCode(err), "error", err.Error())
		}
		s.log.WarnContext(ctx, "content check held for review", attrs...)
		return VerdictReview
	}
	fi, err := os.Stat(path)
	if err != nil {
		return held("image file unreadable", err)
	}
	checked := path
	if fi.Size() > imageCheckMaxBytes {
		small, err := s.shrinkForCheck(ctx, path)
		if err != nil {
			return held("image too large for WeChat and cannot be shrunk", err)
		}
		defer os.Remove(small)
		checked = small
	}
	risky, err := s.wx.ImageCheck(ctx, checked)
	switch {
	case err != nil:
		return held("wechat", err)
	case risky:
		return VerdictRisky
	}
	return VerdictPass
}

// shrinkForCheck writes a JPEG copy of the image at path that fits 750×1334 into a temporary
// file and returns its name; the caller removes it. The header is read (storage.Clean) before
// anything is decoded.
func (s *Safety) shrinkForCheck(ctx context.Context, path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	img, err := storage.Clean(b)
	if err != nil {
		return "", err
	}
	small, err := s.decode.shrink(ctx, img, imageCheckMaxW, imageCheckMaxH)
	if err != nil {
		return "", err
	}
	f, err := os.CreateTemp("", "linli-check-*.jpg")
	if err != nil {
		return "", err
	}
	err = jpeg.Encode(f, small, &jpeg.Options{Quality: 85})
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		_ = os.Remove(f.Name())
		return "", err
	}
	return f.Name(), nil
}

// scaleDown fits src into maxW×maxH by averaging up to 4×4 samples of each box of source
// pixels (good enough for a classifier; the stored image itself is never re-encoded).
func scaleDown(src image.Image, maxW, maxH int) image.Image {
	b := src.Bounds()
	w, h := b.Dx(), b.Dy()
	scale := max(float64(w)/float64(maxW), float64(h)/float64(maxH), 1)
	dw, dh := max(int(float64(w)/scale), 1), max(int(float64(h)/scale), 1)
	dst := image.NewRGBA(image.Rect(0, 0, dw, dh))
	for y := range dh {
		y0, y1 := b.Min.Y+y*h/dh, b.Min.Y+max((y+1)*h/dh, y*h/dh+1)
		for x := range dw {
			x0, x1 := b.Min.X+x*w/dw, b.Min.X+max((x+1)*w/dw, x*w/dw+1)
			var r, g, bl, n uint64
			for sy := y0; sy < y1; sy += max((y1-y0)/4, 1) {
				for sx := x0; sx < x1; sx += max((x1-x0)/4, 1) {
					cr, cg, cb, _ := src.At(sx, sy).RGBA()
					r, g, bl, n = r+uint64(cr), g+uint64(cg), bl+uint64(cb), n+1
				}
			}
			dst.Set(x, y, color.RGBA64{uint16(r / n), uint16(g / n), uint16(bl / n), 0xFFFF})
		}
	}
	return dst
}
