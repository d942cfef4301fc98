package server_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"abri/internal/access"
	"abri/internal/account"
	"abri/internal/db"
	"abri/internal/dbtest"
	"abri/internal/ledger"
	"abri/internal/server"
)

// While abri serves, the chain heads are signed at start and once more on
// shutdown, and an administrator reads the newest checkpoint from the API in
// the form abri verify --checkpoint FILE takes.
func TestServeSignsCheckpoints(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		acc := account.New(d)
		org, base, err := acc.CreateOrganisation(ctx, "calais-aid", "Calais Aid", "Warehouse")
		if err != nil {
			t.Fatal(err)
		}
		sys := access.SystemActor(org.ID, base.ID)
		u, err := acc.AddUser(ctx, sys, account.NewUser{Email: "ada@example.org", Name: "Ada", Password: "a long enough passphrase", BaseID: base.ID, Role: access.Admin})
		if err != nil {
			t.Fatal(err)
		}
		token, _, err := acc.IssueToken(ctx, access.Actor{UserID: u.ID, OrgID: org.ID, BaseID: base.ID, Role: access.Admin}, "checkpoints")
		if err != nil {
			t.Fatal(err)
		}
		k, err := ledger.NewKey()
		if err != nil {
			t.Fatal(err)
		}
		dir := t.TempDir()
		// No tick comes: what is signed is signed at start and on shutdown.
		signer := &ledger.Signer{DB: d, Key: k, Dir: dir, Ticks: make(chan time.Time)}
		s, err := server.New(server.Config{DB: d, Accounts: acc, BaseURL: "http://abri.test",
			Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Checkpoints: signer})
		if err != nil {
			t.Fatal(err)
		}
		heads := func() ledger.Head {
			t.Helper()
			hs, err := ledger.ReadHeads(ctx, d)
			if err != nil || len(hs) != 1 {
				t.Fatalf("heads %v %v", hs, err)
			}
			return hs[0]
		}
		url, stop := serve(t, s)
		var got ledger.Checkpoint
		for deadline := time.Now().Add(10 * time.Second); ; {
			req, _ := http.NewRequest("GET", url+"/api/v1/ledger/checkpoint", nil)
			req.Header.Set("Authorization", "Bearer "+token)
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				file := filepath.Join(t.TempDir(), "checkpoint.json")
				os.WriteFile(file, body, 0o600)
				cs, err := ledger.ReadCheckpoints(file)
				if err != nil || len(cs) != 1 {
					t.Fatalf("the API's checkpoint is not one abri verify reads: %v %s", err, body)
				}
				got = cs[0]
				break
			}
			if res.StatusCode != http.StatusNotFound || time.Now().After(deadline) {
				t.Fatalf("GET /api/v1/ledger/checkpoint: %d %s", res.StatusCode, body)
			}
			time.Sleep(20 * time.Millisecond)
		}
		h := heads()
		if got.OrgID != org.ID || got.Seq != h.Seq || string(got.Hash) != string(h.Hash) || got.CheckSignature(k.Public()) != nil ||
			string(got.PublicKey) != string(k.Public().Key) {
			t.Fatalf("checkpoint %+v; want the head %d %x signed by the server's key", got, h.Seq, h.Hash)
		}
		var raw map[string]any
		b, _ := json.Marshal(got)
		json.Unmarshal(b, &raw)
		if raw["hash"] != ledger.HashHex(h.Hash) {
			t.Fatalf("hash in JSON %v; want hexadecimal %s", raw["hash"], ledger.HashHex(h.Hash))
		}

		// A change while serving moves the head; shutdown signs it.
		if _, err := acc.AddUser(ctx, sys, account.NewUser{Email: "bo@example.org", Name: "Bo", Password: "a long enough passphrase", BaseID: base.ID, Role: access.Viewer}); err != nil {
			t.Fatal(err)
		}
		if err := stop(); err != nil {
			t.Fatal(err)
		}
		last, err := ledger.LatestCheckpoint(ctx, d, org.ID)
		if h2 := heads(); err != nil || last.Seq != h2.Seq || last.Seq == got.Seq {
			t.Fatalf("after shutdown the newest checkpoint is %+v (%v); want the moved head %d", last, err, h2.Seq)
		}
		rep, err := ledger.VerifyWith(ctx, d, ledger.VerifyOptions{Keys: []ledger.PublicKey{k.Public()},
			Extra: []ledger.CheckpointCheck{{Checkpoint: got, Source: "api"}}})
		if err != nil || !rep.OK() {
			t.Fatalf("verify with the API's checkpoint: %+v %v", rep, err)
		}
	})
}

// When the listener fails while the server runs (not a shutdown), Serve
// still stops the checkpoint signer and returns the error instead of
// waiting for a signer that nothing tells to stop.
func TestServeReturnsWhenTheListenerFailsWithSigner(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		k, err := ledger.NewKey()
		if err != nil {
			t.Fatal(err)
		}
		signer := &ledger.Signer{DB: d, Key: k, Dir: t.TempDir(), Ticks: make(chan time.Time)}
		s, err := server.New(server.Config{DB: d, Accounts: account.New(d), BaseURL: "http://abri.test",
			Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Checkpoints: signer})
		if err != nil {
			t.Fatal(err)
		}
		ln, err := server.Listen("127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		ln.Close() // Serve's Accept fails at once
		served := make(chan error, 1)
		go func() { served <- s.Serve(context.Background(), ln) }()
		select {
		case err := <-served:
			if err == nil {
				t.Fatal("Serve returned nil for a closed listener")
			}
		case <-time.After(10 * time.Second):
			t.Fatal("Serve did not return after its listener failed")
		}
	})
}
