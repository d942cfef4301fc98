package ledger

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"abri/internal/access"
	"abri/internal/apperr"
	"abri/internal/db"
	"abri/internal/keyfile"
)

// Checkpoints: the server signs each chain's head with an Ed25519 key kept
// in the data directory (never in the database) and stores the signature in
// ledger_checkpoints; the newest of each chain is also written to a file in
// the data directory and can be kept anywhere else. A chain truncated or
// recomputed no longer holds the hash a checkpoint names at its entry, and
// whoever changed it cannot sign a new checkpoint without the key.

// KeyFile is the signing key's file in the data directory (PKCS #8, PEM).
const KeyFile = "ledger-signing.key"

// CheckpointFile holds the newest checkpoint of each chain, in the data
// directory, outside the database.
const CheckpointFile = "ledger-checkpoints.json"

// Key signs checkpoints.
type Key struct {
	priv ed25519.PrivateKey
	pub  PublicKey
}

// PublicKey checks checkpoints; ID names it in each checkpoint.
type PublicKey struct {
	Key ed25519.PublicKey
	ID  string
}

func publicKey(k ed25519.PublicKey) PublicKey {
	sum := sha256.Sum256(k)
	return PublicKey{Key: k, ID: hex.EncodeToString(sum[:8])}
}

// Public is the key that checks this key's signatures.
func (k *Key) Public() PublicKey { return k.pub }

// NewKey makes a key in memory (tests; LoadOrCreateKey for the server).
func NewKey() (*Key, error) {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("checkpoint key: %w", err)
	}
	return &Key{priv: priv, pub: publicKey(pub)}, nil
}

// LoadKey reads the data directory's signing key; an error wrapping
// os.ErrNotExist when there is none. A key file others may read is refused.
func LoadKey(dir string) (*Key, error) {
	path := filepath.Join(dir, KeyFile)
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("checkpoint key: %w", err)
	}
	if st.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("checkpoint key %s: mode %o lets others read it; chmod 600 it", path, st.Mode().Perm())
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("checkpoint key: %w", err)
	}
	blk, _ := pem.Decode(b)
	if blk == nil || blk.Type != "PRIVATE KEY" {
		return nil, fmt.Errorf("checkpoint key %s: not a PEM private key", path)
	}
	k, err := x509.ParsePKCS8PrivateKey(blk.Bytes)
	if err != nil {
		return nil, fmt.Errorf("checkpoint key %s: %w", path, err)
	}
	priv, ok := k.(ed25519.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("checkpoint key %s: not an Ed25519 key", path)
	}
	return &Key{priv: priv, pub: publicKey(priv.Public().(ed25519.PublicKey))}, nil
}

// LoadOrCreateKey reads the data directory's signing key, making one (mode
// 0600) the first time.
func LoadOrCreateKey(dir string) (*Key, error) {
	k, err := LoadKey(dir)
	if !errors.Is(err, os.ErrNotExist) {
		return k, err
	}
	k, err = NewKey()
	if err != nil {
		return nil, err
	}
	der, err := x509.MarshalPKCS8PrivateKey(k.priv)
	if err != nil {
		return nil, fmt.Errorf("checkpoint key: %w", err)
	}
	// Written whole and linked into place: a second process starting at
	// once on a new data directory reads this key, never an empty file.
	buf := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
	if err := keyfile.Create(filepath.Join(dir, KeyFile), buf); errors.Is(err, os.ErrExist) {
		return LoadKey(dir) // another process made it first
	} else if err != nil {
		return nil, fmt.Errorf("checkpoint key: %w", err)
	}
	return k, nil
}

// Checkpoint is a chain's head signed at a time.
type Checkpoint struct {
	OrgID     int64     `json:"org_id"`
	Seq       int64     `json:"seq"`
	Hash      HexBytes  `json:"hash"`
	At        time.Time `json:"at"`
	KeyID     string    `json:"key_id"`
	Signature []byte    `json:"signature"`            // base64
	PublicKey []byte    `json:"public_key,omitempty"` // for reference only: checks use the key of the data directory
}

// HexBytes is bytes shown in hexadecimal in JSON.
type HexBytes []byte

func (h HexBytes) MarshalText() ([]byte, error) { return []byte(hex.EncodeToString(h)), nil }

func (h *HexBytes) UnmarshalText(b []byte) error {
	v, err := hex.DecodeString(string(b))
	*h = v
	return err
}

// message is what a checkpoint's signature covers: a label, then the
// organisation, entry, hash and time, length-prefixed like Hash.
func (c Checkpoint) message() []byte {
	var out []byte
	field := func(b []byte) {
		out = binary.BigEndian.AppendUint64(out, uint64(len(b)))
		out = append(out, b...)
	}
	num := func(v int64) { field(binary.BigEndian.AppendUint64(nil, uint64(v))) }
	out = append(out, "abri-checkpoint-v1"...)
	num(c.OrgID)
	num(c.Seq)
	field(c.Hash)
	num(db.Micros(c.At))
	return out
}

// Sign signs a chain's head at a time.
func (k *Key) Sign(org, seq int64, hash []byte, at time.Time) Checkpoint {
	c := Checkpoint{OrgID: org, Seq: seq, Hash: hash, At: db.FromMicros(db.Micros(at)), KeyID: k.pub.ID, PublicKey: k.pub.Key}
	c.Signature = ed25519.Sign(k.priv, c.message())
	return c
}

// CheckSignature checks the signature with the key of the checkpoint's key
// id among keys.
func (c Checkpoint) CheckSignature(keys ...PublicKey) error {
	for _, k := range keys {
		if k.ID != c.KeyID {
			continue
		}
		if !ed25519.Verify(k.Key, c.message(), c.Signature) {
			return errors.New("the signature does not match")
		}
		return nil
	}
	return fmt.Errorf("signed by key %s, which is not this server's", c.KeyID)
}

func (c Checkpoint) String() string {
	return fmt.Sprintf("organisation %d entry %d %s at %s (key %s)", c.OrgID, c.Seq, hex.EncodeToString(c.Hash),
		c.At.UTC().Format(time.RFC3339), c.KeyID)
}

// SignHeads signs each chain's head that this key has not signed at its
// entry yet, stores the checkpoints, and when dir is not "" writes the
// newest of every chain to CheckpointFile there (only when it signed one,
// or the file is missing). It returns a checkpoint of each chain's head and
// how many of them it signed now: a head that has not moved since this key
// last signed it keeps its checkpoint.
func SignHeads(ctx context.Context, d *db.DB, k *Key, dir string) ([]Checkpoint, int, error) {
	heads, err := ReadHeads(ctx, d)
	if err != nil {
		return nil, 0, err
	}
	cs, signed, err := Sign(ctx, d, k, heads)
	if err != nil {
		return nil, 0, err
	}
	if dir != "" {
		path := filepath.Join(dir, CheckpointFile)
		if _, statErr := os.Stat(path); signed > 0 || statErr != nil {
			if err := WriteCheckpoints(path, cs); err != nil {
				return cs, signed, err
			}
		}
	}
	return cs, signed, nil
}

// ReadHeads reads every chain's head, by organisation.
func ReadHeads(ctx context.Context, q db.Queryer) ([]Head, error) {
	rows, err := q.Query(ctx, "SELECT org_id, seq, hash FROM ledger_heads WHERE seq > 0 ORDER BY org_id")
	if err != nil {
		return nil, fmt.Errorf("read chain heads: %w", err)
	}
	defer rows.Close()
	var heads []Head
	for rows.Next() {
		var h Head
		if err := rows.Scan(&h.OrgID, &h.Seq, &h.Hash); err != nil {
			return nil, fmt.Errorf("read chain heads: %w", err)
		}
		heads = append(heads, h)
	}
	return heads, rows.Err()
}

// Sign returns a checkpoint by k of each head: the one stored already when
// k has signed that entry, else a new one, signed now and stored. signed
// counts the new ones. When every head has its checkpoint already, nothing
// is written (no write transaction is even begun).
func Sign(ctx context.Context, d *db.DB, k *Key, heads []Head) (cs []Checkpoint, signed int, err error) {
	stored := func(q db.Queryer) (map[int64]Checkpoint, error) {
		have := map[int64]Checkpoint{}
		for _, h := range heads {
			c := Checkpoint{OrgID: h.OrgID, Seq: h.Seq, KeyID: k.pub.ID, PublicKey: k.pub.Key}
			var at int64
			var hash []byte
			err := q.QueryRow(ctx, "SELECT hash, at, signature FROM ledger_checkpoints WHERE org_id = ? AND seq = ? AND key_id = ?",
				h.OrgID, h.Seq, k.pub.ID).Scan(&hash, &at, &c.Signature)
			switch {
			case db.IsNoRows(err):
				continue
			case err != nil:
				return nil, fmt.Errorf("read checkpoints: %w", err)
			}
			c.Hash, c.At = hash, db.FromMicros(at)
			have[h.OrgID] = c
		}
		return have, nil
	}
	have, err := stored(d)
	if err != nil {
		return nil, 0, err
	}
	if len(have) < len(heads) {
		err = d.InTx(ctx, func(tx *db.Tx) error {
			signed = 0
			if have, err = stored(tx); err != nil {
				return err
			}
			for _, h := range heads {
				if _, ok := have[h.OrgID]; ok {
					continue
				}
				c := k.Sign(h.OrgID, h.Seq, h.Hash, tx.Now)
				fresh, err := storeCheckpoint(ctx, tx, c)
				if err != nil {
					return err
				}
				have[h.OrgID] = c
				if fresh {
					signed++
				}
			}
			return nil
		})
		if err != nil {
			return nil, 0, err
		}
	}
	for _, h := range heads {
		cs = append(cs, have[h.OrgID])
	}
	return cs, signed, nil
}

// LatestCheckpoint returns an organisation's newest stored checkpoint; a
// db.IsNoRows error when it has none.
func LatestCheckpoint(ctx context.Context, q db.Queryer, org int64) (Checkpoint, error) {
	c := Checkpoint{OrgID: org}
	var at int64
	var h []byte
	err := q.QueryRow(ctx, `SELECT seq, hash, at, key_id, signature FROM ledger_checkpoints WHERE org_id = ?
		ORDER BY seq DESC, at DESC LIMIT 1`, org).Scan(&c.Seq, &h, &at, &c.KeyID, &c.Signature)
	if err != nil {
		if db.IsNoRows(err) {
			return c, err
		}
		return c, fmt.Errorf("read checkpoint: %w", err)
	}
	c.Hash, c.At = h, db.FromMicros(at)
	return c, nil
}

// WriteCheckpoints writes checkpoints as a JSON array, replacing the file
// whole (mode 0600).
func WriteCheckpoints(path string, cs []Checkpoint) error {
	b, err := json.MarshalIndent(cs, "", "  ")
	if err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, append(b, '\n'), 0o600); err != nil {
		return fmt.Errorf("write checkpoints: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("write checkpoints: %w", err)
	}
	return nil
}

// ReadCheckpoints reads a file of one checkpoint or an array of them (as
// the API, abri backup and CheckpointFile give them).
func ReadCheckpoints(path string) ([]Checkpoint, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read checkpoints: %w", err)
	}
	var cs []Checkpoint
	if err := json.Unmarshal(b, &cs); err != nil {
		var c Checkpoint
		if err1 := json.Unmarshal(b, &c); err1 != nil || c.OrgID == 0 {
			return nil, fmt.Errorf("read checkpoints %s: not a checkpoint: %w", path, err)
		}
		cs = []Checkpoint{c}
	}
	return cs, nil
}

// LatestFor is the newest checkpoint of the actor's organisation, for its
// administrators; apperr NotFound when none was signed yet.
func LatestFor(ctx context.Context, q db.Queryer, actor access.Actor) (Checkpoint, error) {
	if err := actor.Require(access.VerifyLedger); err != nil {
		return Checkpoint{}, err
	}
	c, err := LatestCheckpoint(ctx, q, actor.OrgID)
	if db.IsNoRows(err) {
		return c, apperr.New(apperr.NotFound, "ledger.error.no_checkpoint")
	}
	return c, err
}

// RetiredKeyPattern names the public halves of keys rotated out, in the
// data directory: abri verify checks the checkpoints they signed with them.
const RetiredKeyPattern = "ledger-signing-*.pub"

// RotateKey retires the data directory's signing key: its public half is
// kept as ledger-signing-<id>.pub (for the checkpoints it signed), the
// private key is deleted, and a new key is made. Run it with the server
// stopped: a running server signs with the key it read at start.
func RotateKey(dir string) (retired PublicKey, fresh *Key, err error) {
	old, err := LoadKey(dir)
	if err != nil {
		return PublicKey{}, nil, err
	}
	der, err := x509.MarshalPKIXPublicKey(old.pub.Key)
	if err != nil {
		return PublicKey{}, nil, fmt.Errorf("rotate key: %w", err)
	}
	pub := filepath.Join(dir, "ledger-signing-"+old.pub.ID+".pub")
	if err := os.WriteFile(pub, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), 0o644); err != nil {
		return PublicKey{}, nil, fmt.Errorf("rotate key: %w", err)
	}
	if err := os.Remove(filepath.Join(dir, KeyFile)); err != nil {
		return PublicKey{}, nil, fmt.Errorf("rotate key: %w", err)
	}
	fresh, err = LoadOrCreateKey(dir)
	return old.pub, fresh, err
}

// RetiredKeys reads the public halves of the keys rotated out of dir.
func RetiredKeys(dir string) ([]PublicKey, error) {
	paths, err := filepath.Glob(filepath.Join(dir, RetiredKeyPattern))
	if err != nil {
		return nil, err
	}
	var out []PublicKey
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, fmt.Errorf("retired key: %w", err)
		}
		blk, _ := pem.Decode(b)
		if blk == nil || blk.Type != "PUBLIC KEY" {
			return nil, fmt.Errorf("retired key %s: not a PEM public key", p)
		}
		k, err := x509.ParsePKIXPublicKey(blk.Bytes)
		if err != nil {
			return nil, fmt.Errorf("retired key %s: %w", p, err)
		}
		ek, ok := k.(ed25519.PublicKey)
		if !ok {
			return nil, fmt.Errorf("retired key %s: not an Ed25519 key", p)
		}
		out = append(out, publicKey(ek))
	}
	return out, nil
}
