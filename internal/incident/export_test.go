package incident

import (
	"context"

	"abri/internal/access"
	"abri/internal/db"
)

// ShareableForTest is the shareable copy of a JPEG, for the tests.
func ShareableForTest(b []byte) ([]byte, error) { return shareable(b, "image/jpeg") }

// OrientForTest is orient, for the benchmarks.
var OrientForTest = orient

// ReadIncidentsForTest reads incidents as the export does: set-wise, in one
// transaction.
func ReadIncidentsForTest(ctx context.Context, d *db.DB, actor access.Actor, ids []int64) ([]Incident, error) {
	var is []Incident
	err := d.InTx(ctx, func(tx *db.Tx) error {
		var err error
		is, err = readIncidents(ctx, tx, actor, ids)
		return err
	})
	return is, err
}
