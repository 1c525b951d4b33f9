package app

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// devSecretFile holds the secret key generated for dev mode, inside the data directory.
const devSecretFile = "secret.key"

// devSecretKey returns the dev-mode secret key, generating and keeping it on first use so that
// encrypted data and sessions survive restarts.
func devSecretKey(dataDir string) (string, error) {
	path := filepath.Join(dataDir, devSecretFile)
	b, err := os.ReadFile(path)
	if err == nil {
		key := strings.TrimSpace(string(b))
		if len(key) < 32 {
			return "", fmt.Errorf("secret key in %s is shorter than 32 characters", path)
		}
		return key, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("read secret key: %w", err)
	}
	if err := os.MkdirAll(dataDir, 0o750); err != nil {
		return "", fmt.Errorf("create data directory: %w", err)
	}
	var raw [32]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return "", err
	}
	key := hex.EncodeToString(raw[:])
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return devSecretKey(dataDir) // another process won the race: use its key
	}
	if err != nil {
		return "", fmt.Errorf("write secret key: %w", err)
	}
	if _, err := f.WriteString(key + "\n"); err != nil {
		f.Close()
		return "", fmt.Errorf("write secret key: %w", err)
	}
	return key, f.Close()
}
