package config

import (
	"os"
	"reflect"
	"strings"
	"testing"
)

// TestExampleFileIsCompleteAndDefault: config.example.yaml names every key and, loaded as
// is, gives exactly the defaults.
func TestExampleFileIsCompleteAndDefault(t *testing.T) {
	b, err := os.ReadFile("../config.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range Keys() {
		leaf := k[strings.LastIndex(k, ".")+1:]
		if !strings.Contains(string(b), leaf+":") {
			t.Errorf("config.example.yaml lacks %s", k)
		}
	}
	cfg, err := Load("../config.example.yaml", nil)
	if err != nil {
		t.Fatal(err)
	}
	def := Default()
	if len(cfg.HTTP.CORSOrigins) != 0 {
		t.Fatalf("example allows origins %v", cfg.HTTP.CORSOrigins)
	}
	cfg.HTTP.CORSOrigins = def.HTTP.CORSOrigins
	if !reflect.DeepEqual(cfg, def) {
		t.Fatalf("example differs from defaults:\n%+v\n%+v", cfg, def)
	}
}
