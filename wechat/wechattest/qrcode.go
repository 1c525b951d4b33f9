package wechattest

import (
	"bytes"
	"encoding/json"
	"image"
	"image/color"
	"image/jpeg"
	"net/http"
	"net/url"
	"strings"
	"sync"
)

// SetPages restricts the pages getwxacodeunlimit accepts (with check_path, the default) to the
// given ones; without it any well-formed page exists.
func (s *Server) SetPages(pages ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pages = make(map[string]bool, len(pages))
	for _, p := range pages {
		s.pages[p] = true
	}
}

// wxaCodeUnlimit serves POST /wxa/getwxacodeunlimit: {"scene","page","width","check_path",...}.
// It answers a small JPEG (Content-Type exactly "image/jpeg") whose comment segment records the
// scene and page (see QRCodeInfo), or a JSON error.
func (s *Server) wxaCodeUnlimit(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Scene     string `json:"scene"`
		Page      string `json:"page"`
		Width     int    `json:"width"`
		CheckPath *bool  `json:"check_path"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		writeErr(w, 47001, errMsg(47001))
		return
	}
	if req.Scene == "" || len(req.Scene) > 32 {
		writeErr(w, 40169, errMsg(40169))
		return
	}
	// An omitted page means the home page, as on WeChat.
	if req.Page != "" {
		if strings.HasPrefix(req.Page, "/") || strings.ContainsAny(req.Page, "?# ") {
			writeErr(w, 41030, errMsg(41030))
			return
		}
		s.mu.Lock()
		known := s.pages == nil || s.pages[req.Page]
		s.mu.Unlock()
		if !known && (req.CheckPath == nil || *req.CheckPath) {
			writeErr(w, 41030, errMsg(41030))
			return
		}
	}
	w.Header().Set("Content-Type", "image/jpeg")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(withComment(baseJPEG(), url.Values{"scene": {req.Scene}, "page": {req.Page}}.Encode()))
}

// baseJPEG is a small valid JPEG, encoded once.
var baseJPEG = sync.OnceValue(func() []byte {
	img := image.NewGray(image.Rect(0, 0, 16, 16))
	for y := 0; y < 16; y++ {
		for x := 0; x < 16; x++ {
			if (x/4+y/4)%2 == 0 {
				img.SetGray(x, y, color.Gray{Y: 0})
			} else {
				img.SetGray(x, y, color.Gray{Y: 255})
			}
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, nil); err != nil {
		panic(err)
	}
	return buf.Bytes()
})

// withComment inserts a COM segment right after the SOI marker of a JPEG.
func withComment(jpg []byte, comment string) []byte {
	if len(comment) > 65533 {
		comment = comment[:65533]
	}
	n := len(comment) + 2
	out := make([]byte, 0, len(jpg)+n+2)
	out = append(out, jpg[:2]...) // FF D8
	out = append(out, 0xFF, 0xFE, byte(n>>8), byte(n))
	out = append(out, comment...)
	return append(out, jpg[2:]...)
}

// QRCodeInfo reads back the scene and page the fake wrote into a mini-program code it drew.
// ok is false for any other bytes.
func QRCodeInfo(jpg []byte) (scene, page string, ok bool) {
	if len(jpg) < 6 || jpg[0] != 0xFF || jpg[1] != 0xD8 || jpg[2] != 0xFF || jpg[3] != 0xFE {
		return "", "", false
	}
	n := int(jpg[4])<<8 | int(jpg[5])
	if n < 2 || 4+n > len(jpg) {
		return "", "", false
	}
	v, err := url.ParseQuery(string(jpg[6 : 4+n]))
	if err != nil || !v.Has("scene") {
		return "", "", false
	}
	return v.Get("scene"), v.Get("page"), true
}
