// Package cli is abri's command line: serve, demo, migrate, user, verify,
// backup, restore and version. Run returns the exit code, so tests drive it like a person would.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"

	"abri/internal/account"
	"abri/internal/catalog"
	"abri/internal/db"
)

// Version is set at build time with -ldflags "-X abri/internal/cli.Version=…".
var Version = "dev"

type env struct {
	ctx    context.Context
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
}

// usageError is a mistake on the command line: exit code 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

const usage = `abri — aid-operations software for grassroots groups

Usage: abri <command> [flags]

Commands:
  serve     run the server
  demo      run the server with a fresh demo data set
  migrate   bring the database schema up to date
  user      add a user, set a password, disable or enable a user
  verify    check the ledger's hash chains, the rows against the events, and the checkpoints
  checkpoint sign every chain's head now and print the checkpoints
  verify-bundle check an incident export bundle offline (files, signature, ledger entries, checkpoint)
  backup    copy the SQLite database to a new file while the server runs, and check the copy
  purge     erase now the free-shop cards past their base's retention (serve does it daily)
  restore   put a checked backup in place of the data directory's database (server stopped)
  version   print the version

Run "abri <command> --help" for a command's flags.
`

// Run runs one command and returns its exit code: 0 on success, 1 on an
// error, 2 on a usage mistake. Errors are one line on stderr.
func Run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	e := &env{ctx: ctx, stdin: stdin, stdout: stdout, stderr: stderr}
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	var err error
	switch args[0] {
	case "serve":
		err = e.serve(args[1:])
	case "demo":
		err = e.demo(args[1:])
	case "migrate":
		err = e.migrate(args[1:])
	case "user":
		err = e.user(args[1:])
	case "verify":
		err = e.verify(args[1:])
	case "checkpoint":
		err = e.checkpoint(args[1:])
	case "verify-bundle":
		err = e.verifyBundle(args[1:])
	case "backup":
		err = e.backup(args[1:])
	case "restore":
		err = e.restore(args[1:])
	case "purge":
		err = e.purge(args[1:])
	case "version", "--version", "-version":
		fmt.Fprintf(stdout, "abri %s\n", version())
		return 0
	case "help", "--help", "-h", "-help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		err = usageError{fmt.Sprintf("unknown command %q (run abri --help)", args[0])}
	}
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, new(usageError)):
		fmt.Fprintf(stderr, "abri: %v\n", err)
		return 2
	case errors.Is(err, errVerifyFailed):
		return 1
	default:
		fmt.Fprintf(stderr, "abri: %s\n", oneLine(err.Error()))
		return 1
	}
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

func version() string {
	if Version != "dev" {
		return Version
	}
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" && len(s.Value) >= 12 {
				return "dev-" + s.Value[:12]
			}
		}
	}
	return Version
}

// newFlags makes a flag set whose errors and help go to stderr and that does
// not exit the process.
func (e *env) newFlags(name, synopsis string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() {
		fmt.Fprintf(e.stderr, "Usage: abri %s\n\n", synopsis)
		fs.PrintDefaults()
	}
	return fs
}

func parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{err.Error()}
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Sprintf("unexpected argument %q", fs.Arg(0))}
	}
	return nil
}

// storeFlags are the flags every command that opens the database shares.
type storeFlags struct {
	data string
	dsn  string
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

func (s *storeFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&s.data, "data", envOr("ABRI_DATA", "./abri-data"), "data directory: the SQLite file, keys and uploaded files (env ABRI_DATA)")
	fs.StringVar(&s.dsn, "db", envOr("ABRI_DB", ""), "database DSN: postgres://… for PostgreSQL; default SQLite in the data directory (env ABRI_DB)")
}

// prepareDataDir makes the data directory (private to the server's user) and
// checks it is writable, so a mistake is one clear line at start.
func prepareDataDir(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("data directory %s: %w", dir, unwrapPath(err))
	}
	probe, err := os.CreateTemp(dir, ".write-check-*")
	if err != nil {
		return fmt.Errorf("data directory %s is not writable: %w", dir, unwrapPath(err))
	}
	probe.Close()
	os.Remove(probe.Name())
	return nil
}

func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// open opens and migrates the database the flags name.
func (e *env) open(s storeFlags, logger *slog.Logger) (*db.DB, *account.Service, error) {
	dsn := s.dsn
	if dsn == "" {
		if err := prepareDataDir(s.data); err != nil {
			return nil, nil, err
		}
		dsn = filepath.Join(s.data, "abri.db")
	} else if _, _, err := db.ParseDSN(dsn); err != nil {
		return nil, nil, err
	}
	d, err := db.Open(e.ctx, dsn)
	if err != nil {
		return nil, nil, err
	}
	n, err := d.Migrate(e.ctx)
	if err != nil {
		d.Close()
		return nil, nil, err
	}
	if n > 0 && logger != nil {
		logger.Info("database migrated", "dialect", d.Dialect.String(), "applied", n)
	}
	// The standard relief-item catalogue is reference data every base uses;
	// seeding adds what a newer abri ships and nothing twice.
	if err := d.InTx(e.ctx, func(tx *db.Tx) error { return catalog.Seed(e.ctx, tx) }); err != nil {
		d.Close()
		return nil, nil, fmt.Errorf("seed the catalogue: %w", err)
	}
	return d, account.New(d), nil
}

func newLogger(w io.Writer) *slog.Logger {
	level := slog.LevelInfo
	if strings.EqualFold(os.Getenv("ABRI_LOG_LEVEL"), "debug") {
		level = slog.LevelDebug
	}
	opts := &slog.HandlerOptions{Level: level}
	if strings.EqualFold(os.Getenv("ABRI_LOG_FORMAT"), "json") {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}
