package wechattest

import (
	"encoding/json"
	"fmt"
	"net/http"
)

// SetRefuse makes subscribe/send answer 43101 (user refused / no grant left) for openid.
func (s *Server) SetRefuse(openid string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.refuse[openid] = true
}

// Sent returns the subscription messages accepted so far, oldest first.
func (s *Server) Sent() []SentMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]SentMessage, len(s.sent))
	for i, m := range s.sent {
		m.Data = cloneMap(m.Data)
		out[i] = m
	}
	return out
}

// SentTo returns the subscription messages accepted for openid, oldest first.
func (s *Server) SentTo(openid string) []SentMessage {
	var out []SentMessage
	for _, m := range s.Sent() {
		if m.ToUser == openid {
			out = append(out, m)
		}
	}
	return out
}

func cloneMap(m map[string]string) map[string]string {
	c := make(map[string]string, len(m))
	for k, v := range m {
		c[k] = v
	}
	return c
}

// subscribeSend serves POST /cgi-bin/message/subscribe/send:
// {"touser","template_id","page","data":{"key":{"value":...}},"miniprogram_state","lang"}.
func (s *Server) subscribeSend(w http.ResponseWriter, r *http.Request) {
	var req struct {
		ToUser     string `json:"touser"`
		TemplateID string `json:"template_id"`
		Page       string `json:"page"`
		Data       map[string]struct {
			Value any `json:"value"`
		} `json:"data"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		writeErr(w, 47001, errMsg(47001))
		return
	}
	switch {
	case req.ToUser == "":
		writeErr(w, 40003, errMsg(40003))
		return
	case req.TemplateID == "":
		writeErr(w, 40037, errMsg(40037))
		return
	case len(req.Data) == 0:
		writeErr(w, 47003, "argument invalid! data is empty, rid: "+randHex(12))
		return
	}
	data := make(map[string]string, len(req.Data))
	for k, v := range req.Data {
		if sv, ok := v.Value.(string); ok {
			data[k] = sv
		} else {
			data[k] = fmt.Sprint(v.Value)
		}
	}
	s.mu.Lock()
	if s.refuse[req.ToUser] {
		s.mu.Unlock()
		writeErr(w, 43101, errMsg(43101))
		return
	}
	s.nextMsgID++
	id := s.nextMsgID
	s.sent = append(s.sent, SentMessage{ToUser: req.ToUser, TemplateID: req.TemplateID, Page: req.Page, Data: data})
	s.mu.Unlock()
	writeJSON(w, map[string]any{"errcode": 0, "errmsg": "ok", "msgid": id})
}
