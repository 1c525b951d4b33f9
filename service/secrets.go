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
// data at rest, one keys session-token hashes, one roots the signing keys of Sign, so that no
// use can be turned into another.
type Secrets struct {
	aead    cipher.AEAD
	hashKey []byte
	signKey []byte
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
	return &Secrets{aead: aead, hashKey: derive("session-token-v1"), signKey: derive("signing-v1")}, nil
}

// Sign returns an HMAC-SHA256 of msg (base64url, unpadded) under a key bound to purpose, so a
// signature made for one purpose (say, file links) never verifies for another.
func (s *Secrets) Sign(purpose, msg string) string {
	return base64.RawURLEncoding.EncodeToString(s.mac(purpose, msg))
}

// Verify reports whether sig is Sign(purpose, msg), in constant time.
func (s *Secrets) Verify(purpose, msg, sig string) bool {
	got, err := base64.RawURLEncoding.DecodeString(sig)
	return err == nil && hmac.Equal(got, s.mac(purpose, msg))
}

func (s *Secrets) mac(purpose, msg string) []byte {
	k := hmac.New(sha256.New, s.signKey)
	k.Write([]byte(purpose))
	m := hmac.New(sha256.New, k.Sum(nil))
	m.Write([]byte(msg))
	return m.Sum(nil)
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
