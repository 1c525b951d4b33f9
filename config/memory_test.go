package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseMemoryLimit(t *testing.T) {
	for in, want := range map[string]int64{
		"": 0, "0": 0, " 0B ": 0, "768MiB": 768 << 20, "1GiB": 1 << 30, "536870912": 512 << 20,
		"65536KiB": 64 << 20, "2 GiB": 2 << 30, "1TiB": 1 << 40,
	} {
		if got, err := ParseMemoryLimit(in); err != nil || got != want {
			t.Errorf("%q: %d %v, want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"512MB", "1G", "-1", "1.5GiB", "lots", "1MiB", "9999999999TiB"} {
		if _, err := ParseMemoryLimit(in); err == nil {
			t.Errorf("%q accepted", in)
		}
	}
}

// TestMemoryLimitFromFileAndEnv: the key is read from YAML as a string or a number of bytes,
// and from LINLI_MEMORY_LIMIT.
func TestMemoryLimitFromFileAndEnv(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.yaml")
	if err := os.WriteFile(path, []byte("memory_limit: 536870912\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := Load(path, nil)
	if err != nil || cfg.MemoryLimitBytes() != 512<<20 {
		t.Fatalf("from the file: %v %d", err, cfg.MemoryLimitBytes())
	}
	cfg, err = Load(path, []string{"LINLI_MEMORY_LIMIT=0"})
	if err != nil || cfg.MemoryLimitBytes() != 0 {
		t.Fatalf("0 from the environment: %v %d", err, cfg.MemoryLimitBytes())
	}
	if def := Default(); def.MemoryLimitBytes() != 768<<20 {
		t.Fatalf("default %d", def.MemoryLimitBytes())
	}
}

func TestBadMemoryLimitNamesTheKey(t *testing.T) {
	_, err := Load("", []string{"LINLI_MEMORY_LIMIT=512MB"})
	if err == nil || !strings.Contains(err.Error(), "LINLI_MEMORY_LIMIT") || !strings.Contains(err.Error(), "MiB") {
		t.Fatalf("512MB: %v", err)
	}
}
