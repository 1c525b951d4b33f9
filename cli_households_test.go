package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"linli/app/apptest"
	"linli/service"
)

func TestAdminImportHouseholds(t *testing.T) {
	cfg := apptest.Config(t)
	env := cliEnviron(cfg)
	e := apptest.FromConfig(t, cfg)
	c := e.MakeCommunity("东亭社区", 1, 1)
	wb, err := service.RegisterWorkbook([]service.RegisterRow{
		{Estate: "1号院", Building: "1栋", Unit: "1", Room: "101"},
		{Estate: "春合苑", Building: "2栋", Room: "201室"},
	})
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "台账.xlsx")
	if err := os.WriteFile(file, wb, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := admin(env, "import-households", "--community", c.ID, file, "--dry-run")
	if err != nil || !strings.Contains(out, "dry run") || !strings.Contains(out, "households created 2") {
		t.Fatalf("dry run: %q %v", out, err)
	}
	if n, _ := e.App.Store.Count(t.Context(), "households", ""); n != 0 {
		t.Fatalf("dry run wrote %d", n)
	}
	out, err = admin(env, "import-households", "--community", c.ID, file)
	if err != nil || !strings.Contains(out, "estates created 1, buildings created 1, households created 2") {
		t.Fatalf("import: %q %v", out, err)
	}
	out, err = admin(env, "import-households", "--community", c.ID, file)
	if err != nil || !strings.Contains(out, "households created 0, updated 0, unchanged 2") {
		t.Fatalf("re-import: %q %v", out, err)
	}
	// A file with errors prints each and fails.
	bad, _ := service.RegisterWorkbook([]service.RegisterRow{{Estate: "1号院", Building: "1栋"}})
	if err := os.WriteFile(file, bad, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err = admin(env, "import-households", "--community", c.ID, file)
	if err == nil || !strings.Contains(out, "第 2 行") || !strings.Contains(out, "房号") {
		t.Fatalf("bad file: %q %v", out, err)
	}
	if _, err := admin(env, "import-households", "--community", c.ID); err == nil || !strings.Contains(err.Error(), "workbook") {
		t.Fatalf("no file: %v", err)
	}
	if _, err := admin(env, "import-households", "--community", "999999", file); err == nil || !strings.Contains(err.Error(), "社区不存在") {
		t.Fatalf("unknown community: %v", err)
	}
}

// The demo's register is imported as staff would import it: every room of its 100 buildings,
// and every demo resident's claim is of a registered household.
func TestSeedDemoImportsTheRegister(t *testing.T) {
	cfg := apptest.Config(t)
	env := cliEnviron(cfg)
	out, _, err := seed(env, "--demo")
	if err != nil || !strings.Contains(out, "4292 households") {
		t.Fatalf("seed: %v\n%s", err, out)
	}
	e := apptest.FromConfig(t, cfg)
	count := func(table, where string, args ...any) int64 {
		n, err := e.App.Store.Count(t.Context(), table, where, args...)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := count("households", ""); n != 4292 {
		t.Fatalf("households: %d", n)
	}
	if n := count("households", "needs_review = ?", true); n != 0 {
		t.Fatalf("%d demo households need review: a demo person's room is not in the register", n)
	}
	if n := count("residencies", "household_id IS NULL"); n != 0 {
		t.Fatalf("%d demo claims without a household", n)
	}
	if n := count("households", "note <> ''"); n < 10 {
		t.Fatalf("notes: %d", n)
	}
}
