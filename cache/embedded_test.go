package cache

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"linli/config"
)

// TestEmbeddedRedisIsSharedWithCommandsBesideTheServer: the serving process announces its
// in-process Redis (owner-only file, password required); a command attaches to it and sees the
// same keys; a stale announcement (the server is gone) falls back to a Redis of its own; the
// announcement is removed when the server closes.
func TestEmbeddedRedisIsSharedWithCommandsBesideTheServer(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), EmbeddedFile)
	server, err := Open(config.Redis{Prefix: "t:"}, nil, Announce(path))
	if err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(path)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("announcement: %v, mode %v", err, st)
	}
	if err := server.Client.Set(ctx, "t:k", "v", 0).Err(); err != nil {
		t.Fatal(err)
	}
	cmd, err := Open(config.Redis{Prefix: "t:"}, nil, Attach(path))
	if err != nil {
		t.Fatal(err)
	}
	if v, err := cmd.Client.Get(ctx, "t:k").Result(); err != nil || v != "v" {
		t.Fatalf("attached command reads %q, %v", v, err)
	}
	if err := cmd.Close(); err != nil {
		t.Fatal(err)
	}
	if err := server.Client.Ping(ctx).Err(); err != nil {
		t.Fatalf("the command's Close stopped the server's Redis: %v", err)
	}
	stale, _ := os.ReadFile(path)
	if err := server.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Fatalf("announcement left behind: %v", err)
	}
	if err := os.WriteFile(path, stale, 0o600); err != nil { // as if the server had died
		t.Fatal(err)
	}
	alone, err := Open(config.Redis{Prefix: "t:"}, nil, Attach(path))
	if err != nil {
		t.Fatal(err)
	}
	defer alone.Close()
	if err := alone.Client.Ping(ctx).Err(); err != nil {
		t.Fatalf("fallback Redis: %v", err)
	}
	if n, _ := alone.Client.Exists(ctx, "t:k").Result(); n != 0 {
		t.Fatal("the fallback Redis has the dead server's keys")
	}
}
