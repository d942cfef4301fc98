package people

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"path/filepath"
	"sync/atomic"
	"testing"

	"abri/internal/access"
	"abri/internal/keyfile"
)

// The key files in the data directory (docs/admin.md): the HMAC key that
// turns a card code into what the database holds, and the key that seals the
// optional personal fields. Neither is ever in the database, so a copy of the
// database alone cannot look a code up nor read a name.
const (
	CodeKeyFile   = "card-code.key"
	FieldsKeyFile = "card-fields.key"
)

// Keys are the card keys of one data directory.
type Keys struct {
	mac  []byte
	aead cipher.AEAD
}

// OpenKeys reads the card keys of a data directory, making them on first
// use (mode 0600).
func OpenKeys(dir string) (*Keys, error) {
	mac, err := keyfile.LoadOrCreate(filepath.Join(dir, CodeKeyFile), 32)
	if err != nil {
		return nil, fmt.Errorf("card keys: %w", err)
	}
	enc, err := keyfile.LoadOrCreate(filepath.Join(dir, FieldsKeyFile), 32)
	if err != nil {
		return nil, fmt.Errorf("card keys: %w", err)
	}
	return newKeys(mac, enc)
}

func newKeys(mac, enc []byte) (*Keys, error) {
	block, err := aes.NewCipher(enc)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &Keys{mac: mac, aead: aead}, nil
}

var current atomic.Pointer[Keys]

// UseKeys makes k the keys every card call uses; serve and the commands that
// touch cards call it once with OpenKeys of the data directory.
func UseKeys(k *Keys) { current.Store(k) }

var errNoKeys = errors.New("card keys not loaded: call people.UseKeys with the data directory's keys")

// keys returns the keys in use. Tests that never loaded any get keys made
// for the test process, so that a domain test needs no data directory.
func keys() (*Keys, error) {
	if k := current.Load(); k != nil {
		return k, nil
	}
	if !testing.Testing() {
		return nil, errNoKeys
	}
	mac, enc := make([]byte, 32), make([]byte, 32)
	rand.Read(mac)
	rand.Read(enc)
	k, err := newKeys(mac, enc)
	if err != nil {
		return nil, err
	}
	current.CompareAndSwap(nil, k)
	return current.Load(), nil
}

// codeMAC is what the database holds for a code in a base: the HMAC-SHA-256
// of the base and the code. The base is part of it, so the same code in
// another base is another card.
func (k *Keys) codeMAC(baseID int64, code string) []byte {
	m := hmac.New(sha256.New, k.mac)
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], uint64(baseID))
	m.Write([]byte("abri card code v1\x00"))
	m.Write(b[:])
	m.Write([]byte(code))
	return m.Sum(nil)
}

// seal encrypts personal fields for one card (its id is the additional
// data, so sealed fields moved to another card do not open).
func (k *Keys) seal(cardID int64, plain []byte) []byte {
	nonce := make([]byte, k.aead.NonceSize())
	rand.Read(nonce)
	return k.aead.Seal(nonce, nonce, plain, cardAD(cardID))
}

func (k *Keys) open(cardID int64, sealed []byte) ([]byte, error) {
	n := k.aead.NonceSize()
	if len(sealed) < n {
		return nil, errors.New("sealed card fields too short")
	}
	return k.aead.Open(nil, sealed[:n], sealed[n:], cardAD(cardID))
}

func cardAD(cardID int64) []byte {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], uint64(cardID))
	return append([]byte("abri card fields v1\x00"), b[:]...)
}

// A card reference is how a shop screen names a card in a command it
// queues offline (internal/shop): the card's id sealed under the fields key
// with a fresh nonce, so that every reference is different. The commands
// table and the ledger keep only hashes of what a device sent, and a review
// item keeps the reference: neither holds the card's id, nor links two
// checkouts of one card, without the key file.

// CardRef makes a new reference to a card of the actor's base.
func CardRef(actor access.Actor, cardID int64) (string, error) {
	k, err := keys()
	if err != nil {
		return "", err
	}
	nonce := make([]byte, k.aead.NonceSize())
	rand.Read(nonce)
	var id [8]byte
	binary.BigEndian.PutUint64(id[:], uint64(cardID))
	return base64.RawURLEncoding.EncodeToString(k.aead.Seal(nonce, nonce, id[:], refAD(actor))), nil
}

// OpenCardRef reads the card id of a reference made in the actor's base;
// anything else is the error of an unknown card.
func OpenCardRef(actor access.Actor, ref string) (int64, error) {
	k, err := keys()
	if err != nil {
		return 0, err
	}
	b, err := base64.RawURLEncoding.DecodeString(ref)
	n := k.aead.NonceSize()
	if err != nil || len(b) < n {
		return 0, errNotFound()
	}
	id, err := k.aead.Open(nil, b[:n], b[n:], refAD(actor))
	if err != nil || len(id) != 8 {
		return 0, errNotFound()
	}
	return int64(binary.BigEndian.Uint64(id)), nil
}

func refAD(actor access.Actor) []byte {
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], uint64(actor.OrgID))
	binary.BigEndian.PutUint64(b[8:], uint64(actor.BaseID))
	return append([]byte("abri card ref v1\x00"), b[:]...)
}
