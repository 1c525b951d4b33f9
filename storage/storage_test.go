package storage_test

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"linli/storage"
)

func TestLocalPutOpenDelete(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "uploads")
	l, err := storage.NewLocal(dir)
	if err != nil {
		t.Fatal(err)
	}
	key := storage.NewKey("jpg")
	if err := storage.CheckKey(key); err != nil || key == storage.NewKey("jpg") {
		t.Fatalf("key %q: %v", key, err)
	}
	if err := l.Put(ctx, key, strings.NewReader("bytes")); err != nil {
		t.Fatal(err)
	}
	path, ok := l.Path(key)
	if !ok || !strings.HasPrefix(path, l.Dir()) {
		t.Fatalf("path %q %v", path, ok)
	}
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o640 {
		t.Fatalf("file mode %v (%v)", fi.Mode(), err)
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Fatalf("temporary files left: %v", entries)
	}
	rc, err := l.Open(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(rc)
	rc.Close()
	if string(b) != "bytes" {
		t.Fatalf("read %q", b)
	}
	if err := l.Delete(ctx, key); err != nil {
		t.Fatal(err)
	}
	if err := l.Delete(ctx, key); err != nil {
		t.Fatalf("second delete: %v", err)
	}
	if _, err := l.Open(ctx, key); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("open deleted: %v", err)
	}
}

func TestLocalRefusesForeignKeys(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	l, err := storage.NewLocal(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"../secret.key", "ab/../../etc/passwd", "/etc/passwd", "photo.jpg",
		"ab/0123456789abcdef0123456789abcdef.jpg/..", "AB/0123456789ABCDEF0123456789ABCDEF.jpg", ""} {
		if err := l.Put(ctx, key, strings.NewReader("x")); !errors.Is(err, storage.ErrBadKey) {
			t.Errorf("put %q: %v", key, err)
		}
		if _, err := l.Open(ctx, key); !errors.Is(err, storage.ErrBadKey) {
			t.Errorf("open %q: %v", key, err)
		}
		if _, ok := l.Path(key); ok {
			t.Errorf("path %q", key)
		}
	}
}
