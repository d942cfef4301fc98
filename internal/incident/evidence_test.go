package incident_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"image"
	"image/color"
	"image/jpeg"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"abri/internal/apperr"
	"abri/internal/db"
	"abri/internal/dbtest"
	"abri/internal/incident"
)

// photoWithGPS makes a JPEG and has exiftool write GPS and camera tags
// into it, as a phone would.
func photoWithGPS(t *testing.T) []byte {
	t.Helper()
	exiftool, err := exec.LookPath("exiftool")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("exiftool is not installed, and CI must check the shared copy with it (apt-get install libimage-exiftool-perl)")
		}
		t.Skip("exiftool is not installed (apt-get install libimage-exiftool-perl)")
	}
	img := image.NewRGBA(image.Rect(0, 0, 64, 48))
	for x := range 64 {
		for y := range 48 {
			img.Set(x, y, color.RGBA{uint8(x * 4), uint8(y * 5), 90, 255})
		}
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, nil); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "photo.jpg")
	if err := os.WriteFile(path, b.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(exiftool, "-overwrite_original", "-GPSLatitude=50.9513", "-GPSLatitudeRef=N", "-GPSLongitude=1.8587",
		"-GPSLongitudeRef=E", "-Make=PhoneMaker", "-Model=Phone 12", "-XMP:Creator=someone", path).CombinedOutput()
	if err != nil {
		t.Fatalf("exiftool: %v %s", err, out)
	}
	if tags := exif(t, path); !strings.Contains(tags, "GPS") {
		t.Fatalf("the test photo has no GPS tags: %s", tags)
	}
	photo, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return photo
}

func exif(t *testing.T, path string) string {
	t.Helper()
	out, err := exec.Command("exiftool", "-a", "-G1", "-s", path).CombinedOutput()
	if err != nil {
		t.Fatalf("exiftool %s: %v %s", path, err, out)
	}
	return string(out)
}

// Evidence: the original is kept unmodified and encrypted under its
// SHA-256, the key file is 0600, the shareable copy has no GPS, camera or
// XMP tag left (read by exiftool), every opening is in the ledger, a
// device hash that differs is flagged, and a file over the limit keeps
// nothing.
func TestEvidence(t *testing.T) {
	photo := photoWithGPS(t)
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		dir := t.TempDir()
		st, err := incident.OpenEvidenceStore(dir, 1<<20)
		w.must(err)
		if fi, err := os.Stat(filepath.Join(dir, "evidence.key")); err != nil || fi.Mode().Perm() != 0o600 {
			t.Fatalf("key file: %v, %v", fi, err)
		}
		id, err := w.s.Report(ctx, w.obs, w.eviction())
		w.must(err)
		sum := sha256.Sum256(photo)
		want := hex.EncodeToString(sum[:])
		ev, err := w.s.Upload(ctx, w.obs, st, id, bytes.NewReader(photo), "00"+want[2:])
		w.must(err)
		if ev.SHA256 != want || ev.MediaType != "image/jpeg" || ev.SharedSHA256 == "" || !ev.DeviceMismatch {
			t.Fatalf("uploaded %+v, want hash %s and a device mismatch", ev, want)
		}
		stored, err := os.ReadFile(filepath.Join(dir, "evidence", want+".enc"))
		w.must(err)
		if bytes.Contains(stored, photo[:200]) || bytes.Contains(stored, []byte("PhoneMaker")) {
			t.Error("the stored file is not encrypted")
		}
		orig, _, err := w.s.Open(ctx, w.coord, st, ev.ID, true)
		w.must(err)
		if !bytes.Equal(orig, photo) {
			t.Error("the original came back changed")
		}
		shared, _, err := w.s.Open(ctx, w.coord, st, ev.ID, false)
		w.must(err)
		path := filepath.Join(t.TempDir(), "shared.jpg")
		w.must(os.WriteFile(path, shared, 0o600))
		tags := exif(t, path)
		for _, bad := range []string{"GPS", "PhoneMaker", "Phone 12", "XMP", "someone"} {
			if strings.Contains(tags, bad) {
				t.Errorf("the shareable copy still carries %q:\n%s", bad, tags)
			}
		}
		// Other roles and organisations: 404, nothing read.
		if _, _, err := w.s.Open(ctx, w.foreign, st, ev.ID, true); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("another organisation opens the evidence: %v", err)
		}
		if _, _, err := w.s.Open(ctx, w.dist, st, ev.ID, true); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("the distribution team opens the evidence: %v", err)
		}
		var opened int
		w.must(d.QueryRow(ctx, "SELECT COUNT(*) FROM ledger WHERE entity = 'evidence' AND entity_id = ? AND kind = 'evidence.opened'", ev.ID).Scan(&opened))
		if opened != 2 {
			t.Errorf("%d openings in the custody log, want 2 (refused openings are not logged as reads)", opened)
		}
		// Over the limit: 413, nothing kept.
		big := bytes.Repeat([]byte{1}, 1<<20+1)
		if _, err := w.s.Upload(ctx, w.obs, st, id, bytes.NewReader(big), ""); !apperr.Is(err, apperr.TooLarge) {
			t.Errorf("oversized upload: %v", err)
		}
		files, _ := os.ReadDir(filepath.Join(dir, "evidence"))
		var n int
		w.must(d.QueryRow(ctx, "SELECT COUNT(*) FROM incident_evidence").Scan(&n))
		if len(files) != 2 || n != 1 {
			t.Errorf("after an oversized upload: %d files, %d rows; want 2 and 1", len(files), n)
		}
	})
}
