package config

import (
	"strings"
	"testing"
)

// TestPProfFlag: the profiler is off by default, LINLI_HTTP_PPROF turns it on, and a value
// that is not a boolean stops start-up naming the key.
func TestPProfFlag(t *testing.T) {
	if Default().HTTP.PProf {
		t.Fatal("pprof is on by default")
	}
	cfg, err := Load("", []string{"LINLI_HTTP_PPROF=true"})
	if err != nil || !cfg.HTTP.PProf {
		t.Fatalf("LINLI_HTTP_PPROF=true: %v %v", cfg.HTTP.PProf, err)
	}
	_, err = Load("", []string{"LINLI_HTTP_PPROF=maybe"})
	if err == nil || !strings.Contains(err.Error(), "pprof") {
		t.Fatalf("LINLI_HTTP_PPROF=maybe: %v", err)
	}
}
