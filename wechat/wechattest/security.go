package wechattest

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
)

// maxImageBytes is the upload limit of img_sec_check (1 MB).
const maxImageBytes = 1 << 20

// SetRiskyWords replaces the words that make msg_sec_check answer suggest "risky" (label 20001).
func (s *Server) SetRiskyWords(words ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.risky = append([]string(nil), words...)
}

// SetReviewWords replaces the words that make msg_sec_check answer suggest "review".
// Risky words win over review words; text with neither passes.
func (s *Server) SetReviewWords(words ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.review = append([]string(nil), words...)
}

// SetInactive makes msg_sec_check answer 61010 (user not active recently) for openid.
func (s *Server) SetInactive(openid string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.inactive[openid] = true
}

// SetRiskyImageMarker sets the bytes that make an uploaded image risky (errcode 87014) when the
// file contains them. Default: DefaultRiskyImageMarker.
func (s *Server) SetRiskyImageMarker(marker []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.riskyImage = append([]byte(nil), marker...)
}

// msgCheckResult is one entry of msg_sec_check's "result" and "detail".
type msgCheckResult struct {
	Strategy string `json:"strategy,omitempty"`
	ErrCode  *int   `json:"errcode,omitempty"`
	Suggest  string `json:"suggest"`
	Label    int    `json:"label"`
	Prob     int    `json:"prob,omitempty"`
	Keyword  string `json:"keyword,omitempty"`
}

// msgSecCheck serves POST /wxa/msg_sec_check (version 2):
// {"openid","scene","version":2,"content",...}.
func (s *Server) msgSecCheck(w http.ResponseWriter, r *http.Request) {
	var req struct {
		OpenID  string `json:"openid"`
		Scene   int    `json:"scene"`
		Version int    `json:"version"`
		Content string `json:"content"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		writeErr(w, 47001, errMsg(47001))
		return
	}
	if req.Version != 2 || req.Scene < 1 || req.Scene > 4 {
		writeErr(w, 40097, errMsg(40097))
		return
	}
	if req.OpenID == "" {
		writeErr(w, 40003, errMsg(40003))
		return
	}
	s.mu.Lock()
	inactive := s.inactive[req.OpenID]
	risky, review := s.risky, s.review
	s.mu.Unlock()
	if inactive {
		writeErr(w, 61010, errMsg(61010))
		return
	}
	result := msgCheckResult{Suggest: "pass", Label: 100}
	keyword := ""
	if w := firstIn(req.Content, risky); w != "" {
		result, keyword = msgCheckResult{Suggest: "risky", Label: 20001}, w
	} else if w := firstIn(req.Content, review); w != "" {
		result, keyword = msgCheckResult{Suggest: "review", Label: 20001}, w
	}
	zero := 0
	detail := []msgCheckResult{
		{Strategy: "content_model", ErrCode: &zero, Suggest: result.Suggest, Label: result.Label, Prob: 90},
		{Strategy: "keyword", ErrCode: &zero, Suggest: result.Suggest, Label: result.Label, Keyword: keyword},
	}
	writeJSON(w, map[string]any{
		"errcode":  0,
		"errmsg":   "ok",
		"result":   result,
		"detail":   detail,
		"trace_id": randHex(16),
	})
}

// firstIn returns the first word contained in text, or "".
func firstIn(text string, words []string) string {
	for _, w := range words {
		if w != "" && strings.Contains(text, w) {
			return w
		}
	}
	return ""
}

// imgSecCheck serves POST /wxa/img_sec_check, a multipart upload with the file in field "media".
func (s *Server) imgSecCheck(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseMultipartForm(maxImageBytes + 4096); err != nil {
		writeErr(w, 47001, errMsg(47001))
		return
	}
	f, _, err := r.FormFile("media")
	if err != nil {
		writeErr(w, 41005, "media data missing, rid: "+randHex(12))
		return
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxImageBytes+1))
	if err != nil {
		writeErr(w, 47001, errMsg(47001))
		return
	}
	if len(data) > maxImageBytes {
		writeErr(w, 40006, "invalid media size, rid: "+randHex(12))
		return
	}
	s.mu.Lock()
	marker := s.riskyImage
	s.mu.Unlock()
	if len(marker) > 0 && bytes.Contains(data, marker) {
		writeErr(w, 87014, errMsg(87014))
		return
	}
	writeErr(w, 0, "ok")
}
