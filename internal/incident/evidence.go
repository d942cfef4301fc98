package incident

import (
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"image"
	"image/jpeg"
	"image/png"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"abri/internal/access"
	"abri/internal/apperr"
	"abri/internal/command"
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
	// CapturedAt is when the device says the file was taken (its clock,
	// often wrong); zero when it did not say. CapturedFrom says what that
	// time is: CapturedFileTime or CapturedChosen.
	CapturedAt   time.Time
	CapturedFrom string
	// DeviceSHA256 is the hash the device computed at capture ("" when
	// none came); DeviceMismatch says it differs from the bytes that
	// arrived, which makes a review item.
	DeviceSHA256   string
	DeviceMismatch bool
}

// shareable re-encodes an image from its decoded pixels, which leaves
// every tag (EXIF, XMP, IPTC, maker notes) behind. A JPEG's EXIF
// orientation is applied to the pixels first, so the copy stands as the
// photo was taken though the tag that said so is gone.
func shareable(b []byte, mediaType string) ([]byte, error) {
	img, _, err := image.Decode(bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	var out bytes.Buffer
	switch mediaType {
	case "image/jpeg":
		img = orient(img, jpegOrientation(b))
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

// Capture is what a device says about a file it uploads: the SHA-256 it
// computed at capture, its own id for the file and when it was taken. Each
// may be empty.
type Capture struct {
	SHA256   string
	ClientID string
	At       time.Time
	// From says what At is: CapturedFileTime or CapturedChosen; "" when
	// the device said nothing.
	From string
}

// What a file's capture time is, as the device said. Neither is read
// from the file's bytes: abri never reads a photo's GPS tags, and takes
// no date from its EXIF tags either, which any editor can set.
const (
	// CapturedFileTime is the file's own time on the device
	// (File.lastModified), which a phone's camera sets when it takes the
	// photo, by the phone's clock.
	CapturedFileTime = "file_time"
	// CapturedChosen is when the file was chosen in the form, by the
	// phone's clock (files queued before the file's own time was sent).
	CapturedChosen = "chosen"
)

// validClientID is a device's id for a file: a UUID-like token, no more.
func validClientID(s string) bool {
	if len(s) < 8 || len(s) > 64 {
		return false
	}
	for _, r := range s {
		if !(r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r == '-') {
			return false
		}
	}
	return true
}

// Upload attaches a file to an incident of the actor's base: it keeps the
// original bytes unmodified, encrypted, by their SHA-256, and for a JPEG
// or PNG a copy without tags; the hash goes into the ledger. deviceSHA is
// the hash the phone computed at capture ("" when none). A file over the
// limit is TooLarge and nothing is kept.
func (s *Service) Upload(ctx context.Context, actor access.Actor, st *EvidenceStore, incidentID int64, r io.Reader, deviceSHA string) (Evidence, error) {
	return s.UploadCaptured(ctx, actor, st, incidentID, r, Capture{SHA256: deviceSHA})
}

// UploadCaptured is Upload with what the device said at capture. A file
// sent again under the same client id is the same file: the first upload
// is answered and nothing changes (other bytes under that id are a
// conflict). When the device's hash differs from the server's, the file
// is kept under the server's hash and a review item of kind
// hash_mismatch is made in the same transaction.
func (s *Service) UploadCaptured(ctx context.Context, actor access.Actor, st *EvidenceStore, incidentID int64, r io.Reader, cp Capture) (Evidence, error) {
	if err := require(actor, access.ReportIncidents); err != nil {
		return Evidence{}, err
	}
	cp.SHA256 = strings.ToLower(strings.TrimSpace(cp.SHA256))
	if cp.SHA256 != "" && !validSHA256(cp.SHA256) {
		return Evidence{}, apperr.New(apperr.Invalid, "incident.error.evidence_sha").At("sha256")
	}
	if cp.ClientID != "" && !validClientID(cp.ClientID) {
		return Evidence{}, apperr.New(apperr.Invalid, "incident.error.evidence_client_id").At("client_id")
	}
	switch {
	case cp.At.IsZero():
		cp.From = "" // no time, nothing to say of it
	case cp.From == "":
		cp.From = CapturedChosen // phones queued before the file's own time was sent
	case cp.From != CapturedFileTime && cp.From != CapturedChosen:
		return Evidence{}, apperr.New(apperr.Invalid, "incident.error.choice").At("captured_from")
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
	ev := Evidence{IncidentID: incidentID, SHA256: hashHex(b), Size: int64(len(b)), MediaType: http.DetectContentType(b),
		DeviceSHA256: cp.SHA256, CapturedAt: cp.At, CapturedFrom: cp.From}
	ev.DeviceMismatch = cp.SHA256 != "" && cp.SHA256 != ev.SHA256
	var shared []byte
	if ev.MediaType == "image/jpeg" || ev.MediaType == "image/png" {
		if shared, err = shareable(b, ev.MediaType); err == nil {
			ev.SharedSHA256 = hashHex(shared)
		}
	}
	var captured int64
	if !cp.At.IsZero() {
		captured = db.Micros(cp.At)
	}
	var clientID any
	if cp.ClientID != "" {
		clientID = cp.ClientID
	}
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		var n int
		if err := tx.QueryRow(ctx, "SELECT COUNT(*) FROM incidents WHERE id = ? AND org_id = ? AND base_id = ?", incidentID, actor.OrgID, actor.BaseID).Scan(&n); err != nil {
			return fmt.Errorf("upload evidence: %w", err)
		}
		if n == 0 {
			return apperr.ErrNotFound()
		}
		if cp.ClientID != "" {
			prev, err := scanEvidence(tx.QueryRow(ctx, "SELECT "+evidenceCols+" FROM incident_evidence WHERE org_id = ? AND client_id = ?", actor.OrgID, cp.ClientID))
			if err == nil {
				if prev.IncidentID != incidentID || prev.SHA256 != ev.SHA256 || prev.BaseID != actor.BaseID {
					return apperr.New(apperr.Conflict, "incident.error.evidence_client_reused").At("client_id")
				}
				ev = prev.Evidence
				return nil
			}
			if !db.IsNoRows(err) {
				return fmt.Errorf("upload evidence: %w", err)
			}
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
		ev.ID, err = tx.InsertID(ctx, `INSERT INTO incident_evidence (org_id, base_id, incident_id, sha256, size, media_type, shared_sha256, created_at,
			client_id, device_sha256, captured_at, captured_from)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, actor.OrgID, actor.BaseID, incidentID, ev.SHA256, ev.Size, ev.MediaType, ev.SharedSHA256, db.Micros(tx.Now),
			clientID, ev.DeviceSHA256, captured, cp.From)
		if err != nil {
			return fmt.Errorf("upload evidence: %w", err)
		}
		if _, err = ledger.Append(ctx, tx, actor, "evidence", ev.ID, EvidenceUploaded{IncidentID: incidentID, SHA256: ev.SHA256, Size: ev.Size,
			MediaType: ev.MediaType, SharedSHA256: ev.SharedSHA256, DeviceMismatch: ev.DeviceMismatch,
			ClientID: cp.ClientID, DeviceSHA256: ev.DeviceSHA256, CapturedAt: captured, CapturedFrom: cp.From}); err != nil {
			return err
		}
		if !ev.DeviceMismatch {
			return nil
		}
		payload, err := json.Marshal(mismatchPayload{IncidentID: incidentID, EvidenceID: ev.ID, DeviceSHA256: ev.DeviceSHA256, ServerSHA256: ev.SHA256, Size: ev.Size})
		if err != nil {
			return err
		}
		_, err = command.NewHashMismatch(ctx, tx, actor, command.Mismatch{ClientID: cp.ClientID, Type: "evidence.upload",
			Target: command.Target("evidence", ev.ID), Payload: payload,
			Reason: apperr.New(apperr.Invalid, "incident.review.hash_mismatch", ev.DeviceSHA256, ev.SHA256)})
		return err
	})
	if err != nil {
		return Evidence{}, err
	}
	return ev, nil
}

// Mismatch is what a hash-mismatch review item says, for a coordinator to
// read: which file of which incident, the hash the device computed at
// capture and the one of the bytes that arrived.
type Mismatch struct {
	IncidentID, EvidenceID int64
	Expected, Received     string
	Size                   int64
}

// MismatchOf reads a hash-mismatch review item's payload; false when it
// is not one.
func MismatchOf(payload []byte) (Mismatch, bool) {
	var p mismatchPayload
	if err := json.Unmarshal(payload, &p); err != nil || p.EvidenceID <= 0 || p.DeviceSHA256 == "" || p.ServerSHA256 == "" {
		return Mismatch{}, false
	}
	return Mismatch{IncidentID: p.IncidentID, EvidenceID: p.EvidenceID, Expected: p.DeviceSHA256, Received: p.ServerSHA256, Size: p.Size}, true
}

// mismatchPayload is what a hash-mismatch review item holds: ids and
// hashes, never the file or its name.
type mismatchPayload struct {
	IncidentID   int64  `json:"incident_id"`
	EvidenceID   int64  `json:"evidence_id"`
	DeviceSHA256 string `json:"device_sha256"`
	ServerSHA256 string `json:"server_sha256"`
	Size         int64  `json:"size"`
}

func validSHA256(s string) bool {
	if len(s) != 64 {
		return false
	}
	_, err := hex.DecodeString(s)
	return err == nil
}

const evidenceCols = "id, base_id, incident_id, sha256, size, media_type, shared_sha256, created_at, device_sha256, captured_at, captured_from"

type evidenceRow struct {
	Evidence
	BaseID int64
}

func scanEvidence(sc interface{ Scan(...any) error }) (evidenceRow, error) {
	var e evidenceRow
	var at, captured int64
	err := sc.Scan(&e.ID, &e.BaseID, &e.IncidentID, &e.SHA256, &e.Size, &e.MediaType, &e.SharedSHA256, &at, &e.DeviceSHA256, &captured, &e.CapturedFrom)
	e.CreatedAt = db.FromMicros(at)
	if captured != 0 {
		e.CapturedAt = db.FromMicros(captured)
	}
	e.DeviceMismatch = e.DeviceSHA256 != "" && e.DeviceSHA256 != e.SHA256
	return e, err
}

// Open returns a file's bytes, the original or the shareable copy, and
// writes who opened which into the ledger first: the custody log.
func (s *Service) Open(ctx context.Context, actor access.Actor, st *EvidenceStore, evidenceID int64, original bool) ([]byte, Evidence, error) {
	return s.open(ctx, actor, st, 0, evidenceID, original, "")
}

// OpenOf is what a person does on the incident page or through the API:
// view a file's shareable copy, or download its original (the custody log
// says which). A file of another incident is not found, and nothing is
// logged.
func (s *Service) OpenOf(ctx context.Context, actor access.Actor, st *EvidenceStore, incidentID, evidenceID int64, original bool) ([]byte, Evidence, error) {
	if incidentID <= 0 {
		return nil, Evidence{}, apperr.ErrNotFound()
	}
	mode := OpenView
	if original {
		mode = OpenDownload
	}
	return s.open(ctx, actor, st, incidentID, evidenceID, original, mode)
}

func (s *Service) open(ctx context.Context, actor access.Actor, st *EvidenceStore, incidentID, evidenceID int64, original bool, mode string) ([]byte, Evidence, error) {
	if err := require(actor, access.ViewIncidents); err != nil {
		return nil, Evidence{}, err
	}
	var ev Evidence
	err := s.DB.InTx(ctx, func(tx *db.Tx) error {
		row, err := scanEvidence(tx.QueryRow(ctx, "SELECT "+evidenceCols+" FROM incident_evidence WHERE id = ? AND org_id = ? AND base_id = ?",
			evidenceID, actor.OrgID, actor.BaseID))
		if db.IsNoRows(err) {
			return apperr.ErrNotFound()
		}
		if err != nil {
			return fmt.Errorf("open evidence: %w", err)
		}
		ev = row.Evidence
		if incidentID != 0 && ev.IncidentID != incidentID {
			return apperr.ErrNotFound()
		}
		if !original && ev.SharedSHA256 == "" {
			return apperr.ErrNotFound()
		}
		_, err = ledger.Append(ctx, tx, actor, "evidence", ev.ID, EvidenceOpened{Original: original, Mode: mode})
		return err
	})
	if err != nil {
		return nil, ev, err
	}
	sum := ev.SHA256
	if !original {
		sum = ev.SharedSHA256
	}
	b, err := st.get(sum)
	return b, ev, err
}
