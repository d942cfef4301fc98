package cli

import (
	"errors"
	"flag"
	"fmt"
	"os"

	"abri/internal/incident"
)

// verifyBundle checks an incident export bundle offline, with nothing but
// the file: it needs no database and no data directory.
func (e *env) verifyBundle(args []string) error {
	fs := e.newFlags("verify-bundle", "verify-bundle [--key-id ID] FILE")
	keyID := fs.String("key-id", "", "the id of the key the bundle must be signed with (abri checkpoint prints it); without it any key the bundle carries is taken")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{err.Error()}
	}
	if fs.NArg() != 1 {
		return usageError{"give one bundle file: abri verify-bundle FILE"}
	}
	path := fs.Arg(0)
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	m, probs := incident.CheckBundle(f, st.Size())
	if *keyID != "" && m.KeyID != *keyID {
		probs = append(probs, incident.Problem{File: incident.ManifestName, Reason: fmt.Sprintf("signed with key %s, not %s", m.KeyID, *keyID)})
	}
	for _, p := range probs {
		fmt.Fprintf(e.stdout, "FAILS: %s\n", p)
	}
	if len(probs) > 0 {
		fmt.Fprintf(e.stdout, "%s: %d problems: the bundle does not hold\n", path, len(probs))
		return errVerifyFailed
	}
	fmt.Fprintf(e.stdout, "%s: %d files match the manifest; the manifest's signature, the ledger entries' hashes and links and the checkpoint at entry %d hold (organisation %d, key %s)\n",
		path, len(m.Files), m.Export.Last, m.OrgID, m.KeyID)
	return nil
}
