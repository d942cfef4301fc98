package cli

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"abri/internal/backup"
	"abri/internal/db"
	"abri/internal/ledger"
)

const (
	backupSynopsis  = "backup [--data DIR | --db DSN] FILE"
	restoreSynopsis = "restore [--data DIR] FILE"
)

// backup copies the SQLite database to a new file while a server may keep
// writing, checks the copy and prints what it holds.
func (e *env) backup(args []string) error {
	fs, s := e.storeFlagSet("backup", backupSynopsis)
	file, err := parseWithFile(fs, args, "backup")
	if err != nil {
		return err
	}
	dsn := s.dsn
	if dsn == "" {
		dsn = filepath.Join(s.data, backup.DBFile)
	}
	kind, path, err := db.ParseDSN(dsn)
	if err != nil {
		return err
	}
	if kind == db.Postgres {
		return backup.ErrPostgres
	}
	start := time.Now()
	rep, err := backup.Take(e.ctx, path, file)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "backup written to %s in %s: %s; integrity ok; ledger intact: %d entries in %d chains (schema version %d)\n",
		file, time.Since(start).Round(time.Millisecond), size(rep.Bytes), rep.Entries, rep.Chains, rep.SchemaVersion)
	return e.backupCheckpoints(*s, path, rep.Heads)
}

// backupCheckpoints prints a signed checkpoint of each chain head the
// backup holds, signing it in the live database first if the server has
// not yet, so that the administrator keeps it apart from the backup: a
// backup restored, cut short or recomputed later fails abri verify
// --checkpoint against it.
func (e *env) backupCheckpoints(s storeFlags, path string, heads []ledger.Head) error {
	if len(heads) == 0 {
		return nil
	}
	k, err := ledger.LoadKey(s.data)
	if errors.Is(err, os.ErrNotExist) && s.dsn == "" {
		k, err = ledger.LoadOrCreateKey(s.data) // the server's data directory: its key, as abri serve would make it
	}
	if errors.Is(err, os.ErrNotExist) {
		fmt.Fprintf(e.stdout, "no checkpoint signed: %s has no signing key; give the server's data directory with --data\n", s.data)
		return nil
	}
	if err != nil {
		return fmt.Errorf("the backup is written, but no checkpoint could be signed: %w", err)
	}
	d, err := db.Open(e.ctx, path)
	if err != nil {
		return fmt.Errorf("the backup is written, but no checkpoint could be signed: %w", err)
	}
	defer d.Close()
	cs, _, err := ledger.Sign(e.ctx, d, k, heads)
	if err != nil {
		return fmt.Errorf("the backup is written, but no checkpoint could be signed: %w", err)
	}
	fmt.Fprintln(e.stdout, "checkpoints of the chains in the backup; keep them apart from it (abri verify --checkpoint FILE checks them):")
	return printCheckpoints(e.stdout, cs)
}

// restore puts a checked backup in place of the data directory's database.
func (e *env) restore(args []string) error {
	fs, s := e.storeFlagSet("restore", restoreSynopsis)
	file, err := parseWithFile(fs, args, "restore")
	if err != nil {
		return err
	}
	if s.dsn != "" {
		if kind, _, err := db.ParseDSN(s.dsn); err == nil && kind == db.Postgres {
			return backup.ErrPostgres
		}
		return usageError{"restore: --db is not used; give the data directory with --data"}
	}
	res, err := backup.Restore(e.ctx, file, s.data, time.Now())
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "restored %s to %s: integrity ok; ledger intact: %d entries in %d chains (schema version %d)\n",
		file, filepath.Join(s.data, backup.DBFile), res.Entries, res.Chains, res.SchemaVersion)
	if res.Kept != "" {
		fmt.Fprintf(e.stdout, "the database that was there is kept as %s\n", res.Kept)
	}
	return nil
}

// parseWithFile parses flags before and after exactly one FILE argument.
func parseWithFile(fs *flag.FlagSet, args []string, cmd string) (string, error) {
	var files []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return "", err
			}
			return "", usageError{err.Error()}
		}
		rest := fs.Args()
		if len(rest) == 0 {
			break
		}
		files = append(files, rest[0])
		args = rest[1:]
	}
	switch len(files) {
	case 0:
		return "", usageError{cmd + ": missing FILE"}
	case 1:
		return files[0], nil
	default:
		return "", usageError{fmt.Sprintf("%s: one FILE only, got %q and %q", cmd, files[0], files[1])}
	}
}

func size(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	default:
		return fmt.Sprintf("%d KiB", (n+1023)/1024)
	}
}

// lockDataDir takes the data directory's lock for a server, so that
// `abri restore` refuses while it runs (and a second server on the same
// directory stops at start). It locks nothing when --db names the database
// (PostgreSQL, which abri restore does not touch). The caller releases the
// lock when the server stops; if the process dies the system releases it.
func lockDataDir(s storeFlags) (release func(), err error) {
	if s.dsn != "" || s.data == "" {
		return func() {}, nil
	}
	if err := prepareDataDir(s.data); err != nil {
		return nil, err
	}
	l, err := backup.Lock(s.data)
	if err != nil {
		return nil, err
	}
	return func() { l.Release() }, nil
}
