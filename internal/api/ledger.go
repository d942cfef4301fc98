package api

import (
	"net/http"

	"abri/internal/account"
	"abri/internal/ledger"
)

// ledgerCheckpoint answers GET /api/v1/ledger/checkpoint: the newest signed
// checkpoint of the caller's organisation, for its administrators, in the
// form abri verify --checkpoint FILE reads. The public key is the server's
// when it signed the checkpoint; it is for reference, since a check must use
// a key known by other means.
func (a *api) ledgerCheckpoint(w http.ResponseWriter, r *http.Request, p account.Principal) error {
	c, err := ledger.LatestFor(r.Context(), a.cfg.DB, p.Actor)
	if err != nil {
		return err
	}
	if k := a.cfg.CheckpointKey; k != nil && k.ID == c.KeyID {
		c.PublicKey = k.Key
	}
	a.writeJSON(w, r, http.StatusOK, c)
	return nil
}
