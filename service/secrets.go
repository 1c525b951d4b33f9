package service

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"strings"
)

// Secrets derives purpose-bound keys from the configured secret key: one encrypts personal
// data at rest, one keys session-token hashes, so that neither use can be turned into the other.
type Secrets struct {
	aead    cipher.AEAD
	hashKey []byte
}

// NewSecrets derives the keys from the secret key (at least 32 characters).
func NewSecrets(secretKey string) (*Secrets, error) {
	if len(secretKey) < 32 {
		return nil, errors.New("secret key must be at least 32 characters")
	}
	derive := func(purpose string) []byte {
		m := hmac.New(sha256.New, []byte(secretKey))
		m.Write([]byte("linli/" + purpose))
		return m.Sum(nil)
	}
	block, err := aes.NewCipher(derive("personal-data-v1"))
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &Secrets{aead: aead, hashKey: derive("session-token-v1")}, nil
}

// Seal encrypts plaintext (a fresh random nonce is prepended).
func (s *Secrets) Seal(plaintext string) []byte {
	nonce := make([]byte, s.aead.NonceSize(), s.aead.NonceSize()+len(plaintext)+s.aead.Overhead())
	_, _ = rand.Read(nonce)
	return s.aead.Seal(nonce, nonce, []byte(plaintext), nil)
}

// Open decrypts what Seal produced.
func (s *Secrets) Open(sealed []byte) (string, error) {
	n := s.aead.NonceSize()
	if len(sealed) < n {
		return "", errors.New("ciphertext too short")
	}
	pt, err := s.aead.Open(nil, sealed[:n], sealed[n:], nil)
	return string(pt), err
}

// NewToken returns a fresh opaque session token (256 random bits) and its hash.
func (s *Secrets) NewToken() (token, hash string) {
	var b [32]byte
	_, _ = rand.Read(b[:])
	token = base64.RawURLEncoding.EncodeToString(b[:])
	return token, s.TokenHash(token)
}

// TokenHash is what the database and Redis keep instead of the token.
func (s *Secrets) TokenHash(token string) string {
	m := hmac.New(sha256.New, s.hashKey)
	m.Write([]byte(token))
	return hex.EncodeToString(m.Sum(nil))
}

// MaskPhone shows the first three and last four digits: 138****0000.
func MaskPhone(phone string) string {
	p := strings.TrimSpace(phone)
	if len(p) < 7 {
		return strings.Repeat("*", len(p))
	}
	return p[:3] + strings.Repeat("*", len(p)-7) + p[len(p)-4:]
}
