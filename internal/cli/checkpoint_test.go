package cli_test

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"abri/internal/ledger"
)

// abri backup prints a signed checkpoint of each chain it copied; kept
// apart, it passes abri verify --checkpoint on the server and on the
// backup, and catches the backup's chain cut short. abri verify prints each
// chain's head.
func TestBackupPrintsCheckpoints(t *testing.T) {
	data := t.TempDir()
	addOrg(t, data, "kept-group", "Kept Group")
	if code, _, errOut := run(t, "", "user", "add", "--data", data, "--org", "kept-group", "--email", "bo@example.org", "--name", "Bo", "--role", "viewer"); code != 0 {
		t.Fatal(errOut)
	}
	file := filepath.Join(t.TempDir(), "abri.db")
	code, out, errOut := run(t, "", "backup", "--data", data, file)
	if code != 0 {
		t.Fatalf("backup: %d %q %q", code, out, errOut)
	}
	_, js, ok := strings.Cut(out, "abri verify --checkpoint FILE checks them):\n")
	if !ok {
		t.Fatalf("backup printed no checkpoints: %q", out)
	}
	var cs []ledger.Checkpoint
	if err := json.Unmarshal([]byte(js), &cs); err != nil || len(cs) != 1 {
		t.Fatalf("checkpoints %q: %v", js, err)
	}
	c := cs[0]
	k, err := ledger.LoadKey(data)
	if err != nil || c.CheckSignature(k.Public()) != nil || len(c.PublicKey) == 0 {
		t.Fatalf("checkpoint %+v not signed by the data directory's key (%v)", c, err)
	}
	kept := filepath.Join(t.TempDir(), "kept.json")
	os.WriteFile(kept, []byte(js), 0o600)

	// On the server's data directory: it holds, and verify prints the head.
	code, out, _ = run(t, "", "verify", "--data", data, "--checkpoint", kept)
	head := fmt.Sprintf("chain of organisation %d: head %d %s", c.OrgID, c.Seq, ledger.HashHex(c.Hash))
	if code != 0 || !strings.Contains(out, head) || !strings.Contains(out, "checkpoints hold") {
		t.Fatalf("verify --checkpoint on the server: %d %q; want it to hold and print %q", code, out, head)
	}
	// A second backup with nothing new signs nothing new.
	var n int
	countCheckpoints := func(path string) int {
		sdb, err := sql.Open("sqlite", path)
		if err != nil {
			t.Fatal(err)
		}
		defer sdb.Close()
		if err := sdb.QueryRow("SELECT COUNT(*) FROM ledger_checkpoints").Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	before := countCheckpoints(filepath.Join(data, "abri.db"))
	if code, out, _ := run(t, "", "backup", "--data", data, filepath.Join(t.TempDir(), "again.db")); code != 0 || !strings.Contains(out, ledger.HashHex(c.Hash)) {
		t.Fatalf("second backup: %d %q", code, out)
	}
	if after := countCheckpoints(filepath.Join(data, "abri.db")); after != before {
		t.Fatalf("a backup of an unmoved chain signed again: %d checkpoints, then %d", before, after)
	}

	// On the backup, restored elsewhere without the key: it holds, its
	// signature unchecked.
	restored := t.TempDir()
	b, _ := os.ReadFile(file)
	os.WriteFile(filepath.Join(restored, "abri.db"), b, 0o600)
	code, out, _ = run(t, "", "verify", "--data", restored, "--checkpoint", kept)
	if code != 0 || !strings.Contains(out, "signature unchecked") || !strings.Contains(out, head) {
		t.Fatalf("verify --checkpoint on the backup: %d %q", code, out)
	}
	// The backup's chain cut short by its last entry, head moved back:
	// the chain alone looks sound; the kept checkpoint does not hold.
	sdb, err := sql.Open("sqlite", filepath.Join(restored, "abri.db"))
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		"DELETE FROM ledger_checkpoints",
		fmt.Sprintf("DELETE FROM ledger WHERE org_id = %d AND seq = %d", c.OrgID, c.Seq),
		fmt.Sprintf("UPDATE ledger_heads SET seq = seq - 1, hash = (SELECT hash FROM ledger WHERE org_id = %d AND seq = %d) WHERE org_id = %d", c.OrgID, c.Seq-1, c.OrgID),
		"DELETE FROM memberships WHERE user_id = (SELECT id FROM users WHERE email = 'bo@example.org')",
		"DELETE FROM users WHERE email = 'bo@example.org'",
	} {
		if _, err := sdb.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	sdb.Close()
	if code, out, _ := run(t, "", "verify", "--data", restored); code != 0 {
		t.Fatalf("the truncation was not clean: verify without the checkpoint fails: %q", out)
	}
	code, out, _ = run(t, "", "verify", "--data", restored, "--checkpoint", kept)
	if code == 0 || !strings.Contains(out, "CHECKPOINT FAILS") || !strings.Contains(out, fmt.Sprintf("no longer has entry %d", c.Seq)) {
		t.Fatalf("verify --checkpoint on a truncated backup: %d %q", code, out)
	}
}

// abri checkpoint signs on demand; --rotate-key retires the key, keeping
// its public half, so the checkpoints it signed still hold in abri verify.
func TestCheckpointKeyRotation(t *testing.T) {
	data := t.TempDir()
	addOrg(t, data, "rotating", "Rotating Group")
	checkpoint := func(args ...string) ledger.Checkpoint {
		t.Helper()
		code, out, errOut := run(t, "", append([]string{"checkpoint", "--data", data}, args...)...)
		var cs []ledger.Checkpoint
		if err := json.Unmarshal([]byte(out), &cs); code != 0 || err != nil || len(cs) != 1 {
			t.Fatalf("checkpoint %v: %d %q %q %v", args, code, out, errOut, err)
		}
		return cs[0]
	}
	first := checkpoint()
	kept := filepath.Join(t.TempDir(), "first.json")
	b, _ := json.Marshal(first)
	os.WriteFile(kept, b, 0o600)
	if again := checkpoint(); again.Seq != first.Seq || again.KeyID != first.KeyID || !again.At.Equal(first.At) {
		t.Fatalf("a second checkpoint of an unmoved head: %+v, first %+v", again, first)
	}
	if code, _, errOut := run(t, "", "user", "add", "--data", data, "--org", "rotating", "--email", "bo@example.org", "--name", "Bo", "--role", "viewer"); code != 0 {
		t.Fatal(errOut)
	}
	rotated := checkpoint("--rotate-key")
	if rotated.KeyID == first.KeyID || rotated.Seq <= first.Seq {
		t.Fatalf("after rotating: %+v; want a new key signing the moved head (first %+v)", rotated, first)
	}
	if _, err := os.Stat(filepath.Join(data, "ledger-signing-"+first.KeyID+".pub")); err != nil {
		t.Fatalf("the retired key's public half: %v", err)
	}
	if st, err := os.Stat(filepath.Join(data, ledger.KeyFile)); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("the new key file: %v %v", st, err)
	}
	code, out, _ := run(t, "", "verify", "--data", data, "--checkpoint", kept)
	if code != 0 || strings.Contains(out, "CHECKPOINT FAILS") || strings.Contains(out, "unchecked") {
		t.Fatalf("verify after rotating: %d %q", code, out)
	}
	// Without the retired key's public half, its checkpoints fail.
	os.Remove(filepath.Join(data, "ledger-signing-"+first.KeyID+".pub"))
	if code, out, _ := run(t, "", "verify", "--data", data); code == 0 || !strings.Contains(out, "not this server's") {
		t.Fatalf("verify without the retired key: %d %q", code, out)
	}
}

// addOrg makes an organisation with a base and an administrator in the
// data directory, as abri user add-org does.
func addOrg(t *testing.T, data, slug, name string) {
	t.Helper()
	if code, out, errOut := run(t, "", "user", "add-org", "--data", data, "--org", slug, "--org-name", name,
		"--base", "Warehouse", "--email", "admin@example.org", "--name", "Ada"); code != 0 {
		t.Fatalf("add-org: %q %q", out, errOut)
	}
}
