package incident

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"abri/internal/access"
	"abri/internal/apperr"
	"abri/internal/db"
	"abri/internal/ledger"
)

// An export bundle is a ZIP of chosen incidents for lawyers and reports:
// a readable report (HTML and PDF), the data (JSON and CSV), the original
// evidence files, the custody log of each file, the ledger entries that
// record them with their chain links, a checkpoint signed at the export,
// and a manifest of every member (SHA-256, size, times) signed with the
// server's Ed25519 key. The export is written into the ledger (and so into
// each file's custody log) before a byte of the bundle is. docs/evidence.md
// says how to check a bundle with abri verify-bundle or standard tools.

// BundleFormat names the layout of a bundle's manifest.
const BundleFormat = "abri-incident-bundle-v1"

// MaxExport is how many incidents one bundle holds at most.
const MaxExport = 200

// Members of a bundle that are not listed in the manifest: the manifest
// itself and its signature.
const (
	ManifestName  = "manifest.json"
	SignatureName = "manifest.json.sig"
	PublicKeyName = "public-key.pem"
	SumsName      = "SHA256SUMS"
	EntriesName   = "ledger/entries.json"
	CheckName     = "ledger/checkpoint.json"
)

// IncidentExported records that an incident went into an export bundle:
// every incident of that bundle, the evidence files of this one, and — on
// the first event of the export — how many earlier ledger entries the
// bundle carries and the SHA-256 of their list (one line "seq hash" each,
// in chain order), so that the checkpoint signed at the export vouches
// for them too.
type IncidentExported struct {
	Incidents    []int64 `json:"incidents"`
	Evidence     []int64 `json:"evidence,omitempty"`
	PriorEntries int     `json:"prior_entries,omitempty"`
	PriorDigest  string  `json:"prior_digest,omitempty"`
}

func (IncidentExported) EventKind() string { return "incident.exported" }
func (IncidentExported) EventVersion() int { return 1 }

func init() { ledger.Register[IncidentExported]() }

// Manifest lists every member of a bundle but itself and its signature.
type Manifest struct {
	Format     string         `json:"format"`
	CreatedAt  time.Time      `json:"created_at"`
	OrgID      int64          `json:"organisation"`
	BaseID     int64          `json:"base"`
	ExportedBy int64          `json:"exported_by"` // a user id: the organisation knows who
	Incidents  []int64        `json:"incidents"`
	KeyID      string         `json:"key_id"`
	PublicKey  []byte         `json:"public_key"` // Ed25519, base64
	Export     ExportEntries  `json:"export_entries"`
	Files      []ManifestFile `json:"files"`
}

// ExportEntries are the ledger entries of the export itself, first to
// last; the checkpoint names the last.
type ExportEntries struct {
	First int64 `json:"first"`
	Last  int64 `json:"last"`
}

// ManifestFile is one member: its hash and size, and for an evidence file
// the incident and the times it was captured (when the device said so)
// and uploaded. CapturedFrom says what the capture time is: "file_time",
// the file's own time on the phone (which its camera sets when it takes
// the photo), or "chosen", when the file was chosen in the form; both by
// the phone's clock, and neither read from the file's EXIF tags.
type ManifestFile struct {
	Path         string     `json:"path"`
	SHA256       string     `json:"sha256"`
	Size         int64      `json:"size"`
	IncidentID   int64      `json:"incident_id,omitempty"`
	MediaType    string     `json:"media_type,omitempty"`
	CapturedAt   *time.Time `json:"captured_at,omitempty"`
	CapturedFrom string     `json:"captured_from,omitempty"`
	UploadedAt   *time.Time `json:"uploaded_at,omitempty"`
}

// Custody is one line of a file's custody log.
type Custody struct {
	File    string    `json:"file"`
	Seq     int64     `json:"ledger_seq"`
	At      time.Time `json:"at"`
	ActorID int64     `json:"actor_id"`
	// Action is uploaded, viewed, downloaded, viewed_shared,
	// downloaded_shared (the copy without tags), exported, or the ledger
	// kind of any other event about the file.
	Action string `json:"action"`
}

// ExportRequest is what an export asks for and how its report reads.
type ExportRequest struct {
	IDs  []int64
	Lang string
	Zone *time.Location
}

// ParseIDs reads a list of incident ids as "1,2,3"; a clear error at the
// field "ids" otherwise.
func ParseIDs(s string) ([]int64, error) {
	var ids []int64
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' }) {
		var id int64
		if _, err := fmt.Sscan(f, &id); err != nil || id <= 0 || fmt.Sprint(id) != f {
			return nil, apperr.New(apperr.Invalid, "bundle.error.ids").At("ids")
		}
		ids = append(ids, id)
	}
	return ids, nil
}

func (r ExportRequest) clean() ([]int64, error) {
	if len(r.IDs) == 0 {
		return nil, apperr.New(apperr.Invalid, "bundle.error.none").At("ids")
	}
	if len(r.IDs) > MaxExport {
		return nil, apperr.New(apperr.Invalid, "bundle.error.too_many", MaxExport).At("ids")
	}
	ids := slices.Clone(r.IDs)
	slices.Sort(ids)
	return slices.Compact(ids), nil
}

// evidenceName is where a file sits in the bundle: by incident, its id and
// hash, never the name it was sent with.
func evidenceName(e Evidence) string {
	ext := map[string]string{"image/jpeg": ".jpg", "image/png": ".png", "application/pdf": ".pdf", "video/mp4": ".mp4",
		"audio/mpeg": ".mp3", "text/plain; charset=utf-8": ".txt"}[e.MediaType]
	if ext == "" {
		ext = ".bin"
	}
	return fmt.Sprintf("evidence/incident-%d/%d-%s%s", e.IncidentID, e.ID, e.SHA256, ext)
}

// exported is what the export's transaction read and wrote.
type exported struct {
	incidents []Incident
	entries   []ledger.Event // in chain order, the export's own last
	first     ledger.Event
	check     ledger.Checkpoint
	at        time.Time
}

// Export writes the bundle of the chosen incidents of the actor's base to
// w. It records the export first (an incident.exported event per
// incident, and a checkpoint naming the last, signed with key), then
// writes the ZIP. An unknown id, or one of another base, is NotFound and
// nothing is recorded.
func (s *Service) Export(ctx context.Context, actor access.Actor, st *EvidenceStore, key *ledger.Key, req ExportRequest, w io.Writer) error {
	if err := require(actor, access.ViewIncidents); err != nil {
		return err
	}
	ids, err := req.clean()
	if err != nil {
		return err
	}
	if st == nil || key == nil {
		return apperr.New(apperr.Unavailable, "bundle.error.off")
	}
	var ex exported
	// The incidents, their lines and files are read in the export's own
	// transaction, set-wise: the bundle is one snapshot, the one its
	// events and checkpoint record.
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		ex.at = tx.Now
		var err error
		if ex.incidents, err = readIncidents(ctx, tx, actor, ids); err != nil {
			return err
		}
		prior, err := entriesOf(ctx, tx, actor.OrgID, ex.incidents)
		if err != nil {
			return err
		}
		ex.entries = prior
		for i, in := range ex.incidents {
			p := IncidentExported{Incidents: ids}
			for _, e := range in.Evidence {
				p.Evidence = append(p.Evidence, e.ID)
			}
			if i == 0 {
				p.PriorEntries, p.PriorDigest = len(prior), PriorDigest(prior)
			}
			e, err := ledger.Append(ctx, tx, actor, "incident", in.ID, p)
			if err != nil {
				return err
			}
			if i == 0 {
				ex.first = e
			}
			ex.entries = append(ex.entries, e)
		}
		ex.check, err = ledger.SignTx(ctx, tx, key, ex.entries[len(ex.entries)-1])
		return err
	})
	if err != nil {
		return err
	}
	return s.writeBundle(actor, st, key, req, ex, w)
}

// PriorDigest is the SHA-256, in hexadecimal, of the list of entries one
// line "seq hash\n" each: what the first export event vouches for.
func PriorDigest(es []ledger.Event) string {
	h := sha256.New()
	for _, e := range es {
		fmt.Fprintf(h, "%d %s\n", e.Seq, hex.EncodeToString(e.Hash))
	}
	return hex.EncodeToString(h.Sum(nil))
}

// custodyOf is the custody log of every file, file by file, each in the
// order of the chain.
func custodyOf(ex exported, names map[int64]string) []Custody {
	var out []Custody
	for _, in := range ex.incidents {
		for _, f := range in.Evidence {
			for _, e := range ex.entries {
				c := Custody{File: names[f.ID], Seq: e.Seq, At: e.At.UTC(), ActorID: e.ActorID, Action: e.Kind}
				switch {
				case e.Entity == "evidence" && e.EntityID == f.ID:
					c.Action = custodyAction(e)
				case e.Kind == "incident.exported" && e.EntityID == in.ID:
					var p IncidentExported
					if json.Unmarshal(e.Payload, &p) != nil || !slices.Contains(p.Evidence, f.ID) {
						continue
					}
					c.Action = "exported"
				default:
					continue
				}
				out = append(out, c)
			}
		}
	}
	return out
}

// custodyAction names what an evidence event did to its file.
func custodyAction(e ledger.Event) string {
	switch e.Kind {
	case "evidence.uploaded":
		return "uploaded"
	case "evidence.opened":
		var p struct {
			Original bool   `json:"original"`
			Download bool   `json:"download"`
			Mode     string `json:"mode"`
		}
		json.Unmarshal(e.Payload, &p)
		action := "viewed"
		if p.Download || p.Mode == "download" {
			action = "downloaded"
		}
		if !p.Original {
			action += "_shared"
		}
		return action
	}
	return e.Kind
}

// memberHeader is how every member is written: stored, not deflated, and
// dated at the export. Stored, every byte of a member's data is its
// content (a deflate stream has bits a reader ignores), and with the name,
// the order and the date the whole ZIP follows from the members: the
// checker writes it again and compares, so a changed byte anywhere, in the
// ZIP's own headers too, is caught. Photos, video and sound are compressed
// already; deflating 50 MiB of them cost 1.7 s and saved nothing.
func memberHeader(name string, at time.Time) *zip.FileHeader {
	return &zip.FileHeader{Name: name, Method: zip.Store, Modified: at}
}

// zipWriter writes members and remembers each one's hash and size.
type zipWriter struct {
	zw    *zip.Writer
	files []ManifestFile
	at    time.Time
}

func (z *zipWriter) add(f ManifestFile, b []byte) error {
	w, err := z.zw.CreateHeader(memberHeader(f.Path, z.at))
	if err != nil {
		return err
	}
	if _, err := w.Write(b); err != nil {
		return err
	}
	sum := sha256.Sum256(b)
	f.SHA256, f.Size = hex.EncodeToString(sum[:]), int64(len(b))
	z.files = append(z.files, f)
	return nil
}

func (s *Service) writeBundle(actor access.Actor, st *EvidenceStore, key *ledger.Key, req ExportRequest, ex exported, w io.Writer) error {
	z := &zipWriter{zw: zip.NewWriter(w), at: ex.at}
	names := map[int64]string{}
	for _, in := range ex.incidents {
		for _, e := range in.Evidence {
			names[e.ID] = evidenceName(e)
		}
	}
	custody := custodyOf(ex, names)
	pub := key.Public()
	m := Manifest{Format: BundleFormat, CreatedAt: ex.at.UTC(), OrgID: actor.OrgID, BaseID: actor.BaseID, ExportedBy: actor.UserID,
		KeyID: pub.ID, PublicKey: pub.Key, Export: ExportEntries{First: ex.first.Seq, Last: ex.entries[len(ex.entries)-1].Seq}}
	for _, in := range ex.incidents {
		m.Incidents = append(m.Incidents, in.ID)
	}
	rep := report{Manifest: &m, Incidents: ex.incidents, Custody: custody, Names: names, Lang: req.Lang, Zone: req.Zone, Check: ex.check}
	html, err := rep.html()
	if err != nil {
		return err
	}
	var pdf bytes.Buffer
	if err := rep.pdf(&pdf); err != nil {
		return err
	}
	data, err := json.MarshalIndent(ex.incidents, "", "  ")
	if err != nil {
		return err
	}
	csv, err := rep.csv()
	if err != nil {
		return err
	}
	custodyJSON, err := json.MarshalIndent(custody, "", "  ")
	if err != nil {
		return err
	}
	custodyCSV, err := rep.custodyCSV()
	if err != nil {
		return err
	}
	entries := make([]ledger.Entry, len(ex.entries))
	for i, e := range ex.entries {
		entries[i] = ledger.EntryOf(e)
	}
	entriesJSON, err := json.MarshalIndent(entries, "", "  ")
	if err != nil {
		return err
	}
	checkJSON, err := json.MarshalIndent(ex.check, "", "  ")
	if err != nil {
		return err
	}
	der, err := x509.MarshalPKIXPublicKey(pub.Key)
	if err != nil {
		return err
	}
	for _, member := range []struct {
		name string
		b    []byte
	}{{"README.txt", []byte(bundleReadme)}, {"report.html", html}, {"report.pdf", pdf.Bytes()}, {"incidents.json", data},
		{"incidents.csv", csv}, {"custody.json", custodyJSON}, {"custody.csv", custodyCSV}, {EntriesName, entriesJSON},
		{CheckName, checkJSON}, {PublicKeyName, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})}} {
		if err := z.add(ManifestFile{Path: member.name}, member.b); err != nil {
			return fmt.Errorf("write bundle: %w", err)
		}
	}
	for _, in := range ex.incidents {
		for _, e := range in.Evidence {
			b, err := st.get(e.SHA256)
			if err != nil {
				return err
			}
			up := e.CreatedAt.UTC()
			mf := ManifestFile{Path: names[e.ID], IncidentID: in.ID, MediaType: e.MediaType, UploadedAt: &up}
			if !e.CapturedAt.IsZero() {
				at := e.CapturedAt.UTC()
				mf.CapturedAt, mf.CapturedFrom = &at, e.CapturedFrom
			}
			if err := z.add(mf, b); err != nil {
				return fmt.Errorf("write bundle: %w", err)
			}
		}
	}
	var sums bytes.Buffer
	for _, f := range z.files {
		fmt.Fprintf(&sums, "%s  %s\n", f.SHA256, f.Path)
	}
	if err := z.add(ManifestFile{Path: SumsName}, sums.Bytes()); err != nil {
		return fmt.Errorf("write bundle: %w", err)
	}
	m.Files = z.files
	mb, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	mb = append(mb, '\n')
	for _, member := range []struct {
		name string
		b    []byte
	}{{ManifestName, mb}, {SignatureName, key.SignBytes(mb)}} {
		w, err := z.zw.CreateHeader(memberHeader(member.name, z.at))
		if err != nil {
			return fmt.Errorf("write bundle: %w", err)
		}
		if _, err := w.Write(member.b); err != nil {
			return fmt.Errorf("write bundle: %w", err)
		}
	}
	if err := z.zw.Close(); err != nil {
		return fmt.Errorf("write bundle: %w", err)
	}
	return nil
}

// bundleReadme travels in every bundle: how to check it without abri.
const bundleReadme = `abri incident export bundle

report.html, report.pdf   the incidents, readable
incidents.json, .csv      the same as data
evidence/                 the original files, byte for byte as uploaded
custody.json, .csv        every upload, view, download and export of each file, in order
ledger/entries.json       the ledger entries recording them, with their chain links
ledger/checkpoint.json    the chain head signed at this export (it names the last entry)
manifest.json             every file above: SHA-256, size, times. An evidence file's
                          captured_at is the phone's clock, never the photo's EXIF date;
                          captured_from says what it is: "file_time", the file's own
                          time on the phone (set by its camera when the photo is taken),
                          or "chosen", when the file was chosen in the form
manifest.json.sig         Ed25519 signature over manifest.json
public-key.pem            the key that signed; compare its id with the one your organisation publishes

Check with abri:      abri verify-bundle THIS.zip
Check without abri:   sha256sum -c SHA256SUMS
                      grep "$(sha256sum SHA256SUMS | cut -d' ' -f1)" manifest.json
                      openssl pkeyutl -verify -pubin -inkey public-key.pem -rawin -in manifest.json -sigfile manifest.json.sig
`
