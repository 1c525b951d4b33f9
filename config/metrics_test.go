package config

import (
	"net"
	"strings"
	"testing"
)

// TestMetricsAddr: /metrics has a listener of its own, on the loopback interface by default;
// LINLI_HTTP_METRICS_ADDR moves it or, empty, turns it off, and a bad value stops start-up
// naming the key.
func TestMetricsAddr(t *testing.T) {
	def := Default().HTTP
	host, _, err := net.SplitHostPort(def.MetricsAddr)
	if err != nil || !net.ParseIP(host).IsLoopback() {
		t.Fatalf("default http.metrics_addr %q is not a loopback address", def.MetricsAddr)
	}
	if def.MetricsAddr == def.Addr {
		t.Fatalf("default http.metrics_addr is the public listener %q", def.Addr)
	}
	for env, want := range map[string]string{
		"LINLI_HTTP_METRICS_ADDR=":            "",
		"LINLI_HTTP_METRICS_ADDR=:9464":       ":9464",
		"LINLI_HTTP_METRICS_ADDR=10.0.0.5:91": "10.0.0.5:91",
	} {
		cfg, err := Load("", []string{env})
		if err != nil || cfg.HTTP.MetricsAddr != want {
			t.Errorf("%s: %q %v, want %q", env, cfg.HTTP.MetricsAddr, err, want)
		}
	}
	for _, env := range [][]string{
		{"LINLI_HTTP_METRICS_ADDR=9464"},
		{"LINLI_HTTP_METRICS_ADDR=localhost"},
		{"LINLI_HTTP_ADDR=:8080", "LINLI_HTTP_METRICS_ADDR=:8080"},
	} {
		_, err := Load("", env)
		if err == nil || !strings.Contains(err.Error(), "http.metrics_addr") || !strings.Contains(err.Error(), "LINLI_HTTP_METRICS_ADDR") {
			t.Errorf("%v: want an error naming http.metrics_addr, got %v", env, err)
		}
	}
	// Two listeners on port 0 get two ports: tests configure both so.
	if _, err := Load("", []string{"LINLI_HTTP_ADDR=127.0.0.1:0", "LINLI_HTTP_METRICS_ADDR=127.0.0.1:0"}); err != nil {
		t.Errorf("both on port 0: %v", err)
	}
}
