package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

func TestBadConfigStopsStartupNamingTheKey(t *testing.T) {
	var out, errOut bytes.Buffer
	err := run(context.Background(), nil, []string{"LINLI_DB_DRIVER=oracle", "LINLI_DATA_DIR=" + t.TempDir()}, &out, &errOut)
	if err == nil || !strings.Contains(err.Error(), "LINLI_DB_DRIVER") || strings.Contains(err.Error(), "\n") {
		t.Fatalf("want a one-line error naming LINLI_DB_DRIVER, got %v", err)
	}
}

func TestMigrateIsIdempotent(t *testing.T) {
	env := []string{"LINLI_DATA_DIR=" + t.TempDir()}
	for i := range 2 {
		var out bytes.Buffer
		if err := run(context.Background(), []string{"migrate"}, env, &out, &out); err != nil {
			t.Fatalf("migrate #%d: %v", i+1, err)
		}
		if i == 1 && !strings.Contains(out.String(), "up to date") {
			t.Fatalf("second migrate: %s", out.String())
		}
	}
}

func TestUnknownCommand(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), []string{"frobnicate"}, nil, &out, &out); err == nil {
		t.Fatal("unknown command accepted")
	}
}
