package api

import "testing"

// TestMetricsLabelsAreBounded: the method and status labels take their values from fixed
// lists, whatever a client sends or a handler writes.
func TestMetricsLabelsAreBounded(t *testing.T) {
	for in, want := range map[string]string{
		"GET": "GET", "HEAD": "HEAD", "POST": "POST", "PUT": "PUT", "PATCH": "PATCH",
		"DELETE": "DELETE", "OPTIONS": "OPTIONS", "CONNECT": "CONNECT", "TRACE": "TRACE",
		"get": "other", "M00000001": "other", "PROPFIND": "other", "": "other",
	} {
		if got := methodLabel(in); got != want {
			t.Errorf("methodLabel(%q) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[int]string{
		100: "100", 200: "200", 201: "201", 304: "304", 404: "404", 405: "405", 429: "429",
		500: "500", 503: "503", 599: "other", 299: "other", 0: "other", 99: "other", 600: "other",
		-1: "other", 1 << 20: "other",
	} {
		if got := statusLabel(in); got != want {
			t.Errorf("statusLabel(%d) = %q, want %q", in, got, want)
		}
	}
}
