package incident_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"image"
	"image/color"
	"image/jpeg"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"abri/internal/apperr"
	"abri/internal/command"
	"abri/internal/db"
	"abri/internal/dbtest"
	"abri/internal/incident"
)

func sumHex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// A file sent by a phone: its id makes a resend the same file; the hash it
// computed at capture is kept beside the server's; when they differ a
// hash-mismatch review item is made, which a coordinator accepts (with a
// reason) and cannot apply; the custody log lists the upload, the view and
// the download with who did each; a file of another incident is not found
// and its refused opening is not logged.
func TestCaptureReviewAndCustody(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		st, err := incident.OpenEvidenceStore(t.TempDir(), 1<<20)
		w.must(err)
		id, err := w.s.Report(ctx, w.obs, w.eviction())
		w.must(err)
		other, err := w.s.Report(ctx, w.obs, w.eviction())
		w.must(err)
		img := image.NewRGBA(image.Rect(0, 0, 8, 8))
		var buf bytes.Buffer
		w.must(jpeg.Encode(&buf, img, nil))
		photo := buf.Bytes()
		taken := time.Date(2026, 12, 1, 7, 41, 12, 0, time.UTC)
		cp := incident.Capture{SHA256: sumHex(photo), ClientID: "3c1d9e2a-8b7f-4a6e-9d5c-1b2a3f4e5d6c", At: taken}
		ev, err := w.s.UploadCaptured(ctx, w.obs, st, id, bytes.NewReader(photo), cp)
		w.must(err)
		again, err := w.s.UploadCaptured(ctx, w.obs, st, id, bytes.NewReader(photo), cp)
		w.must(err)
		if again.ID != ev.ID || ev.DeviceMismatch || !ev.CapturedAt.Equal(taken) {
			t.Fatalf("first %+v, resend %+v: want one file, no mismatch, taken %v", ev, again, taken)
		}
		if _, err := w.s.UploadCaptured(ctx, w.obs, st, id, bytes.NewReader(append(photo, 0)), cp); !apperr.Is(err, apperr.Conflict) {
			t.Errorf("other bytes under the same id: %v, want a conflict", err)
		}
		for _, bad := range []incident.Capture{{SHA256: "abc"}, {ClientID: "../../etc/passwd"}} {
			if _, err := w.s.UploadCaptured(ctx, w.obs, st, id, bytes.NewReader(photo), bad); !apperr.Is(err, apperr.Invalid) {
				t.Errorf("capture %+v: %v, want invalid", bad, err)
			}
		}
		// A phone whose hash differs.
		doc := []byte("%PDF-1.4 a scanned order\n")
		wrong := sumHex([]byte("what the phone had"))
		bad, err := w.s.UploadCaptured(ctx, w.obs, st, id, bytes.NewReader(doc), incident.Capture{SHA256: wrong, ClientID: "4c1d9e2a-8b7f-4a6e-9d5c-1b2a3f4e5d6c"})
		w.must(err)
		if !bad.DeviceMismatch || bad.SHA256 != sumHex(doc) || bad.DeviceSHA256 != wrong || bad.SharedSHA256 != "" {
			t.Fatalf("mismatched upload: %+v", bad)
		}
		items, err := command.ListReviewItems(ctx, d, w.coord, false)
		w.must(err)
		if len(items) != 1 || items[0].Kind != command.KindHashMismatch || items[0].Target != command.Target("evidence", bad.ID) {
			t.Fatalf("review items: %+v", items)
		}
		var p struct {
			EvidenceID   int64  `json:"evidence_id"`
			DeviceSHA256 string `json:"device_sha256"`
			ServerSHA256 string `json:"server_sha256"`
		}
		w.must(json.Unmarshal(items[0].Payload, &p))
		if p.EvidenceID != bad.ID || p.DeviceSHA256 != wrong || p.ServerSHA256 != bad.SHA256 {
			t.Errorf("review payload %s", items[0].Payload)
		}
		if _, err := command.ApplyReviewItem(ctx, d, w.coord, items[0].ID, "", nil); !apperr.Is(err, apperr.Invalid) {
			t.Errorf("applying a hash mismatch: %v, want refused", err)
		}
		if _, err := command.AcceptReviewItem(ctx, d, w.coord, items[0].ID, "  "); apperr.FieldOf(err) != "note" {
			t.Errorf("accepting without a reason: %v", err)
		}
		if _, err := command.AcceptReviewItem(ctx, d, w.obs, items[0].ID, "ok"); err == nil {
			t.Error("an observer accepted a hash")
		}
		acc, err := command.AcceptReviewItem(ctx, d, w.coord, items[0].ID, "Storage full on the phone; the file received is the record.")
		w.must(err)
		if acc.State != command.StateAccepted {
			t.Errorf("accepted item: %+v", acc)
		}
		if _, err := command.AcceptReviewItem(ctx, d, w.coord, items[0].ID, "again"); !apperr.Is(err, apperr.Conflict) {
			t.Errorf("accepting twice: %v", err)
		}
		// Openings, and the custody log.
		_, _, err = w.s.OpenOf(ctx, w.coord, st, id, ev.ID, false)
		w.must(err)
		orig, _, err := w.s.OpenOf(ctx, w.admin, st, id, ev.ID, true)
		w.must(err)
		if !bytes.Equal(orig, photo) {
			t.Error("the original came back changed")
		}
		if _, _, err := w.s.OpenOf(ctx, w.coord, st, other, ev.ID, true); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("a file opened under another incident: %v", err)
		}
		if _, _, err := w.s.OpenOf(ctx, w.coord, st, id, bad.ID, false); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("a document has no shareable copy: %v", err)
		}
		log, err := w.s.Custody(ctx, w.coord, id)
		w.must(err)
		var got []string
		for _, c := range log {
			got = append(got, c.Action+" "+c.ActorName+" "+c.File[:8])
		}
		// File by file, each in the order of the ledger.
		want := []string{"uploaded observer " + ev.SHA256[:8], "viewed_shared coordinator " + ev.SHA256[:8],
			"downloaded admin " + ev.SHA256[:8], "uploaded observer " + bad.SHA256[:8]}
		if strings.Join(got, "|") != strings.Join(want, "|") {
			t.Errorf("custody log:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
		for _, who := range []struct {
			name string
			err  error
		}{{"foreign", nil}, {"distribution", nil}} {
			a := w.foreign
			if who.name == "distribution" {
				a = w.dist
			}
			if _, err := w.s.Custody(ctx, a, id); !apperr.Is(err, apperr.NotFound) {
				t.Errorf("%s reads the custody log: %v", who.name, err)
			}
		}
		// The phone's report, named by its command id.
		c := command.Command{ID: "5f1c2a8e-5b1d-4c1e-9a3b-2d7e8f9a0b1c", Type: incident.CmdReport, Target: command.Target("site", w.canal.ID),
			Payload: json.RawMessage(`{"kind":"eviction","starts_at":"2026-12-01T07:30:00Z"}`), MadeAt: t0}
		if _, err := w.s.ReportedBy(ctx, w.obs, c.ID); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("a command not yet sent: %v", err)
		}
		out, err := command.Apply(ctx, d, w.obs, []command.Command{c})
		w.must(err)
		var res incident.Reported
		w.must(json.Unmarshal(out[0].Result, &res))
		if got, err := w.s.ReportedBy(ctx, w.obs, strings.ToUpper(c.ID)); err != nil || got != res.ID {
			t.Errorf("incident of the command: %d, %v; want %d", got, err, res.ID)
		}
		if _, err := w.s.ReportedBy(ctx, w.foreign, c.ID); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("another organisation finds the command: %v", err)
		}
	})
}

// The shareable copy of a photo taken with the phone turned stands upright:
// the EXIF orientation is turned into the pixels and the tag is gone
// (exiftool reads the copy).
func TestShareableCopyAppliesOrientation(t *testing.T) {
	exiftool, err := exec.LookPath("exiftool")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("exiftool is needed in CI (apt-get install libimage-exiftool-perl)")
		}
		t.Skip("exiftool is not installed (apt-get install libimage-exiftool-perl)")
	}
	// 32 × 16: the left half red, the right half blue.
	img := image.NewRGBA(image.Rect(0, 0, 32, 16))
	for x := range 32 {
		for y := range 16 {
			c := color.RGBA{220, 20, 20, 255}
			if x >= 16 {
				c = color.RGBA{20, 20, 220, 255}
			}
			img.Set(x, y, c)
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 95}); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	st, err := incident.OpenEvidenceStore(dir, 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	red := func(c color.Color) bool { r, _, b, _ := c.RGBA(); return r > b }
	for o, want := range map[int]struct {
		w, h     int
		redAt    image.Point // a pixel that must be red
		blueAt   image.Point
		describe string
	}{
		1: {32, 16, image.Pt(2, 8), image.Pt(29, 8), "as stored"},
		3: {32, 16, image.Pt(29, 8), image.Pt(2, 8), "half a turn"},
		6: {16, 32, image.Pt(8, 2), image.Pt(8, 29), "a quarter right: the left half on top"},
		8: {16, 32, image.Pt(8, 29), image.Pt(8, 2), "a quarter left: the left half below"},
		2: {32, 16, image.Pt(29, 8), image.Pt(2, 8), "mirrored"},
		5: {16, 32, image.Pt(8, 2), image.Pt(8, 29), "transposed"},
	} {
		path := filepath.Join(dir, "turned.jpg")
		if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
			t.Fatal(err)
		}
		if out, err := exec.Command(exiftool, "-overwrite_original", "-n", "-Orientation="+string(rune('0'+o)), "-GPSLatitude=50.95", "-GPSLatitudeRef=N", path).CombinedOutput(); err != nil {
			t.Fatalf("exiftool: %v %s", err, out)
		}
		turned, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		shared, err := incident.ShareableForTest(turned)
		if err != nil {
			t.Fatal(err)
		}
		got, err := jpeg.Decode(bytes.NewReader(shared))
		if err != nil {
			t.Fatal(err)
		}
		b := got.Bounds()
		if b.Dx() != want.w || b.Dy() != want.h || !red(got.At(want.redAt.X, want.redAt.Y)) || red(got.At(want.blueAt.X, want.blueAt.Y)) {
			t.Errorf("orientation %d (%s): %d×%d, red at %v: %v; want %d×%d", o, want.describe, b.Dx(), b.Dy(), want.redAt,
				red(got.At(want.redAt.X, want.redAt.Y)), want.w, want.h)
		}
		sp := filepath.Join(dir, "shared.jpg")
		if err := os.WriteFile(sp, shared, 0o600); err != nil {
			t.Fatal(err)
		}
		var tags []string
		for _, l := range strings.Split(exif(t, sp), "\n") {
			if !strings.HasPrefix(l, "[System]") { // the file system's: names, dates
				tags = append(tags, l)
			}
		}
		if s := strings.Join(tags, "\n"); strings.Contains(s, "Orientation") || strings.Contains(s, "GPS") {
			t.Errorf("orientation %d: the copy still has tags:\n%s", o, s)
		}
	}
	_ = st
}
