package cli

import (
	"abri/internal/incident"
	"abri/internal/people"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"abri/internal/account"
	"abri/internal/db"
	"abri/internal/demo"
	"abri/internal/ledger"
	"abri/internal/server"
)

type serveFlags struct {
	storeFlags
	addr           string
	baseURL        string
	trustedProxies string
	proxies        []netip.Prefix
	metricsAllow   string
	metricsNets    []netip.Prefix
	metricsFile    string
	metricsToken   string
	stmtTimeout    time.Duration
	evidenceMB     int
}

func (e *env) serveFlags(name, synopsis string, dataDefault string) (*serveFlags, func([]string) error) {
	fs := e.newFlags(name, synopsis)
	f := &serveFlags{}
	f.register(fs)
	if dataDefault != "-" {
		fs.Lookup("data").DefValue = dataDefault
		f.data = envOr("ABRI_DATA", dataDefault)
	}
	fs.IntVar(&f.evidenceMB, "evidence-limit-mb", envInt("ABRI_EVIDENCE_LIMIT_MB", 50), "largest evidence file an incident takes, in MB (env ABRI_EVIDENCE_LIMIT_MB)")
	fs.StringVar(&f.addr, "addr", envOr("ABRI_ADDR", "127.0.0.1:8080"), "address to listen on (env ABRI_ADDR)")
	fs.StringVar(&f.baseURL, "base-url", envOr("ABRI_BASE_URL", ""), "public URL of this server, used in QR codes and links (env ABRI_BASE_URL; default http://ADDR)")
	fs.StringVar(&f.trustedProxies, "trusted-proxy", envOr("ABRI_TRUSTED_PROXIES", ""), "reverse proxies whose X-Forwarded-For is believed, as addresses or CIDRs, comma-separated (env ABRI_TRUSTED_PROXIES)")
	fs.StringVar(&f.metricsAllow, "metrics-allow", envOr("ABRI_METRICS_ALLOW", server.DefaultMetricsAllow), "networks that may read /metrics, as addresses or CIDRs, comma-separated, or none (env ABRI_METRICS_ALLOW)")
	fs.StringVar(&f.metricsFile, "metrics-token-file", envOr("ABRI_METRICS_TOKEN_FILE", ""), "file holding a bearer token that may read /metrics from anywhere (env ABRI_METRICS_TOKEN_FILE; or the token itself in ABRI_METRICS_TOKEN)")
	stmtDefault := db.DefaultStatementTimeout
	var stmtErr error
	if v := os.Getenv("ABRI_DB_STATEMENT_TIMEOUT"); v != "" {
		if stmtDefault, stmtErr = time.ParseDuration(v); stmtErr != nil {
			stmtDefault = db.DefaultStatementTimeout
		}
	}
	fs.DurationVar(&f.stmtTimeout, "db-statement-timeout", stmtDefault, "PostgreSQL: cancel a statement that runs longer than this; 0 for no limit (env ABRI_DB_STATEMENT_TIMEOUT)")
	return f, func(args []string) error {
		if err := parse(fs, args); err != nil {
			return err
		}
		if stmtErr != nil && !flagSet(fs, "db-statement-timeout") {
			return usageError{fmt.Sprintf("ABRI_DB_STATEMENT_TIMEOUT %q: want a duration such as 30s", os.Getenv("ABRI_DB_STATEMENT_TIMEOUT"))}
		}
		return f.check()
	}
}

// flagSet tells whether the command line gave the flag.
func flagSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}

func (f *serveFlags) check() error {
	if _, _, err := net.SplitHostPort(f.addr); err != nil {
		return usageError{fmt.Sprintf("--addr %q: want host:port", f.addr)}
	}
	var err error
	if f.proxies, err = server.ParseTrustedProxies(f.trustedProxies); err != nil {
		return usageError{"--trusted-proxy: " + err.Error()}
	}
	if f.metricsNets, err = server.ParseMetricsAllow(f.metricsAllow); err != nil {
		return usageError{"--metrics-allow: " + err.Error()}
	}
	if f.metricsToken, err = metricsToken(f.metricsFile); err != nil {
		return err
	}
	if f.stmtTimeout < 0 {
		return usageError{"--db-statement-timeout: want 0 or more"}
	}
	if f.baseURL != "" {
		u, err := url.Parse(f.baseURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return usageError{fmt.Sprintf("--base-url %q: want http(s)://host[:port]", f.baseURL)}
		}
		f.baseURL = strings.TrimRight(f.baseURL, "/")
	}
	return nil
}

// metricsToken reads the metrics bearer token from file, or else from
// ABRI_METRICS_TOKEN. A token file, like any secret, should be readable by
// abri's user only; a short token is refused.
func metricsToken(file string) (string, error) {
	tok := os.Getenv("ABRI_METRICS_TOKEN")
	if file != "" {
		b, err := os.ReadFile(file)
		if err != nil {
			return "", fmt.Errorf("metrics token file: %w", err)
		}
		tok = string(b)
	}
	tok = strings.TrimSpace(tok)
	if tok != "" && len(tok) < server.MinMetricsToken {
		return "", usageError{fmt.Sprintf("the metrics token is too short: use at least %d characters (e.g. openssl rand -hex 24)", server.MinMetricsToken)}
	}
	return tok, nil
}

// baseURLFor is the URL people reach the server at when --base-url is unset.
func baseURLFor(ln net.Listener) string {
	host, port, _ := net.SplitHostPort(ln.Addr().String())
	if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port)
}

func (e *env) serve(args []string) error {
	f, parseArgs := e.serveFlags("serve", "serve [--addr HOST:PORT] [--data DIR] [--db DSN] [--base-url URL]", "-")
	if err := parseArgs(args); err != nil {
		return err
	}
	return e.start(f, nil)
}

// start listens (so a port in use is reported first), takes the data
// directory's lock, opens the database and serves. prepare, when set, runs
// before serving (the demo seeds there) and may return what to do once the
// server is up.
func (e *env) start(f *serveFlags, prepare func(d *db.DB, accounts *account.Service) (func(), error)) error {
	logger := newLogger(e.stderr)
	ln, err := server.Listen(f.addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", f.addr, unwrapNet(err))
	}
	defer ln.Close()
	start := time.Now()
	if f.baseURL == "" {
		f.baseURL = baseURLFor(ln)
	}
	f.dsn = db.WithStatementTimeout(f.dsn, f.stmtTimeout)
	// One server per data directory; restore waits for it to stop.
	unlock, err := lockDataDir(f.storeFlags)
	if err != nil {
		return err
	}
	defer unlock()
	d, accounts, err := e.open(f.storeFlags, logger)
	if err != nil {
		return err
	}
	defer d.Close()
	// Card codes are looked up through an HMAC and personal fields sealed,
	// with keys of the data directory, never in the database
	// (docs/data-protection.md). They are loaded before the demo seeds its
	// cards, which must be found later with the same keys.
	cardKeys, err := people.OpenKeys(f.data)
	if err != nil {
		return err
	}
	people.UseKeys(cardKeys)
	var ready func()
	if prepare != nil {
		if ready, err = prepare(d, accounts); err != nil {
			return err
		}
	}
	return e.run(ln, d, accounts, f, logger, start, ready)
}

// run serves until the context ends, then shuts down gracefully and lets the
// caller close the database. ready, when set, runs once the server is up.
func (e *env) run(ln net.Listener, d *db.DB, accounts *account.Service, f *serveFlags, logger *slog.Logger, start time.Time, ready func()) error {
	baseURL := f.baseURL
	signer, err := checkpointSigner(f.data, d, logger)
	if err != nil {
		return err
	}
	// Evidence files live in the data directory, encrypted with its
	// evidence.key (docs/admin.md).
	evidence, err := incident.OpenEvidenceStore(f.data, int64(f.evidenceMB)<<20)
	if err != nil {
		return err
	}
	srv, err := server.New(server.Config{DB: d, Accounts: accounts, BaseURL: baseURL, Logger: logger, Version: version(),
		TrustedProxies: f.proxies, MetricsAllow: f.metricsNets, MetricsToken: f.metricsToken, Checkpoints: signer, Evidence: evidence})
	if err != nil {
		return err
	}
	logger.Info("abri serving", "url", baseURL, "listen", ln.Addr().String(), "database", d.Dialect.String(),
		"version", version(), "startup_ms", time.Since(start).Milliseconds())
	if ready != nil {
		ready()
	}
	if err := srv.Serve(e.ctx, ln); err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	logger.Info("abri stopped")
	return nil
}

// checkpointSigner signs the ledger's chain heads while the server runs,
// with the data directory's key (made the first time; on PostgreSQL too,
// where the data directory holds only the key and the checkpoints).
func checkpointSigner(dataDir string, d *db.DB, logger *slog.Logger) (*ledger.Signer, error) {
	if err := prepareDataDir(dataDir); err != nil {
		return nil, err
	}
	k, err := ledger.LoadOrCreateKey(dataDir)
	if err != nil {
		return nil, err
	}
	return &ledger.Signer{DB: d, Key: k, Dir: dataDir, Log: logger}, nil
}

func unwrapNet(err error) error {
	if oe, ok := err.(*net.OpError); ok && oe.Err != nil {
		if se, ok := oe.Err.(*os.SyscallError); ok {
			return se.Err
		}
		return oe.Err
	}
	return err
}

func (e *env) demo(args []string) error {
	f, parseArgs := e.serveFlags("demo", "demo [--addr HOST:PORT] [--data DIR] [--db DSN] [--base-url URL]", "")
	if err := parseArgs(args); err != nil {
		return err
	}
	if f.data == "" { // the demo's database, or with --db only its signing key
		dir, err := os.MkdirTemp("", "abri-demo-")
		if err != nil {
			return fmt.Errorf("temporary data directory: %w", err)
		}
		defer os.RemoveAll(dir)
		f.data = dir
	}
	return e.start(f, func(d *db.DB, accounts *account.Service) (func(), error) {
		users, err := demo.Seed(e.ctx, d, accounts)
		if err != nil {
			return nil, fmt.Errorf("seed demo: %w", err)
		}
		evidence, err := incident.OpenEvidenceStore(f.data, int64(f.evidenceMB)<<20)
		if err != nil {
			return nil, err
		}
		if err := demo.SeedEvidence(e.ctx, d, evidence); err != nil {
			return nil, fmt.Errorf("seed demo: %w", err)
		}
		return func() {
			fmt.Fprintf(e.stdout, "abri demo: open %s/ and sign in as one of these (role, email, password, API token):\n", f.baseURL)
			for _, u := range users {
				fmt.Fprintf(e.stdout, "user %s %s %s %s\n", u.Role, u.Email, u.Password, u.Token)
			}
			fmt.Fprintf(e.stdout, "public schedule (no sign-in): %s/schedule/%s\n", f.baseURL, demo.ScheduleSlug())
			if f.dsn == "" && f.data != "" {
				fmt.Fprintf(e.stdout, "data: %s (press Ctrl-C to stop)\n", f.data)
			}
		}, nil
	})
}

// envInt reads a whole number from the environment, or gives def.
func envInt(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n > 0 {
		return n
	}
	return def
}
