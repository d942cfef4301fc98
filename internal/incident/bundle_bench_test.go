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

// BenchmarkExportRead: what the export reads of the incidents themselves,
// 200 of them (the most a bundle holds), each with two forces, two items
// and two files. "get-each" is how the export read them before, one Get
// per incident outside its transaction (four queries each, 800 in all);
// "set-wise" is how it reads them now, inside its transaction, four
// queries whatever their number.
func BenchmarkExportRead(b *testing.B) {
	for _, c := range []struct {
		name string
		open func(testing.TB) *db.DB
	}{{"sqlite", dbtest.SQLite}, {"postgres", dbtest.Postgres}} {
		b.Run(c.name, func(b *testing.B) {
			if c.name == "postgres" && os.Getenv("ABRI_TEST_POSTGRES") == "" {
				b.Skip("ABRI_TEST_POSTGRES is not set")
			}
			d := c.open(b)
			w := newWorld(b, d)
			st, err := incident.OpenEvidenceStore(b.TempDir(), 1<<20)
			w.must(err)
			var ids []int64
			for range incident.MaxExport {
				id, err := w.s.Report(ctx, w.obs, w.eviction())
				w.must(err)
				ids = append(ids, id)
				for range 2 {
					f := make([]byte, 1<<10)
					rand.Read(f)
					_, err := w.s.Upload(ctx, w.obs, st, id, bytes.NewReader(f), "")
					w.must(err)
				}
			}
			b.Run("get-each", func(b *testing.B) {
				for b.Loop() {
					for _, id := range ids {
						if _, err := w.s.Get(ctx, w.coord, id); err != nil {
							b.Fatal(err)
						}
					}
				}
			})
			b.Run("set-wise", func(b *testing.B) {
				for b.Loop() {
					is, err := incident.ReadIncidentsForTest(ctx, d, w.coord, ids)
					if err != nil || len(is) != len(ids) || len(is[0].Evidence) != 2 || len(is[0].Forces) != 2 {
						b.Fatal(err, len(is))
					}
				}
			})
		})
	}
}
