// Package storage keeps uploaded files and prepares images for keeping: it recognises JPEG,
// PNG and WebP from their bytes and removes the metadata they carry (EXIF with the GPS
// position, XMP, comments, text chunks, thumbnails) without re-encoding the picture.
//
// Files live in a Store under keys the application generates (NewKey): never a name a user
// sent, so no user input reaches a path.
package storage

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
)

// ErrNotFound is returned by Open for a key the store does not hold.
var ErrNotFound = errors.New("storage: not found")

// ErrBadKey is returned for a key NewKey could not have made.
var ErrBadKey = errors.New("storage: malformed key")

// Store keeps files by key. Implementations are safe for concurrent use.
type Store interface {
	// Put stores the bytes of r under key, replacing nothing half-written: the file appears
	// complete or not at all.
	Put(ctx context.Context, key string, r io.Reader) error
	// Open returns the file's bytes; ErrNotFound when there is none.
	Open(ctx context.Context, key string) (io.ReadCloser, error)
	// Delete removes the file; deleting a missing file is not an error.
	Delete(ctx context.Context, key string) error
	// Path is the local file of key, for checkers that need a file on disk; false when the
	// store is not a local directory.
	Path(key string) (string, bool)
}

// validKey matches the keys NewKey makes: a two-character shard directory, 32 random hex
// characters and an extension.
var validKey = regexp.MustCompile(`^[0-9a-f]{2}/[0-9a-f]{32}\.[a-z]{3,4}$`)

// NewKey returns a fresh random key with the extension ext ("jpg", "png", "webp"), e.g.
// "3f/3f0c...9a.jpg". The first two characters shard the files over 256 directories.
func NewKey(ext string) string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	h := hex.EncodeToString(b[:])
	return h[:2] + "/" + h + "." + ext
}

// CheckKey refuses keys that NewKey could not have made (and therefore any path trick).
func CheckKey(key string) error {
	if !validKey.MatchString(key) {
		return ErrBadKey
	}
	return nil
}

// Local is a Store in a directory of the local file system (by default <data_dir>/uploads).
// Several server instances may share it over a network file system.
type Local struct {
	dir string
}

// NewLocal uses dir, creating it (0750) when missing.
func NewLocal(dir string) (*Local, error) {
	if dir == "" {
		return nil, errors.New("storage: empty directory")
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("storage: %w", err)
	}
	if err := os.MkdirAll(abs, 0o750); err != nil {
		return nil, fmt.Errorf("storage: create %s: %w", abs, err)
	}
	return &Local{dir: abs}, nil
}

// Dir is the directory the files live in.
func (l *Local) Dir() string { return l.dir }

func (l *Local) file(key string) (string, error) {
	if err := CheckKey(key); err != nil {
		return "", err
	}
	return filepath.Join(l.dir, filepath.FromSlash(key)), nil
}

// Put writes r to a temporary file next to the target and renames it into place, so readers
// never see a partial file. Files are 0640.
func (l *Local) Put(ctx context.Context, key string, r io.Reader) (err error) {
	path, err := l.file(key)
	if err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return fmt.Errorf("storage: %w", err)
	}
	tmp, err := os.CreateTemp(dir, ".put-*")
	if err != nil {
		return fmt.Errorf("storage: %w", err)
	}
	defer func() {
		if err != nil {
			_ = tmp.Close()
			_ = os.Remove(tmp.Name())
		}
	}()
	if err = tmp.Chmod(0o640); err != nil {
		return fmt.Errorf("storage: %w", err)
	}
	if _, err = io.Copy(tmp, r); err != nil {
		return fmt.Errorf("storage: write: %w", err)
	}
	if err = tmp.Sync(); err != nil {
		return fmt.Errorf("storage: sync: %w", err)
	}
	if err = tmp.Close(); err != nil {
		return fmt.Errorf("storage: %w", err)
	}
	if err = os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("storage: %w", err)
	}
	return nil
}

// Open opens the file of key.
func (l *Local) Open(ctx context.Context, key string) (io.ReadCloser, error) {
	path, err := l.file(key)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("storage: %w", err)
	}
	return f, nil
}

// Delete removes the file of key; a missing file is not an error.
func (l *Local) Delete(ctx context.Context, key string) error {
	path, err := l.file(key)
	if err != nil {
		return err
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("storage: %w", err)
	}
	return nil
}

// Path is the file of key (the key is checked; the file may not exist).
func (l *Local) Path(key string) (string, bool) {
	path, err := l.file(key)
	return path, err == nil
}
