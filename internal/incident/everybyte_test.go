package incident_test

import (
	"archive/zip"
	"bytes"
	"strings"
	"testing"

	"abri/internal/dbtest"
	"abri/internal/incident"
	"abri/internal/ledger"
)

// A changed byte anywhere in a bundle is caught: every byte of the ZIP's
// own headers and directory, and every 101st byte of the members' data
// (each of which is also named). The bundle is made on SQLite only: the
// container does not depend on the database.
func TestEveryByteOfABundleIsCaught(t *testing.T) {
	w := newWorld(t, dbtest.SQLite(t))
	st, err := incident.OpenEvidenceStore(t.TempDir(), 1<<20)
	w.must(err)
	key, err := ledger.NewKey()
	w.must(err)
	b, _ := exportOne(t, w, st, key)
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	w.must(err)
	owner := make([]string, len(b)) // the member whose data holds each byte; "" for the container
	for _, f := range zr.File {
		off, err := f.DataOffset()
		w.must(err)
		for i := off; i < off+int64(f.CompressedSize64); i++ {
			owner[i] = f.Name
		}
	}
	checked, missed := 0, 0
	for i := range b {
		if owner[i] != "" && i%101 != 0 {
			continue
		}
		c := bytes.Clone(b)
		c[i] ^= 0x01
		_, probs := incident.CheckBundle(bytes.NewReader(c), int64(len(c)))
		checked++
		named := owner[i] == ""
		for _, p := range probs {
			named = named || strings.HasPrefix(p.String(), owner[i]+":")
		}
		if len(probs) == 0 || !named {
			missed++
			if missed <= 10 {
				t.Errorf("byte %d (%s) changed: problems %v", i, map[bool]string{true: "ZIP structure", false: "data of " + owner[i]}[owner[i] == ""], probs)
			}
		}
	}
	t.Logf("%d changed bytes checked", checked)
	if missed > 0 || checked < 500 {
		t.Errorf("%d of %d changed bytes not caught and named", missed, checked)
	}
}
