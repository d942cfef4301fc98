package cli

import (
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"net/url"
	"os"
	"strings"
	"time"

	"abri/internal/account"
	"abri/internal/db"
	"abri/internal/demo"
	"abri/internal/server"
)

type serveFlags struct {
	storeFlags
	addr           string
	baseURL        string
	trustedProxies string
	proxies        []netip.Prefix
}

func (e *env) serveFlags(name, synopsis string, dataDefault string) (*serveFlags, func([]string) error) {
	fs := e.newFlags(name, synopsis)
	f := &serveFlags{}
	f.register(fs)
	if dataDefault != "-" {
		fs.Lookup("data").DefValue = dataDefault
		f.data = envOr("ABRI_DATA", dataDefault)
	}
	fs.StringVar(&f.addr, "addr", envOr("ABRI_ADDR", "127.0.0.1:8080"), "address to listen on (env ABRI_ADDR)")
	fs.StringVar(&f.baseURL, "base-url", envOr("ABRI_BASE_URL", ""), "public URL of this server, used in QR codes and links (env ABRI_BASE_URL; default http://ADDR)")
	fs.StringVar(&f.trustedProxies, "trusted-proxy", envOr("ABRI_TRUSTED_PROXIES", ""), "reverse proxies whose X-Forwarded-For is believed, as addresses or CIDRs, comma-separated (env ABRI_TRUSTED_PROXIES)")
	return f, func(args []string) error {
		if err := parse(fs, args); err != nil {
			return err
		}
		return f.check()
	}
}

func (f *serveFlags) check() error {
	if _, _, err := net.SplitHostPort(f.addr); err != nil {
		return usageError{fmt.Sprintf("--addr %q: want host:port", f.addr)}
	}
	var err error
	if f.proxies, err = server.ParseTrustedProxies(f.trustedProxies); err != nil {
		return usageError{"--trusted-proxy: " + err.Error()}
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
	srv, err := server.New(server.Config{DB: d, Accounts: accounts, BaseURL: baseURL, Logger: logger, Version: version(),
		TrustedProxies: f.proxies})
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
	if f.data == "" && f.dsn == "" {
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
		return func() {
			fmt.Fprintf(e.stdout, "abri demo: open %s/ and sign in as one of these (role, email, password, API token):\n", f.baseURL)
			for _, u := range users {
				fmt.Fprintf(e.stdout, "user %s %s %s %s\n", u.Role, u.Email, u.Password, u.Token)
			}
			if f.dsn == "" && f.data != "" {
				fmt.Fprintf(e.stdout, "data: %s (press Ctrl-C to stop)\n", f.data)
			}
		}, nil
	})
}
