package incident_test

import (
	"archive/zip"
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"io"
	"os"
	"testing"

	"abri/internal/db"
	"abri/internal/dbtest"
	"abri/internal/incident"
	"abri/internal/ledger"
)

// BenchmarkExportBundle: a bundle of 100 incidents with two 256 KiB files
// each (50 MiB of evidence that does not compress, as photos do not), each
// file opened once: the export (ledger events and checkpoint, decryption,
// report, PDF, ZIP), its check by CheckBundle, and the ceiling in the same
// run: the same files hashed and stored in a ZIP with nothing else.
func BenchmarkExportBundle(b *testing.B) {
	for _, c := range []struct {
		name string
		open func(testing.TB) *db.DB
	}{{"sqlite", dbtest.SQLite}, {"postgres", dbtest.Postgres}} {
		b.Run(c.name, func(b *testing.B) {
			if c.name == "postgres" && os.Getenv("ABRI_TEST_POSTGRES") == "" {
				b.Skip("ABRI_TEST_POSTGRES is not set")
			}
			w := newWorld(b, c.open(b))
			st, err := incident.OpenEvidenceStore(b.TempDir(), 1<<20)
			w.must(err)
			key, err := ledger.NewKey()
			w.must(err)
			var ids []int64
			var files [][]byte
			for range 100 {
				id, err := w.s.Report(ctx, w.obs, w.eviction())
				w.must(err)
				ids = append(ids, id)
				for range 2 {
					f := make([]byte, 256<<10)
					rand.Read(f)
					files = append(files, f)
					ev, err := w.s.Upload(ctx, w.obs, st, id, bytes.NewReader(f), "")
					w.must(err)
					_, _, err = w.s.Open(ctx, w.coord, st, ev.ID, true)
					w.must(err)
				}
			}
			var bundle bytes.Buffer
			b.Run("export", func(b *testing.B) {
				for b.Loop() {
					bundle.Reset()
					w.must(w.s.Export(ctx, w.coord, st, key, incident.ExportRequest{IDs: ids, Lang: "ar"}, &bundle))
				}
				b.ReportMetric(float64(bundle.Len())/(1<<20), "MiB")
			})
			b.Run("check", func(b *testing.B) {
				for b.Loop() {
					if _, probs := incident.CheckBundle(bytes.NewReader(bundle.Bytes()), int64(bundle.Len())); len(probs) != 0 {
						b.Fatal(probs)
					}
				}
			})
			b.Run("ceiling", func(b *testing.B) {
				for b.Loop() {
					zw := zip.NewWriter(io.Discard)
					for i, f := range files {
						sha256.Sum256(f)
						fw, _ := zw.CreateHeader(&zip.FileHeader{Name: string(rune('a' + i%26)), Method: zip.Store})
						fw.Write(f)
					}
					zw.Close()
				}
			})
		})
	}
}
