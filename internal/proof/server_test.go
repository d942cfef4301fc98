package proof_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"abri/internal/access"
	"abri/internal/account"
	"abri/internal/db"
	"abri/internal/server"
)

const adminPassword = "a long enough admin password"

// site is the real server, in this process, on a loopback port, with one
// organisation and its administrator. Everything it logs goes to logs.
type site struct {
	url   string
	d     *db.DB
	acc   *account.Service
	org   account.Organisation
	base  account.Base
	admin account.User
	logs  *syncBuffer
}

// startSite serves d with the given public base URL until the test ends.
func startSite(t *testing.T, d *db.DB, baseURL string) *site {
	t.Helper()
	ctx := context.Background()
	st := &site{d: d, acc: account.New(d), logs: &syncBuffer{}}
	var err error
	st.org, st.base, err = st.acc.CreateOrganisation(ctx, "proof-group", "Proof Group", "Warehouse")
	if err != nil {
		t.Fatal(err)
	}
	st.admin, err = st.acc.AddUser(ctx, access.SystemActor(st.org.ID, st.base.ID), account.NewUser{
		Email: "admin@proof.example", Name: "Admin", Password: adminPassword, BaseID: st.base.ID, Role: access.Admin,
	})
	if err != nil {
		t.Fatal(err)
	}
	logger := slog.New(slog.NewJSONHandler(st.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	srv, err := server.New(server.Config{DB: d, Accounts: st.acc, BaseURL: baseURL, Logger: logger, Version: "proof"})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := server.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	sctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(sctx, ln) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("serve: %v", err)
			}
		case <-time.After(30 * time.Second):
			t.Error("the server did not stop")
		}
	})
	st.url = "http://" + ln.Addr().String()
	return st
}

// signedIn returns a new browser signed in with the given credentials.
func (st *site) signedIn(t *testing.T, email, password string) *client {
	t.Helper()
	c := newClient(st.url)
	if err := c.signIn(context.Background(), email, password); err != nil {
		t.Fatal(err)
	}
	return c
}

// raw sends one request without cookies and returns the response with its
// body read; hdr are header name/value pairs.
func raw(t *testing.T, method, u, body string, hdr ...string) (*http.Response, string) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, u, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	res, err := newClient("").hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res, string(b)
}

func form(kv ...string) url.Values {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Add(kv[i], kv[i+1])
	}
	return v
}
