package incident_test

import (
	"bytes"
	"testing"
	"time"

	"abri/internal/apperr"
	"abri/internal/db"
	"abri/internal/dbtest"
	"abri/internal/incident"
	"abri/internal/ledger"
)

// A file's capture time is what the phone said, with what it is: the
// file's own time on the phone, or when it was chosen (what phones queued
// before said, unlabelled). The manifest carries both; a source abri does
// not know is refused and nothing kept. The photo's EXIF date is never
// read: the one with GPS tags keeps the time the phone gave.
func TestCaptureTime(t *testing.T) {
	photo := photoWithGPS(t)
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		st, err := incident.OpenEvidenceStore(t.TempDir(), 1<<20)
		w.must(err)
		id, err := w.s.Report(ctx, w.obs, w.eviction())
		w.must(err)
		taken := time.Date(2026, 12, 1, 7, 41, 12, 0, time.UTC)
		if _, err := w.s.UploadCaptured(ctx, w.obs, st, id, bytes.NewReader(photo), incident.Capture{At: taken, From: "exif"}); apperr.FieldOf(err) != "captured_from" {
			t.Fatalf("an unknown capture source: %v", err)
		}
		a, err := w.s.UploadCaptured(ctx, w.obs, st, id, bytes.NewReader(photo), incident.Capture{At: taken, From: incident.CapturedFileTime})
		w.must(err)
		b, err := w.s.UploadCaptured(ctx, w.obs, st, id, bytes.NewReader([]byte("%PDF-1.4 an order")), incident.Capture{At: taken.Add(time.Minute)})
		w.must(err)
		c, err := w.s.UploadCaptured(ctx, w.obs, st, id, bytes.NewReader([]byte("audio")), incident.Capture{From: incident.CapturedFileTime})
		w.must(err)
		if a.CapturedFrom != incident.CapturedFileTime || b.CapturedFrom != incident.CapturedChosen || c.CapturedFrom != "" || !c.CapturedAt.IsZero() {
			t.Fatalf("captured from %q %q %q", a.CapturedFrom, b.CapturedFrom, c.CapturedFrom)
		}
		key, err := ledger.NewKey()
		w.must(err)
		var zb bytes.Buffer
		w.must(w.s.Export(ctx, w.coord, st, key, incident.ExportRequest{IDs: []int64{id}, Lang: "en"}, &zb))
		m, probs := incident.CheckBundle(bytes.NewReader(zb.Bytes()), int64(zb.Len()))
		if len(probs) != 0 {
			t.Fatal(probs)
		}
		got := map[string]string{}
		for _, f := range m.Files {
			if f.IncidentID == 0 {
				continue
			}
			at := ""
			if f.CapturedAt != nil {
				at = f.CapturedAt.UTC().Format(time.RFC3339)
			}
			got[f.SHA256] = f.CapturedFrom + " " + at
		}
		for _, want := range []struct {
			ev   incident.Evidence
			line string
		}{{a, "file_time 2026-12-01T07:41:12Z"}, {b, "chosen 2026-12-01T07:42:12Z"}, {c, " "}} {
			if got[want.ev.SHA256] != want.line {
				t.Errorf("manifest says %q for a file; want %q", got[want.ev.SHA256], want.line)
			}
		}
		// verify replays the source: a changed one is named.
		_, err = d.Exec(ctx, "UPDATE incident_evidence SET captured_from = 'chosen' WHERE id = ?", a.ID)
		w.must(err)
		rep, err := ledger.Verify(ctx, d)
		w.must(err)
		if rep.OK() {
			t.Error("a capture source changed by hand: verify sees nothing")
		}
		_, err = d.Exec(ctx, "UPDATE incident_evidence SET captured_from = 'file_time' WHERE id = ?", a.ID)
		w.must(err)
	})
}
