package incident

import (
	"archive/zip"
	"bufio"
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"strings"

	"abri/internal/ledger"
)

// Problem is one thing in a bundle that does not hold, with the member it
// concerns.
type Problem struct {
	File   string
	Reason string
}

func (p Problem) String() string { return p.File + ": " + p.Reason }

// MaxBundleMember bounds what the checker reads of one member: evidence is
// at most a few hundred megabytes, and a crafted ZIP must not fill memory.
const MaxBundleMember = 1 << 30

// CheckBundle checks a bundle offline, with nothing but its bytes: every
// member's hash and size against the manifest, the manifest's signature,
// SHA256SUMS against the manifest, the ledger entries' hashes and chain
// links, that the first export event vouches for the earlier entries, and
// the checkpoint's signature and that it names the export's last entry.
// It returns every problem found (none: the bundle holds) and the
// manifest when it could be read. It never panics on bad input.
func CheckBundle(r io.ReaderAt, size int64) (Manifest, []Problem) {
	var m Manifest
	var probs []Problem
	bad := func(file, format string, args ...any) {
		probs = append(probs, Problem{File: file, Reason: fmt.Sprintf(format, args...)})
	}
	zr, err := zip.NewReader(r, size)
	if err != nil {
		bad("(bundle)", "not a ZIP file: %v", err)
		return m, probs
	}
	members := map[string][]byte{}
	for _, f := range zr.File {
		if _, dup := members[f.Name]; dup {
			bad(f.Name, "is in the bundle twice")
			continue
		}
		b, err := readMember(f)
		if err != nil {
			bad(f.Name, "cannot be read: %v", err)
			members[f.Name] = nil
			continue
		}
		members[f.Name] = b
	}
	mb, ok := members[ManifestName]
	if !ok {
		bad(ManifestName, "is missing")
		return m, probs
	}
	if err := json.Unmarshal(mb, &m); err != nil {
		bad(ManifestName, "is not a manifest: %v", err)
		return m, probs
	}
	if m.Format != BundleFormat {
		bad(ManifestName, "format %q, want %q", m.Format, BundleFormat)
	}
	sig, ok := members[SignatureName]
	switch {
	case !ok:
		bad(SignatureName, "is missing")
	case len(m.PublicKey) != ed25519.PublicKeySize:
		bad(ManifestName, "holds no Ed25519 public key")
	case len(sig) != ed25519.SignatureSize || !ed25519.Verify(m.PublicKey, mb, sig):
		bad(SignatureName, "the Ed25519 signature does not match %s (one of the two was changed)", ManifestName)
	case ledger.PublicKeyOf(m.PublicKey).ID != m.KeyID:
		bad(ManifestName, "key id %s is not the id of its public key", m.KeyID)
	}
	listed := map[string]ManifestFile{}
	for _, f := range m.Files {
		if _, dup := listed[f.Path]; dup {
			bad(ManifestName, "lists %s twice", f.Path)
		}
		listed[f.Path] = f
		b, ok := members[f.Path]
		if !ok {
			bad(f.Path, "is missing")
			continue
		}
		if b == nil {
			continue // unreadable, said above
		}
		sum := sha256.Sum256(b)
		if hex.EncodeToString(sum[:]) != f.SHA256 || int64(len(b)) != f.Size {
			bad(f.Path, "its SHA-256 or size differs from the manifest")
		}
	}
	for _, f := range zr.File {
		if _, ok := listed[f.Name]; !ok && f.Name != ManifestName && f.Name != SignatureName {
			bad(f.Name, "is not in the manifest")
		}
	}
	checkContainer(r, size, zr, members, m, bad)
	checkSums(members[SumsName], listed, bad)
	checkPublicKey(members[PublicKeyName], m, bad)
	checkLedger(members[EntriesName], members[CheckName], m, bad)
	return m, probs
}

// checkContainer writes the ZIP again from its members, as Export writes
// it, and compares it with the file byte for byte: a change in the ZIP's
// own structure (a header, a date, the directory, bytes added) that leaves
// every member's content alone is caught too, and named by where it is.
func checkContainer(r io.ReaderAt, size int64, zr *zip.Reader, members map[string][]byte, m Manifest, bad func(string, string, ...any)) {
	if len(members) != len(zr.File) {
		return // a member twice, said already
	}
	var again bytes.Buffer
	zw := zip.NewWriter(&again)
	type span struct {
		name     string
		from, to int64
	}
	var spans []span
	for _, f := range zr.File {
		b := members[f.Name]
		if b == nil {
			return // unreadable, said already
		}
		from := int64(again.Len())
		w, err := zw.CreateHeader(memberHeader(f.Name, m.CreatedAt))
		if err != nil {
			bad(f.Name, "cannot be written again: %v", err)
			return
		}
		w.Write(b)
		zw.Flush()
		spans = append(spans, span{f.Name, from, int64(again.Len())})
	}
	zw.Close()
	want := again.Bytes()
	got := make([]byte, min(size, int64(len(want))+1))
	n, _ := r.ReadAt(got, 0)
	got = got[:n]
	if bytes.Equal(got, want) && size == int64(len(want)) {
		return
	}
	at := int64(0)
	for at < int64(min(len(got), len(want))) && got[at] == want[at] {
		at++
	}
	where := "(bundle)"
	for _, s := range spans {
		if at >= s.from && at < s.to {
			where = s.name
		}
	}
	if where == "(bundle)" {
		bad(where, "the ZIP's directory differs from the one its members make, from byte %d", at)
		return
	}
	bad(where, "the ZIP's header or date of this member differs from the one its content makes, at byte %d", at)
}

func readMember(f *zip.File) ([]byte, error) {
	if f.UncompressedSize64 > MaxBundleMember {
		return nil, fmt.Errorf("over %d bytes", MaxBundleMember)
	}
	rc, err := f.Open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, MaxBundleMember+1))
	if err != nil {
		return nil, err
	}
	if len(b) > MaxBundleMember {
		return nil, fmt.Errorf("over %d bytes", MaxBundleMember)
	}
	return b, nil
}

// checkSums: SHA256SUMS says what the manifest says, so sha256sum -c
// checks the same thing.
func checkSums(b []byte, listed map[string]ManifestFile, bad func(string, string, ...any)) {
	if b == nil {
		return // missing or unreadable, said already
	}
	seen := 0
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		sum, path, ok := strings.Cut(sc.Text(), "  ")
		f, listedOK := listed[path]
		if !ok || !listedOK || f.SHA256 != sum {
			bad(SumsName, "line %q is not what the manifest says", sc.Text())
			return
		}
		seen++
	}
	if seen != len(listed)-1 { // every member but SHA256SUMS itself
		bad(SumsName, "lists %d files, the manifest %d", seen, len(listed)-1)
	}
}

func checkPublicKey(b []byte, m Manifest, bad func(string, string, ...any)) {
	if b == nil {
		return
	}
	blk, _ := pem.Decode(b)
	if blk == nil {
		bad(PublicKeyName, "is not a PEM public key")
		return
	}
	k, err := x509.ParsePKIXPublicKey(blk.Bytes)
	ek, ok := k.(ed25519.PublicKey)
	if err != nil || !ok || !bytes.Equal(ek, m.PublicKey) {
		bad(PublicKeyName, "is not the key the manifest names")
	}
}

// checkLedger checks the entries' hashes and links, the export's events
// and the checkpoint.
func checkLedger(eb, cb []byte, m Manifest, bad func(string, string, ...any)) {
	if eb == nil || cb == nil {
		return
	}
	var entries []ledger.Entry
	if err := json.Unmarshal(eb, &entries); err != nil {
		bad(EntriesName, "cannot be read: %v", err)
		return
	}
	var events []ledger.Event
	for i, en := range entries {
		e, err := en.Event()
		if err != nil {
			bad(EntriesName, "%v", err)
			return
		}
		if e.OrgID != m.OrgID {
			bad(EntriesName, "entry %d belongs to organisation %d, not %d", e.Seq, e.OrgID, m.OrgID)
		}
		if !bytes.Equal(ledger.Hash(e), e.Hash) {
			bad(EntriesName, "entry %d: its hash does not match its fields", e.Seq)
		}
		if i > 0 {
			prev := events[i-1]
			if e.Seq <= prev.Seq {
				bad(EntriesName, "entry %d comes after entry %d", e.Seq, prev.Seq)
			}
			if e.Seq == prev.Seq+1 && !bytes.Equal(e.PrevHash, prev.Hash) {
				bad(EntriesName, "entry %d does not link to entry %d", e.Seq, prev.Seq)
			}
		}
		events = append(events, e)
	}
	// The export's own entries: contiguous, the first vouching for all
	// before it.
	var prior, own []ledger.Event
	for _, e := range events {
		switch {
		case e.Seq < m.Export.First:
			prior = append(prior, e)
		case e.Seq <= m.Export.Last:
			own = append(own, e)
		default:
			bad(EntriesName, "entry %d is after the export", e.Seq)
		}
	}
	if len(own) == 0 || own[0].Seq != m.Export.First || own[len(own)-1].Seq != m.Export.Last || int64(len(own)) != m.Export.Last-m.Export.First+1 {
		bad(EntriesName, "the export's entries %d to %d are not all there", m.Export.First, m.Export.Last)
		return
	}
	var first IncidentExported
	if own[0].Kind != first.EventKind() || json.Unmarshal(own[0].Payload, &first) != nil {
		bad(EntriesName, "entry %d is not the export", own[0].Seq)
		return
	}
	if first.PriorEntries != len(prior) || first.PriorDigest != PriorDigest(prior) {
		bad(EntriesName, "the entries before the export are not the ones it recorded")
	}
	var c ledger.Checkpoint
	if err := json.Unmarshal(cb, &c); err != nil {
		bad(CheckName, "cannot be read: %v", err)
		return
	}
	last := own[len(own)-1]
	switch {
	case c.OrgID != m.OrgID || c.Seq != last.Seq || !bytes.Equal(c.Hash, last.Hash):
		bad(CheckName, "does not name the export's last entry %d", last.Seq)
	case len(m.PublicKey) != ed25519.PublicKeySize:
	default:
		if err := c.CheckSignature(ledger.PublicKeyOf(m.PublicKey)); err != nil {
			bad(CheckName, "%v", err)
		}
	}
}
