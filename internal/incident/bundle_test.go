package incident_test

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"
	"strings"
	"testing"

	"abri/internal/apperr"
	"abri/internal/db"
	"abri/internal/dbtest"
	"abri/internal/incident"
	"abri/internal/ledger"
)

// exportOne makes an incident with two files, opens one, and exports it.
func exportOne(t testing.TB, w *world, st *incident.EvidenceStore, key *ledger.Key) ([]byte, int64) {
	t.Helper()
	in := w.eviction()
	in.Notes = "وصلت القافلة عند 7:30. Convoy at 7:30."
	id, err := w.s.Report(ctx, w.obs, in)
	w.must(err)
	ev, err := w.s.Upload(ctx, w.obs, st, id, bytes.NewReader([]byte("%PDF-1.4 a court order, photographed")), "")
	w.must(err)
	_, err = w.s.Upload(ctx, w.obs, st, id, strings.NewReader("audio: the convoy arrives"), "")
	w.must(err)
	_, _, err = w.s.Open(ctx, w.coord, st, ev.ID, true)
	w.must(err)
	var b bytes.Buffer
	w.must(w.s.Export(ctx, w.coord, st, key, incident.ExportRequest{IDs: []int64{id}, Lang: "ar"}, &b))
	return b.Bytes(), id
}

func check(b []byte) []incident.Problem {
	_, probs := incident.CheckBundle(bytes.NewReader(b), int64(len(b)))
	return probs
}

// rezip copies a bundle with one member's bytes changed by change.
func rezip(t *testing.T, b []byte, name string, change func([]byte) []byte) []byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	found := false
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		data, _ := io.ReadAll(rc)
		rc.Close()
		if f.Name == name {
			data, found = change(bytes.Clone(data)), true
		}
		fw, _ := zw.Create(f.Name)
		fw.Write(data)
	}
	zw.Close()
	if !found {
		t.Fatalf("no member %s", name)
	}
	return out.Bytes()
}

func flip(i int) func([]byte) []byte {
	return func(b []byte) []byte {
		if i < 0 {
			i = len(b) / 2
		}
		b[i] ^= 0x01
		return b
	}
}

// A bundle verifies; one byte changed in each kind of member fails, and
// the failure names that member. The export is in the ledger and the
// custody log before the bundle is written; another organisation's
// incident cannot be exported.
func TestExportBundle(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		st, err := incident.OpenEvidenceStore(t.TempDir(), 1<<20)
		w.must(err)
		key, err := ledger.NewKey()
		w.must(err)
		b, id := exportOne(t, w, st, key)
		if probs := check(b); len(probs) != 0 {
			t.Fatalf("a fresh bundle does not verify: %v", probs)
		}
		m, _ := incident.CheckBundle(bytes.NewReader(b), int64(len(b)))
		var evidence string
		var custody []byte
		zr, _ := zip.NewReader(bytes.NewReader(b), int64(len(b)))
		for _, f := range zr.File {
			if strings.HasPrefix(f.Name, "evidence/") && strings.HasSuffix(f.Name, ".pdf") {
				evidence = f.Name
			}
			if f.Name == "custody.csv" {
				rc, _ := f.Open()
				custody, _ = io.ReadAll(rc)
				rc.Close()
			}
		}
		if evidence == "" || len(m.Files) < 12 {
			t.Fatalf("bundle members %v", m.Files)
		}
		for _, want := range []string{"uploaded", "viewed", "exported"} {
			if !bytes.Contains(custody, []byte(","+want+",")) {
				t.Errorf("custody log has no %q line:\n%s", want, custody)
			}
		}
		var exported int
		w.must(d.QueryRow(ctx, "SELECT COUNT(*) FROM ledger WHERE entity = 'incident' AND entity_id = ? AND kind = 'incident.exported'", id).Scan(&exported))
		if exported != 1 {
			t.Errorf("%d export events, want 1", exported)
		}
		for _, c := range []struct{ member, at string }{
			{evidence, evidence},
			{"manifest.json", "manifest.json"},
			{"manifest.json.sig", "manifest.json.sig"},
			{"report.html", "report.html"},
			{"report.pdf", "report.pdf"},
			{"ledger/entries.json", "ledger/entries.json"},
			{"ledger/checkpoint.json", "ledger/checkpoint.json"},
			{"SHA256SUMS", "SHA256SUMS"},
		} {
			probs := check(rezip(t, b, c.member, flip(-1)))
			named := false
			for _, p := range probs {
				named = named || strings.Contains(p.String(), c.at)
			}
			if len(probs) == 0 || !named {
				t.Errorf("one byte changed in %s: problems %v, want one naming %s", c.member, probs, c.at)
			}
		}
		// Exported again: the new bundle verifies, and each file's custody
		// log holds both exports, in order.
		var again bytes.Buffer
		w.must(w.s.Export(ctx, w.admin, st, key, incident.ExportRequest{IDs: []int64{id}, Lang: "fr"}, &again))
		if probs := check(again.Bytes()); len(probs) != 0 {
			t.Fatalf("the second export does not verify: %v", probs)
		}
		zr2, _ := zip.NewReader(bytes.NewReader(again.Bytes()), int64(again.Len()))
		for _, f := range zr2.File {
			if f.Name != "custody.csv" {
				continue
			}
			rc, _ := f.Open()
			c, _ := io.ReadAll(rc)
			rc.Close()
			if n := bytes.Count(c, []byte(",exported,")); n != 4 {
				t.Errorf("custody log after two exports of two files has %d export lines, want 4:\n%s", n, c)
			}
			if strings.Index(string(c), fmt.Sprintf(",exported,%d,", w.coord.UserID)) > strings.Index(string(c), fmt.Sprintf(",exported,%d,", w.admin.UserID)) {
				t.Errorf("the exports are not in order:\n%s", c)
			}
		}
		if err := w.s.Export(ctx, w.foreign, st, key, incident.ExportRequest{IDs: []int64{id}, Lang: "en"}, io.Discard); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("another organisation exports: %v", err)
		}
		if err := w.s.Export(ctx, w.dist, st, key, incident.ExportRequest{IDs: []int64{id}, Lang: "en"}, io.Discard); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("the distribution team exports: %v", err)
		}
		if err := w.s.Export(ctx, w.coord, st, key, incident.ExportRequest{Lang: "en"}, io.Discard); !apperr.Is(err, apperr.Invalid) {
			t.Errorf("an empty export: %v", err)
		}
	})
}

// Bad ZIPs never panic the checker.
func FuzzCheckBundle(f *testing.F) {
	f.Add([]byte("PK\x03\x04"))
	f.Add([]byte{})
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	fw, _ := zw.Create("manifest.json")
	fw.Write([]byte(`{"format":"abri-incident-bundle-v1","files":[{"path":"a","sha256":"00","size":1}],"public_key":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="}`))
	fw, _ = zw.Create("ledger/entries.json")
	fw.Write([]byte(`[{"seq":1,"prev_hash":"zz"}]`))
	fw, _ = zw.Create("ledger/checkpoint.json")
	fw.Write([]byte(`{}`))
	zw.Close()
	f.Add(b.Bytes())
	// A real bundle, so the fuzzer starts from what abri writes.
	w := newWorld(f, dbtest.SQLite(f))
	st, err := incident.OpenEvidenceStore(f.TempDir(), 1<<20)
	w.must(err)
	key, err := ledger.NewKey()
	w.must(err)
	real, _ := exportOne(f, w, st, key)
	f.Add(real)
	f.Fuzz(func(t *testing.T, b []byte) {
		incident.CheckBundle(bytes.NewReader(b), int64(len(b)))
	})
}
