package incident

import (
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"image"
	"image/jpeg"
	"image/png"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"abri/internal/access"
	"abri/internal/apperr"
	"abri/internal/db"
	"abri/internal/keyfile"
	"abri/internal/ledger"
)

// DefaultEvidenceLimit is the largest evidence file taken when none is
// configured.
const DefaultEvidenceLimit = 50 << 20

// EvidenceStore keeps evidence files under a directory, each encrypted with
// AES-256-GCM and named by the SHA-256 of its original bytes. The key is a
// file of the directory (evidence.key, mode 0600), never in the database.
type EvidenceStore struct {
	Dir   string
	Limit int64 // bytes; 0 is DefaultEvidenceLimit
	aead  cipher.AEAD
}

// OpenEvidenceStore opens the store in dir, making its key on first use.
func OpenEvidenceStore(dir string, limit int64) (*EvidenceStore, error) {
	if err := os.MkdirAll(filepath.Join(dir, "evidence"), 0o700); err != nil {
		return nil, fmt.Errorf("evidence store: %w", err)
	}
	key, err := keyfile.LoadOrCreate(filepath.Join(dir, "evidence.key"), 32)
	if err != nil {
		return nil, fmt.Errorf("evidence store: %w", err)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	if limit <= 0 {
		limit = DefaultEvidenceLimit
	}
	return &EvidenceStore{Dir: dir, Limit: limit, aead: aead}, nil
}

func (s *EvidenceStore) path(sum string) string { return filepath.Join(s.Dir, "evidence", sum+".enc") }

// put encrypts b under its hash (the hash is the additional data, so a
// file renamed to another hash does not open).
func (s *EvidenceStore) put(sum string, b []byte) error {
	nonce := make([]byte, s.aead.NonceSize())
	rand.Read(nonce)
	out := s.aead.Seal(nonce, nonce, b, []byte(sum))
	tmp := s.path(sum) + ".tmp"
	if err := os.WriteFile(tmp, out, 0o600); err != nil {
		return fmt.Errorf("store evidence: %w", err)
	}
	return os.Rename(tmp, s.path(sum))
}

func (s *EvidenceStore) get(sum string) ([]byte, error) {
	raw, err := os.ReadFile(s.path(sum))
	if err != nil {
		return nil, fmt.Errorf("read evidence: %w", err)
	}
	n := s.aead.NonceSize()
	if len(raw) < n {
		return nil, fmt.Errorf("read evidence %s: too short", sum)
	}
	b, err := s.aead.Open(nil, raw[:n], raw[n:], []byte(sum))
	if err != nil {
		return nil, fmt.Errorf("read evidence %s: %w", sum, err)
	}
	return b, nil
}

// Evidence is one file attached to an incident.
type Evidence struct {
	ID           int64
	IncidentID   int64
	SHA256       string
	Size         int64
	MediaType    string
	SharedSHA256 string // the copy without tags; "" when not an image
	CreatedAt    time.Time
	// DeviceMismatch: the hash the device computed at capture differs
	// from the bytes that arrived.
	DeviceMismatch bool
}

// shareable re-encodes an image from its decoded pixels, which leaves
// every tag (EXIF, XMP, IPTC, maker notes) behind.
func shareable(b []byte, mediaType string) ([]byte, error) {
	img, _, err := image.Decode(bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	var out bytes.Buffer
	switch mediaType {
	case "image/jpeg":
		err = jpeg.Encode(&out, img, &jpeg.Options{Quality: 90})
	case "image/png":
		err = png.Encode(&out, img)
	}
	return out.Bytes(), err
}

func hashHex(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// Upload attaches a file to an incident of the actor's base: it keeps the
// original bytes unmodified, encrypted, by their SHA-256, and for a JPEG
// or PNG a copy without tags; the hash goes into the ledger. deviceSHA is
// the hash the phone computed at capture ("" when none). A file over the
// limit is TooLarge and nothing is kept.
func (s *Service) Upload(ctx context.Context, actor access.Actor, st *EvidenceStore, incidentID int64, r io.Reader, deviceSHA string) (Evidence, error) {
	if err := require(actor, access.ReportIncidents); err != nil {
		return Evidence{}, err
	}
	b, err := io.ReadAll(io.LimitReader(r, st.Limit+1))
	if err != nil {
		return Evidence{}, fmt.Errorf("upload evidence: %w", err)
	}
	if int64(len(b)) > st.Limit {
		return Evidence{}, apperr.New(apperr.TooLarge, "incident.error.evidence_too_large", st.Limit>>20).At("file")
	}
	if len(b) == 0 {
		return Evidence{}, apperr.New(apperr.Invalid, "incident.error.evidence_empty").At("file")
	}
	ev := Evidence{IncidentID: incidentID, SHA256: hashHex(b), Size: int64(len(b)), MediaType: http.DetectContentType(b)}
	ev.DeviceMismatch = deviceSHA != "" && deviceSHA != ev.SHA256
	var shared []byte
	if ev.MediaType == "image/jpeg" || ev.MediaType == "image/png" {
		if shared, err = shareable(b, ev.MediaType); err == nil {
			ev.SharedSHA256 = hashHex(shared)
		}
	}
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		var n int
		if err := tx.QueryRow(ctx, "SELECT COUNT(*) FROM incidents WHERE id = ? AND org_id = ? AND base_id = ?", incidentID, actor.OrgID, actor.BaseID).Scan(&n); err != nil {
			return fmt.Errorf("upload evidence: %w", err)
		}
		if n == 0 {
			return apperr.ErrNotFound()
		}
		if err := st.put(ev.SHA256, b); err != nil {
			return err
		}
		if shared != nil {
			if err := st.put(ev.SharedSHA256, shared); err != nil {
				return err
			}
		}
		ev.CreatedAt = tx.Now
		ev.ID, err = tx.InsertID(ctx, `INSERT INTO incident_evidence (org_id, base_id, incident_id, sha256, size, media_type, shared_sha256, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, actor.OrgID, actor.BaseID, incidentID, ev.SHA256, ev.Size, ev.MediaType, ev.SharedSHA256, db.Micros(tx.Now))
		if err != nil {
			return fmt.Errorf("upload evidence: %w", err)
		}
		_, err = ledger.Append(ctx, tx, actor, "evidence", ev.ID, EvidenceUploaded{IncidentID: incidentID, SHA256: ev.SHA256, Size: ev.Size,
			MediaType: ev.MediaType, SharedSHA256: ev.SharedSHA256, DeviceMismatch: ev.DeviceMismatch})
		return err
	})
	if err != nil {
		return Evidence{}, err
	}
	return ev, nil
}

// Open returns a file's bytes, the original or the shareable copy, and
// writes who opened which into the ledger first: the custody log.
func (s *Service) Open(ctx context.Context, actor access.Actor, st *EvidenceStore, evidenceID int64, original bool) ([]byte, Evidence, error) {
	if err := require(actor, access.ViewIncidents); err != nil {
		return nil, Evidence{}, err
	}
	var ev Evidence
	var at int64
	err := s.DB.InTx(ctx, func(tx *db.Tx) error {
		err := tx.QueryRow(ctx, `SELECT id, incident_id, sha256, size, media_type, shared_sha256, created_at FROM incident_evidence
			WHERE id = ? AND org_id = ? AND base_id = ?`, evidenceID, actor.OrgID, actor.BaseID).Scan(&ev.ID, &ev.IncidentID, &ev.SHA256,
			&ev.Size, &ev.MediaType, &ev.SharedSHA256, &at)
		if db.IsNoRows(err) {
			return apperr.ErrNotFound()
		}
		if err != nil {
			return fmt.Errorf("open evidence: %w", err)
		}
		if !original && ev.SharedSHA256 == "" {
			return apperr.ErrNotFound()
		}
		_, err = ledger.Append(ctx, tx, actor, "evidence", ev.ID, EvidenceOpened{Original: original})
		return err
	})
	if err != nil {
		return nil, ev, err
	}
	ev.CreatedAt = db.FromMicros(at)
	sum := ev.SHA256
	if !original {
		sum = ev.SharedSHA256
	}
	b, err := st.get(sum)
	return b, ev, err
}
