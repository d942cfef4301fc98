package cli

import (
	"bufio"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"abri/internal/access"
	"abri/internal/account"
	"abri/internal/apperr"
	"abri/internal/db"
	"abri/internal/i18n"
	"abri/internal/ledger"
)

var errVerifyFailed = errors.New("ledger verification failed")

// storeFlagSet is the flag set of a command that opens the database, with
// the store flags registered.
func (e *env) storeFlagSet(name, synopsis string) (*flag.FlagSet, *storeFlags) {
	fs := e.newFlags(name, synopsis)
	s := &storeFlags{}
	s.register(fs)
	return fs, s
}

// parseAndOpen parses a command's flags, among them the store flags s, and
// opens the database they name.
func (e *env) parseAndOpen(fs *flag.FlagSet, s *storeFlags, args []string) (*db.DB, error) {
	if err := parse(fs, args); err != nil {
		return nil, err
	}
	d, _, err := e.open(*s, nil)
	return d, err
}

func (e *env) migrate(args []string) error {
	fs, s := e.storeFlagSet("migrate", "migrate [--data DIR] [--db DSN]")
	d, err := e.parseAndOpen(fs, s, args)
	if err != nil {
		return err
	}
	defer d.Close()
	v, err := d.Version(e.ctx)
	if err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	fmt.Fprintf(e.stdout, "database (%s) at schema version %d\n", d.Dialect, v)
	return nil
}

func (e *env) verify(args []string) error {
	fs, s := e.storeFlagSet("verify", "verify [--data DIR] [--db DSN] [--checkpoint FILE]")
	var files []string
	fs.Func("checkpoint", "a checkpoint kept elsewhere (as GET /api/v1/ledger/checkpoint or abri backup give it) that the chain must still hold; may be repeated",
		func(v string) error { files = append(files, v); return nil })
	d, err := e.parseAndOpen(fs, s, args)
	if err != nil {
		return err
	}
	defer d.Close()
	opts, err := checkpointOptions(s.data, files)
	if err != nil {
		return err
	}
	rep, err := ledger.VerifyWith(e.ctx, d, opts)
	if err != nil {
		return err
	}
	if !printVerify(e.stdout, rep) {
		return errVerifyFailed
	}
	return nil
}

// printVerify writes what Verify found, each chain's head first (an
// administrator can note it elsewhere), and says whether all is well.
func printVerify(w io.Writer, rep ledger.Report) bool {
	for _, h := range rep.Heads {
		fmt.Fprintf(w, "chain of organisation %d: head %d %s\n", h.OrgID, h.Seq, ledger.HashHex(h.Hash))
	}
	held, unsigned := 0, 0
	for _, c := range rep.Checkpoints {
		switch {
		case c.Problem != "":
			fmt.Fprintf(w, "CHECKPOINT FAILS: %s (from %s): %s\n", c.Checkpoint, c.Source, c.Problem)
		case c.Unsigned:
			unsigned++
			held++
		default:
			held++
		}
	}
	if len(rep.Checkpoints) > 0 {
		fmt.Fprintf(w, "%d of %d checkpoints hold", held, len(rep.Checkpoints))
		if unsigned > 0 {
			fmt.Fprintf(w, " (%d with their signature unchecked: no signing key in the data directory)", unsigned)
		}
		fmt.Fprintln(w)
	}
	for _, d := range rep.Differences {
		fmt.Fprintf(w, "DIFFERS: %s\n", d)
	}
	if n := rep.Differing - len(rep.Differences); n > 0 {
		fmt.Fprintf(w, "DIFFERS: %d more rows\n", n)
	}
	if rep.Broken != nil {
		fmt.Fprintf(w, "ledger BROKEN at %s (checked %d entries in %d chains)\n", rep.Broken, rep.Entries, rep.Chains)
	}
	if rep.Differing > 0 {
		fmt.Fprintf(w, "%d rows differ from what the ledger says\n", rep.Differing)
	}
	if !rep.OK() {
		return false
	}
	fmt.Fprintf(w, "ledger intact: %d entries in %d chains; every row matches its events\n", rep.Entries, rep.Chains)
	return true
}

const userUsage = `abri user add --org SLUG --email EMAIL --name NAME --role ROLE [--base NAME] [--password-stdin]
       abri user add-org --org SLUG --org-name NAME --base NAME --email EMAIL --name NAME [--password-stdin]
       abri user passwd --email EMAIL [--password-stdin]
       abri user disable --email EMAIL [--enable]`

// user manages accounts from the command line, acting as the system in the
// user's organisation. Without --password-stdin a password is generated and
// printed once, so none ends up in the shell history.
func (e *env) user(args []string) error {
	if len(args) == 0 || args[0] == "--help" || args[0] == "-h" {
		fmt.Fprintln(e.stderr, "Usage: "+userUsage)
		if len(args) == 0 {
			return usageError{"user: missing subcommand (add, add-org, passwd, disable)"}
		}
		return nil
	}
	sub := args[0]
	fs, s := e.storeFlagSet("user "+sub, userUsage)
	org := fs.String("org", "", "organisation short name (slug)")
	orgName := fs.String("org-name", "", "organisation name (add-org)")
	base := fs.String("base", "", "base name (default: the organisation's first base)")
	email := fs.String("email", "", "the user's email, used to sign in")
	name := fs.String("name", "", "the user's display name")
	role := fs.String("role", "", "role in the base: "+rolesList())
	pwStdin := fs.Bool("password-stdin", false, "read the password from the first line of standard input")
	enable := fs.Bool("enable", false, "enable instead of disable (disable)")
	if err := parse(fs, args[1:]); err != nil {
		return err
	}
	password := func() (string, bool, error) {
		if !*pwStdin {
			return account.RandomPassword(), true, nil
		}
		line, err := bufio.NewReader(e.stdin).ReadString('\n')
		line = strings.TrimRight(line, "\r\n")
		if line == "" && err != nil {
			return "", false, fmt.Errorf("read password from standard input: %w", err)
		}
		return line, false, nil
	}
	need := func(vals ...string) error {
		for i := 0; i < len(vals); i += 2 {
			if strings.TrimSpace(vals[i+1]) == "" {
				return usageError{fmt.Sprintf("user %s: --%s is required", sub, vals[i])}
			}
		}
		return nil
	}
	switch sub {
	case "add", "add-org", "passwd", "disable":
	default:
		return usageError{fmt.Sprintf("user: unknown subcommand %q (add, add-org, passwd, disable)", sub)}
	}
	d, accounts, err := e.open(*s, nil)
	if err != nil {
		return err
	}
	defer d.Close()
	ctx := e.ctx
	switch sub {
	case "add-org", "add":
		if err := need("org", *org, "email", *email, "name", *name); err != nil {
			return err
		}
		var actor access.Actor
		r := access.Role(*role)
		if sub == "add-org" {
			if err := need("org-name", *orgName, "base", *base); err != nil {
				return err
			}
			o, b, err := accounts.CreateOrganisation(ctx, *org, *orgName, *base)
			if err != nil {
				return say(err)
			}
			actor, r = access.SystemActor(o.ID, b.ID), access.Admin
		} else {
			if err := need("role", *role); err != nil {
				return err
			}
			if actor, err = systemActor(e, accounts, *org, *base); err != nil {
				return err
			}
		}
		pw, generated, err := password()
		if err != nil {
			return err
		}
		u, err := accounts.AddUser(ctx, actor, account.NewUser{Email: *email, Name: *name, Password: pw, BaseID: actor.BaseID, Role: r})
		if err != nil {
			return say(err)
		}
		fmt.Fprintf(e.stdout, "added user %d (%s) as %s\n", u.ID, u.Email, r)
		if generated {
			fmt.Fprintf(e.stdout, "password: %s\n", pw)
		}
	case "passwd", "disable":
		if err := need("email", *email); err != nil {
			return err
		}
		u, err := accounts.UserByEmail(ctx, *email)
		if err != nil {
			return say(err)
		}
		actor := access.SystemActor(u.OrgID, 0)
		if sub == "passwd" {
			pw, generated, err := password()
			if err != nil {
				return err
			}
			if err := accounts.SetPassword(ctx, actor, u.ID, pw); err != nil {
				return say(err)
			}
			fmt.Fprintf(e.stdout, "password set for %s; their sessions have ended\n", u.Email)
			if generated {
				fmt.Fprintf(e.stdout, "password: %s\n", pw)
			}
		} else {
			if err := accounts.SetDisabled(ctx, actor, u.ID, !*enable); err != nil {
				return say(err)
			}
			state := "disabled; their sessions and API tokens have ended"
			if *enable {
				state = "enabled"
			}
			fmt.Fprintf(e.stdout, "%s %s\n", u.Email, state)
		}
	}
	return nil
}

func systemActor(e *env, accounts *account.Service, slug, baseName string) (access.Actor, error) {
	o, err := accounts.OrganisationBySlug(e.ctx, slug)
	if err != nil {
		return access.Actor{}, fmt.Errorf("organisation %q: %w", slug, say(err))
	}
	actor := access.SystemActor(o.ID, 0)
	bases, err := accounts.Bases(e.ctx, actor)
	if err != nil {
		return actor, err
	}
	for _, b := range bases {
		if baseName == "" || strings.EqualFold(b.Name, baseName) {
			actor.BaseID = b.ID
			return actor, nil
		}
	}
	return actor, fmt.Errorf("organisation %q has no base %q", slug, baseName)
}

// say turns an application error into its English message for the terminal.
func say(err error) error {
	var ae *apperr.Error
	if errors.As(err, &ae) && ae.Code != apperr.Internal {
		return errors.New(i18n.Message("en", ae))
	}
	return err
}

func rolesList() string {
	var s []string
	for _, r := range access.Roles {
		s = append(s, string(r))
	}
	return strings.Join(s, ", ")
}

// checkpointOptions gathers what checks checkpoints: the data directory's
// key, if there is one, the checkpoints it keeps outside the database, and
// the files given.
func checkpointOptions(dataDir string, files []string) (ledger.VerifyOptions, error) {
	var opts ledger.VerifyOptions
	k, err := ledger.LoadKey(dataDir)
	switch {
	case err == nil:
		opts.Keys = []ledger.PublicKey{k.Public()}
	case !errors.Is(err, os.ErrNotExist):
		return opts, err
	}
	retired, err := ledger.RetiredKeys(dataDir)
	if err != nil {
		return opts, err
	}
	opts.Keys = append(opts.Keys, retired...)
	kept := filepath.Join(dataDir, ledger.CheckpointFile)
	if _, err := os.Stat(kept); err == nil {
		files = append([]string{kept}, files...)
	}
	for _, f := range files {
		cs, err := ledger.ReadCheckpoints(f)
		if err != nil {
			return opts, err
		}
		for _, c := range cs {
			opts.Extra = append(opts.Extra, ledger.CheckpointCheck{Checkpoint: c, Source: f})
		}
	}
	return opts, nil
}

// checkpoint signs every chain's head now and prints the checkpoints;
// with --rotate-key it first retires the signing key for a new one.
func (e *env) checkpoint(args []string) error {
	fs, s := e.storeFlagSet("checkpoint", "checkpoint [--data DIR] [--db DSN] [--rotate-key]")
	rotate := fs.Bool("rotate-key", false, "retire the signing key (its public half stays for abri verify) and sign with a new one; stop the server first")
	d, err := e.parseAndOpen(fs, s, args)
	if err != nil {
		return err
	}
	defer d.Close()
	if *rotate {
		old, k, err := ledger.RotateKey(s.data)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stderr, "signing key %s retired (its public half is kept for abri verify); new key %s\n", old.ID, k.Public().ID)
	}
	cs, err := signCheckpoints(e, d, s.data)
	if err != nil {
		return err
	}
	return printCheckpoints(e.stdout, cs)
}

func signCheckpoints(e *env, d *db.DB, dataDir string) ([]ledger.Checkpoint, error) {
	k, err := ledger.LoadOrCreateKey(dataDir)
	if err != nil {
		return nil, err
	}
	cs, _, err := ledger.SignHeads(e.ctx, d, k, dataDir)
	return cs, err
}

// printCheckpoints prints checkpoints as one JSON array, ready to keep in a
// file for abri verify --checkpoint.
func printCheckpoints(w io.Writer, cs []ledger.Checkpoint) error {
	if cs == nil {
		cs = []ledger.Checkpoint{}
	}
	b, err := json.MarshalIndent(cs, "", "  ")
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "%s\n", b)
	return err
}
